package core_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// fakeProvider starts every backup at once and reports its tasks done.
type fakeProvider struct {
	calls atomic.Int32
}

func (p *fakeProvider) Scheme() string { return "fake" }
func (p *fakeProvider) Validate(t providers.Target) error {
	if t.Options.Get("remark") == "bad-cli" {
		return errkind.New(errkind.InvalidArgument, "remark %q is refused", t.Options.Get("remark"))
	}
	return nil
}
func (p *fakeProvider) StartBackup(_ context.Context, t providers.Target, _ providers.StartOptions) (providers.Started, error) {
	p.calls.Add(1)
	return providers.Started{TaskIDs: []string{"task-" + t.Instance}, RequestID: "req"}, nil
}
func (p *fakeProvider) Status(context.Context, providers.Target, string) (providers.TaskStatus, error) {
	return providers.TaskStatus{State: providers.Done, Detail: "ok"}, nil
}
func (p *fakeProvider) FindStarted(context.Context, providers.Target, string, time.Time) (providers.Started, bool, error) {
	return providers.Started{}, false, nil
}

// fakeResolver knows the names a, b and the group ab.
type fakeResolver struct{}

func (fakeResolver) Resolve(targets, groups []string) ([]core.Job, error) {
	var jobs []core.Job
	for _, g := range groups {
		if g != "ab" {
			return nil, errkind.New(errkind.InvalidArgument, "unknown group %q", g)
		}
		targets = append([]string{"a", "b"}, targets...)
	}
	for _, n := range targets {
		if n != "a" && n != "b" && n != "c" {
			return nil, errkind.New(errkind.InvalidArgument, "unknown target %q", n)
		}
		tg := providers.Target{Scheme: "fake", Region: "r", Instance: "i-" + n}
		if n == "c" { // valid as written, invalid once expanded
			tg.Options = url.Values{"remark": {"bad-{trigger}"}}
		}
		jobs = append(jobs, core.Job{Name: n, Target: tg})
	}
	return jobs, nil
}

// onlyA allows the target a, and names its rule.
type onlyA struct{ seen []core.Trigger }

func (p *onlyA) Allow(trig core.Trigger) error {
	p.seen = append(p.seen, trig)
	for _, t := range trig.Targets {
		if t != "a" {
			return errkind.New(errkind.PermissionDenied, "%s may not back up target %s (rule: test-rule)", trig.Source, t)
		}
	}
	if len(trig.Groups) > 0 {
		return errkind.New(errkind.PermissionDenied, "no groups (rule: test-rule)")
	}
	return nil
}

type recordingPublisher struct {
	mu   sync.Mutex
	runs []published
}

type published struct {
	rep    core.Report
	waited bool
	states []string
}

func (p *recordingPublisher) PublishRun(_ context.Context, _ core.Trigger, rep core.Report, waited bool) []core.SinkStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	var states []string
	for _, r := range rep.Results {
		states = append(states, r.TaskState)
	}
	p.runs = append(p.runs, published{rep, waited, states})
	return []core.SinkStatus{{Sink: "test", OK: true, Attempts: 1}}
}

func pipeline() (*core.Service, *fakeProvider, *onlyA, *recordingPublisher) {
	p, pol, pub := &fakeProvider{}, &onlyA{}, &recordingPublisher{}
	return &core.Service{Registry: providers.NewRegistry(p), Resolver: fakeResolver{}, Policy: pol, Publisher: pub,
		PollInterval: time.Millisecond}, p, pol, pub
}

func TestHandleRunsAndPublishes(t *testing.T) {
	svc, p, pol, pub := pipeline()
	trig := core.Trigger{Source: core.SourceCLI, Targets: []string{"a"}, Caller: core.Caller{Key: "ci"}}
	var resolved, results int
	rep, err := svc.Handle(context.Background(), trig, core.HandleOptions{
		OnResolved: func(jobs []core.Job) { resolved = len(jobs) },
		OnResult:   func(int, core.Result) { results++ },
	})
	if err != nil || !rep.OK() || len(rep.Results) != 1 || rep.Results[0].TaskIDs[0] != "task-i-a" {
		t.Fatalf("Handle = %+v, %v", rep, err)
	}
	if p.calls.Load() != 1 || resolved != 1 || results != 1 {
		t.Fatalf("calls %d, resolved %d, results %d; want 1 each", p.calls.Load(), resolved, results)
	}
	if len(pol.seen) != 1 || pol.seen[0].Caller.Key != "ci" {
		t.Fatalf("the policy saw %+v, want the trigger with its caller", pol.seen)
	}
	if len(pub.runs) != 1 || pub.runs[0].waited || len(rep.Sinks) != 1 || !rep.Sinks[0].OK {
		t.Fatalf("published %+v, sinks %+v; want one run, not waited, and its sink status in the report", pub.runs, rep.Sinks)
	}
}

