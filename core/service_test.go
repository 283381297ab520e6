package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/all"
)

type fixture struct {
	emu *cloudemu.Emulator
	reg *providers.Registry
	svc *core.Service
}

func newFixture(t *testing.T, o cloudemu.Options) *fixture {
	t.Helper()
	emu := cloudemu.New(o)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	env := map[string]string{}
	for k, v := range emu.EnvMap(srv.URL) {
		env[k] = v
	}
	reg := all.New(providers.Config{Getenv: func(k string) string { return env[k] }, Timeout: 5 * time.Second})
	svc := &core.Service{Registry: reg, Retry: core.RetryPolicy{Base: time.Millisecond, Max: 5 * time.Millisecond}}
	return &fixture{emu: emu, reg: reg, svc: svc}
}

func (f *fixture) jobs(t *testing.T, urls ...string) []core.Job {
	t.Helper()
	var jobs []core.Job
	for _, u := range urls {
		tg, err := f.reg.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, core.Job{Target: tg})
	}
	return jobs
}

var fourClouds = []string{
	"tencent-redis://ap-guangzhou/" + cloudemu.TencentInstance + "?remark=nightly",
	"alibaba-redis://cn-hangzhou/" + cloudemu.AlibabaInstance,
	"huawei-dcs://cn-north-4/" + cloudemu.DCSInstance + "?project_id=" + cloudemu.HuaweiProject,
	"huawei-rds://cn-north-4/" + cloudemu.RDSInstance + "?project_id=" + cloudemu.HuaweiProject + "&name=nightly-{date}",
}

func TestRunFourClouds(t *testing.T) {
	f := newFixture(t, cloudemu.Options{})
	rep := f.svc.Run(context.Background(), core.Trigger{Source: core.SourceCLI}, f.jobs(t, fourClouds...))
	if !rep.OK() || len(rep.Results) != 4 {
		t.Fatalf("report = %+v", rep)
	}
	backups := f.emu.Backups()
	if len(backups) != 4 {
		t.Fatalf("emulator has %d backups, want 4", len(backups))
	}
	for i, r := range rep.Results {
		if r.Status != core.StatusStarted || len(r.TaskIDs) != 1 || r.RequestID == "" {
			t.Fatalf("result %d = %+v", i, r)
		}
		found := false
		for _, b := range backups {
			found = found || (b.Provider == r.Provider && b.Instance == r.Instance && b.TaskID == r.TaskIDs[0])
		}
		if !found {
			t.Errorf("result %d reports task %s of %s that the emulator did not start", i, r.TaskIDs[0], r.Instance)
		}
	}
	// The RDS name template was expanded, and the marker appended.
	for _, b := range backups {
		if b.Provider == cloudemu.HuaweiRDS && !strings.HasPrefix(b.Name, "nightly-"+time.Now().UTC().Format("20060102")+"-m") {
			t.Errorf("RDS backup name = %q, want nightly-<date>-<marker>", b.Name)
		}
	}
}

