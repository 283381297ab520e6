package core

import (
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/providers"
)

// Service starts backups. The zero value is not usable: set Registry.
type Service struct {
	// Registry maps target schemes to providers.
	Registry *providers.Registry
	// PerProvider bounds concurrent calls per provider scheme; 0 means 16.
	PerProvider int
	// Retry is the retry policy for retryable and ambiguous failures.
	Retry RetryPolicy
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Store, when set, makes triggers with a dedupe key idempotent: a target
	// already started for the same key is reported already-started and not
	// started again. Nil means no deduplication across runs.
	Store Store
	// StoreTTL is how long a started result is remembered; 0 means 24h.
	StoreTTL time.Duration
	// DeadlineMargin is how long before ctx's deadline the service stops
	// starting backups (they are reported pending); 0 means 3s.
	DeadlineMargin time.Duration
	// LookFirst, when > 0, makes a trigger with a dedupe key look for a
	// backup carrying its marker, started within LookFirst, before starting
	// one: for a store that does not outlive the process (the CLI's
	// --idempotency-key without Redis). Alibaba has no marker, so there it
	// adopts any running backup job started in that window.
	LookFirst time.Duration
	// Limits are requests per second for each provider's backup call, per
	// (provider, region, credentials profile), keyed by scheme; a missing
	// scheme uses the provider's published limit (providers.RateLimited),
	// and a limit <= 0 means none. Calls wait for a token instead of being
	// throttled by the cloud.
	Limits map[string]float64
	// PollInterval is Wait's first interval between status polls; 0 means 2s.
	PollInterval time.Duration
	// OnResult, when set, is called as each job finishes (from several
	// goroutines at once), e.g. to show progress.
	OnResult func(i int, r Result)

	sems     map[string]chan struct{}
	limiters map[string]*rate.Limiter
	mu       sync.Mutex
}

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

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// limiter returns the token bucket of t's (provider, region, credentials).
func (s *Service) limiter(t providers.Target) *rate.Limiter {
	key := t.Scheme + "/" + t.Region + "/" + t.Profile
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.limiters[key]; ok {
		return l
	}
	if s.limiters == nil {
		s.limiters = map[string]*rate.Limiter{}
	}
	perSec, burst := 0.0, 1
	if v, ok := s.Limits[t.Scheme]; ok {
		perSec, burst = v, max(1, int(v))
	} else if p, err := s.Registry.Lookup(t.Scheme); err == nil {
		if rl, ok := p.(providers.RateLimited); ok {
			perSec, burst = rl.RateLimit()
		}
	}
	l := rate.NewLimiter(rate.Inf, 1)
	if perSec > 0 {
		// Pace a little under the cloud's bucket (95% of the rate, 90% of
		// the burst): the two buckets start at slightly different moments.
		l = rate.NewLimiter(rate.Limit(perSec*0.95), max(1, burst*9/10))
	}
	s.limiters[key] = l
	return l
}

// sem returns the concurrency semaphore for a provider scheme.
func (s *Service) sem(scheme string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sems == nil {
		s.sems = map[string]chan struct{}{}
	}
	c, ok := s.sems[scheme]
	if !ok {
		n := s.PerProvider
		if n <= 0 {
			n = 16
		}
		c = make(chan struct{}, n)
		s.sems[scheme] = c
	}
	return c
}

// Run starts a backup for every job, concurrently (bounded per provider), and
// returns one result per job in the jobs' order. It never returns early: a
// canceled ctx turns the remaining jobs into failed (Canceled) results.
func (s *Service) Run(ctx context.Context, trig Trigger, jobs []Job) Report {
	return s.RunWithin(ctx, trig, jobs, s.DeadlineMargin)
}

// RunWithin is Run with its own deadline margin (0 means 3s): backups not
// started margin before ctx's deadline are reported pending.
func (s *Service) RunWithin(ctx context.Context, trig Trigger, jobs []Job, margin time.Duration) Report {
	startBy, cancel := startWindow(ctx, margin)
	defer cancel()
	rep := Report{Results: make([]Result, len(jobs))}
	when := trig.Time
	if when.IsZero() {
		when = s.now()
	}
	vars := providers.TemplateVars(when, string(trig.Source))
	salt := trig.DedupeKey
	if salt == "" {
		salt = randomSalt()
	}
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep.Results[i] = s.runJob(ctx, startBy, trig, j, vars, Marker(salt, j.Target))
			if s.OnResult != nil {
				s.OnResult(i, rep.Results[i])
			}
		}()
	}
	wg.Wait()
	return rep
}

