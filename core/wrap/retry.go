package wrap

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/backupfn/backupfn/errkind"
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

// WithDefaults returns p with its zero fields set to the defaults.
func (p RetryPolicy) WithDefaults() RetryPolicy {
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

// Retry returns p with StartBackup retried by pol (now is the clock; nil
// means time.Now). After an ambiguous failure (errkind.Unknown: the backup
// may have started) it asks FindStarted for the call's marker before
// calling again, and once more before giving up, so one trigger never
// starts two backups of one target and a backup that did start is not
// reported failed; while a lookup fails it backs off and looks again, never
// calling. WithLookSince makes it look first. An inner ErrNotStarted (the
// start window closed) ends it at once. Status and FindStarted pass
// through.
func Retry(p providers.Provider, pol RetryPolicy, now func() time.Time) providers.Provider {
	if now == nil {
		now = time.Now
	}
	return &retrier{base{p}, pol.WithDefaults(), now}
}

type retrier struct {
	base
	pol RetryPolicy
	now func() time.Time
}

// StartBackup implements providers.Provider.
func (r *retrier) StartBackup(ctx context.Context, t providers.Target, o providers.StartOptions) (providers.Started, error) {
	calls := 0
	st, n, err := r.start(ctx, t, o, lookSince(ctx), &calls)
	if s := statsOf(ctx); s != nil {
		s.Attempts, s.Calls = n, calls
	}
	return st, err
}

func (r *retrier) start(ctx context.Context, t providers.Target, o providers.StartOptions, lookSince time.Time, calls *int) (providers.Started, int, error) {
	p, pol := r.Provider, r.pol
	first := r.now().Add(-time.Second) // clock skew margin for FindStarted
	if !lookSince.IsZero() {
		first = lookSince
	}
	deadline := r.now().Add(pol.MaxElapsed)
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
			st, err = p.StartBackup(ctx, t, o)
			var nc *NotCalledError
			if !errors.Is(err, ErrNotStarted) && !errors.As(err, &nc) {
				*calls++
			}
			switch {
			case err == nil:
				return st, n, nil
			case errors.Is(err, ErrNotStarted): // the start window closed: no call made
				if ambiguous && n > 1 {
					// An earlier call may have started the backup: look once
					// more rather than report it not started.
					if st, found, ferr := p.FindStarted(ctx, t, o.Marker, first); ferr == nil && found {
						return st, n - 1, nil
					}
				}
				return providers.Started{}, n - 1, ErrNotStarted
			case errors.As(err, &nc): // ctx ended while waiting: no call made
				return giveUp(n-1, nc.Err)
			}
		}
		k := errkind.KindOf(err)
		if !errkind.Retryable(k) && !(errkind.Ambiguous(k) && ctx.Err() == nil) {
			ambiguous = ambiguous || errkind.Ambiguous(k)
			return giveUp(n, err)
		}
		ambiguous = ambiguous || errkind.Ambiguous(k)
		wait := pol.backoff(n)
		if n >= pol.Attempts || r.now().Add(wait).After(deadline) || !sleep(ctx, wait) {
			return giveUp(n, err)
		}
	}
}
