package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/setup"
)

func (a *app) cmdStatus(ctx context.Context, args []string) int {
	fs := a.newFlags("status", "--target NAME|URL [--config FILE] TASK_ID", `  backupfn status --target tencent-redis://ap-guangzhou/crs-5a4py64p 6954227
  backupfn status --config backupfn.yaml --target orders-redis 6954227 --json`)
	cfgPath := fs.String("config", a.getenv("BACKUPFN_CONFIG"), "config file (default $BACKUPFN_CONFIG), for target names")
	target := fs.String("target", "", "the target the task belongs to: a name from the config or a URL")
	asJSON := fs.Bool("json", false, "print the status as JSON")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this time")
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	if *target == "" || fs.NArg() != 1 {
		fmt.Fprintln(a.stderr, "backupfn status: want --target NAME|URL and one TASK_ID")
		return exitUsage
	}
	b, code := a.setup(ctx, "status", setup.Options{Getenv: a.getenv, ConfigPath: *cfgPath, NoStore: true})
	if b == nil {
		return code
	}
	_ = b.Close()
	jobs, err := b.Service.Jobs(core.Trigger{Targets: []string{*target}})
	if err != nil {
		fmt.Fprintf(a.stderr, "backupfn status: %s\n", messages(err))
		return exitUsage
	}
	t := jobs[0].Target
	p, _ := b.Registry.Lookup(t.Scheme)
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	st, err := p.Status(ctx, t, fs.Arg(0))
	if err != nil {
		fmt.Fprintf(a.stderr, "backupfn status: %s: %v\n", t, err)
		if errkind.KindOf(err) == errkind.InvalidArgument {
			return exitUsage
		}
		return exitFailed
	}
	if *asJSON {
		_ = json.NewEncoder(a.stdout).Encode(map[string]any{"target": t.String(), "task_id": fs.Arg(0),
			"state": st.State, "detail": st.Detail, "progress": st.Progress, "request_id": st.RequestID})
		return exitOK
	}
	fmt.Fprintf(a.stdout, "%s task %s: %s (%s", t, fs.Arg(0), st.State, st.Detail)
	if st.Progress > 0 {
		fmt.Fprintf(a.stdout, ", %d%%", st.Progress)
	}
	fmt.Fprintln(a.stdout, ")")
	if st.State == providers.Failed {
		return exitFailed
	}
	return exitOK
}
