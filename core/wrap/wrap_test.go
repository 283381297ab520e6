package wrap_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backupfn/backupfn/core/wrap"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// script is a provider whose calls answer in order from its lists (the last
// answer repeats), recording what was called.
type script struct {
	mu      sync.Mutex
	starts  []error // nil: started
	finds   []find
	log     []string
	invalid error
	block   chan struct{} // when set, StartBackup waits on it
	active  atomic.Int32
	peak    atomic.Int32
}

type find struct {
	found bool
	err   error
}

var started = providers.Started{TaskIDs: []string{"t1"}, RequestID: "r1"}

func (s *script) Scheme() string                  { return "script" }
func (s *script) Validate(providers.Target) error { return s.invalid }
func (s *script) record(what string)              { s.mu.Lock(); s.log = append(s.log, what); s.mu.Unlock() }
func (s *script) calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.log...)
}
func (s *script) Status(context.Context, providers.Target, string) (providers.TaskStatus, error) {
	s.record("status")
	return providers.TaskStatus{State: providers.Done}, nil
}

func (s *script) StartBackup(ctx context.Context, _ providers.Target, o providers.StartOptions) (providers.Started, error) {
	n := s.active.Add(1)
	defer s.active.Add(-1)
	for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
	}
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, "start")
	err := s.starts[min(len(s.log)-1-s.countLocked("find")-s.countLocked("status"), len(s.starts)-1)]
	if err != nil {
		return providers.Started{}, err
	}
	return started, nil
}

func (s *script) countLocked(what string) int {
	n := 0
	for _, l := range s.log {
		if l == what {
			n++
		}
	}
	return n
}

func (s *script) FindStarted(_ context.Context, _ providers.Target, marker string, _ time.Time) (providers.Started, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.countLocked("find")
	s.log = append(s.log, "find")
	if marker != "m1" {
		panic("the marker did not reach FindStarted: " + marker)
	}
	f := s.finds[min(i, len(s.finds)-1)]
	if f.found {
		return providers.Started{TaskIDs: []string{"found"}}, true, nil
	}
	return providers.Started{}, false, f.err
}

var (
	tgt       = providers.Target{Scheme: "script", Region: "r1", Instance: "i1"}
	opts      = providers.StartOptions{Marker: "m1"}
	fast      = wrap.RetryPolicy{Attempts: 4, Base: time.Millisecond, Max: 2 * time.Millisecond}
	ambiguous = errkind.New(errkind.Unknown, "connection reset after the request was sent")
	throttled = errkind.New(errkind.Throttled, "slow down")
	lookupErr = errkind.New(errkind.Unavailable, "list API down")
	notFound  = errkind.New(errkind.NotFound, "no such instance")
)

