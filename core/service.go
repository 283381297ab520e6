package core

import (
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/backupfn/backupfn/core/wrap"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// Service starts backups. The zero value is not usable: set Registry (and,
// for Handle, Resolver). Build one from a config with package setup.
type Service struct {
	// Registry maps target schemes to providers.
	Registry *providers.Registry
	// Resolver turns a trigger's names into jobs (the config); Handle needs it.
	Resolver Resolver
	// Policy, when set, decides whether Handle may run a trigger.
	Policy Policy
	// Publisher, when set, receives every Handle call's outcome.
	Publisher Publisher
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
	// Buckets, when set, hold the rate limits' token buckets outside this
	// process (redisstore.Buckets, with the Redis store), so that several
	// instances sharing an account pace together; nil means a bucket per
	// process.
	Buckets wrap.Buckets
	// PollInterval is Wait's first interval between status polls; 0 means 2s.
	PollInterval time.Duration
	// OnResult, when set, is called as each job of Run finishes (from
	// several goroutines at once), e.g. to show progress. Handle calls
	// HandleOptions.OnResult instead.
	OnResult func(i int, r Result)

	renewEvery time.Duration // lease renewal interval; 0 means a third of the lease (tests set it)
	lease      time.Duration // the lease a delivery takes; 0 means the retry budget plus a minute (tests set it)

	chains map[string]providers.Provider // scheme -> the wrapped provider
	mu     sync.Mutex
}

// RetryPolicy bounds retries of a backup call (see wrap.Retry).
type RetryPolicy = wrap.RetryPolicy

// errNotStarted means the start window closed before the call was made.
var errNotStarted = wrap.ErrNotStarted

// chain returns the provider for scheme wrapped with the service's
// cross-cutting behaviour, built once per scheme and shared by every run:
//
//	Retry(Bound(Pace(provider)))
//
// retries with lookups after ambiguous failures (Retry), at most
// PerProvider calls in flight (Bound), paced under the rate limit (Pace).
func (s *Service) chain(scheme string) (providers.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.chains[scheme]; ok {
		return p, nil
	}
	p, err := s.Registry.Lookup(scheme)
	if err != nil {
		return nil, err
	}
	perSec, burst := 0.0, 1
	if v, ok := s.Limits[scheme]; ok {
		perSec, burst = v, max(1, int(v))
	} else if rl, ok := p.(providers.RateLimited); ok {
		perSec, burst = rl.RateLimit()
	}
	c := wrap.Retry(wrap.Bound(wrap.PaceShared(p, scheme, perSec, burst, s.Buckets), s.PerProvider), s.Retry, s.Now)
	if s.chains == nil {
		s.chains = map[string]providers.Provider{}
	}
	s.chains[scheme] = c
	return c, nil
}

// perProvider is the number of workers per provider in one run.
func (s *Service) perProvider() int {
	if s.PerProvider <= 0 {
		return 16
	}
	return s.PerProvider
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Run starts a backup for every job, concurrently (bounded per provider), and
// returns one result per job in the jobs' order. It never returns early: a
// canceled ctx turns the remaining jobs into failed (Canceled) results.
//
// Run is the pipeline's run step alone, for jobs already resolved (tests,
// benchmarks); entrypoints call Handle, which checks the policy, resolves,
// waits and publishes around it.
func (s *Service) Run(ctx context.Context, trig Trigger, jobs []Job) Report {
	return s.run(ctx, trig, jobs, s.DeadlineMargin, s.OnResult)
}

// run is Run with its own deadline margin (0 means 3s; backups not started
// margin before ctx's deadline are reported pending) and progress callback.
func (s *Service) run(ctx context.Context, trig Trigger, jobs []Job, margin time.Duration, onResult func(int, Result)) Report {
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
	// Per provider, as many workers as calls may be in flight (wrap.Bound
	// still bounds concurrent runs): memory follows the bound, not the
	// number of targets.
	byScheme := map[string][]int{}
	for i, j := range jobs {
		byScheme[j.Target.Scheme] = append(byScheme[j.Target.Scheme], i)
	}
	var wg sync.WaitGroup
	for _, idx := range byScheme {
		queue := make(chan int, len(idx))
		for _, i := range idx {
			queue <- i
		}
		close(queue)
		for w := 0; w < min(len(idx), s.perProvider()); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range queue {
					j := jobs[i]
					rep.Results[i] = s.runJob(ctx, startBy, trig, j, vars, Marker(salt, j.Target))
					if onResult != nil {
						onResult(i, rep.Results[i])
					}
				}
			}()
		}
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
	p, err := s.chain(j.Target.Scheme)
	if err != nil {
		return failed(res, err)
	}
	t := expand(j, vars)
	if err := p.Validate(t); err != nil {
		return failed(res, err)
	}
	// Stop starting calls before the invocation's deadline (startBy ends
	// first): what is left is reported pending, for the platform's retry.
	if startBy.Err() != nil {
		return notStarted(ctx, res)
	}
	return s.startOnce(ctx, startBy, p, t, trig, marker, res)
}

// expand fills in a job's option templates ({date}, {trigger}, {name}, ...).
func expand(j Job, vars map[string]string) providers.Target {
	v := make(map[string]string, len(vars)+1)
	for k, x := range vars {
		v[k] = x
	}
	v["name"] = j.Name
	return j.Target.Expand(v)
}

// dryRun takes every job as far as a run would before calling, through a
// provider that calls nothing (wrap.DryRun): templates expanded and options
// validated; no store, no cloud. Valid jobs are skipped, invalid ones failed.
func (s *Service) dryRun(ctx context.Context, trig Trigger, jobs []Job) Report {
	when := trig.Time
	if when.IsZero() {
		when = s.now()
	}
	vars := providers.TemplateVars(when, string(trig.Source))
	rep := Report{Results: make([]Result, len(jobs))}
	for i, j := range jobs {
		res := newResult(j)
		p, err := s.Registry.Lookup(j.Target.Scheme)
		if err == nil {
			_, err = wrap.DryRun(p).StartBackup(ctx, expand(j, vars), providers.StartOptions{Marker: Marker(trig.DedupeKey, j.Target), Remark: trig.Remark})
		}
		if errors.Is(err, wrap.ErrDryRun) {
			res.Status = StatusSkipped
		} else {
			res = failed(res, err)
		}
		rep.Results[i] = res
	}
	return rep
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
