package core

import (
	"context"
	"errors"
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

// errNotStarted means the start window closed before the call was made.
var errNotStarted = errors.New("not started before the invocation's deadline")

// start calls StartBackup with retries. After an ambiguous failure (the
// backup may have started) it asks FindStarted before calling again, and
// once more before giving up, so one trigger never starts two backups of
// one target and a backup that did start is not reported failed.
//
// A non-zero lookSince means an earlier delivery may have started this
// backup (it tried and did not finish): look for one started since then
// first. Waits for the rate limit end with startBy (errNotStarted).
func (s *Service) start(ctx, startBy context.Context, p providers.Provider, t providers.Target, o providers.StartOptions, lookSince time.Time) (providers.Started, int, error) {
	pol := s.Retry.withDefaults()
	first := s.now().Add(-time.Second) // clock skew margin for FindStarted
	if !lookSince.IsZero() {
		first = lookSince
	}
	deadline := s.now().Add(pol.MaxElapsed)
	ambiguous := !lookSince.IsZero()
	// giveUp reports err, unless a last look finds the backup an ambiguous
	// call started.
	giveUp := func(n int, err error) (providers.Started, int, error) {
		if ambiguous && ctx.Err() == nil {
			if st, found, ferr := p.FindStarted(ctx, t, o.Marker, first); ferr == nil && found {
				return st, n, nil
			}
		}
		return providers.Started{}, n, err
	}
	for n := 1; ; n++ {
		var st providers.Started
		var found bool
		var err error
		if ambiguous {
			// Look before calling again; if the lookup itself fails, back off
			// and look again rather than risk a second backup.
			st, found, err = p.FindStarted(ctx, t, o.Marker, first)
		}
		if found {
			return st, n - 1, nil
		}
		if err == nil {
			if werr := s.limiter(t).Wait(startBy); werr != nil {
				if ctx.Err() != nil {
					return giveUp(n-1, providers.TransportError(ctx, ctx.Err(), "waiting for the rate limit: "+ctx.Err().Error()))
				}
				return providers.Started{}, n - 1, errNotStarted
			}
			st, err = p.StartBackup(ctx, t, o)
			if err == nil {
				return st, n, nil
			}
		}
		k := errkind.KindOf(err)
		if !errkind.Retryable(k) && !(errkind.Ambiguous(k) && ctx.Err() == nil) {
			ambiguous = ambiguous || errkind.Ambiguous(k)
			return giveUp(n, err)
		}
		ambiguous = ambiguous || errkind.Ambiguous(k)
		wait := pol.backoff(n)
		if n >= pol.Attempts || s.now().Add(wait).After(deadline) || !sleep(ctx, wait) {
			return giveUp(n, err)
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
