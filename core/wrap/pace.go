package wrap

import (
	"context"
	"sync"

	"github.com/backupfn/backupfn/providers"
	"golang.org/x/time/rate"
)

// Pace returns p with StartBackup paced by a token bucket per (region,
// credentials profile) of perSec calls a second and the given burst, a
// little under them (95% of the rate, 90% of the burst: the cloud's bucket
// starts at a slightly different moment). perSec <= 0 means no limit. A
// call waits for its token until the start window (WithStartWindow) ends:
// then it returns ErrNotStarted, or a NotCalledError when ctx itself ended.
// Throttling is avoided, not just retried.
func Pace(p providers.Provider, perSec float64, burst int) providers.Provider {
	return &pacer{base: base{p}, perSec: perSec, burst: burst, buckets: map[string]*rate.Limiter{}}
}

type pacer struct {
	base
	perSec float64
	burst  int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
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
	if err := p.bucket(t).Wait(startWindow(ctx)); err != nil {
		if ctx.Err() != nil {
			return providers.Started{}, &NotCalledError{providers.TransportError(ctx, ctx.Err(), "waiting for the rate limit: "+ctx.Err().Error())}
		}
		return providers.Started{}, ErrNotStarted
	}
	return p.Provider.StartBackup(ctx, t, o)
}