func start(t *testing.T, p providers.Provider, ctx context.Context) (providers.Started, int, error) {
	t.Helper()
	ctx, st := wrap.WithStats(ctx)
	s, err := p.StartBackup(ctx, tgt, opts)
	return s, st.Attempts, err
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRetry(t *testing.T) {
	for _, c := range []struct {
		name      string
		starts    []error
		finds     []find
		lookSince bool
		want      []string // the calls, in order
		attempts  int
		err       error // nil: started (found or not)
		found     bool
	}{
		{"retryable until it starts", []error{throttled, throttled, nil}, nil, false,
			[]string{"start", "start", "start"}, 3, nil, false},
		{"not retryable: one call, no lookup", []error{notFound}, nil, false,
			[]string{"start"}, 1, notFound, false},
		{"ambiguous: look before calling again, and adopt what is found", []error{ambiguous}, []find{{found: true}}, false,
			[]string{"start", "find"}, 1, nil, true},
		{"ambiguous, not found: call again", []error{ambiguous, nil}, []find{{}}, false,
			[]string{"start", "find", "start"}, 2, nil, false},
		{"never a second call while a lookup fails", []error{ambiguous, nil}, []find{{err: lookupErr}, {err: lookupErr}, {found: true}}, false,
			[]string{"start", "find", "find", "find"}, 3, nil, true},
		{"lookups failing to the end: one last look, then the ambiguous error", []error{ambiguous}, []find{{err: lookupErr}}, false,
			[]string{"start", "find", "find", "find", "find"}, 4, lookupErr, false},
		{"ambiguous every time: one last lookup before giving up", []error{ambiguous}, []find{{}}, false,
			[]string{"start", "find", "start", "find", "start", "find", "start", "find"}, 4, ambiguous, false},
		{"the last lookup finds it", []error{ambiguous}, []find{{}, {}, {}, {found: true}}, false,
			[]string{"start", "find", "start", "find", "start", "find", "start", "find"}, 4, nil, true},
		{"an ambiguous then permanent failure still looks last", []error{ambiguous, notFound}, []find{{}, {found: true}}, false,
			[]string{"start", "find", "start", "find"}, 2, nil, true},
		{"look since: an earlier delivery's backup is found before any call", []error{nil}, []find{{found: true}}, true,
			[]string{"find"}, 0, nil, true},
		{"look since, nothing there: call", []error{nil}, []find{{}}, true,
			[]string{"find", "start"}, 1, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &script{starts: c.starts, finds: c.finds}
			if s.finds == nil {
				s.finds = []find{{}}
			}
			ctx := context.Background()
			if c.lookSince {
				ctx = wrap.WithLookSince(ctx, time.Now().Add(-time.Hour))
			}
			st, n, err := start(t, wrap.Retry(s, fast, nil), ctx)
			if got := s.calls(); !equal(got, c.want) {
				t.Errorf("calls %v, want %v", got, c.want)
			}
			if n != c.attempts || !errors.Is(err, c.err) && !(err != nil && c.err != nil && errkind.KindOf(err) == errkind.KindOf(c.err)) || (err == nil) != (c.err == nil) {
				t.Errorf("attempts %d, err %v; want %d, %v", n, err, c.attempts, c.err)
			}
			if err == nil && (st.TaskIDs[0] == "found") != c.found {
				t.Errorf("started %+v, want found=%v", st, c.found)
			}
		})
	}
}

// notCalling answers StartBackup with err without calling anything, as
// Pace and Bound do when their wait ends.
type notCalling struct {
	*script
	err error
}

func (n notCalling) StartBackup(context.Context, providers.Target, providers.StartOptions) (providers.Started, error) {
	n.record("waited")
	return providers.Started{}, n.err
}

// Waits that end before a call: ErrNotStarted ends the retries at once, with
// no lookup (the caller reports pending); a NotCalledError (ctx ended) is
// reported after the last look an ambiguous earlier call calls for.
func TestRetryWaitsEnding(t *testing.T) {
	s := &script{starts: []error{nil}, finds: []find{{}}}
	_, n, err := start(t, wrap.Retry(notCalling{s, wrap.ErrNotStarted}, fast, nil), context.Background())
	if !errors.Is(err, wrap.ErrNotStarted) || n != 0 || !equal(s.calls(), []string{"waited"}) {
		t.Fatalf("window closed: attempts %d, err %v, calls %v", n, err, s.calls())
	}
	s = &script{starts: []error{nil}, finds: []find{{found: true}}}
	canceled := &wrap.NotCalledError{Err: errkind.New(errkind.Canceled, "canceled")}
	st, n, err := start(t, wrap.Retry(notCalling{s, canceled}, fast, nil), wrap.WithLookSince(context.Background(), time.Now()))
	// Looking first finds it: no wait, no call.
	if err != nil || st.TaskIDs[0] != "found" || n != 0 {
		t.Fatalf("look first: %+v, %d, %v", st, n, err)
	}
	s = &script{starts: []error{nil}, finds: []find{{}, {found: true}}}
	st, n, err = start(t, wrap.Retry(notCalling{s, canceled}, fast, nil), wrap.WithLookSince(context.Background(), time.Now()))
	if err != nil || st.TaskIDs[0] != "found" || n != 0 || !equal(s.calls(), []string{"find", "waited", "find"}) {
		t.Fatalf("not called after a look: %+v, attempts %d, err %v, calls %v; want the last look to find it", st, n, err, s.calls())
	}
	s = &script{starts: []error{nil}, finds: []find{{}}}
	_, n, err = start(t, wrap.Retry(notCalling{s, canceled}, fast, nil), context.Background())
	if errkind.KindOf(err) != errkind.Canceled || n != 0 || !equal(s.calls(), []string{"waited"}) {
		t.Fatalf("not called, nothing ambiguous: attempts %d, err %v, calls %v", n, err, s.calls())
	}
}

