package sinks

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/backupfn/backupfn/core"
)

// Status is one sink's outcome for a run, as the report shows it.
type Status = core.SinkStatus

// Publisher publishes to every sink, each on its own: a failing sink is
// retried with backoff and never holds up or hides the others.
//
// It is core's Publisher: PublishRun turns a run's report into events.
type Publisher struct {
	Sinks    []Sink
	Attempts int           // per sink; 0 means 4
	Base     time.Duration // first backoff ceiling; 0 means 200ms
	Max      time.Duration // backoff ceiling; 0 means 5s
	// Source is the events' source attribute (the function's identity,
	// e.g. "backupfn/scf/nightly-backup"); Now their clock (nil: time.Now).
	Source string
	Now    func() time.Time
}

var _ core.Publisher = (*Publisher)(nil)

// PublishRun implements core.Publisher: one backup.started or backup.failed
// event per result and a run.finished summary, then, when the tasks were
// followed, one backup.completed or backup.failed per settled task.
func (p *Publisher) PublishRun(ctx context.Context, trig core.Trigger, rep core.Report, waited bool) []core.SinkStatus {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	if !waited {
		return p.Publish(ctx, NewEvents(p.Source, trig, rep, now()))
	}
	// The start events say how each backup started, as without the wait
	// (the followed task's state and error are the completion events');
	// the summary holds the results as they ended.
	started := core.Report{Results: make([]core.Result, len(rep.Results))}
	for i, r := range rep.Results {
		if r.TaskState != "" {
			r.TaskState, r.Error = "", nil
		}
		started.Results[i] = r
	}
	evs := NewEvents(p.Source, trig, started, now())
	evs[len(evs)-1].Data.Results = rep.Results
	evs = append(evs, NewCompletionEvents(p.Source, trig, rep, now())...)
	return p.Publish(ctx, evs)
}

// Publish delivers evs to every sink and returns one Status per sink, in
// the sinks' order.
func (p *Publisher) Publish(ctx context.Context, evs []Event) []Status {
	out := make([]Status, len(p.Sinks))
	var wg sync.WaitGroup
	for i, s := range p.Sinks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = p.publishOne(ctx, s, evs)
		}()
	}
	wg.Wait()
	return out
}

func (p *Publisher) publishOne(ctx context.Context, s Sink, evs []Event) Status {
	attempts, base, ceil := p.Attempts, p.Base, p.Max
	if attempts <= 0 {
		attempts = 4
	}
	if base <= 0 {
		base = 200 * time.Millisecond
	}
	if ceil <= 0 {
		ceil = 5 * time.Second
	}
	st := Status{Sink: s.Name()}
	for n := 1; ; n++ {
		st.Attempts = n
		err := s.Publish(ctx, evs)
		if err == nil {
			st.OK, st.Error = true, ""
			return st
		}
		st.Error = err.Error()
		if n >= attempts || isPermanent(err) {
			return st
		}
		wait := min(base<<(n-1), ceil)
		t := time.NewTimer(time.Duration(rand.Int64N(int64(wait) + 1)))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return st
		}
	}
}

// Failed returns the statuses that did not succeed.
func Failed(sts []Status) []Status {
	var f []Status
	for _, s := range sts {
		if !s.OK {
			f = append(f, s)
		}
	}
	return f
}

// Close closes every sink.
func (p *Publisher) Close() error {
	var first error
	for _, s := range p.Sinks {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
