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
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/setup"
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
	b, code := a.setup(ctx, "demo", setup.Options{Getenv: getenv, ConfigYAML: demoConfig, ConfigName: "demo.yaml (embedded)"})
	if b == nil {
		return code
	}
	defer b.Close()
	b.Service.PollInterval = 250 * time.Millisecond
	f := &follower{a: a}
	code = exitOK
	rep, err := b.Service.Handle(ctx, core.Trigger{Platform: "cli", Source: core.SourceCLI, Groups: []string{"nightly"}}, core.HandleOptions{
		OnResolved: func(jobs []core.Job) {
			fmt.Fprintf(a.stderr, "cloudemu listening on %s; backing up group %q (%d targets on 4 clouds)\n\n", ln.Addr(), "nightly", len(jobs))
		},
		OnStarted: func(rep core.Report) {
			code = a.printReport(rep, *asJSON, false)
			fmt.Fprintln(a.stderr)
			f.start(len(rep.Results))
		},
		Wait:      time.Hour, // the emulated backups take --backup-duration
		OnSettled: f.settled,
	})
	f.stop()
	switch {
	case err != nil:
		fmt.Fprintf(a.stderr, "backupfn demo: %v\n", err)
		return exitFailed
	case code != exitOK:
		return code
	case !f.allDone(rep):
		return exitFailed
	}
	fmt.Fprintf(a.stderr, "\nthe emulator recorded %d backups: see what a test counts with GET /_emulator/backups\n", len(emu.Backups()))
	return exitOK
}

// follower prints each task as it settles (and a running count on a
// terminal) while the pipeline waits for them.
type follower struct {
	a               *app
	mu              sync.Mutex
	begun           time.Time
	settledN, total int
	done            chan struct{}
}

func (f *follower) start(total int) {
	f.begun, f.total, f.done = time.Now(), total, make(chan struct{})
	if !f.a.isTerminal() {
		return
	}
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-f.done:
				return
			case <-t.C:
				f.mu.Lock()
				fmt.Fprintf(f.a.stderr, "\r  %d of %d tasks running… %s\033[K", f.total-f.settledN, f.total, time.Since(f.begun).Round(100*time.Millisecond))
				f.mu.Unlock()
			}
		}
	}()
}

func (f *follower) settled(_ int, j core.Job, r core.Result) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settledN++
	if f.a.isTerminal() {
		fmt.Fprint(f.a.stderr, "\r\033[K")
	}
	fmt.Fprintf(f.a.stderr, "  %-16s task %-36s %s after %s\n", j.Name, strings.Join(r.TaskIDs, ","), r.TaskState, time.Since(f.begun).Round(100*time.Millisecond))
}

func (f *follower) stop() {
	if f.done != nil {
		close(f.done)
	}
}

// allDone reports whether every task is done, and says so.
func (f *follower) allDone(rep core.Report) bool {
	for _, r := range rep.Results {
		if r.TaskState != core.TaskDone {
			return false
		}
	}
	fmt.Fprintf(f.a.stderr, "all %d backup tasks done\n", f.total)
	return true
}