// A canceled ctx ends the backoff: the last error is reported at once.
func TestRetryCanceled(t *testing.T) {
	s := &script{starts: []error{throttled}, finds: []find{{}}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	slow := wrap.RetryPolicy{Attempts: 100, Base: time.Hour, Max: time.Hour, MaxElapsed: 10 * time.Hour}
	begin := time.Now()
	_, n, err := start(t, wrap.Retry(s, slow, nil), ctx)
	if errkind.KindOf(err) != errkind.Throttled || n < 1 || time.Since(begin) > 5*time.Second {
		t.Fatalf("attempts %d, err %v after %s; want Throttled as soon as ctx ends", n, err, time.Since(begin))
	}
}

func TestPace(t *testing.T) {
	s := &script{starts: []error{nil}}
	p := wrap.Pace(s, 5, 1) // 4.75/s, burst 1: a token every 210ms
	begin := time.Now()
	for i := 0; i < 4; i++ {
		if _, err := p.StartBackup(context.Background(), tgt, opts); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(begin); took < 600*time.Millisecond {
		t.Fatalf("4 calls at 4.75/s took %s, want >= ~630ms", took)
	}
	// Another region has its own bucket: no wait.
	other := tgt
	other.Region = "r2"
	begin = time.Now()
	if _, err := p.StartBackup(context.Background(), other, opts); err != nil || time.Since(begin) > 150*time.Millisecond {
		t.Fatalf("another region waited %s (%v)", time.Since(begin), err)
	}
	// The start window ends a wait with ErrNotStarted; the caller's end with a NotCalledError.
	window, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.StartBackup(wrap.WithStartWindow(context.Background(), window), tgt, opts); !errors.Is(err, wrap.ErrNotStarted) {
		t.Fatalf("window closed: %v", err)
	}
	var nc *wrap.NotCalledError
	if _, err := p.StartBackup(window, tgt, opts); !errors.As(err, &nc) || errkind.KindOf(err) != errkind.Canceled {
		t.Fatalf("ctx canceled: %v", err)
	}
	// Unlimited still honours the window.
	if _, err := wrap.Pace(s, 0, 0).StartBackup(wrap.WithStartWindow(context.Background(), window), tgt, opts); !errors.Is(err, wrap.ErrNotStarted) {
		t.Fatalf("unlimited, window closed: %v", err)
	}
	if n := len(s.calls()); n != 5 {
		t.Fatalf("%d calls reached the provider, want 5", n)
	}
}

func TestBound(t *testing.T) {
	s := &script{starts: []error{nil}, finds: []find{{}}, block: make(chan struct{})}
	p := wrap.Bound(s, 2)
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = p.StartBackup(context.Background(), tgt, opts)
		}()
	}
	for deadline := time.Now().Add(5 * time.Second); s.active.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // time for a third to get in, if the bound let it
	if a := s.active.Load(); a != 2 {
		t.Fatalf("%d calls in flight, want the bound, 2", a)
	}
	// A full bound: the window ends the wait (pending), a canceled ctx too (Canceled).
	window, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := p.StartBackup(wrap.WithStartWindow(context.Background(), window), tgt, opts); !errors.Is(err, wrap.ErrNotStarted) {
		t.Fatalf("window closed: %v", err)
	}
	ctx, cancel2 := context.WithCancel(context.Background())
	cancel2()
	var nc *wrap.NotCalledError
	if _, err := p.StartBackup(ctx, tgt, opts); !errors.As(err, &nc) || errkind.KindOf(err) != errkind.Canceled {
		t.Fatalf("ctx canceled: %v", err)
	}
	if _, _, err := p.FindStarted(ctx, tgt, "m1", time.Now()); errkind.KindOf(err) != errkind.Canceled {
		t.Fatalf("lookup with a full bound and a canceled ctx: %v", err)
	}
	close(s.block)
	wg.Wait()
	if pk := s.peak.Load(); pk != 2 {
		t.Fatalf("peak %d calls in flight, want 2", pk)
	}
	if _, _, err := p.FindStarted(context.Background(), tgt, "m1", time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestDryRun(t *testing.T) {
	s := &script{starts: []error{nil}, finds: []find{{found: true}}}
	p := wrap.DryRun(s)
	if _, err := p.StartBackup(context.Background(), tgt, opts); !errors.Is(err, wrap.ErrDryRun) {
		t.Fatalf("StartBackup: %v, want ErrDryRun", err)
	}
	if _, found, err := p.FindStarted(context.Background(), tgt, "m1", time.Now()); found || err != nil {
		t.Fatalf("FindStarted: %v %v", found, err)
	}
	if _, err := p.Status(context.Background(), tgt, "t1"); errkind.KindOf(err) != errkind.InvalidArgument {
		t.Fatalf("Status: %v", err)
	}
	s.invalid = errkind.New(errkind.InvalidArgument, "bad option")
	if _, err := p.StartBackup(context.Background(), tgt, opts); errkind.KindOf(err) != errkind.InvalidArgument {
		t.Fatalf("an invalid target: %v", err)
	}
	if n := len(s.calls()); n != 0 {
		t.Fatalf("a dry run called the provider %d times", n)
	}
}

func TestUnwrap(t *testing.T) {
	s := &script{}
	p := wrap.Retry(wrap.Bound(wrap.Pace(s, 1, 1), 1), fast, nil)
	if wrap.Unwrap(p) != providers.Provider(s) || wrap.Unwrap(s) != providers.Provider(s) || p.Scheme() != "script" {
		t.Fatal("Unwrap does not reach the provider")
	}
}

// buckets is a scripted wrap.Buckets: each Take answers the next entry.
type buckets struct {
	mu    sync.Mutex
	waits []time.Duration
	errs  []error
	keys  []string
	rates []float64
}

func (b *buckets) Take(_ context.Context, key string, perSec float64, burst int) (time.Duration, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.keys, b.rates = append(b.keys, key), append(b.rates, perSec)
	i := len(b.keys) - 1
	var d time.Duration
	var err error
	if i < len(b.waits) {
		d = b.waits[i]
	}
	if i < len(b.errs) {
		err = b.errs[i]
	}
	return d, err
}

func TestPaceShared(t *testing.T) {
	s := &script{starts: []error{nil}}
	// The shared bucket says "wait 80ms", then grants: one call, after the wait,
	// asking at 95% of the limit under scheme/region/profile.
	b := &buckets{waits: []time.Duration{80 * time.Millisecond, 0}}
	p := wrap.PaceShared(s, "tencent-redis", 20, 20, b)
	begin := time.Now()
	if _, err := p.StartBackup(context.Background(), tgt, opts); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took < 80*time.Millisecond {
		t.Fatalf("the call did not wait for the shared bucket (%s)", took)
	}
	if len(b.keys) != 2 || b.keys[0] != "tencent-redis/"+tgt.Region+"/"+tgt.Profile || b.rates[0] != 19 {
		t.Fatalf("Take calls %v at %v; want two for tencent-redis/%s/ at 19/s", b.keys, b.rates, tgt.Region)
	}
	// A shared store that fails falls back to this process's bucket: the
	// call is still made, and counted as a fallback.
	down := &buckets{errs: []error{errors.New("redis: connection refused")}}
	p = wrap.PaceShared(s, "tencent-redis", 20, 20, down)
	if _, err := p.StartBackup(context.Background(), tgt, opts); err != nil {
		t.Fatalf("with the shared store down: %v", err)
	}
	if f := p.(interface{ Fallbacks() int }).Fallbacks(); f != 1 {
		t.Fatalf("fallbacks = %d, want 1", f)
	}
	// A wait that outlasts the start window is ErrNotStarted, nothing called.
	long := &buckets{waits: []time.Duration{time.Hour}}
	window, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	n := len(s.calls())
	if _, err := wrap.PaceShared(s, "x", 1, 1, long).StartBackup(wrap.WithStartWindow(context.Background(), window), tgt, opts); !errors.Is(err, wrap.ErrNotStarted) {
		t.Fatalf("window closed while waiting for the shared bucket: %v", err)
	}
	if len(s.calls()) != n {
		t.Fatal("the provider was called although no token was granted")
	}
}
