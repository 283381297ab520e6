package functest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/core"
)

// TestFunctionGraph runs functions/http as a FunctionGraph HTTP function:
// no HUAWEICLOUD_SDK_* in the environment, the function's temporary keys in
// the X-CFF-Security-* headers of each request.
func TestFunctionGraph(t *testing.T) {
	t.Parallel()
	c := newCloud(t, cloudemu.Options{Huawei: cloudemu.Credentials{
		ID: cloudemu.DefaultHuawei.ID, Secret: cloudemu.DefaultHuawei.Secret, Token: huaweiToken}})
	base := startHTTP(t, "functiongraph", c.env(t, []string{"HUAWEICLOUD_SDK_"},
		"RUNTIME_FUNC_NAME=backupfn", "RUNTIME_PROJECT_ID="+cloudemu.HuaweiProject))
	body := []byte(`{"groups":["huawei"]}`)
	cff := func(withKeys bool) map[string]string {
		h := signed(body)
		h["X-CFF-Request-Id"] = newID("cff")
		h["X-CFF-Func-Name"] = "backupfn"
		h["X-CFF-Timeout"] = "60"
		if withKeys {
			hw := c.emu.Credentials("huawei")
			h["X-CFF-Security-Access-Key"] = hw.ID
			h["X-CFF-Security-Secret-Key"] = hw.Secret
			h["X-CFF-Security-Token"] = hw.Token
		}
		return h
	}

	t.Run("keys from headers", func(t *testing.T) {
		n := c.count()
		res := post(t, base+"/v1/backups", cff(true), body)
		if res.status != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", res.status, res.body)
		}
		rep := decodeReport(t, "report", res.body)
		checkStarted(t, rep.Results, c.since(n), 2)
		want := []string{cloudemu.DCSInstance, cloudemu.RDSInstance}
		slices.Sort(want)
		if got := instances(c.since(n)); !slices.Equal(got, want) {
			t.Errorf("backed up %v, want %v", got, want)
		}
	})

	t.Run("no keys", func(t *testing.T) {
		// Control: without the headers there are no Huawei credentials.
		n := c.count()
		res := post(t, base+"/v1/backups", cff(false), body)
		if res.status == http.StatusOK {
			t.Fatalf("status 200 with no Huawei credentials: %s", res.body)
		}
		rep := decodeReport(t, "report", res.body)
		for _, r := range rep.Results {
			if r.Status != core.StatusFailed {
				t.Errorf("%s: status %s, want failed", r.Name, r.Status)
			}
		}
		if got := c.since(n); len(got) != 0 {
			t.Errorf("started %d backups with no credentials", len(got))
		}
	})
}
