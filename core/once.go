package core

import (
	"context"
	"errors"
	"time"

	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/core/wrap"
	"github.com/backupfn/backupfn/providers"
)

// startOnce starts t's backup unless the store says this trigger already
// did, and records the outcome in the store.
func (s *Service) startOnce(ctx, startBy context.Context, p providers.Provider, t providers.Target, trig Trigger, marker string, res Result) Result {
	var key string
	var claim Claim
	if s.Store != nil && trig.DedupeKey != "" {
		key = "backupfn:" + trig.DedupeKey + "|" + t.Key()
		var err error
		if claim, err = s.claim(ctx, startBy, key); err != nil {
			if errors.Is(err, errNotStarted) {
				return pending(res)
			}
			return failed(res, err)
		}
		if claim.Done != nil {
			return replay(res, *claim.Done)
		}
	}
	start := s.now()
	res.StartedAt = start
	var lookSince time.Time // zero: nothing to look for before the first call
	switch {
	case claim.TakenOver:
		lookSince = claim.TriedAt.Add(-time.Minute) // clock skew margin
	case s.LookFirst > 0 && trig.DedupeKey != "" && storesMarker(p):
		lookSince = s.now().Add(-s.LookFirst)
	}
	cctx, stats := wrap.WithStats(wrap.WithLookSince(wrap.WithStartWindow(ctx, startBy), lookSince))
	st, err := p.StartBackup(cctx, t, providers.StartOptions{Marker: marker, Remark: trig.Remark})
	attempts := stats.Attempts
	res.Attempts = attempts
	res.DurationMS = s.now().Sub(start).Milliseconds()
	switch {
	case errors.Is(err, errNotStarted) && attempts == 0:
		res = pending(res)
	case err != nil:
		res = failed(res, err)
	default:
		res.Status, res.TaskIDs, res.JobIDs, res.RequestID = StatusStarted, st.TaskIDs, st.JobIDs, st.RequestID
		if attempts == 0 { // found before any call: an earlier delivery started it
			res.Status = StatusAlreadyStarted
		}
	}
	if key != "" {
		s.settle(key, claim.Token, res)
	}
	return res
}

// replay turns a stored result into this delivery's already-started result.
func replay(res, done Result) Result {
	done.Status = StatusAlreadyStarted
	done.Name = res.Name
	done.Attempts = 0
	return done
}

// storesMarker reports whether p keeps the marker with the backup, so a
// lookup before the first call can only find this trigger's own backup.
func storesMarker(p providers.Provider) bool {
	m, ok := wrap.Unwrap(p).(providers.MarkerStorer)
	return ok && m.StoresMarker()
}

// claim takes the store's lease on key, waiting while another delivery
// holds it (it will complete or its lease will lapse) until startBy ends.
func (s *Service) claim(ctx, startBy context.Context, key string) (Claim, error) {
	lease := s.Retry.WithDefaults().MaxElapsed + time.Minute
	for wait := 50 * time.Millisecond; ; wait = min(wait*2, time.Second) {
		c, err := s.Store.Claim(ctx, key, lease)
		if err != nil {
			return c, &errkind.Error{Kind: errkind.Unavailable, Message: "idempotency store: " + err.Error(), Err: err}
		}
		if !c.Held {
			return c, nil
		}
		if !sleep(startBy, wait) {
			if ctx.Err() == nil {
				return c, errNotStarted
			}
			return c, providers.TransportError(ctx, ctx.Err(), "waiting for another delivery of this trigger: "+ctx.Err().Error())
		}
	}
}

// settle records a started (or found) result, or releases the lease after a
// failure so a later delivery may try again. It runs even if ctx was
// canceled, and tries a few times: a lost completion would let the lease
// lapse, and the next delivery would then have to find the backup.
func (s *Service) settle(key, token string, res Result) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ttl := s.StoreTTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	for i := 0; i < 3; i++ {
		var err error
		if res.Status == StatusStarted || res.Status == StatusAlreadyStarted {
			err = s.Store.Complete(ctx, key, token, res, ttl)
		} else {
			err = s.Store.Release(ctx, key, token)
		}
		if err == nil || !sleep(ctx, time.Duration(i+1)*200*time.Millisecond) {
			return
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
