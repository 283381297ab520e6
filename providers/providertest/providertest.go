// Package providertest is the conformance suite every provider runs against
// cloudemu. A provider's test writes only its Harness and calls Run.
package providertest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// Harness describes one provider to the suite.
type Harness struct {
	// New builds the provider under test.
	New func(cfg providers.Config) providers.Provider
	// Cloud is the credentials family ("tencent", "alibaba", "huawei").
	Cloud providers.Cloud
	// StartAction is the emulator's name for the backup call, e.g.
	// cloudemu.ActTencentBackup.
	StartAction string
	// Target is a URL of a backup-able seeded instance; Locked, NotFound and
	// Unsupported are URLs of a locked, a missing and an unsupported one.
	// Unsupported may be empty when the cloud has no such case.
	Target, Locked, NotFound, Unsupported string
	// BadOptions are target URLs whose options the provider must reject
	// before any request.
	BadOptions []string
	// MarkerInBackup is true when the marker is stored with the backup
	// (remark or name), false when FindStarted adopts running tasks (Alibaba).
	MarkerInBackup bool
}

// Env is the suite's view of an emulator: its address and environment.
type env struct {
	emu     *cloudemu.Emulator
	url     string
	vars    map[string]string
	arrived atomic.Int64
}

func newEnv(t *testing.T, o cloudemu.Options) *env {
	t.Helper()
	if o.BackupDuration == 0 {
		o.BackupDuration = 300 * time.Millisecond
	}
	emu := cloudemu.New(o)
	e := &env{emu: emu, vars: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.arrived.Add(1)
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	for k, v := range emu.EnvMap(srv.URL) {
		e.vars[k] = v
	}
	return e
}

// sent is how many HTTP requests reached the emulator's server, answered or
// not (the emulator records a call only when it answers it).
func (e *env) sent() int { return int(e.arrived.Load()) }

func (e *env) getenv(k string) string { return e.vars[k] }

func (h Harness) provider(e *env) providers.Provider {
	return h.New(providers.Config{Getenv: e.getenv, Timeout: 5 * time.Second})
}

func (h Harness) target(t *testing.T, p providers.Provider, raw string) providers.Target {
	t.Helper()
	tg, err := providers.NewRegistry(p).Parse(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", raw, err)
	}
	return tg
}

func wantKind(t *testing.T, err error, want errkind.Kind) {
	t.Helper()
	if got := errkind.KindOf(err); got != want {
		t.Fatalf("error kind = %v, want %v (err: %v)", got, want, err)
	}
}

// Run runs the conformance suite: one subtest per statement of the error
// contract in the Provider, RateLimited, MarkerStorer and OptionLister doc
// comments (providers/provider.go).
func Run(t *testing.T, h Harness) {
	t.Run("StartBackup", func(t *testing.T) { h.testStart(t) })
	t.Run("StatusRunningToDone", func(t *testing.T) { h.testStatus(t) })
	t.Run("StatusUnknownTask", func(t *testing.T) { h.testStatusUnknownTask(t) })
	t.Run("NotFound", func(t *testing.T) { h.testError(t, h.NotFound, errkind.NotFound) })
	t.Run("Locked", func(t *testing.T) { h.testError(t, h.Locked, errkind.Busy) })
	t.Run("Unsupported", func(t *testing.T) {
		if h.Unsupported == "" {
			t.Skip("this cloud documents no unsupported-instance error for its backup call")
		}
		h.testError(t, h.Unsupported, errkind.Unsupported)
	})
	t.Run("Validate", func(t *testing.T) { h.testValidate(t) })
	t.Run("BadOptions", func(t *testing.T) { h.testBadOptions(t) })
	t.Run("WrongSecret", func(t *testing.T) { h.testWrongSecret(t) })
	t.Run("MissingCredentials", func(t *testing.T) { h.testMissingCredentials(t) })
	t.Run("Throttled", func(t *testing.T) { h.testFault(t, cloudemu.FaultThrottle, errkind.Throttled, 0) })
	// A server-side internal error does not prove that nothing was applied:
	// it is ambiguous (Unknown), so core looks for the backup before calling
	// again.
	t.Run("ServerError", func(t *testing.T) { h.testFault(t, cloudemu.FaultServer, errkind.Unknown, 0) })
	t.Run("ConnectionReset", func(t *testing.T) { h.testFault(t, cloudemu.FaultReset, errkind.Unknown, 0) })
	t.Run("ResponseLost", func(t *testing.T) { h.testFault(t, cloudemu.FaultLost, errkind.Unknown, 1) })
	t.Run("Canceled", func(t *testing.T) { h.testCanceled(t) })
	t.Run("DeadlineExceeded", func(t *testing.T) { h.testDeadline(t) })
	t.Run("StatusAndFindStartedErrors", func(t *testing.T) { h.testReadErrors(t) })
	t.Run("STSToken", func(t *testing.T) { h.testSTS(t) })
	t.Run("FindStarted", func(t *testing.T) { h.testFindStarted(t) })
	t.Run("FindStartedAfterLostAnswer", func(t *testing.T) { h.testFindAfterLost(t) })
	t.Run("FindStartedBesideAutomaticBackups", func(t *testing.T) { h.testFindBesideAuto(t) })
	t.Run("RateLimited", func(t *testing.T) { h.testRateLimited(t) })
	t.Run("MarkerStorer", func(t *testing.T) { h.testMarkerStorer(t) })
	t.Run("OptionLister", func(t *testing.T) { h.testOptionLister(t) })
}

func (h Harness) testStart(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	p := h.provider(e)
	tg := h.target(t, p, h.Target)
	s, err := p.StartBackup(context.Background(), tg, providers.StartOptions{})
	if err != nil {
		t.Fatalf("StartBackup: %v", err)
	}
	if len(s.TaskIDs) == 0 || s.TaskIDs[0] == "" || s.RequestID == "" {
		t.Fatalf("StartBackup = %+v, want task IDs and a request ID", s)
	}
	var got []string
	for _, b := range e.emu.Backups() {
		if b.Instance == tg.Instance {
			got = append(got, b.TaskID)
		}
	}
	if strings.Join(got, ",") != strings.Join(s.TaskIDs, ",") {
		t.Fatalf("emulator has backups %v of %s, provider reported %v", got, tg.Instance, s.TaskIDs)
	}
}

func (h Harness) testStatus(t *testing.T) {
	e := newEnv(t, cloudemu.Options{BackupDuration: 400 * time.Millisecond})
	p := h.provider(e)
	tg := h.target(t, p, h.Target)
	ctx := context.Background()
	s, err := p.StartBackup(ctx, tg, providers.StartOptions{})
	if err != nil {
		t.Fatalf("StartBackup: %v", err)
	}
	st, err := p.Status(ctx, tg, s.TaskIDs[0])
	if err != nil || st.State != providers.Running {
		t.Fatalf("Status right after start = %+v, %v; want running", st, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for st.State == providers.Running && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		if st, err = p.Status(ctx, tg, s.TaskIDs[0]); err != nil {
			t.Fatalf("Status: %v", err)
		}
	}
	if st.State != providers.Done || st.Detail == "" {
		t.Fatalf("Status after the backup duration = %+v, want done with the cloud's status word", st)
	}
}

// unknownTask is a task ID of every provider's form that the emulator never
// hands out.
const unknownTask = "999999"

func (h Harness) testStatusUnknownTask(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	p := h.provider(e)
	tg := h.target(t, p, h.Target)
	_, err := p.Status(context.Background(), tg, unknownTask)
	wantKind(t, err, errkind.NotFound)
	// Also once the instance has backups of its own.
	if _, err := p.StartBackup(context.Background(), tg, providers.StartOptions{}); err != nil {
		t.Fatalf("StartBackup: %v", err)
	}
	_, err = p.Status(context.Background(), tg, unknownTask)
	wantKind(t, err, errkind.NotFound)
}

func (h Harness) testError(t *testing.T, raw string, want errkind.Kind) {
	e := newEnv(t, cloudemu.Options{})
	p := h.provider(e)
	_, err := p.StartBackup(context.Background(), h.target(t, p, raw), providers.StartOptions{})
	wantKind(t, err, want)
	var ke *errkind.Error
	if !errors.As(err, &ke) || ke.Code == "" || ke.RequestID == "" {
		t.Fatalf("error %v: want the cloud's code and request ID", err)
	}
	if errors.Unwrap(ke) == nil {
		t.Fatalf("error %v: the SDK error is not reachable with errors.Unwrap", err)
	}
	if n := len(e.emu.Backups()); n != 0 {
		t.Fatalf("emulator started %d backups on a failing call", n)
	}
}

func (h Harness) testBadOptions(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	p := h.provider(e)
	reg := providers.NewRegistry(p)
	for _, raw := range h.BadOptions {
		_, err := reg.Parse(raw)
		wantKind(t, err, errkind.InvalidArgument)
		// StartBackup validates too, for targets built without Parse.
		tg, perr := parseLoose(raw)
		if perr != nil {
			continue
		}
		_, err = p.StartBackup(context.Background(), tg, providers.StartOptions{})
		wantKind(t, err, errkind.InvalidArgument)
	}
	if n := e.sent(); n != 0 {
		t.Fatalf("bad options sent %d requests, want none", n)
	}
}

// testValidate: Validate accepts the harness's target and rejects every bad
// option with InvalidArgument, without any request.
func (h Harness) testValidate(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	p := h.provider(e)
	good, err := parseLoose(h.Target)
	if err != nil {
		t.Fatalf("parse %s: %v", h.Target, err)
	}
	if err := p.Validate(good); err != nil {
		t.Fatalf("Validate(%s) = %v, want nil", h.Target, err)
	}
	for _, raw := range h.BadOptions {
		tg, err := parseLoose(raw)
		if err != nil {
			continue // not even a URL: Parse refuses it (BadOptions)
		}
		wantKind(t, p.Validate(tg), errkind.InvalidArgument)
	}
	if n := e.sent(); n != 0 {
		t.Fatalf("Validate sent %d requests, want none", n)
	}
}

// parseLoose builds a Target from a URL without validating options.
func parseLoose(raw string) (providers.Target, error) {
	return providers.ParseUnchecked(raw)
}

func (h Harness) testWrongSecret(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	for k := range e.vars {
		if strings.Contains(k, "SECRET_KEY") || strings.Contains(k, "KEY_SECRET") || strings.HasSuffix(k, "_SK") {
			e.vars[k] = "wrong-" + e.vars[k]
		}
	}
	p := h.provider(e)
	_, err := p.StartBackup(context.Background(), h.target(t, p, h.Target), providers.StartOptions{})
	wantKind(t, err, errkind.Unauthenticated)
	if n := len(e.emu.Backups()); n != 0 {
		t.Fatalf("a wrongly signed call started %d backups", n)
	}
	creds := e.emu.Credentials(string(h.Cloud))
	if strings.Contains(err.Error(), creds.Secret) || strings.Contains(err.Error(), "wrong-"+creds.Secret) {
		t.Fatalf("error message carries the secret: %v", err)
	}
}

func (h Harness) testMissingCredentials(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	e.vars = map[string]string{"BACKUPFN_ENDPOINT": e.url}
	p := h.provider(e)
	_, err := p.StartBackup(context.Background(), h.target(t, p, h.Target), providers.StartOptions{})
	wantKind(t, err, errkind.Unauthenticated)
	if n := e.sent(); n != 0 {
		t.Fatalf("a call without credentials sent %d requests", n)
	}
}

func (h Harness) testFault(t *testing.T, f cloudemu.FaultKind, want errkind.Kind, wantBackups int) {
	e := newEnv(t, cloudemu.Options{})
	e.emu.Inject(cloudemu.Fault{Kind: f, Action: h.StartAction, Count: 1})
	p := h.provider(e)
	tg := h.target(t, p, h.Target)
	_, err := p.StartBackup(context.Background(), tg, providers.StartOptions{})
	wantKind(t, err, want)
	if n := len(e.emu.Backups()); n != wantBackups && !(wantBackups > 0 && n >= wantBackups) {
		t.Fatalf("after a %v fault the emulator has %d backups, want %d", f, n, wantBackups)
	}
	// The fault was one-shot: the next call succeeds (unless the lost backup still runs).
	if wantBackups == 0 {
		if _, err := p.StartBackup(context.Background(), tg, providers.StartOptions{}); err != nil {
			t.Fatalf("StartBackup after the fault: %v", err)
		}
	}
}

func (h Harness) testCanceled(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	p := h.provider(e)
	tg := h.target(t, p, h.Target)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.StartBackup(ctx, tg, providers.StartOptions{})
	wantKind(t, err, errkind.Canceled)
	if n := e.sent(); n != 0 {
		t.Fatalf("a call for a caller already gone sent %d requests", n)
	}

	// Canceled while the cloud is slow to answer.
	e.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLatency, Latency: 2 * time.Second, Count: 1})
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = p.StartBackup(ctx, tg, providers.StartOptions{})
	wantKind(t, err, errkind.Canceled)
}