func TestRunReportJSON(t *testing.T) {
	f := newFixture(t, cloudemu.Options{})
	rep := f.svc.Run(context.Background(), core.Trigger{}, f.jobs(t, fourClouds[0], "tencent-redis://ap-guangzhou/crs-missing0"))
	b, _ := json.Marshal(rep)
	var got struct {
		Results []struct {
			Status  string   `json:"status"`
			TaskIDs []string `json:"task_ids"`
			Error   *struct {
				Kind, Code, Message string
			} `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	ok, bad := got.Results[0], got.Results[1]
	if ok.Status != "started" || ok.Error != nil || len(ok.TaskIDs) != 1 {
		t.Fatalf("started result JSON = %s", b)
	}
	if bad.Status != "failed" || bad.Error == nil || bad.Error.Kind != "NotFound" || bad.Error.Code == "" || bad.TaskIDs == nil {
		t.Fatalf("failed result JSON = %s", b)
	}
}

func TestRetryThrottled(t *testing.T) {
	f := newFixture(t, cloudemu.Options{})
	f.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultThrottle, Provider: cloudemu.TencentRedis, Action: cloudemu.ActTencentBackup, Count: 2})
	rep := f.svc.Run(context.Background(), core.Trigger{}, f.jobs(t, fourClouds[0]))
	if r := rep.Results[0]; r.Status != core.StatusStarted || r.Attempts != 3 {
		t.Fatalf("result = %+v (%+v), want started on the 3rd attempt", r, r.Error)
	}
}

// A lost response is ambiguous: the service must find the backup it started
// instead of starting another.
func TestAmbiguousFailureStartsOnce(t *testing.T) {
	for _, url := range fourClouds {
		scheme, _, _ := strings.Cut(url, ":")
		t.Run(scheme, func(t *testing.T) {
			f := newFixture(t, cloudemu.Options{BackupDuration: time.Minute})
			f.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLost, Provider: scheme, Count: 1})
			rep := f.svc.Run(context.Background(), core.Trigger{DedupeKey: "k1"}, f.jobs(t, url))
			backups := f.emu.Backups()
			if len(backups) != 1 || !backups[0].Lost {
				t.Fatalf("emulator backups = %+v, want exactly the one whose response was lost", backups)
			}
			r := rep.Results[0]
			if r.Status != core.StatusStarted || len(r.TaskIDs) != 1 || r.TaskIDs[0] != backups[0].TaskID {
				t.Fatalf("result = %+v, want the lost backup %s adopted", r, backups[0].TaskID)
			}
		})
	}
}

func TestPermanentErrorNotRetried(t *testing.T) {
	f := newFixture(t, cloudemu.Options{})
	rep := f.svc.Run(context.Background(), core.Trigger{}, f.jobs(t, "huawei-dcs://cn-north-4/"+cloudemu.DCSSingleNode+"?project_id="+cloudemu.HuaweiProject))
	r := rep.Results[0]
	if r.Status != core.StatusFailed || r.Attempts != 1 || r.Error.Kind != errkind.Unsupported {
		t.Fatalf("result = %+v, want one attempt failing Unsupported", r)
	}
	if n := len(f.emu.Requests()); n != 1 {
		t.Fatalf("emulator saw %d requests, want 1", n)
	}
}

func TestPerProviderBound(t *testing.T) {
	f := newFixture(t, cloudemu.Options{Generate: 12, Rates: map[string]float64{cloudemu.TencentRedis: 0}})
	f.svc.PerProvider = 3
	f.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLatency, Latency: 30 * time.Millisecond})
	var urls []string
	for _, in := range f.emu.Instances() {
		if in.Provider == cloudemu.TencentRedis && strings.HasPrefix(in.ID, "crs-gen") {
			urls = append(urls, "tencent-redis://ap-guangzhou/"+in.ID)
		}
	}
	rep := f.svc.Run(context.Background(), core.Trigger{}, f.jobs(t, urls...))
	if !rep.OK() || len(rep.Results) != 12 {
		t.Fatalf("report = %+v", rep.Counts())
	}
	if m := f.emu.Stats()["inflight.max"]; m != 3 {
		t.Fatalf("at most %d calls were in flight, want exactly the bound 3", m)
	}
}

func TestCanceledContext(t *testing.T) {
	f := newFixture(t, cloudemu.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := f.svc.Run(ctx, core.Trigger{}, f.jobs(t, fourClouds...))
	for _, r := range rep.Results {
		if r.Status != core.StatusFailed || r.Error.Kind != errkind.Canceled {
			t.Fatalf("result = %+v, want failed Canceled", r)
		}
	}
	if n := len(f.emu.Backups()); n != 0 {
		t.Fatalf("a canceled run started %d backups", n)
	}
}

func TestUnknownSchemeFails(t *testing.T) {
	f := newFixture(t, cloudemu.Options{})
	tg, _ := providers.ParseUnchecked("mongo-atlas://us-east-1/c1")
	rep := f.svc.Run(context.Background(), core.Trigger{}, []core.Job{{Target: tg}})
	if r := rep.Results[0]; r.Status != core.StatusFailed || r.Error.Kind != errkind.InvalidArgument || !strings.Contains(r.Error.Message, "tencent-redis") {
		t.Fatalf("result = %+v, want InvalidArgument listing the known schemes", r)
	}
}

func TestMarkerIsStable(t *testing.T) {
	a, _ := providers.ParseUnchecked(fourClouds[0])
	b, _ := providers.ParseUnchecked(fourClouds[1])
	if m1, m2 := core.Marker("k", a), core.Marker("k", a); m1 != m2 || m1 == core.Marker("k", b) || m1 == core.Marker("j", a) {
		t.Fatal("markers must be equal for equal (key, target) and differ otherwise")
	}
	if m := core.Marker("k", a); len(m) != 13 || m[0] != 'm' {
		t.Fatalf("marker %q: want m + 12 hex digits", m)
	}
}

// Near the invocation's deadline the service stops starting backups and
// reports the rest pending; a second delivery finishes only those.
func TestDeadlineLeavesPending(t *testing.T) {
	f := newFixture(t, cloudemu.Options{Generate: 6, Rates: map[string]float64{cloudemu.TencentRedis: 0}})
	f.svc.PerProvider = 1
	f.svc.DeadlineMargin = 100 * time.Millisecond
	f.svc.Store = &core.MemoryStore{}
	f.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLatency, Latency: 120 * time.Millisecond, Provider: cloudemu.TencentRedis})
	var urls []string
	for _, in := range f.emu.Instances() {
		if strings.HasPrefix(in.ID, "crs-gen") {
			urls = append(urls, "tencent-redis://ap-guangzhou/"+in.ID)
		}
	}
	trig := core.Trigger{DedupeKey: "timer:nightly:2026-11-26T02:00:00Z"}
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	rep := f.svc.Run(ctx, trig, f.jobs(t, urls...))
	c := rep.Counts()
	if c[core.StatusPending] == 0 || c[core.StatusStarted] == 0 || c[core.StatusFailed] != 0 || !rep.Retryable() {
		t.Fatalf("first delivery counts = %v, want some started, the rest pending, none failed", c)
	}
	if n := len(f.emu.Backups()); n != c[core.StatusStarted] {
		t.Fatalf("emulator has %d backups, report says %d started", n, c[core.StatusStarted])
	}
	rep2 := f.svc.Run(context.Background(), trig, f.jobs(t, urls...))
	c2 := rep2.Counts()
	if c2[core.StatusAlreadyStarted] != c[core.StatusStarted] || c2[core.StatusStarted] != c[core.StatusPending] {
		t.Fatalf("second delivery counts = %v after %v: want the started replayed and the pending started", c2, c)
	}
	if n := len(f.emu.Backups()); n != len(urls) {
		t.Fatalf("emulator has %d backups, want exactly %d (one per target)", n, len(urls))
	}
}

// A trigger delivered three times at once to three services sharing a store
// starts each backup once.
func TestConcurrentRedeliveryStartsOnce(t *testing.T) {
	f := newFixture(t, cloudemu.Options{})
	store := &core.MemoryStore{}
	trig := core.Trigger{DedupeKey: "sqs:msg-1"}
	jobs := f.jobs(t, fourClouds...)
	reps := make(chan core.Report, 3)
	for i := 0; i < 3; i++ {
		svc := &core.Service{Registry: f.reg, Store: store, Retry: f.svc.Retry}
		go func() { reps <- svc.Run(context.Background(), trig, jobs) }()
	}
	started, already := 0, 0
	for i := 0; i < 3; i++ {
		r := <-reps
		c := r.Counts()
		started += c[core.StatusStarted]
		already += c[core.StatusAlreadyStarted]
	}
	if started != 4 || already != 8 || len(f.emu.Backups()) != 4 {
		t.Fatalf("started %d, already-started %d, emulator backups %d; want 4, 8, 4", started, already, len(f.emu.Backups()))
	}
}

// The service paces calls to the published limit instead of being throttled:
// 45 Tencent backups against the emulator's 20/s limit see no throttling.
func TestRateLimitAvoidsThrottling(t *testing.T) {
	f := newFixture(t, cloudemu.Options{Generate: 45, BackupDuration: -1})
	var urls []string
	for _, in := range f.emu.Instances() {
		if strings.HasPrefix(in.ID, "crs-gen") {
			urls = append(urls, "tencent-redis://ap-guangzhou/"+in.ID)
		}
	}
	rep := f.svc.Run(context.Background(), core.Trigger{}, f.jobs(t, urls...))
	if !rep.OK() {
		for _, r := range rep.Results {
			if r.Error != nil {
				t.Errorf("%s: %+v", r.Target, r.Error)
			}
		}
		t.Fatalf("report = %v", rep.Counts())
	}
	st := f.emu.Stats()
	if n := st["ratelimited."+cloudemu.TencentRedis+"."+cloudemu.ActTencentBackup]; n != 0 {
		t.Fatalf("the cloud throttled %d calls; the service should have paced them", n)
	}
	for _, r := range rep.Results {
		if r.Attempts != 1 {
			t.Fatalf("%s took %d attempts, want 1", r.Target, r.Attempts)
		}
	}
	// Without the client-side limit, the same burst is throttled by the cloud.
	f2 := newFixture(t, cloudemu.Options{Generate: 45, BackupDuration: -1})
	f2.svc.Limits = map[string]float64{cloudemu.TencentRedis: 0}
	f2.svc.Retry.Attempts = 1
	rep2 := f2.svc.Run(context.Background(), core.Trigger{}, f2.jobs(t, urls...))
	if rep2.Counts()[core.StatusFailed] == 0 {
		t.Fatal("an unpaced burst of 45 against 20/s was not throttled: the test proves nothing")
	}
}

func TestWaitFollowsTasksToDone(t *testing.T) {
	f := newFixture(t, cloudemu.Options{BackupDuration: 300 * time.Millisecond})
	f.svc.PollInterval = 50 * time.Millisecond
	jobs := f.jobs(t, append(fourClouds, "alibaba-redis://cn-hangzhou/"+cloudemu.AlibabaCluster, "tencent-redis://ap-guangzhou/crs-missing0")...)
	rep := f.svc.Run(context.Background(), core.Trigger{}, jobs)
	done := map[int]bool{}
	f.svc.Wait(context.Background(), jobs, &rep, func(i int, r core.Result) { done[i] = true })
	for i, r := range rep.Results[:5] {
		if r.TaskState != core.TaskDone || !done[i] {
			t.Fatalf("result %d = %+v, want done and reported", i, r)
		}
	}
	if r := rep.Results[5]; r.TaskState != "" || done[5] {
		t.Fatalf("a failed start has no task to follow: %+v", r)
	}
	// A context that ends first leaves the tasks running.
	f2 := newFixture(t, cloudemu.Options{BackupDuration: time.Minute})
	f2.svc.PollInterval = 20 * time.Millisecond
	rep2 := f2.svc.Run(context.Background(), core.Trigger{}, f2.jobs(t, fourClouds[0]))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	f2.svc.Wait(ctx, f2.jobs(t, fourClouds[0]), &rep2, nil)
	if rep2.Results[0].TaskState != core.TaskRunning {
		t.Fatalf("after the context ended: %+v", rep2.Results[0])
	}
}

// A delivery whose call was lost and whose lookups failed gives up; a
// redelivery much later (past the retry window) still finds that backup
// through the store's first-try time, and records it, so a third delivery
// replays it without calling the cloud.
func TestLateRedeliveryFindsLostBackup(t *testing.T) {
	f := newFixture(t, cloudemu.Options{BackupDuration: time.Hour})
	var skew time.Duration
	clock := func() time.Time { return time.Now().Add(skew) }
	store := &core.MemoryStore{Now: clock}
	f.svc.Store, f.svc.Now = store, clock
	f.svc.Retry.Attempts = 2
	// The store vouches for triggers newer than its start (by more than the
	// clock-skew margin), so the first delivery does not look before calling.
	if _, err := store.Claim(context.Background(), "warm-up", time.Second); err != nil {
		t.Fatal(err)
	}
	f.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLost, Provider: cloudemu.TencentRedis, Action: cloudemu.ActTencentBackup, Count: 1})
	f.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultServer, Provider: cloudemu.TencentRedis, Action: "DescribeInstanceBackups", Count: 2})
	trig := core.Trigger{DedupeKey: "sqs:msg-7", Time: clock().Add(2 * time.Minute)}
	jobs := f.jobs(t, fourClouds[0])
	if r := f.svc.Run(context.Background(), trig, jobs).Results[0]; r.Status != core.StatusFailed {
		t.Fatalf("first delivery = %+v, want failed (its call was lost and it could not look)", r)
	}
	skew = 30 * time.Minute // the queue redelivers half an hour later
	r := f.svc.Run(context.Background(), trig, jobs).Results[0]
	backups := f.emu.Backups()
	if len(backups) != 1 || r.Status != core.StatusAlreadyStarted || r.TaskIDs[0] != backups[0].TaskID {
		t.Fatalf("redelivery = %+v with %d backups; want the lost backup found, not a second one", r, len(backups))
	}
	calls := len(f.emu.Requests())
	if r := f.svc.Run(context.Background(), trig, jobs).Results[0]; r.Status != core.StatusAlreadyStarted || len(f.emu.Requests()) != calls {
		t.Fatalf("third delivery = %+v after %d more calls: want a replay from the store", r, len(f.emu.Requests())-calls)
	}
}

// waitDone waits until the emulator's backups have all finished, so that a
// second backup of an instance would be accepted (not refused as Busy) and
// show up as a duplicate.
func waitDone(t *testing.T, emu *cloudemu.Emulator) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		running := false
		for _, b := range emu.Backups() {
			running = running || b.Status == "running"
		}
		if !running {
			return
		}
	}
	t.Fatal("emulated backups still running")
}

// TestRedeliveryAfterStoreLoss (issue #13): the store is a cache, the cloud
// is the truth. A trigger delivered once, then redelivered after the store
// lost what it knew (a Redis flushed or restarted; here, a new empty store,
// as a fresh instance's memory store), starts nothing new: the redelivery
// finds each backup's marker in the cloud first. What holds for Alibaba,
// which keeps no marker: it is not looked for (a lookup would adopt another
// trigger's running job), and a second backup starts.
func TestRedeliveryAfterStoreLoss(t *testing.T) {
	for _, withTime := range []bool{true, false} {
		t.Run(map[bool]string{true: "origin-time", false: "no-origin-time"}[withTime], func(t *testing.T) {
			f := newFixture(t, cloudemu.Options{BackupDuration: 50 * time.Millisecond})
			trig := core.Trigger{DedupeKey: "sqs:msg-lost-store"}
			if withTime {
				trig.Time = time.Now()
			}
			jobs := f.jobs(t, fourClouds...)
			f.svc.Store = &core.MemoryStore{}
			first := f.svc.Run(context.Background(), trig, jobs)
			if n := first.Counts()[core.StatusStarted]; n != 4 {
				t.Fatalf("first delivery started %d of 4: %+v", n, first.Results)
			}
			waitDone(t, f.emu)
			f.svc.Store = &core.MemoryStore{} // everything the store knew is gone
			second := f.svc.Run(context.Background(), trig, jobs)
			perInstance := map[string]int{}
			for _, b := range f.emu.Backups() {
				perInstance[b.Instance]++
			}
			for i, r := range second.Results {
				if r.Provider == cloudemu.AlibabaRedis {
					if r.Status != core.StatusStarted || perInstance[r.Instance] != 2 {
						t.Errorf("alibaba without an origin time: %+v, %d backups; want the stated limit (a second backup)", r, perInstance[r.Instance])
					}
					continue
				}
				if r.Status != core.StatusAlreadyStarted || perInstance[r.Instance] != 1 ||
					strings.Join(r.TaskIDs, ",") != strings.Join(first.Results[i].TaskIDs, ",") {
					t.Errorf("%s after the store was lost: %+v with %d backups; want the first backup found (%v)",
						r.Provider, r, perInstance[r.Instance], first.Results[i].TaskIDs)
				}
			}
		})
	}
}

// TestNoLookupOnTheNormalPath: a store that has remembered since before the
// trigger fired vouches for it; nothing is listed before the backup call.
func TestNoLookupOnTheNormalPath(t *testing.T) {
	f := newFixture(t, cloudemu.Options{BackupDuration: -1})
	store := &core.MemoryStore{}
	if _, err := store.Claim(context.Background(), "warm-up", time.Second); err != nil {
		t.Fatal(err)
	}
	f.svc.Store = store
	trig := core.Trigger{DedupeKey: "timer:nightly@x", Time: time.Now().Add(2 * time.Minute)}
	rep := f.svc.Run(context.Background(), trig, f.jobs(t, fourClouds[0]))
	if rep.Results[0].Status != core.StatusStarted {
		t.Fatalf("run = %+v", rep.Results[0])
	}
	for _, r := range f.emu.Requests() {
		if r.Action != cloudemu.ActTencentBackup {
			t.Fatalf("the normal path called %s before the backup: %+v", r.Action, f.emu.Requests())
		}
	}
}

// blocking is a provider whose StartBackup waits until released, as a call
// queued behind the rate limit would.
type blocking struct {
	providers.Provider
	release chan struct{}
	calls   atomic.Int32
}

func (b *blocking) StartBackup(ctx context.Context, t providers.Target, o providers.StartOptions) (providers.Started, error) {
	b.calls.Add(1)
	select {
	case <-b.release:
	case <-ctx.Done():
		return providers.Started{}, ctx.Err()
	}
	return providers.Started{TaskIDs: []string{"t-1"}}, nil
}

// TestLeaseRenewed (issue #13): a delivery that works on a key longer than
// its lease (here: blocked in the call, as behind a long rate-limit queue)
// keeps renewing it, so a second delivery finds it held, not lapsed, and
// does not take it over and start a second backup.
func TestLeaseRenewed(t *testing.T) {
	f := newFixture(t, cloudemu.Options{})
	inner, err := f.reg.Lookup(cloudemu.TencentRedis)
	if err != nil {
		t.Fatal(err)
	}
	b := &blocking{Provider: inner, release: make(chan struct{})}
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	store := &core.MemoryStore{Now: clock}
	svc := &core.Service{Registry: providers.NewRegistry(b), Store: store, Retry: core.RetryPolicy{Attempts: 1, MaxElapsed: time.Second}}
	svc.SetRenewEvery(20 * time.Millisecond)
	trig := core.Trigger{DedupeKey: "queue:renew", Time: now.Add(time.Hour)}
	jobs := f.jobs(t, fourClouds[0])
	first := make(chan core.Report)
	go func() { first <- svc.Run(context.Background(), trig, jobs) }()
	for b.calls.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	lease := time.Second + time.Minute
	for i := 0; i < 10; i++ { // two whole leases pass, while renewals go on
		advance(lease / 5)
		time.Sleep(40 * time.Millisecond)
	}
	c, err := store.Claim(context.Background(), "backupfn:"+trig.DedupeKey+"|"+jobs[0].Target.Key(), lease)
	if err != nil || !c.Held {
		t.Fatalf("a second delivery's claim while the first works = %+v, %v; want Held (the lease renewed)", c, err)
	}
	close(b.release)
	if r := (<-first).Results[0]; r.Status != core.StatusStarted || b.calls.Load() != 1 {
		t.Fatalf("first delivery = %+v after %d calls", r, b.calls.Load())
	}
}

// TestLeaseLostStopsCalls: if the store says the lease is gone (another
// delivery took the key over), the start window closes: a delivery still
// waiting to call does not call, and reports the target pending.
func TestLeaseLostStopsCalls(t *testing.T) {
	f := newFixture(t, cloudemu.Options{})
	store := &core.MemoryStore{}
	svc := &core.Service{Registry: f.reg, Store: &forgetful{MemoryStore: store}, Limits: map[string]float64{cloudemu.TencentRedis: 0.5}}
	svc.SetRenewEvery(20 * time.Millisecond)
	trig := core.Trigger{DedupeKey: "queue:lost-lease", Time: time.Now().Add(time.Hour)}
	// Three targets on one 0.5/s bucket (burst 1): the second and third wait
	// for tokens for seconds, while their leases are reported lost.
	urls := []string{fourClouds[0], "tencent-redis://ap-guangzhou/crs-gen00000", "tencent-redis://ap-guangzhou/crs-gen00001"}
	f.emu.AddInstance(cloudemu.Instance{Provider: cloudemu.TencentRedis, Region: "ap-guangzhou", ID: "crs-gen00000", Type: "standard"})
	f.emu.AddInstance(cloudemu.Instance{Provider: cloudemu.TencentRedis, Region: "ap-guangzhou", ID: "crs-gen00001", Type: "standard"})
	begin := time.Now()
	rep := svc.Run(context.Background(), trig, f.jobs(t, urls...))
	c := rep.Counts()
	if c[core.StatusStarted] != 1 || c[core.StatusPending] != 2 || len(f.emu.Backups()) != 1 || time.Since(begin) > 2*time.Second {
		t.Fatalf("counts %v, %d backups after %s; want 1 started and 2 pending without waiting for their tokens", c, len(f.emu.Backups()), time.Since(begin))
	}
}

// forgetful is a store whose leases are lost as soon as they are renewed.
type forgetful struct{ *core.MemoryStore }

func (f *forgetful) Renew(context.Context, string, string, time.Duration) (bool, error) {
	return false, nil
}

// failing is a store whose renewals fail (Redis unreachable).
type failing struct{ *core.MemoryStore }

func (f *failing) Renew(context.Context, string, string, time.Duration) (bool, error) {
	return false, errors.New("redis: i/o timeout")
}

// TestLeaseRenewalFailuresCloseTheWindow: renewals that keep failing for
// nearly a whole lease close the start window (the lease may lapse and be
// taken over): a target still waiting for its rate token is reported
// pending, not called; the one that got its token at once is started.
func TestLeaseRenewalFailuresCloseTheWindow(t *testing.T) {
	f := newFixture(t, cloudemu.Options{})
	f.emu.AddInstance(cloudemu.Instance{Provider: cloudemu.TencentRedis, Region: "ap-guangzhou", ID: "crs-gen00000", Type: "standard"})
	svc := &core.Service{Registry: f.reg, Store: &failing{MemoryStore: &core.MemoryStore{}}, Limits: map[string]float64{cloudemu.TencentRedis: 0.5},
		Retry: core.RetryPolicy{MaxElapsed: time.Millisecond}}
	svc.SetLease(150*time.Millisecond, 30*time.Millisecond) // renewals fail from the first: the window closes after ~120ms
	urls := []string{fourClouds[0], "tencent-redis://ap-guangzhou/crs-gen00000"}
	begin := time.Now()
	rep := svc.Run(context.Background(), core.Trigger{DedupeKey: "queue:renew-fail", Time: time.Now().Add(time.Hour)}, f.jobs(t, urls...))
	c := rep.Counts()
	if c[core.StatusStarted] != 1 || c[core.StatusPending] != 1 || len(f.emu.Backups()) != 1 || time.Since(begin) > time.Second {
		t.Fatalf("counts %v, %d backups after %s; want 1 started, 1 pending well before its token (2 s)", c, len(f.emu.Backups()), time.Since(begin))
	}
}
