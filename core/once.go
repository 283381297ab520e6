package core

import (
	"context"
	"errors"
	"time"

	"github.com/backupfn/backupfn/core/wrap"
	"github.com/backupfn/backupfn/errkind"
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
		// Hold the lease for as long as this delivery works on the key
		// (waits for a rate token or a slot can outlast any fixed lease);
		// if it is lost, the start window closes: no new call is made (the
		// target is reported pending), a call in flight finishes.
		var stop func()
		startBy, stop = s.holdLease(startBy, key, claim.Token)
		defer stop()
	}
	start := s.now()
	res.StartedAt = start
	var lookSince time.Time // zero: nothing to look for before the first call
	switch {
	case claim.TakenOver:
		lookSince = claim.TriedAt.Add(-time.Minute) // clock skew margin
	case key != "" && claim.Token != "":
		lookSince = s.forgotten(claim, trig, p)
	}
	if lookSince.IsZero() && s.LookFirst > 0 && trig.DedupeKey != "" && storesMarker(p) {
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
		if stats.Calls == 0 { // found before any call: an earlier delivery started it
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

// skew is the clock-skew margin of the times compared below.
const skew = time.Minute

// forgotten decides, for a first claim of a trigger's key, whether the store
// may have forgotten an earlier delivery of it, and if so since when a backup
// it started would have begun (zero: nothing to look for). The store knows
// every claim made since claim.Since:
//
//   - a trigger with a known origin time (a timer's schedule, a message's
//     publish time, a CloudEvent's time: the same on every delivery) that
//     fired after Since was seen by the store, if delivered before: no lookup;
//   - one that fired before Since (but within the TTL: older keys expire in
//     any store) may have been delivered then: look since it fired;
//   - with no origin time (an HTTP request's Idempotency-Key), any delivery
//     within the store's TTL would be remembered, so look only while the
//     store is younger than that, since the TTL's start.
//
// So the lookup costs nothing on the normal path (a Redis older than the TTL,
// a trigger newer than the store), and one list call per target after a loss
// or on a fresh process's memory store. Only providers that keep the marker
// with the backup are looked up: Alibaba's lookup would adopt any manual
// backup job of the instance started in the window — another trigger's as
// well — and report this trigger's backup as done when it was not started
// (the "silently not at all" that backupfn must never do). So after a store
// loss an Alibaba redelivery starts a second backup, which is stated
// (README) and tested.
func (s *Service) forgotten(claim Claim, trig Trigger, p providers.Provider) time.Time {
	if claim.Since.IsZero() || !storesMarker(p) {
		return time.Time{}
	}
	ttl := s.StoreTTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	switch {
	case !trig.Time.IsZero() && trig.Time.After(claim.Since.Add(skew)):
		return time.Time{}
	case !trig.Time.IsZero() && trig.Time.Before(s.now().Add(-2*ttl)):
		// Far older than the dedupe window (a key expires TTL after its
		// first claim, which may come long after the trigger fired: twice
		// the TTL leaves room for a backlog): a store that lost nothing
		// would have let its key expire too; such a redelivery is a new run.
		return time.Time{}
	case !trig.Time.IsZero():
		return trig.Time.Add(-skew)
	case claim.Since.After(s.now().Add(-ttl)):
		return s.now().Add(-ttl)
	}
	return time.Time{}
}

// storesMarker reports whether p keeps the marker with the backup, so a
// lookup before the first call can only find this trigger's own backup.
func storesMarker(p providers.Provider) bool {
	m, ok := wrap.Unwrap(p).(providers.MarkerStorer)
	return ok && m.StoresMarker()
}

// leaseFor is the lease a delivery takes on a key: as long as its retries
// may take, and a minute more; holdLease renews it while the work goes on.
func (s *Service) leaseFor() time.Duration {
	if s.lease > 0 {
		return s.lease
	}
	return s.Retry.WithDefaults().MaxElapsed + time.Minute
}

// errLeaseLost is the cause of a delivery's context ending because its lease
// on the key lapsed: another delivery may have taken the key over, so this
// one must not call the cloud any more.
var errLeaseLost = errors.New("the idempotency lease on this trigger's target lapsed; another delivery took it over")

// holdLease renews the lease on key every third of its length until stop is
// called. If the store says the lease is no longer token's, the returned
// start window ends (cause errLeaseLost): waits for a slot or a token end
// without a call, so two deliveries do not both call. A store error is
// retried at the next renewal, but when renewals have failed for so long
// that the lease may lapse before the next one (a whole lease less one
// interval since the last success), the window closes too: another delivery
// may take the key over once it lapses.
func (s *Service) holdLease(ctx context.Context, key, token string) (context.Context, func()) {
	lease := s.leaseFor()
	every := s.renewEvery
	if every <= 0 {
		every = lease / 3
	}
	lctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		lastOK := time.Now()
		for {
			select {
			case <-done:
				return
			case <-lctx.Done():
				return
			case <-t.C:
				rctx, rcancel := context.WithTimeout(context.WithoutCancel(lctx), min(every, 5*time.Second))
				held, err := s.Store.Renew(rctx, key, token, lease)
				rcancel()
				switch {
				case err == nil && !held:
					cancel(errLeaseLost)
					return
				case err == nil:
					lastOK = time.Now()
				case time.Since(lastOK) >= lease-every:
					cancel(errLeaseLost) // the lease may lapse before we can renew it
					return
				}
			}
		}
	}()
	return lctx, func() { close(done); cancel(nil) }
}

// claim takes the store's lease on key, waiting while another delivery
// holds it (it will complete or its lease will lapse) until startBy ends.
func (s *Service) claim(ctx, startBy context.Context, key string) (Claim, error) {
	lease := s.leaseFor()
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

// sleep is wrap.Sleep.
func sleep(ctx context.Context, d time.Duration) bool { return wrap.Sleep(ctx, d) }
