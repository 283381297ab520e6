package cloudemu_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
)

const rdsPath = "/v3/" + cloudemu.HuaweiProject + "/backups"

func rdsBody(instance, name, extra string) string {
	return fmt.Sprintf(`{"instance_id":%q,"name":%q%s}`+"\n", instance, name, extra)
}

// TestHuaweiErrors: parameter and state errors use the documented codes and
// statuses, and start nothing.
func TestHuaweiErrors(t *testing.T) {
	other := "/v2/ffffffffffffffffffffffffffffffff/instances/" + cloudemu.DCSInstance + "/backups"
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"dcs not JSON", "POST", dcsPath(cloudemu.DCSInstance), "{remark", 400, "DCS.4005"},
		{"dcs remark too long", "POST", dcsPath(cloudemu.DCSInstance), `{"remark":"` + strings.Repeat("é", 129) + `"}`, 400, "DCS.4098"},
		{"dcs bad format", "POST", dcsPath(cloudemu.DCSInstance), `{"backup_format":"json"}`, 400, "DCS.4063"},
		{"dcs missing instance", "POST", dcsPath("dcs-missing-0000"), `{}`, 404, "DCS.3022"},
		{"dcs list missing instance", "GET", dcsPath("dcs-missing-0000"), "", 404, "DCS.3022"},
		{"dcs single node", "POST", dcsPath(cloudemu.DCSSingleNode), `{}`, 400, "DCS.4086"},
		{"dcs locked", "POST", dcsPath(cloudemu.DCSLocked), `{}`, 400, "DCS.4017"},
		{"dcs other project", "POST", other, `{}`, 401, "DCS.1004"},
		{"dcs list limit 0", "GET", dcsPath(cloudemu.DCSInstance) + "?limit=0", "", 400, "DCS.4063"},
		{"dcs list bad begin", "GET", dcsPath(cloudemu.DCSInstance) + "?begin_time=2026-01-01", "", 400, "DCS.4063"},
		{"rds empty body", "POST", rdsPath, "", 400, "DBS.200006"},
		{"rds no instance", "POST", rdsPath, `{"name":"nightly"}`, 400, "DBS.200001"},
		{"rds bad name", "POST", rdsPath, rdsBody(cloudemu.RDSInstance, "1nightly", ""), 400, "DBS.200001"},
		{"rds bad description", "POST", rdsPath, rdsBody(cloudemu.RDSInstance, "nightly", `,"description":"a=b"`), 400, "DBS.280127"},
		{"rds databases on MySQL", "POST", rdsPath, rdsBody(cloudemu.RDSInstance, "nightly", `,"databases":[{"name":"db1"}]`), 400, "DBS.201207"},
		{"rds missing instance", "POST", rdsPath, rdsBody("00000000000000000000000000000000in01", "nightly", ""), 404, "DBS.200002"},
		{"rds replica", "POST", rdsPath, rdsBody(cloudemu.RDSReplica, "nightly", ""), 400, "DBS.201014"},
		{"rds locked", "POST", rdsPath, rdsBody(cloudemu.RDSLocked, "nightly", ""), 409, "DBS.200047"},
		{"rds other project", "POST", "/v3/ffffffffffffffffffffffffffffffff/backups", rdsBody(cloudemu.RDSInstance, "nightly", ""), 403, "DBS.200010"},
		{"rds list no instance", "GET", rdsPath, "", 400, "DBS.200001"},
		{"rds list half window", "GET", rdsPath + "?instance_id=" + cloudemu.RDSInstance + "&begin_time=2026-01-01T00:00:00%2B0000", "", 400, "DBS.200001"},
		{"rds list limit 101", "GET", rdsPath + "?instance_id=" + cloudemu.RDSInstance + "&limit=101", "", 400, "DBS.200001"},
		{"unknown API", "DELETE", rdsPath, "", 404, "APIGW.0101"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHW(t, cloudemu.Options{})
			r := h.send(t, h.signer(), tc.method, tc.path, tc.body, nil)
			if r.status != tc.status || r.code() != tc.code || r.body["error_msg"] == "" {
				t.Fatalf("answer %d %v, want %d %s with error_msg", r.status, r.body, tc.status, tc.code)
			}
			if n := len(h.emu.Backups()); n != 0 {
				t.Fatalf("a failing call started %d backups", n)
			}
		})
	}
}