// testDeadline: the caller's deadline, and the provider's own per-call
// timeout (Config.Timeout), end a call to a slow cloud as DeadlineExceeded
// at once; a deadline already passed sends nothing.
func (h Harness) testDeadline(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	tg := h.target(t, h.provider(e), h.Target)

	past, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := h.provider(e).StartBackup(past, tg, providers.StartOptions{})
	wantKind(t, err, errkind.DeadlineExceeded)
	if n := e.sent(); n != 0 {
		t.Fatalf("a call past its deadline sent %d requests", n)
	}

	for _, c := range []struct {
		name    string
		timeout time.Duration // Config.Timeout
		caller  time.Duration // the caller's deadline; 0: none
	}{
		{"caller's deadline", 5 * time.Second, 200 * time.Millisecond},
		{"Config.Timeout", 200 * time.Millisecond, 0},
	} {
		e.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLatency, Action: h.StartAction, Latency: 2 * time.Second, Count: 1})
		p := h.New(providers.Config{Getenv: e.getenv, Timeout: c.timeout})
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if c.caller > 0 {
			ctx, cancel = context.WithTimeout(ctx, c.caller)
		}
		start := time.Now()
		_, err := p.StartBackup(ctx, tg, providers.StartOptions{})
		cancel()
		if k := errkind.KindOf(err); k != errkind.DeadlineExceeded || time.Since(start) > time.Second {
			t.Fatalf("%s of 200ms, slow cloud: %v (kind %v) after %v; want DeadlineExceeded at once", c.name, err, k, time.Since(start))
		}
	}
}

