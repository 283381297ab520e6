package sinks

import (
	"context"
	"github.com/backupfn/backupfn/core"
	"math/rand/v2"
	"sync"
	"time"
)

// Status is one sink's outcome for a run, as the report shows it.
type Status = core.SinkStatus

// Publisher publishes to every sink, each on its own: a failing sink is
// retried with backoff and never holds up or hides the others.
type Publisher struct {
	Sinks    []Sink
	Attempts int           // per sink; 0 means 4
	Base     time.Duration // first backoff ceiling; 0 means 200ms
	Max      time.Duration // backoff ceiling; 0 means 5s
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
