package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
)

func (a *app) cmdEmulator(ctx context.Context, args []string) int {
	fs := a.newFlags("emulator", "[flags]", `  # serve on the default port and point this shell at it
  eval "$(backupfn emulator --env-file /tmp/emu.env & sleep 1; cat /tmp/emu.env)"
  backupfn emulator --listen 127.0.0.1:8787 --generate 100 --backup-duration 10s
  backupfn emulator --faults 'throttle=10%,5xx=5%,lost=2%,latency=50ms@30%' --rate tencent-redis=5`)
	listen := fs.String("listen", "127.0.0.1:8787", "address to listen on")
	envFile := fs.String("env-file", "", "also write the export lines to this file")
	faults := fs.String("faults", "", "fault spec, e.g. 'throttle=10%,5xx=5%,reset=2%,lost=2%,latency=50ms@30%'; scope a rule with provider[/Action]: ")
	var rates strList
	fs.Var(&rates, "rate", "requests per second for a provider's backup call (provider=N, or provider/Action=N); repeatable; 0 = unlimited")
	generate := fs.Int("generate", 0, "add N more backup-able instances per provider")
	duration := fs.Duration("backup-duration", 2*time.Second, "how long each backup runs before it is done")
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	opts := cloudemu.Options{BackupDuration: *duration, Generate: *generate, Rates: map[string]float64{}}
	if *duration == 0 {
		opts.BackupDuration = -1
	}
	for _, r := range rates {
		k, v, ok := strings.Cut(r, "=")
		n, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || n < 0 {
			fmt.Fprintf(a.stderr, "backupfn emulator: --rate %q: want provider=N with N >= 0, e.g. tencent-redis=20\n", r)
			return exitUsage
		}
		opts.Rates[k] = n
	}
	fl, err := cloudemu.ParseFaults(*faults)
	if err != nil {
		fmt.Fprintf(a.stderr, "backupfn emulator: --faults: %v\n", err)
		return exitUsage
	}
	emu := cloudemu.New(opts)
	for _, f := range fl {
		emu.Inject(f)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(a.stderr, "backupfn emulator: %v\n", err)
		return exitUsage
	}
	var b strings.Builder
	for _, kv := range emu.Env("http://" + ln.Addr().String()) {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%s\n", k, v)
	}
	if *envFile != "" {
		if err := os.WriteFile(*envFile, []byte(b.String()), 0o600); err != nil {
			fmt.Fprintf(a.stderr, "backupfn emulator: %v\n", err)
			return exitUsage
		}
	}
	fmt.Fprint(a.stdout, b.String())
	fmt.Fprintf(a.stderr, "cloudemu: serving tencent-redis, alibaba-redis, huawei-dcs, huawei-rds on http://%s (state: /_emulator/backups)\n", ln.Addr())
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(a.stderr, "backupfn emulator: %v\n", err)
		return exitFailed
	}
	return exitOK
}