// testReadErrors: Status and FindStarted follow the same contract as
// StartBackup: throttled → Throttled, a server error → Unknown, caller gone
// → Canceled (nothing sent), caller's deadline → DeadlineExceeded, and
// FindStarted on an unknown instance → NotFound.
func (h Harness) testReadErrors(t *testing.T) {
	e := newEnv(t, cloudemu.Options{BackupDuration: 5 * time.Second})
	p := h.provider(e)
	tg := h.target(t, p, h.Target)
	ctx := context.Background()
	s, err := p.StartBackup(ctx, tg, providers.StartOptions{Marker: "mread00000001"})
	if err != nil {
		t.Fatalf("StartBackup: %v", err)
	}
	since := time.Now().Add(-time.Minute)
	calls := map[string]func(context.Context) error{
		"Status": func(ctx context.Context) error { _, err := p.Status(ctx, tg, s.TaskIDs[0]); return err },
		"FindStarted": func(ctx context.Context) error {
			_, _, err := p.FindStarted(ctx, tg, "mread00000001", since)
			return err
		},
	}
	for name, call := range calls {
		for _, f := range []struct {
			kind cloudemu.FaultKind
			want errkind.Kind
		}{{cloudemu.FaultThrottle, errkind.Throttled}, {cloudemu.FaultServer, errkind.Unknown}} {
			e.emu.ClearFaults()
			e.emu.Inject(cloudemu.Fault{Kind: f.kind, Count: 1})
			if err := call(ctx); errkind.KindOf(err) != f.want {
				t.Errorf("%s after a %v fault: %v (kind %v), want %v", name, f.kind, err, errkind.KindOf(err), f.want)
			}
		}
		e.emu.ClearFaults()
		before := e.sent()
		gone, cancel := context.WithCancel(ctx)
		cancel()
		if err := call(gone); errkind.KindOf(err) != errkind.Canceled {
			t.Errorf("%s for a caller gone: %v, want Canceled", name, err)
		}
		if n := e.sent() - before; n != 0 {
			t.Errorf("%s for a caller gone sent %d requests", name, n)
		}
		past, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
		err := call(past)
		cancel()
		if errkind.KindOf(err) != errkind.DeadlineExceeded {
			t.Errorf("%s past the caller's deadline: %v, want DeadlineExceeded", name, err)
		}
		if n := e.sent() - before; n != 0 {
			t.Errorf("%s past the caller's deadline sent %d requests", name, n)
		}
		e.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLatency, Latency: 2 * time.Second, Count: 1})
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		start := time.Now()
		err = call(short)
		cancel()
		if errkind.KindOf(err) != errkind.DeadlineExceeded || time.Since(start) > time.Second {
			t.Errorf("%s with a slow cloud, caller's deadline 200ms: %v after %v, want DeadlineExceeded at once", name, err, time.Since(start))
		}
		e.emu.ClearFaults()
		if err := call(ctx); err != nil {
			t.Errorf("%s after the faults: %v", name, err)
		}
	}
	missing := h.target(t, p, h.NotFound)
	_, _, err = p.FindStarted(ctx, missing, "mread00000001", since)
	wantKind(t, err, errkind.NotFound)
}