// Marker derives the short token that marks a backup started for a dedupe
// key and a target: "m" + 12 hex digits. Equal inputs give equal markers.
func Marker(dedupeKey string, t providers.Target) string {
	h := sha256.Sum256([]byte(dedupeKey + "\x00" + t.Key()))
	return "m" + hex.EncodeToString(h[:6])
}

func randomSalt() string {
	var b [12]byte
	_, _ = cryptoRand(b[:])
	return hex.EncodeToString(b[:])
}

var cryptoRand = crand.Read

func newResult(j Job) Result {
	return Result{
		Target: j.Target.String(), Name: j.Name, Provider: j.Target.Scheme,
		Region: j.Target.Region, Instance: j.Target.Instance, TaskIDs: []string{},
	}
}

func failed(res Result, err error) Result {
	res.Status, res.Error = StatusFailed, errorInfo(err)
	return res
}

func (s *Service) runJob(ctx, startBy context.Context, trig Trigger, j Job, vars map[string]string, marker string) Result {
	res := newResult(j)
	p, err := s.Registry.Lookup(j.Target.Scheme)
	if err != nil {
		return failed(res, err)
	}
	v := make(map[string]string, len(vars)+1)
	for k, x := range vars {
		v[k] = x
	}
	v["name"] = j.Name
	t := j.Target.Expand(v)
	if err := p.Validate(t); err != nil {
		return failed(res, err)
	}
	// Stop starting calls before the invocation's deadline (startBy ends
	// first): what is left is reported pending, for the platform's retry.
	sem := s.sem(t.Scheme)
	select {
	case sem <- struct{}{}:
	case <-startBy.Done():
		return notStarted(ctx, res)
	}
	defer func() { <-sem }()
	if startBy.Err() != nil {
		return notStarted(ctx, res)
	}
	return s.startOnce(ctx, p, t, trig, marker, res)
}

// startWindow returns a context that ends DeadlineMargin before ctx's
// deadline (or with ctx when it has none).
func startWindow(ctx context.Context, margin time.Duration) (context.Context, context.CancelFunc) {
	d, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	if margin == 0 {
		margin = 3 * time.Second
	}
	return context.WithDeadline(ctx, d.Add(-margin))
}

// notStarted reports a job not started: pending when the deadline is near,
// failed Canceled when the caller gave up.
func notStarted(ctx context.Context, res Result) Result {
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return failed(res, providers.TransportError(ctx, err, "not started: "+err.Error()))
	}
	return pending(res)
}

func pending(res Result) Result {
	res.Status = StatusPending
	res.Error = &ErrorInfo{Kind: errkind.DeadlineExceeded, Message: "not started before the invocation's deadline; deliver the trigger again to finish"}
	return res
}

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

// start calls StartBackup with retries. After an ambiguous failure (the
// backup may have started) it asks FindStarted before calling again, so one
// trigger never starts two backups of one target.
//
// A non-zero lookSince means an earlier delivery may have started this
// backup (it tried and did not finish): look for one started since then first.
func (s *Service) start(ctx context.Context, p providers.Provider, t providers.Target, o providers.StartOptions, lookSince time.Time) (providers.Started, int, error) {
	pol := s.Retry.withDefaults()
	first := s.now().Add(-time.Second) // clock skew margin for FindStarted
	takenOver := !lookSince.IsZero()
	if takenOver {
		first = lookSince
	}
	deadline := s.now().Add(pol.MaxElapsed)
	var err error
	ambiguous := takenOver
	for n := 1; ; n++ {
		var st providers.Started
		var found bool
		err = nil
		if ambiguous {
			// Look before calling again; if the lookup itself fails, back off
			// and look again rather than risk a second backup.
			st, found, err = p.FindStarted(ctx, t, o.Marker, first)
		}
		if found {
			return st, n - 1, nil
		}
		if err == nil {
			if err = s.limiter(t).Wait(ctx); err != nil {
				return providers.Started{}, n - 1, providers.TransportError(ctx, err, "waiting for the rate limit: "+err.Error())
			}
			st, err = p.StartBackup(ctx, t, o)
			if err == nil {
				return st, n, nil
			}
		}
		k := errkind.KindOf(err)
		if !errkind.Retryable(k) && !(errkind.Ambiguous(k) && ctx.Err() == nil) {
			return providers.Started{}, n, err
		}
		ambiguous = ambiguous || errkind.Ambiguous(k)
		wait := pol.backoff(n)
		if n >= pol.Attempts || s.now().Add(wait).After(deadline) {
			return providers.Started{}, n, err
		}
		if !sleep(ctx, wait) {
			return providers.Started{}, n, err
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