func TestHandleRefusedStartsNothing(t *testing.T) {
	for _, trig := range []core.Trigger{
		{Source: core.SourceCLI, Targets: []string{"b"}},
		{Source: core.SourceCLI, Targets: []string{"a", "b"}},
		{Source: core.SourceChat, Groups: []string{"ab"}},
	} {
		svc, p, _, pub := pipeline()
		rep, err := svc.Handle(context.Background(), trig, core.HandleOptions{})
		if errkind.KindOf(err) != errkind.PermissionDenied {
			t.Fatalf("%+v: err = %v, want PermissionDenied", trig, err)
		}
		r := rep.Results
		if len(r) != 1 || r[0].Status != core.StatusFailed || r[0].Error.Code != "PolicyDenied" || !strings.Contains(r[0].Error.Message, "test-rule") ||
			strings.HasPrefix(r[0].Error.Message, "PermissionDenied") {
			t.Fatalf("%+v: report %+v, want one failed entry naming the rule", trig, r)
		}
		if p.calls.Load() != 0 {
			t.Fatalf("%+v: a refused trigger made %d calls", trig, p.calls.Load())
		}
		if len(pub.runs) != 1 || len(rep.Sinks) != 1 {
			t.Fatalf("%+v: the refusal was published %d times, want once", trig, len(pub.runs))
		}
	}
	svc, _, _, _ := pipeline()
	rep, _ := svc.Handle(context.Background(), core.Trigger{Targets: []string{"b"}, Groups: []string{"ab"}}, core.HandleOptions{})
	if got := rep.Results[0].Target; got != "b,group:ab" {
		t.Fatalf("the refused entry's target = %q, want what the trigger named", got)
	}
}

func TestHandleUnknownNamePublishesNothing(t *testing.T) {
	svc, p, _, pub := pipeline()
	svc.Policy = nil // no policy: everything allowed
	rep, err := svc.Handle(context.Background(), core.Trigger{Targets: []string{"a", "zz"}}, core.HandleOptions{})
	if errkind.KindOf(err) != errkind.InvalidArgument || rep.Results == nil || len(rep.Results) != 0 {
		t.Fatalf("Handle = %+v, %v; want an empty report and InvalidArgument", rep, err)
	}
	if p.calls.Load() != 0 || len(pub.runs) != 0 {
		t.Fatalf("an unresolvable trigger made %d calls and %d publications", p.calls.Load(), len(pub.runs))
	}
	svc.Resolver = nil
	if _, err := svc.Handle(context.Background(), core.Trigger{Targets: []string{"a"}}, core.HandleOptions{}); errkind.KindOf(err) != errkind.InvalidArgument {
		t.Fatalf("no resolver: err = %v", err)
	}
}

func TestHandleDryRun(t *testing.T) {
	svc, p, _, pub := pipeline()
	rep, err := svc.Handle(context.Background(), core.Trigger{Targets: []string{"a"}}, core.HandleOptions{DryRun: true})
	if err != nil || len(rep.Results) != 1 || rep.Results[0].Status != core.StatusSkipped || rep.Results[0].Instance != "i-a" {
		t.Fatalf("dry run = %+v, %v", rep, err)
	}
	if p.calls.Load() != 0 || len(pub.runs) != 0 {
		t.Fatalf("a dry run made %d calls and %d publications", p.calls.Load(), len(pub.runs))
	}
	// It validates as a run would, templates expanded.
	svc.Policy = nil
	rep, err = svc.Handle(context.Background(), core.Trigger{Source: core.SourceCLI, Targets: []string{"a", "c"}}, core.HandleOptions{DryRun: true})
	if err != nil || rep.Results[0].Status != core.StatusSkipped || rep.Results[1].Status != core.StatusFailed ||
		rep.Results[1].Error.Kind != errkind.InvalidArgument || p.calls.Load() != 0 {
		t.Fatalf("dry run of an invalid expanded target = %+v, %v", rep.Results, err)
	}
	svc.Policy = &onlyA{}
	// The policy still decides, and a refused dry run publishes nothing.
	if _, err := svc.Handle(context.Background(), core.Trigger{Targets: []string{"b"}}, core.HandleOptions{DryRun: true}); errkind.KindOf(err) != errkind.PermissionDenied || len(pub.runs) != 0 {
		t.Fatalf("refused dry run: err %v, %d publications", err, len(pub.runs))
	}
}