func (h Harness) testSTS(t *testing.T) {
	tok := "sts-token-" + strings.Repeat("z", 24)
	o := cloudemu.Options{}
	switch h.Cloud {
	case providers.Tencent:
		o.Tencent = cloudemu.DefaultTencent
		o.Tencent.Token = tok
	case providers.Alibaba:
		o.Alibaba = cloudemu.DefaultAlibaba
		o.Alibaba.Token = tok
	case providers.Huawei:
		o.Huawei = cloudemu.DefaultHuawei
		o.Huawei.Token = tok
	}
	e := newEnv(t, o)
	p := h.provider(e)
	tg := h.target(t, p, h.Target)
	if _, err := p.StartBackup(context.Background(), tg, providers.StartOptions{}); err != nil {
		t.Fatalf("StartBackup with the STS token: %v", err)
	}
	for k := range e.vars {
		if strings.Contains(k, "TOKEN") {
			e.vars[k] = "wrong-token-" + strings.Repeat("y", 20)
		}
	}
	_, err := p.StartBackup(context.Background(), tg, providers.StartOptions{})
	wantKind(t, err, errkind.Unauthenticated)
	if strings.Contains(err.Error(), "wrong-token-") {
		t.Fatalf("error message carries the token: %v", err)
	}
}

func (h Harness) testFindStarted(t *testing.T) {
	e := newEnv(t, cloudemu.Options{BackupDuration: 5 * time.Second})
	p := h.provider(e)
	tg := h.target(t, p, h.Target)
	ctx := context.Background()
	since := time.Now().Add(-time.Second)
	if _, ok, err := p.FindStarted(ctx, tg, "m0000000000aa", since); err != nil || ok {
		t.Fatalf("FindStarted before any backup = %v, %v; want none", ok, err)
	}
	s, err := p.StartBackup(ctx, tg, providers.StartOptions{Marker: "m1234567890ab"})
	if err != nil {
		t.Fatalf("StartBackup: %v", err)
	}
	got, ok, err := p.FindStarted(ctx, tg, "m1234567890ab", since)
	if err != nil || !ok || strings.Join(got.TaskIDs, ",") != strings.Join(s.TaskIDs, ",") {
		t.Fatalf("FindStarted = %+v, %v, %v; want the started backup %v", got, ok, err, s.TaskIDs)
	}
	if _, ok, err := p.FindStarted(ctx, tg, "m0000000000aa", since); err != nil || ok != !h.MarkerInBackup {
		t.Fatalf("FindStarted with another marker = %v, %v; want found only when no marker is stored (MarkerInBackup %v)", ok, err, h.MarkerInBackup)
	}
	if _, ok, err := p.FindStarted(ctx, tg, "m1234567890ab", time.Now().Add(time.Minute)); err != nil || ok {
		t.Fatalf("FindStarted after the backup's start time = %v, %v; want none", ok, err)
	}
}

