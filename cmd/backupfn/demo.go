package main

import (
	"context"
	_ "embed"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/config"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/all"
)

// demoConfig is examples/backupfn.yaml (a test keeps the two equal).
//
//go:embed demo.yaml
var demoConfig []byte

func (a *app) cmdDemo(ctx context.Context, args []string) int {
	fs := a.newFlags("demo", "[flags]", `  backupfn demo
  backupfn demo --backup-duration 10s --json`)
	duration := fs.Duration("backup-duration", 3*time.Second, "how long each emulated backup runs")
	asJSON := fs.Bool("json", false, "print the run's report as JSON instead of a table")
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	emu := cloudemu.New(cloudemu.Options{BackupDuration: *duration})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(a.stderr, "backupfn demo: %v\n", err)
		return exitFailed
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	// Only the emulator's environment: the demo never sees real credentials.
	env := emu.EnvMap("http://" + ln.Addr().String())
	getenv := func(k string) string { return env[k] }
	reg := all.New(providers.Config{Getenv: getenv})
	cfg, err := config.Parse("demo.yaml (embedded)", demoConfig, reg, getenv)
	if err != nil {
		fmt.Fprintf(a.stderr, "backupfn demo: %v\n", err)
		return exitFailed
	}
	jobs, err := cfg.Resolve(nil, []string{"nightly"})
	if err != nil {
		fmt.Fprintf(a.stderr, "backupfn demo: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(a.stderr, "cloudemu listening on %s; backing up group %q (%d targets on 4 clouds)\n\n", ln.Addr(), "nightly", len(jobs))
	svc := &core.Service{Registry: reg, PollInterval: 250 * time.Millisecond}
	rep := svc.Run(ctx, core.Trigger{Platform: "cli", Source: core.SourceCLI, Groups: []string{"nightly"}}, jobs)
	if code := a.printReport(rep, *asJSON, false); code != exitOK {
		return code
	}
	fmt.Fprintln(a.stderr)
	if !a.follow(ctx, svc, jobs, &rep) {
		return exitFailed
	}
	fmt.Fprintf(a.stderr, "\nthe emulator recorded %d backups: see what a test counts with GET /_emulator/backups\n", len(emu.Backups()))
	return exitOK
}

// follow waits for every started task to be done or failed, printing each
// as it settles (and a running count on a terminal), and reports whether
// all are done.
func (a *app) follow(ctx context.Context, svc *core.Service, jobs []core.Job, rep *core.Report) bool {
	start := time.Now()
	var mu sync.Mutex
	settled, total := 0, len(rep.Results)
	stop := make(chan struct{})
	if a.isTerminal() {
		go func() {
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					mu.Lock()
					fmt.Fprintf(a.stderr, "\r  %d of %d tasks running… %s\033[K", total-settled, total, time.Since(start).Round(100*time.Millisecond))
					mu.Unlock()
				}
			}
		}()
	}
	svc.Wait(ctx, jobs, rep, func(i int, r core.Result) {
		mu.Lock()
		defer mu.Unlock()
		settled++
		if a.isTerminal() {
			fmt.Fprint(a.stderr, "\r\033[K")
		}
		fmt.Fprintf(a.stderr, "  %-16s task %-36s %s after %s\n", jobs[i].Name, strings.Join(r.TaskIDs, ","), r.TaskState, time.Since(start).Round(100*time.Millisecond))
	})
	close(stop)
	ok := true
	for _, r := range rep.Results {
		ok = ok && r.TaskState == core.TaskDone
	}
	if ok {
		fmt.Fprintf(a.stderr, "all %d backup tasks done\n", total)
	}
	return ok
}
