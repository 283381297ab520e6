package wrap

import (
	"context"
	"sync"
	"time"

	"github.com/backupfn/backupfn/providers"
	"golang.org/x/time/rate"
)

// Buckets are token buckets that several processes share, so that the
// instances of one deployment stay under one account's limit together (a
// bucket per process lets N instances send N times the limit: the cloud
// throttles the rest). redisstore.Buckets implements it on Redis.
type Buckets interface {
	// Take takes one token from the bucket named key, which refills at
	// perSec tokens a second up to burst. It returns 0 when the token was
	// taken, or how long to wait before asking again.
	Take(ctx context.Context, key string, perSec float64, burst int) (wait time.Duration, err error)
}

// Pace returns p with StartBackup paced by a token bucket per (region,
// credentials profile) of perSec calls a second and the given burst, a
// little under them (95% of the rate, 90% of the burst: the cloud's bucket
// starts at a slightly different moment). perSec <= 0 means no limit. A
// call waits for its token until the start window (WithStartWindow) ends:
// then it returns ErrNotStarted, or a NotCalledError when ctx itself ended.
// Throttling is avoided, not just retried.
func Pace(p providers.Provider, perSec float64, burst int) providers.Provider {
	return PaceShared(p, "", perSec, burst, nil)
}

// PaceShared is Pace with the buckets in shared (nil: in this process),
// named scheme/region/profile. When shared fails (its store is down), the
// call is paced by this process's bucket instead: a backup is never held
// back by the limiter's store, and Fallbacks counts how often that happened.
func PaceShared(p providers.Provider, scheme string, perSec float64, burst int, shared Buckets) providers.Provider {
	return &pacer{base: base{p}, scheme: scheme, perSec: perSec, burst: burst, shared: shared, buckets: map[string]*rate.Limiter{}}
}

type pacer struct {
	base
	scheme string
	perSec float64
	burst  int
	shared Buckets

	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	fallbacks int
}

// Fallbacks reports how many calls were paced locally because the shared
// buckets failed.
func (p *pacer) Fallbacks() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fallbacks
}

func (p *pacer) bucket(t providers.Target) *rate.Limiter {
	key := t.Region + "/" + t.Profile
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.buckets[key]; ok {
		return l
	}
	// Unlimited still checks the window before each call.
	l := rate.NewLimiter(rate.Inf, 1)
	if p.perSec > 0 {
		l = rate.NewLimiter(rate.Limit(p.perSec*0.95), max(1, p.burst*9/10))
	}
	p.buckets[key] = l
	return l
}

// StartBackup implements providers.Provider.
func (p *pacer) StartBackup(ctx context.Context, t providers.Target, o providers.StartOptions) (providers.Started, error) {
	if err := p.wait(ctx, t); err != nil {
		if ctx.Err() != nil {
			return providers.Started{}, &NotCalledError{providers.TransportError(ctx, ctx.Err(), "waiting for the rate limit: "+ctx.Err().Error())}
		}
		return providers.Started{}, ErrNotStarted
	}
	return p.Provider.StartBackup(ctx, t, o)
}

// wait takes a token, from the shared bucket when there is one, within the
// start window.
func (p *pacer) wait(ctx context.Context, t providers.Target) error {
	window := startWindow(ctx)
	if p.shared != nil && p.perSec > 0 {
		key := p.scheme + "/" + t.Region + "/" + t.Profile
		for {
			d, err := p.shared.Take(window, key, p.perSec*0.95, max(1, p.burst*9/10))
			if err == nil && d <= 0 {
				return nil
			}
			if err != nil {
				if window.Err() != nil {
					return window.Err()
				}
				p.mu.Lock()
				p.fallbacks++
				p.mu.Unlock()
				break // the shared store failed: pace in this process
			}
			if !sleep(window, d) {
				return window.Err()
			}
		}
	}
	return p.bucket(t).Wait(window)
}
