package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/backupfn/backupfn/config"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/setup"
	"github.com/backupfn/backupfn/sinks"
)

const runExamples = `  # one target by URL (credentials from the standard environment variables)
  backupfn run --target tencent-redis://ap-guangzhou/crs-5a4py64p?remark=pre-migration

  # a group from the config, as JSON for a pipeline
  backupfn run --config backupfn.yaml --group nightly --json

  # check what would be backed up, without calling any cloud
  backupfn run --config backupfn.yaml --group nightly --dry-run`

func (a *app) cmdRun(ctx context.Context, args []string) int {
	fs := a.newFlags("run", "[--config FILE] (--target NAME|URL | --group NAME)... [flags]", runExamples)
	var targets, groups strList
	cfgPath := fs.String("config", a.getenv("BACKUPFN_CONFIG"), "config file (default $BACKUPFN_CONFIG); needed for target names and groups")
	fs.Var(&targets, "target", "target name from the config, or a target URL; repeatable")
	fs.Var(&groups, "group", "group name from the config; repeatable")
	remark := fs.String("remark", "", "remark for these backups (Tencent and DCS remark, RDS description)")
	dryRun := fs.Bool("dry-run", false, "resolve and validate the targets, call nothing")
	asJSON := fs.Bool("json", false, `print one JSON object {"results":[...]} on stdout`)
	timeout := fs.Duration("timeout", 5*time.Minute, "give up on calls not finished within this time")
	wait := fs.Bool("wait", false, "follow each started task through the status API until it is done or failed (within --timeout); exit 1 if any failed")
	idemKey := fs.String("idempotency-key", "", "dedupe key: runs with the same key and targets start each backup once (shared through the config's idempotency store, else by looking for the backup's marker in the cloud)")
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.stderr, "backupfn run: unexpected argument %q: name targets with --target\n", fs.Arg(0))
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	// Without a key nothing is deduplicated: no store, no Redis connection.
	b, code := a.setup(ctx, "run", setup.Options{Getenv: a.getenv, ConfigPath: *cfgPath, NoStore: *idemKey == "", Source: "backupfn/cli"})
	if b == nil {
		return code
	}
	defer b.Close() // stdout is the report: no log sink
	if *idemKey != "" && b.Config.Idempotency.Store != "redis" {
		b.Service.LookFirst = 24 * time.Hour // this process's memory store forgets: ask the cloud
	}
	trig := core.Trigger{Platform: "cli", Source: core.SourceCLI, Targets: targets, Groups: groups, Remark: *remark,
		Requester: a.getenv("USER"), DedupeKey: *idemKey}
	o := core.HandleOptions{DryRun: *dryRun}
	var bar *progressBar // drawn once the number of targets is known
	o.OnResolved = func(jobs []core.Job) {
		if !*dryRun {
			bar = a.progress(len(jobs))
		}
	}
	o.OnResult = func(i int, r core.Result) {
		if bar != nil {
			bar.done(i, r)
		}
	}
	defer func() {
		if bar != nil {
			bar.finish()
		}
	}()
	if *wait {
		o.Wait = *timeout // and never past the --timeout deadline
		o.OnStarted = func(rep core.Report) {
			fmt.Fprintf(a.stderr, "%d started; waiting for the backup tasks to finish…\n", rep.Counts()[core.StatusStarted]+rep.Counts()[core.StatusAlreadyStarted])
		}
	}
	rep, err := b.Service.Handle(ctx, trig, o)
	switch {
	case errkind.KindOf(err) == errkind.PermissionDenied: // the policy refused: the report says which rule
		return a.printReport(rep, *asJSON, false)
	case err != nil:
		fmt.Fprintf(a.stderr, "backupfn run: %s\n", messages(err))
		return exitUsage
	}
	code = a.printReport(rep, *asJSON, *dryRun)
	for _, r := range rep.Results {
		if *wait && !*dryRun && r.TaskState != core.TaskDone && code == exitOK {
			code = exitFailed
		}
	}
	return code
}

// setup builds the service (package setup); on failure it prints why and
// returns nil and the exit code: 2 for a bad config, 1 for a store that
// cannot be reached.
func (a *app) setup(ctx context.Context, cmd string, o setup.Options) (*setup.Built, int) {
	b, err := setup.New(ctx, o)
	var ce config.Errors
	switch {
	case errors.As(err, &ce):
		fmt.Fprintf(a.stderr, "backupfn %s: invalid config:\n%s\n", cmd, indent(err.Error()))
		return nil, exitUsage
	case err != nil:
		fmt.Fprintf(a.stderr, "backupfn %s: %v\n", cmd, err)
		return nil, exitFailed
	}
	return b, exitOK
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// messages renders a (joined) error one message per line.
func messages(err error) string {
	return strings.Join(errkind.MessagesOf(err), "\n  ")
}

// printReport prints rep as JSON or a table and returns the exit code.
func (a *app) printReport(rep core.Report, asJSON, dryRun bool) int {
	code := exitOK
	if (!dryRun && !rep.OK()) || rep.Counts()[core.StatusFailed] > 0 {
		code = exitFailed
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(a.stderr, "backupfn: %v\n", err)
			return exitFailed
		}
		return code
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tSTATUS\tTASK IDS\tDETAIL")
	waited := false
	for _, r := range rep.Results {
		waited = waited || r.TaskState != ""
	}
	for _, r := range rep.Results {
		name := r.Name
		if name == "" {
			name = r.Target
		}
		detail := ""
		switch {
		case r.Error != nil:
			detail = r.Error.Kind.String() + ": " + r.Error.Message
			if r.Error.Code != "" {
				detail = r.Error.Kind.String() + " (" + r.Error.Code + "): " + r.Error.Message
			}
		case dryRun:
			detail = "would back up " + r.Target
		case r.RequestID != "":
			detail = "request " + r.RequestID
		}
		status := string(r.Status)
		if waited && r.TaskState != "" {
			status += ", task " + r.TaskState
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, status, dash(strings.Join(r.TaskIDs, ",")), detail)
	}
	_ = tw.Flush()
	for _, s := range sinks.Failed(rep.Sinks) {
		fmt.Fprintf(a.stderr, "publishing to %s failed after %d attempts: %s\n", s.Sink, s.Attempts, s.Error)
	}
	c := rep.Counts()
	if dryRun {
		fmt.Fprintf(a.stderr, "dry run: %d target(s) resolved, nothing called\n", len(rep.Results))
	} else {
		fmt.Fprintf(a.stderr, "%d started, %d already started, %d failed, %d pending\n",
			c[core.StatusStarted], c[core.StatusAlreadyStarted], c[core.StatusFailed], c[core.StatusPending])
	}
	return code
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// progressBar draws "n/total" on a terminal's stderr while a run goes on.
type progressBar struct {
	mu          sync.Mutex
	a           *app
	done0, fail int
	total       int
}

// progress returns a progress display when stderr is a terminal and the run
// has many targets, else nil.
func (a *app) progress(total int) *progressBar {
	if total < 8 || !a.isTerminal() {
		return nil
	}
	return &progressBar{a: a, total: total}
}

// isTerminal reports whether stderr is a terminal.
func (a *app) isTerminal() bool {
	f, ok := a.stderr.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progressBar) done(_ int, r core.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done0++
	if r.Status == core.StatusFailed {
		p.fail++
	}
	width := 30
	filled := width * p.done0 / p.total
	fmt.Fprintf(p.a.stderr, "\r[%s%s] %d/%d done, %d failed", strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.done0, p.total, p.fail)
}

func (p *progressBar) finish() { fmt.Fprint(p.a.stderr, "\r\033[K") }