// testFindAfterLost is the case FindStarted exists for: the backup call is
// applied but its answer is lost; FindStarted must then find that backup by
// its marker (or, without markers, adopt it), with task IDs Status accepts,
// so a retry starts nothing new.
func (h Harness) testFindAfterLost(t *testing.T) {
	e := newEnv(t, cloudemu.Options{BackupDuration: 5 * time.Second})
	p := h.provider(e)
	tg := h.target(t, p, h.Target)
	ctx := context.Background()
	since := time.Now().Add(-time.Second)
	e.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLost, Action: h.StartAction, Count: 1})
	if _, err := p.StartBackup(ctx, tg, providers.StartOptions{Marker: "mlost00000001"}); errkind.KindOf(err) != errkind.Unknown {
		t.Fatalf("StartBackup with the answer lost: %v; want Unknown", err)
	}
	bs := e.emu.Backups()
	if len(bs) != 1 || !bs[0].Lost {
		t.Fatalf("emulator backups after a lost answer = %+v; want one, lost", bs)
	}
	got, ok, err := p.FindStarted(ctx, tg, "mlost00000001", since)
	if err != nil || !ok || len(got.TaskIDs) == 0 {
		t.Fatalf("FindStarted after the lost answer = %+v, %v, %v; want the backup", got, ok, err)
	}
	for _, id := range got.TaskIDs {
		if _, err := p.Status(ctx, tg, id); err != nil {
			t.Fatalf("Status(%s) of the found backup: %v", id, err)
		}
	}
	var want []string
	for _, b := range bs {
		want = append(want, b.TaskID)
	}
	if strings.Join(got.TaskIDs, ",") != strings.Join(want, ",") {
		t.Fatalf("FindStarted task IDs = %v; the emulator started %v", got.TaskIDs, want)
	}
}

