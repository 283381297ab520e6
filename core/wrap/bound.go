package wrap

import (
	"context"
	"errors"
	"time"

	"github.com/backupfn/backupfn/providers"
)

// Bound returns p with at most n backup calls (StartBackup, FindStarted) in
// flight at once, across every run that shares it. StartBackup waits for a
// slot until the start window (WithStartWindow) ends: then it returns
// ErrNotStarted, or a NotCalledError when ctx itself ended. FindStarted
// waits as long as ctx lasts; Status polls are not bounded. n <= 0 means 16.
func Bound(p providers.Provider, n int) providers.Provider {
	if n <= 0 {
		n = 16
	}
	return &bounded{base{p}, make(chan struct{}, n)}
}

type bounded struct {
	base
	slots chan struct{}
}

// StartBackup implements providers.Provider.
func (b *bounded) StartBackup(ctx context.Context, t providers.Target, o providers.StartOptions) (providers.Started, error) {
	w := startWindow(ctx)
	select {
	case b.slots <- struct{}{}:
	case <-w.Done():
		// As a job the window left unstarted: pending, unless the caller
		// gave up (Canceled).
		if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return providers.Started{}, &NotCalledError{providers.TransportError(ctx, ctx.Err(), "not started: "+ctx.Err().Error())}
		}
		return providers.Started{}, ErrNotStarted
	}
	defer func() { <-b.slots }()
	if w.Err() != nil && ctx.Err() == nil { // both were ready: the window wins
		return providers.Started{}, ErrNotStarted
	}
	return b.Provider.StartBackup(ctx, t, o)
}

// FindStarted implements providers.Provider.
func (b *bounded) FindStarted(ctx context.Context, t providers.Target, marker string, since time.Time) (providers.Started, bool, error) {
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return providers.Started{}, false, providers.TransportError(ctx, ctx.Err(), "looking for the backup: "+ctx.Err().Error())
	}
	defer func() { <-b.slots }()
	return b.Provider.FindStarted(ctx, t, marker, since)
}
