package bench

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/backupfn/backupfn/bench/fanout"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/core/wrap"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// SeqRun is a plain sequential loop of StartBackup calls (what a user
// writes by hand), over the first Calls targets of one provider.
type SeqRun struct {
	Calls  int           `json:"calls"`
	Wall   time.Duration `json:"wall"`
	Failed int           `json:"failed"`
}

// PerCall is the loop's mean time per call.
func (s SeqRun) PerCall() time.Duration {
	if s.Calls == 0 {
		return 0
	}
	return s.Wall / time.Duration(s.Calls)
}

// RunSequential calls StartBackup for each of the first calls targets of
// scheme, one after another.
func RunSequential(ctx context.Context, reg *providers.Registry, scheme string, calls int) (SeqRun, error) {
	p, ts, err := providerTargets(reg, scheme, calls)
	if err != nil {
		return SeqRun{}, err
	}
	salt := core.NewToken()
	res := SeqRun{Calls: calls}
	start := time.Now()
	for _, t := range ts {
		if _, err := p.StartBackup(ctx, t, providers.StartOptions{Marker: core.Marker(salt, t)}); err != nil {
			res.Failed++
		}
	}
	res.Wall = time.Since(start)
	return res, nil
}

// UnboundedRun is every StartBackup call at once, each in its own
// goroutine, with no pacing; then each throttled one retried with
// exponential backoff and full jitter, as a careful hand-written loop would.
type UnboundedRun struct {
	N int `json:"n"`
	// FirstWave is when the last first call returned; FirstOK and
	// FirstThrottled count the first calls' outcomes.
	FirstWave      time.Duration `json:"first_wave"`
	FirstOK        int           `json:"first_ok"`
	FirstThrottled int           `json:"first_throttled"`
	// Done is when every target was started or given up; Throttled counts
	// every throttled answer, Calls every call, Failed the targets given up.
	Done      time.Duration `json:"done"`
	Throttled int           `json:"throttled"`
	Calls     int           `json:"calls"`
	Failed    int           `json:"failed"`
}

// Retry bounds of RunUnbounded's hand-written retry loop.
const (
	unboundedAttempts = 40
	unboundedBase     = 100 * time.Millisecond
	unboundedCap      = 2 * time.Second
)

// RunUnbounded starts all n calls of scheme at once; with retry it then
// retries throttled, busy and unavailable answers (at most
// unboundedAttempts calls per target, and never past ctx).
func RunUnbounded(ctx context.Context, reg *providers.Registry, scheme string, n int, retry bool) (UnboundedRun, error) {
	p, ts, err := providerTargets(reg, scheme, n)
	if err != nil {
		return UnboundedRun{}, err
	}
	salt := core.NewToken()
	res := UnboundedRun{N: n}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for _, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := providers.StartOptions{Marker: core.Marker(salt, t)}
			for a := 1; ; a++ {
				_, err := p.StartBackup(ctx, t, o)
				k := errkind.KindOf(err)
				mu.Lock()
				res.Calls++
				if a == 1 {
					res.FirstWave = max(res.FirstWave, time.Since(start))
					switch {
					case err == nil:
						res.FirstOK++
					case k == errkind.Throttled:
						res.FirstThrottled++
					}
				}
				if k == errkind.Throttled {
					res.Throttled++
				}
				giveUp := err != nil && (!retry || !errkind.Retryable(k) || a >= unboundedAttempts)
				if giveUp {
					res.Failed++
				}
				mu.Unlock()
				if err == nil || giveUp {
					return
				}
				ceil := min(unboundedCap, unboundedBase<<min(a-1, 10))
				if !wrap.Sleep(ctx, time.Duration(rand.Int64N(int64(ceil)+1))) {
					mu.Lock()
					res.Failed++
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	res.Done = time.Since(start)
	return res, nil
}

func providerTargets(reg *providers.Registry, scheme string, n int) (providers.Provider, []providers.Target, error) {
	p, err := reg.Lookup(scheme)
	if err != nil {
		return nil, nil, err
	}
	ts, err := fanout.Targets(reg, scheme, n)
	return p, ts, err
}