// autoBackup starts one backup of tg as the cloud's own schedule would, where
// the emulator models that (Tencent, Alibaba), and reports whether it did.
func autoBackup(t *testing.T, e *env, tg providers.Target) bool {
	t.Helper()
	var err error
	switch tg.Scheme {
	case cloudemu.TencentRedis:
		_, err = e.emu.TencentAutoBackup(tg.Region, tg.Instance)
	case cloudemu.AlibabaRedis:
		_, err = e.emu.AlibabaAutoBackup(tg.Region, tg.Instance)
	case cloudemu.HuaweiDCS, cloudemu.HuaweiRDS:
		_, err = e.emu.HuaweiAutoBackup(tg.Scheme, tg.Option("project_id"), tg.Instance)
	default:
		return false
	}
	if err != nil {
		t.Fatalf("automatic backup: %v", err)
	}
	return true
}

// waitIdle waits until every emulated backup has finished.
func waitIdle(t *testing.T, e *env) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		busy := false
		for _, b := range e.emu.Backups() {
			busy = busy || b.Status == "running"
		}
		if !busy {
			return
		}
	}
	t.Fatal("emulated backups still running after 10s")
}

// testFindBesideAuto: the cloud's nightly automatic backups run beside
// ours; FindStarted must return our marked backup's task IDs and never an
// automatic backup's (Tencent lists them with BackupType "1" and flow
// "017", Alibaba with JobMode Automated, DCS and RDS with type "auto").
func (h Harness) testFindBesideAuto(t *testing.T) {
	e := newEnv(t, cloudemu.Options{BackupDuration: 150 * time.Millisecond})
	p := h.provider(e)
	tg := h.target(t, p, h.Target)
	ctx := context.Background()
	since := time.Now().Add(-time.Second)
	if !autoBackup(t, e, tg) {
		t.Skip("the emulator models no automatic backups for " + tg.Scheme)
	}
	waitIdle(t, e)
	if _, ok, err := p.FindStarted(ctx, tg, "mauto00000001", since); err != nil || ok {
		t.Fatalf("FindStarted with only an automatic backup = %v, %v; want none", ok, err)
	}
	s, err := p.StartBackup(ctx, tg, providers.StartOptions{Marker: "mauto00000001"})
	if err != nil {
		t.Fatalf("StartBackup: %v", err)
	}
	waitIdle(t, e)
	autoBackup(t, e, tg)
	got, ok, err := p.FindStarted(ctx, tg, "mauto00000001", since)
	if err != nil || !ok || strings.Join(got.TaskIDs, ",") != strings.Join(s.TaskIDs, ",") {
		t.Fatalf("FindStarted = %+v, %v, %v; want our backup %v between two automatic ones", got, ok, err, s.TaskIDs)
	}
}