func TestHandleWait(t *testing.T) {
	svc, _, _, pub := pipeline()
	svc.Policy = nil
	var order []string
	var settled []string
	rep, err := svc.Handle(context.Background(), core.Trigger{Groups: []string{"ab"}}, core.HandleOptions{
		Wait:      time.Minute,
		OnStarted: func(rep core.Report) { order = append(order, "started:"+rep.Results[0].TaskState) },
		OnSettled: func(_ int, j core.Job, r core.Result) { settled = append(settled, j.Name+"="+r.TaskState) },
	})
	if err != nil || len(rep.Results) != 2 {
		t.Fatalf("Handle = %+v, %v", rep, err)
	}
	for _, r := range rep.Results {
		if r.TaskState != core.TaskDone {
			t.Fatalf("result %+v: want task done", r)
		}
	}
	if len(order) != 1 || order[0] != "started:" || len(settled) != 2 || settled[0] != "a=done" {
		t.Fatalf("OnStarted %v (want once, before the wait), OnSettled %v", order, settled)
	}
	if len(pub.runs) != 1 || !pub.runs[0].waited || pub.runs[0].states[0] != core.TaskDone {
		t.Fatalf("published %+v: want one run, after the wait", pub.runs)
	}
}

// A wait leaves PublishReserve before the deadline for publishing.
func TestHandleWaitLeavesTimeToPublish(t *testing.T) {
	svc, _, _, pub := pipeline()
	svc.Policy = nil
	svc.Registry = providers.NewRegistry(&slowTasks{})
	ctx, cancel := context.WithTimeout(context.Background(), core.PublishReserve+300*time.Millisecond)
	defer cancel()
	start := time.Now()
	rep, err := svc.Handle(ctx, core.Trigger{Targets: []string{"a"}}, core.HandleOptions{Wait: time.Hour})
	if err != nil || rep.Results[0].TaskState != core.TaskRunning {
		t.Fatalf("Handle = %+v, %v; want the task still running", rep, err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Handle took %s: the wait did not stop %s before the deadline", took, core.PublishReserve)
	}
	if len(pub.runs) != 1 || ctx.Err() != nil {
		t.Fatalf("published %d runs, ctx %v", len(pub.runs), ctx.Err())
	}
}

// slowTasks starts backups whose tasks never finish.
type slowTasks struct{ fakeProvider }

func (p *slowTasks) Status(context.Context, providers.Target, string) (providers.TaskStatus, error) {
	return providers.TaskStatus{State: providers.Running}, nil
}

// The pipeline's deadline margin: what cannot start in time is pending,
// and the margin of the call overrides the service's.
func TestHandleMargin(t *testing.T) {
	svc, p, _, _ := pipeline()
	svc.Policy = nil
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	rep, err := svc.Handle(ctx, core.Trigger{Targets: []string{"a"}}, core.HandleOptions{Margin: 2 * time.Second})
	if err != nil || rep.Results[0].Status != core.StatusPending || p.calls.Load() != 0 {
		t.Fatalf("Handle = %+v, %v, %d calls; want pending and no call", rep, err, p.calls.Load())
	}
	if rep, err := svc.Handle(ctx, core.Trigger{Targets: []string{"a"}}, core.HandleOptions{Margin: 10 * time.Millisecond}); err != nil || rep.Results[0].Status != core.StatusStarted {
		t.Fatalf("Handle with a small margin = %+v, %v", rep, err)
	}
}
