package sinks_test

import (
	"context"
	"testing"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/sinks"
)

type capture struct{ evs []sinks.Event }

func (c *capture) Name() string { return "capture" }
func (c *capture) Publish(_ context.Context, evs []sinks.Event) error {
	c.evs = append(c.evs, evs...)
	return nil
}
func (c *capture) Close() error { return nil }

// PublishRun after a wait: the start events as the run left them, the
// summary as the tasks ended, then one completion event per settled task.
func TestPublishRunWaited(t *testing.T) {
	c := &capture{}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := &sinks.Publisher{Sinks: []sinks.Sink{c}, Source: "backupfn/test", Now: func() time.Time { return now }}
	rep := core.Report{Results: []core.Result{
		{Target: "a", Status: core.StatusStarted, TaskIDs: []string{"1"}, TaskState: core.TaskDone},
		{Target: "b", Status: core.StatusStarted, TaskIDs: []string{"2"}, TaskState: core.TaskFailed,
			Error: &core.ErrorInfo{Kind: errkind.Unknown, Message: "the backup task failed"}},
		{Target: "c", Status: core.StatusFailed, Error: &core.ErrorInfo{Kind: errkind.NotFound, Message: "no such instance"}},
	}}
	st := p.PublishRun(context.Background(), core.Trigger{Source: core.SourceTimer}, rep, true)
	if len(st) != 1 || !st[0].OK {
		t.Fatalf("statuses %+v", st)
	}
	want := []struct{ typ, subject, state string }{
		{sinks.TypeStarted, "a", ""}, {sinks.TypeStarted, "b", ""}, {sinks.TypeFailed, "c", ""},
		{sinks.TypeRunFinished, "", ""}, {sinks.TypeCompleted, "a", core.TaskDone}, {sinks.TypeFailed, "b", core.TaskFailed},
	}
	if len(c.evs) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(c.evs), len(want), c.evs)
	}
	for i, w := range want {
		e := c.evs[i]
		if e.Type != w.typ || e.Subject != w.subject || e.Data.TaskState != w.state || e.Source != "backupfn/test" || !e.Time.Equal(now) {
			t.Errorf("event %d = %s %s state %q, want %s %s state %q", i, e.Type, e.Subject, e.Data.TaskState, w.typ, w.subject, w.state)
		}
	}
	if c.evs[1].Data.Error != nil {
		t.Errorf("b's start event carries the task's later failure: %+v", c.evs[1].Data.Error)
	}
	if rs := c.evs[3].Data.Results; len(rs) != 3 || rs[1].TaskState != core.TaskFailed {
		t.Errorf("run.finished results = %+v, want the results as the tasks ended", rs)
	}
	if rep.Results[1].TaskState != core.TaskFailed || rep.Results[1].Error == nil {
		t.Errorf("PublishRun changed the report: %+v", rep.Results[1])
	}
	c.evs = nil
	p.PublishRun(context.Background(), core.Trigger{}, core.Report{Results: rep.Results[2:]}, false)
	if len(c.evs) != 2 || c.evs[0].Type != sinks.TypeFailed || c.evs[1].Type != sinks.TypeRunFinished {
		t.Fatalf("without a wait: %+v", c.evs)
	}
}
