// Package providertest is the conformance suite every provider runs against
// cloudemu. A provider's test writes only its Harness and calls Run.
package providertest

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/core/errkind"
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
	emu  *cloudemu.Emulator
	url  string
	vars map[string]string
}

func newEnv(t *testing.T, o cloudemu.Options) *env {
	t.Helper()
	if o.BackupDuration == 0 {
		o.BackupDuration = 300 * time.Millisecond
	}
	emu := cloudemu.New(o)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	vars := map[string]string{}
	for k, v := range emu.EnvMap(srv.URL) {
		vars[k] = v
	}
	return &env{emu: emu, url: srv.URL, vars: vars}
}

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

// Run runs the conformance suite.
func Run(t *testing.T, h Harness) {
	t.Run("StartBackup", func(t *testing.T) { h.testStart(t) })
	t.Run("StatusRunningToDone", func(t *testing.T) { h.testStatus(t) })
	t.Run("NotFound", func(t *testing.T) { h.testError(t, h.NotFound, errkind.NotFound) })
	t.Run("Locked", func(t *testing.T) { h.testError(t, h.Locked, errkind.Busy) })
	t.Run("Unsupported", func(t *testing.T) {
		if h.Unsupported == "" {
			t.Skip("this cloud documents no unsupported-instance error for its backup call")
		}
		h.testError(t, h.Unsupported, errkind.Unsupported)
	})
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
	t.Run("STSToken", func(t *testing.T) { h.testSTS(t) })
	t.Run("FindStarted", func(t *testing.T) { h.testFindStarted(t) })
	t.Run("FindStartedAfterLostAnswer", func(t *testing.T) { h.testFindAfterLost(t) })
	t.Run("FindStartedBesideAutomaticBackups", func(t *testing.T) { h.testFindBesideAuto(t) })
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
	_, err = p.Status(ctx, tg, "999999")
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
	if n := len(e.emu.Requests()); n != 0 {
		t.Fatalf("bad options sent %d requests, want none", n)
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
	if n := len(e.emu.Requests()); n != 0 {
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

	// Canceled while the cloud is slow to answer.
	e.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLatency, Latency: 2 * time.Second, Count: 1})
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = p.StartBackup(ctx, tg, providers.StartOptions{})
	wantKind(t, err, errkind.Canceled)
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
	if h.MarkerInBackup {
		if _, ok, err := p.FindStarted(ctx, tg, "m0000000000aa", since); err != nil || ok {
			t.Fatalf("FindStarted with another marker = %v, %v; want none", ok, err)
		}
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
