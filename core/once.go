package core

import (
	"context"
	"time"

	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/providers"
)

// startOnce starts t's backup unless the store says this trigger already
// did, and records the outcome in the store.
func (s *Service) startOnce(ctx context.Context, p providers.Provider, t providers.Target, trig Trigger, marker string, res Result) Result {
	var key string
	var claim Claim
	if s.Store != nil && trig.DedupeKey != "" {
		key = "backupfn:" + trig.DedupeKey + "|" + t.Key()
		var err error
		if claim, err = s.claim(ctx, key); err != nil {
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
		lookSince = s.now().Add(-s.Retry.withDefaults().MaxElapsed - 2*time.Minute)
	case s.LookFirst > 0 && trig.DedupeKey != "":
		lookSince = s.now().Add(-s.LookFirst)
	}
	st, attempts, err := s.start(ctx, p, t, providers.StartOptions{Marker: marker, Remark: trig.Remark}, lookSince)
	res.Attempts = attempts
	res.DurationMS = s.now().Sub(start).Milliseconds()
	if err != nil {
		res = failed(res, err)
	} else {
		res.Status, res.TaskIDs, res.RequestID = StatusStarted, st.TaskIDs, st.RequestID
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

// claim takes the store's lease on key, waiting while another delivery
// holds it (it will complete or its lease will lapse).
func (s *Service) claim(ctx context.Context, key string) (Claim, error) {
	lease := s.Retry.withDefaults().MaxElapsed + time.Minute
	for wait := 50 * time.Millisecond; ; wait = min(wait*2, time.Second) {
		c, err := s.Store.Claim(ctx, key, lease)
		if err != nil {
			return c, &errkind.Error{Kind: errkind.Unavailable, Message: "idempotency store: " + err.Error(), Err: err}
		}
		if !c.Held {
			return c, nil
		}
		if !sleep(ctx, wait) {
			return c, providers.TransportError(ctx, ctx.Err(), "waiting for another delivery of this trigger: "+ctx.Err().Error())
		}
	}
}

// settle records a started result, or releases the lease after a failure so
// a later delivery may try again. It runs even if ctx was canceled.
func (s *Service) settle(key, token string, res Result) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ttl := s.StoreTTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	if res.Status == StatusStarted {
		_ = s.Store.Complete(ctx, key, token, res, ttl)
		return
	}
	_ = s.Store.Release(ctx, key, token)
}
