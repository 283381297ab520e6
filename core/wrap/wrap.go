// Package wrap holds the cross-cutting behaviour of backup calls as
// wrappers that are themselves providers.Provider, in the shape of restic's
// backend/retry, limiter and sema: core stacks them per provider,
//
//	Retry(Bound(Pace(provider)))
//
// so each call is retried (looking for the backup after an ambiguous
// failure), each attempt takes a concurrency slot and then a rate token.
// DryRun stands in for a provider that must not be called.
//
// What a call needs besides its Target and StartOptions travels in its
// context: the start window (WithStartWindow; waits for a slot or a token
// end with it as ErrNotStarted), the time since which an earlier delivery
// may have started the backup (WithLookSince), and where Retry reports its
// attempts (WithStats). The package imports no cloud SDK (core's rule).
package wrap

import (
	"context"
	"errors"
	"time"

	"github.com/backupfn/backupfn/providers"
)

// ErrNotStarted means the start window closed before the call was made: the
// backup is not started, and a redelivery of the trigger may start it.
var ErrNotStarted = errors.New("not started before the invocation's deadline")

// NotCalledError is an error returned without calling the cloud: the call's
// context ended while it waited for a slot or a rate token.
type NotCalledError struct{ Err error }

func (e *NotCalledError) Error() string { return e.Err.Error() }
func (e *NotCalledError) Unwrap() error { return e.Err }

type (
	windowKey    struct{}
	lookSinceKey struct{}
	statsKey     struct{}
)

// WithStartWindow returns ctx carrying startBy: waits before a call (for a
// slot, a token) end when startBy does, with ErrNotStarted. Calls already
// made still run under ctx.
func WithStartWindow(ctx, startBy context.Context) context.Context {
	return context.WithValue(ctx, windowKey{}, startBy)
}

// startWindow returns ctx's start window, or ctx itself.
func startWindow(ctx context.Context) context.Context {
	if w, ok := ctx.Value(windowKey{}).(context.Context); ok {
		return w
	}
	return ctx
}

// WithLookSince returns ctx saying that an earlier delivery may have started
// this backup at or after since (it tried and did not finish): Retry looks
// for it before the first call. A zero since means nothing to look for.
func WithLookSince(ctx context.Context, since time.Time) context.Context {
	return context.WithValue(ctx, lookSinceKey{}, since)
}

func lookSince(ctx context.Context) time.Time {
	t, _ := ctx.Value(lookSinceKey{}).(time.Time)
	return t
}

// Stats is what Retry reports about one StartBackup.
type Stats struct {
	// Attempts is how many times Retry went round: calls made, and lookups
	// that failed in their place. 0 with a nil error means the backup was
	// found before any call (an earlier delivery started it).
	Attempts int
	// Calls is how many of them reached the provider's StartBackup. 0 with a
	// nil error means the backup was found, not started, by this delivery
	// (even if some lookups failed first).
	Calls int
}

// WithStats returns ctx with a Stats that Retry fills in.
func WithStats(ctx context.Context) (context.Context, *Stats) {
	s := &Stats{}
	return context.WithValue(ctx, statsKey{}, s), s
}

func statsOf(ctx context.Context) *Stats {
	s, _ := ctx.Value(statsKey{}).(*Stats)
	return s
}

// sleep is Sleep.
func sleep(ctx context.Context, d time.Duration) bool { return Sleep(ctx, d) }

// Sleep waits d or until ctx ends; it reports whether d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Unwrap returns the provider a wrapper wraps, or p when it wraps nothing:
// optional interfaces (providers.MarkerStorer, RateLimited) are the inner
// provider's.
func Unwrap(p providers.Provider) providers.Provider {
	for {
		w, ok := p.(interface{ Unwrap() providers.Provider })
		if !ok {
			return p
		}
		p = w.Unwrap()
	}
}

// base passes every call through to the wrapped provider; wrappers embed
// it and override what they change.
type base struct{ providers.Provider }

func (b base) Unwrap() providers.Provider { return b.Provider }
