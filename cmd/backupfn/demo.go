package main

import (
	"context"
	_ "embed"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
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
	env := map[string]string{}
	for _, kv := range emu.Env("http://" + ln.Addr().String()) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
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
	rep := (&core.Service{Registry: reg}).Run(ctx, core.Trigger{Platform: "cli", Source: core.SourceCLI, Groups: []string{"nightly"}}, jobs)
	if code := a.printReport(rep, *asJSON, false); code != exitOK {
		return code
	}
	fmt.Fprintln(a.stderr)
	if !a.follow(ctx, reg, jobs, rep) {
		return exitFailed
	}
	fmt.Fprintf(a.stderr, "\nthe emulator recorded %d backups: see what a test counts with GET /_emulator/backups\n", len(emu.Backups()))
	return exitOK
}

// follow polls every started task until it is done or failed, drawing
// progress on stderr, and reports whether all are done.
func (a *app) follow(ctx context.Context, reg *providers.Registry, jobs []core.Job, rep core.Report) bool {
	type task struct {
		name, id string
		t        providers.Target
	}
	var tasks []task
	for i, r := range rep.Results {
		for _, id := range r.TaskIDs {
			tasks = append(tasks, task{name: jobs[i].Name, id: id, t: jobs[i].Target})
		}
	}
	state := map[int]providers.State{}
	start := time.Now()
	for len(state) < len(tasks) {
		for i, tk := range tasks {
			if _, final := state[i]; final {
				continue
			}
			p, _ := reg.Lookup(tk.t.Scheme)
			st, err := p.Status(ctx, tk.t, tk.id)
			if err != nil {
				fmt.Fprintf(a.stderr, "%s task %s: %v\n", tk.name, tk.id, err)
				state[i] = providers.Failed
				continue
			}
			if st.State != providers.Running {
				state[i] = st.State
				fmt.Fprintf(a.stderr, "  %-16s task %-36s %s (%s) after %s\n", tk.name, tk.id, st.State, st.Detail, time.Since(start).Round(100*time.Millisecond))
			}
		}
		if len(state) < len(tasks) {
			if a.isTerminal() {
				fmt.Fprintf(a.stderr, "\r  %d of %d tasks running… %s\033[K", len(tasks)-len(state), len(tasks), time.Since(start).Round(100*time.Millisecond))
			}
			if !sleepFor(ctx, 250*time.Millisecond) {
				return false
			}
			if a.isTerminal() {
				fmt.Fprint(a.stderr, "\r\033[K")
			}
		}
	}
	names := make([]string, 0, len(state))
	ok := true
	for i, s := range state {
		ok = ok && s == providers.Done
		if s != providers.Done {
			names = append(names, tasks[i].name)
		}
	}
	sort.Strings(names)
	if !ok {
		fmt.Fprintf(a.stderr, "not done: %s\n", strings.Join(names, ", "))
		return false
	}
	fmt.Fprintf(a.stderr, "all %d backup tasks done\n", len(tasks))
	return true
}

func sleepFor(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
