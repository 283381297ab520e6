package functest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
)

// fgEventFunction is functions/functiongraph polling a fake of FunctionGraph's
// custom runtime API (Huawei FunctionGraph user guide, "Custom Runtime":
// GET /v1/runtime/invocation/request, POST .../response/{id}, .../error/{id};
// the invocation's headers carry X-Cff-Request-Id and, with an agency, its
// temporary keys).
type fgEventFunction struct {
	api *runtimeAPI
	cl  *cloud
}

// startFunctionGraphEvent starts the event function with no HUAWEICLOUD_SDK_*
// variables: Huawei credentials come only from the invocation headers. The
// RUNTIME_* variables are those the custom runtime page lists.
func startFunctionGraphEvent(t *testing.T, c *cloud) *fgEventFunction {
	t.Helper()
	api := newFunctionGraphRuntimeAPI(t)
	startChild(t, "functiongraph", bins["functiongraph"], c.env(t, []string{"HUAWEICLOUD_SDK_"},
		"RUNTIME_API_ADDR="+api.addr, "RUNTIME_FUNC_NAME=backupfn", "RUNTIME_FUNC_VERSION=latest",
		"RUNTIME_PACKAGE=default", "RUNTIME_PROJECT_ID="+cloudemu.HuaweiProject, "RUNTIME_HANDLER=bootstrap",
		"RUNTIME_TIMEOUT=60", "RUNTIME_MEMORY=128", "RUNTIME_CPU=300", "RUNTIME_CODE_ROOT="+t.TempDir()))
	return &fgEventFunction{api: api, cl: c}
}

// invoke runs one invocation; keys false: no agency keys in the headers.
func (f *fgEventFunction) invoke(t *testing.T, payload []byte, keys bool) apiResult {
	t.Helper()
	id := newID("cff")
	h := http.Header{}
	h.Set("X-Cff-Request-Id", id)
	h.Set("X-CFF-Invoke-Type", "async") // timers invoke asynchronously
	if keys {
		hw := f.cl.emu.Credentials("huawei")
		h.Set("X-CFF-Security-Access-Key", hw.ID)
		h.Set("X-CFF-Security-Secret-Key", hw.Secret)
		h.Set("X-CFF-Security-Token", hw.Token)
	}
	return f.api.invoke(t, id, h, payload)
}

// fgTimer is a FunctionGraph timer event (shape: the TIMER example event of
// FunctionGraph's "Supported Event Sources" page, also
// otc-functiongraph-go-runtime events/timer/TimerTriggerEvent.go@98ef77d8):
// the time in Beijing time, as the example has it.
func fgTimer(t *testing.T, name, userEvent string, at time.Time) []byte {
	return mustJSON(t, map[string]string{
		"version": "v1.0", "time": at.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339),
		"trigger_type": "TIMER", "trigger_name": name, "user_event": userEvent,
	})
}

func TestFunctionGraphEventFunction(t *testing.T) {
	t.Parallel()
	c := newCloud(t, cloudemu.Options{Huawei: cloudemu.Credentials{
		ID: cloudemu.DefaultHuawei.ID, Secret: cloudemu.DefaultHuawei.Secret, Token: huaweiToken}})
	f := startFunctionGraphEvent(t, c)
	huawei := []string{cloudemu.DCSInstance, cloudemu.RDSInstance}
	slices.Sort(huawei)

	t.Run("timer starts the nightly group", func(t *testing.T) {
		n := c.count()
		res := f.invoke(t, fgTimer(t, newID("nightly"), "nightly", time.Now()), true)
		rep := decodeReport(t, "timer", res.ok(t, "timer"))
		checkStarted(t, rep.Results, c.since(n), 4)
		if got := instances(c.since(n)); !slices.Equal(got, nightlyInstances) {
			t.Errorf("backed up %v, want %v", got, nightlyInstances)
		}
	})

	t.Run("empty user_event: the group named like the timer", func(t *testing.T) {
		n := c.count()
		rep := decodeReport(t, "timer", f.invoke(t, fgTimer(t, "huawei", "", time.Now()), true).ok(t, "timer"))
		checkStarted(t, rep.Results, c.since(n), 2)
		if got := instances(c.since(n)); !slices.Equal(got, huawei) {
			t.Errorf("backed up %v, want %v", got, huawei)
		}
	})

	t.Run("timer delivered twice", func(t *testing.T) {
		n := c.count()
		ev := fgTimer(t, newID("twice"), "huawei", time.Now())
		first := decodeReport(t, "first", f.invoke(t, ev, true).ok(t, "first"))
		checkStarted(t, first.Results, c.since(n), 2)
		second := decodeReport(t, "second", f.invoke(t, ev, true).ok(t, "second"))
		if got := c.since(n); len(got) != 2 {
			t.Errorf("two deliveries started %d backups, want 2", len(got))
		}
		for _, r := range second.Results {
			if r.Status != core.StatusAlreadyStarted {
				t.Errorf("%s: second delivery %s, want already-started", r.Name, r.Status)
			}
		}
	})

	t.Run("no agency keys", func(t *testing.T) {
		// Control: without the headers there are no Huawei credentials, so
		// the headers are what made the other subtests work. A permanent
		// refusal is reported, not retried (no /error).
		n := c.count()
		res := f.invoke(t, fgTimer(t, newID("nokeys"), "huawei", time.Now()), false)
		rep := decodeReport(t, "timer", res.ok(t, "timer"))
		if len(rep.Results) != 2 {
			t.Fatalf("%d results, want 2: %s", len(rep.Results), res.body)
		}
		for _, r := range rep.Results {
			if r.Status != core.StatusFailed || r.Error == nil || r.Error.Kind != errkind.Unauthenticated {
				t.Errorf("%s: %s %+v, want failed Unauthenticated", r.Name, r.Status, r.Error)
			}
		}
		if got := c.since(n); len(got) != 0 {
			t.Errorf("started %d backups with no credentials", len(got))
		}
	})

	t.Run("undecodable payload goes to /error and the loop goes on", func(t *testing.T) {
		n := c.count()
		res := f.invoke(t, []byte("{not json"), true)
		if !res.errored || !strings.Contains(string(res.body), `"errorType":"FunctionReturnError"`) {
			t.Errorf("want an /error answer with errorType FunctionReturnError, got errored=%v %s", res.errored, res.body)
		}
		rep := decodeReport(t, "timer", f.invoke(t, fgTimer(t, "huawei", "", time.Now().Add(time.Hour)), true).ok(t, "timer"))
		checkStarted(t, rep.Results, c.since(n), 2)
	})
}