// TestHuaweiBusyAndUnique: a second backup while one runs is refused, and
// an RDS backup name is unique in the project.
func TestHuaweiBusyAndUnique(t *testing.T) {
	h := newHW(t, cloudemu.Options{BackupDuration: time.Hour})
	s := h.signer()
	if r := h.send(t, s, "POST", dcsPath(cloudemu.DCSInstance), `{}`, nil); r.status != 200 {
		t.Fatalf("first DCS backup: %d %v", r.status, r.body)
	}
	if r := h.send(t, s, "POST", dcsPath(cloudemu.DCSInstance), `{}`, nil); r.code() != "DCS.4096" {
		t.Fatalf("second DCS backup: %d %v, want DCS.4096", r.status, r.body)
	}
	h.emu.AddInstance(cloudemu.Instance{Provider: cloudemu.HuaweiRDS, Region: "cn-north-4", ProjectID: cloudemu.HuaweiProject,
		ID: "sqlserver00000000000000000000000in04", Type: "standard", Engine: "SQLServer"})
	r := h.send(t, s, "POST", rdsPath, rdsBody("sqlserver00000000000000000000000in04", "nightly-1", `,"databases":[{"name":"db1"}]`), nil)
	if b, _ := r.body["backup"].(map[string]any); r.status != 200 || b["status"] != "BUILDING" || b["type"] != "manual" {
		t.Fatalf("SQL Server partial backup: %d %v", r.status, r.body)
	}
	if r := h.send(t, s, "POST", rdsPath, rdsBody("sqlserver00000000000000000000000in04", "nightly-2", ""), nil); r.code() != "DBS.201205" {
		t.Fatalf("second RDS backup while one runs: %d %v, want DBS.201205", r.status, r.body)
	}
	if r := h.send(t, s, "POST", rdsPath, rdsBody(cloudemu.RDSInstance, "nightly-1", ""), nil); r.status != 409 || r.code() != "DBS.201201" {
		t.Fatalf("a name used in the project: %d %v, want 409 DBS.201201", r.status, r.body)
	}
}

// TestHuaweiFaults: injected throttling and server errors come in each
// service's own format.
func TestHuaweiFaults(t *testing.T) {
	cases := []struct {
		kind         cloudemu.FaultKind
		path, body   string
		status       int
		code, action string
	}{
		{cloudemu.FaultThrottle, dcsPath(cloudemu.DCSInstance), `{}`, 429, "APIGW.0308", cloudemu.ActDCSBackup},
		{cloudemu.FaultServer, dcsPath(cloudemu.DCSInstance), `{}`, 500, "DCS.5000", cloudemu.ActDCSBackup},
		{cloudemu.FaultThrottle, rdsPath, rdsBody(cloudemu.RDSInstance, "nightly", ""), 429, "APIGW.0308", cloudemu.ActRDSBackup},
		{cloudemu.FaultServer, rdsPath, rdsBody(cloudemu.RDSInstance, "nightly", ""), 500, "DBS.108000", cloudemu.ActRDSBackup},
	}
	for _, tc := range cases {
		h := newHW(t, cloudemu.Options{})
		h.emu.Inject(cloudemu.Fault{Kind: tc.kind, Action: tc.action, Count: 1})
		if r := h.send(t, h.signer(), "POST", tc.path, tc.body, nil); r.status != tc.status || r.code() != tc.code {
			t.Fatalf("%v on %s: %d %v, want %d %s", tc.kind, tc.action, r.status, r.body, tc.status, tc.code)
		}
		if r := h.send(t, h.signer(), "POST", tc.path, tc.body, nil); r.status != 200 {
			t.Fatalf("after a one-shot %v: %d %v", tc.kind, r.status, r.body)
		}
		if rs := h.emu.Requests(); len(rs) != 2 || rs[0].Outcome != tc.code || rs[1].Outcome != "ok" {
			t.Fatalf("requests recorded %+v, want %s then ok", rs, tc.code)
		}
	}
}

// TestHuaweiRDSPerMinuteLimit: the 61st call in a minute is throttled.
func TestHuaweiRDSPerMinuteLimit(t *testing.T) {
	h := newHW(t, cloudemu.Options{BackupDuration: -1})
	var last hwResp
	for i := 0; i < 61; i++ {
		last = h.send(t, h.signer(), "POST", rdsPath, rdsBody(cloudemu.RDSInstance, fmt.Sprintf("nightly-%02d", i), ""), nil)
	}
	if last.status != 429 || last.code() != "APIGW.0308" {
		t.Fatalf("61st CreateManualBackup in a minute: %d %v, want 429 APIGW.0308", last.status, last.body)
	}
}

// TestHuaweiLostResponse: the backup starts, the answer never arrives, and
// the backup is flagged as lost.
func TestHuaweiLostResponse(t *testing.T) {
	h := newHW(t, cloudemu.Options{})
	h.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLost, Action: cloudemu.ActRDSBackup, Count: 1})
	req, _ := http.NewRequest("POST", h.url+rdsPath, strings.NewReader(rdsBody(cloudemu.RDSInstance, "nightly", "")))
	req.Header.Set("X-Project-Id", cloudemu.HuaweiProject)
	req.Header.Set("Content-Type", "application/json")
	h.signer().sign(req, []byte(rdsBody(cloudemu.RDSInstance, "nightly", "")))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer (%d) to a call whose response is lost", resp.StatusCode)
	}
	b, rs := h.emu.Backups(), h.emu.Requests()
	if len(b) != 1 || !b[0].Lost || b[0].Name != "nightly" || len(rs) != 1 || rs[0].Outcome != "lost" {
		t.Fatalf("backups %+v, requests %+v: want one lost backup named nightly, one request recorded lost", b, rs)
	}
}
