package core

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/providers"
)

// RetryPolicy bounds retries: exponential backoff with full jitter between
// Base and Max, at most Attempts calls per target, and never past MaxElapsed.
type RetryPolicy struct {
	Attempts   int           // total calls per target; 0 means 4
	Base       time.Duration // first backoff ceiling; 0 means 200ms
	Max        time.Duration // backoff ceiling; 0 means 5s
	MaxElapsed time.Duration // total time for one target; 0 means 60s
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 4
	}
	if p.Base <= 0 {
		p.Base = 200 * time.Millisecond
	}
	if p.Max <= 0 {
		p.Max = 5 * time.Second
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = 60 * time.Second
	}
	return p
}

// backoff returns the wait before attempt n+1 (n >= 1): full jitter over
// min(Max, Base*2^(n-1)).
func (p RetryPolicy) backoff(n int) time.Duration {
	ceil := p.Base << min(n-1, 20)
	if ceil > p.Max || ceil <= 0 {
		ceil = p.Max
	}
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}

// start calls StartBackup with retries. After an ambiguous failure (the
// backup may have started) it asks FindStarted before calling again, so one
// trigger never starts two backups of one target.
//
// A non-zero lookSince means an earlier delivery may have started this
// backup (it tried and did not finish): look for one started since then first.
func (s *Service) start(ctx context.Context, p providers.Provider, t providers.Target, o providers.StartOptions, lookSince time.Time) (providers.Started, int, error) {
	pol := s.Retry.withDefaults()
	first := s.now().Add(-time.Second) // clock skew margin for FindStarted
	takenOver := !lookSince.IsZero()
	if takenOver {
		first = lookSince
	}
	deadline := s.now().Add(pol.MaxElapsed)
	var err error
	ambiguous := takenOver
	for n := 1; ; n++ {
		var st providers.Started
		var found bool
		err = nil
		if ambiguous {
			// Look before calling again; if the lookup itself fails, back off
			// and look again rather than risk a second backup.
			st, found, err = p.FindStarted(ctx, t, o.Marker, first)
		}
		if found {
			return st, n - 1, nil
		}
		if err == nil {
			if err = s.limiter(t).Wait(ctx); err != nil {
				return providers.Started{}, n - 1, providers.TransportError(ctx, err, "waiting for the rate limit: "+err.Error())
			}
			st, err = p.StartBackup(ctx, t, o)
			if err == nil {
				return st, n, nil
			}
		}
		k := errkind.KindOf(err)
		if !errkind.Retryable(k) && !(errkind.Ambiguous(k) && ctx.Err() == nil) {
			return providers.Started{}, n, err
		}
		ambiguous = ambiguous || errkind.Ambiguous(k)
		wait := pol.backoff(n)
		if n >= pol.Attempts || s.now().Add(wait).After(deadline) {
			return providers.Started{}, n, err
		}
		if !sleep(ctx, wait) {
			return providers.Started{}, n, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