// testRateLimited: a provider whose cloud publishes a limit for its backup
// call (the emulator enforces it) implements providers.RateLimited, with a
// positive rate and burst that do not exceed that limit.
func (h Harness) testRateLimited(t *testing.T) {
	p := h.provider(newEnv(t, cloudemu.Options{}))
	emuRate, emuBurst, published := cloudemu.PublishedLimit(p.Scheme())
	rl, ok := p.(providers.RateLimited)
	switch {
	case !ok && published:
		t.Fatalf("the emulator enforces %v/s (burst %d) on %s; the provider must implement providers.RateLimited", emuRate, emuBurst, h.StartAction)
	case !ok:
		t.Skip("no published limit, no RateLimited")
	}
	perSecond, burst := rl.RateLimit()
	if perSecond <= 0 || burst < 1 {
		t.Fatalf("RateLimit() = %v, %d; want a positive rate and a burst of at least 1", perSecond, burst)
	}
	if published && (perSecond > emuRate || burst > emuBurst) {
		t.Fatalf("RateLimit() = %v/s burst %d exceeds the published limit %v/s burst %d of %s", perSecond, burst, emuRate, emuBurst, h.StartAction)
	}
}

// testMarkerStorer: StoresMarker() agrees with Harness.MarkerInBackup (a
// provider without the interface stores no marker).
func (h Harness) testMarkerStorer(t *testing.T) {
	p := h.provider(newEnv(t, cloudemu.Options{}))
	ms, ok := p.(providers.MarkerStorer)
	stores := ok && ms.StoresMarker()
	if stores != h.MarkerInBackup {
		t.Fatalf("MarkerStorer: implemented %v, StoresMarker %v; the harness says MarkerInBackup %v", ok, stores, h.MarkerInBackup)
	}
}

// testOptionLister: Options lists distinct non-empty keys, every key the
// harness's target uses among them, in a slice the caller may keep and
// change; a key not listed is InvalidArgument before any request.
func (h Harness) testOptionLister(t *testing.T) {
	e := newEnv(t, cloudemu.Options{})
	p := h.provider(e)
	ol, ok := p.(providers.OptionLister)
	if !ok {
		t.Skip("the provider does not list its options")
	}
	keys := ol.Options()
	seen := map[string]bool{}
	for _, k := range keys {
		if k == "" || seen[k] {
			t.Fatalf("Options() = %q: want distinct non-empty keys", keys)
		}
		seen[k] = true
	}
	tg := h.target(t, p, h.Target)
	for k := range tg.Options {
		if !seen[k] {
			t.Fatalf("the target %s uses option %q, which Options() = %q does not list", h.Target, k, keys)
		}
	}
	if len(keys) > 0 {
		keys[0] = "changed"
		if again := ol.Options(); len(again) == 0 || again[0] == "changed" {
			t.Fatalf("Options() hands out its own slice: a caller's change shows in the next call (%q)", again)
		}
	}
	sep := "?"
	if strings.Contains(h.Target, "?") {
		sep = "&"
	}
	raw := h.Target + sep + "bfn_unlisted=1"
	_, err := providers.NewRegistry(p).Parse(raw)
	wantKind(t, err, errkind.InvalidArgument)
	loose, err := parseLoose(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", raw, err)
	}
	_, err = p.StartBackup(context.Background(), loose, providers.StartOptions{})
	wantKind(t, err, errkind.InvalidArgument)
	if n := e.sent(); n != 0 {
		t.Fatalf("an unlisted option sent %d requests", n)
	}
}
