package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
)

// harness runs CLI commands in-process against an emulator.
type harness struct {
	t   *testing.T
	emu *cloudemu.Emulator
	env map[string]string
}

func newHarness(t *testing.T) *harness {
	emu := cloudemu.New(cloudemu.Options{BackupDuration: 200 * time.Millisecond})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	env := map[string]string{}
	for k, v := range emu.EnvMap(srv.URL) {
		env[k] = v
	}
	return &harness{t: t, emu: emu, env: env}
}

func (h *harness) run(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	a := &app{stdout: &o, stderr: &e, getenv: func(k string) string { return h.env[k] }}
	code = a.main(context.Background(), args)
	return code, o.String(), e.String()
}

var four = []string{
	"--target", "tencent-redis://ap-guangzhou/" + cloudemu.TencentInstance,
	"--target", "alibaba-redis://cn-hangzhou/" + cloudemu.AlibabaInstance,
	"--target", "huawei-dcs://cn-north-4/" + cloudemu.DCSInstance + "?project_id=" + cloudemu.HuaweiProject,
	"--target", "huawei-rds://cn-north-4/" + cloudemu.RDSInstance + "?project_id=" + cloudemu.HuaweiProject,
}

type jsonReport struct {
	Results []struct {
		Target, Provider, Instance, Status string
		RequestID                          string   `json:"request_id"`
		TaskIDs                            []string `json:"task_ids"`
		Error                              *struct{ Kind, Code, Message string }
	}
}

func TestRunFourTargetsJSON(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.run(append([]string{"run", "--json"}, four...)...)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	backups := h.emu.Backups()
	if len(rep.Results) != 4 || len(backups) != 4 {
		t.Fatalf("%d results, %d backups in the emulator; want 4 and 4", len(rep.Results), len(backups))
	}
	started := map[string]string{}
	for _, b := range backups {
		started[b.Provider+"/"+b.Instance] = b.TaskID
	}
	for i, r := range rep.Results {
		if r.Status != "started" || r.Error != nil || len(r.TaskIDs) != 1 || r.TaskIDs[0] != started[r.Provider+"/"+r.Instance] {
			t.Errorf("result %d = %+v, emulator started %v", i, r, started)
		}
	}
}

func TestRunFailureExitCodes(t *testing.T) {
	h := newHarness(t)
	code, out, _ := h.run("run", "--target", "tencent-redis://ap-guangzhou/crs-nothere1")
	if code != exitFailed || !strings.Contains(out, "NotFound (ResourceNotFound.InstanceNotExists)") {
		t.Fatalf("exit %d, stdout:\n%s\nwant 1 and the NotFound kind with the cloud's code", code, out)
	}
	for _, args := range [][]string{
		{"run"},
		{"run", "--target", "mongo://x/y"},
		{"run", "--target", "tencent-redis://ap-guangzhou/crs-1?storage_days=9999"},
		{"run", "--target", "orders-redis"},
		{"run", "--nope"},
		{"frobnicate"},
	} {
		if code, _, _ := h.run(args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if n := len(h.emu.Requests()); n != 1 {
		t.Fatalf("usage errors sent requests: the emulator saw %d, want only the first run's 1", n)
	}
}

func writeConfig(t *testing.T, src string) string {
	p := filepath.Join(t.TempDir(), "backupfn.yaml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunGroupAndDryRun(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.run("run", "--config", "../../examples/backupfn.yaml", "--group", "nightly", "--dry-run", "--json")
	if code != exitOK || len(h.emu.Requests()) != 0 {
		t.Fatalf("dry run: exit %d, %d requests to the emulator (want 0)\n%s", code, len(h.emu.Requests()), errOut)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Results) != 4 || rep.Results[0].Status != "skipped" {
		t.Fatalf("dry run JSON: %v\n%s", err, out)
	}
	code, out, errOut = h.run("run", "--config", "../../examples/backupfn.yaml", "--group", "nightly", "--json", "--remark", "pre-migration")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Results) != 4 {
		t.Fatalf("group run: want one result per target: %v\n%s", err, out)
	}
	for _, b := range h.emu.Backups() {
		if b.Provider == cloudemu.TencentRedis && !strings.HasPrefix(b.Remark, "pre-migration") {
			t.Errorf("Tencent remark = %q, want the --remark text", b.Remark)
		}
	}
}

func TestValidate(t *testing.T) {
	h := newHarness(t)
	code, out, _ := h.run("validate", "--config", "../../examples/backupfn.yaml")
	if code != exitOK || !strings.Contains(out, "ok: 4 targets, 2 groups") || strings.Count(out, "\n") != 1 {
		t.Fatalf("exit %d, stdout %q: want 0 and a one-line summary", code, out)
	}
	bad := writeConfig(t, "targets:\n  a: tencent-redis://ap-guangzhou/crs-1\n  b:\n    url: huawei-rds://cn-north-4/i1?project_id=p1\n    name: 9lives\ngroupz:\n  g: [a]\n")
	code, _, errOut := h.run("validate", "--config", bad)
	if code != exitUsage || !strings.Contains(errOut, bad+":3: targets.b:") || !strings.Contains(errOut, bad+":6: groupz:") {
		t.Fatalf("exit %d, stderr:\n%s\nwant 2 and both errors with file:line", code, errOut)
	}
	if code, _, errOut := h.run("validate", "--config", "/nonexistent.yaml"); code != exitUsage || !strings.Contains(errOut, "/nonexistent.yaml") {
		t.Fatalf("missing file: exit %d, %s", code, errOut)
	}
}

func TestStatus(t *testing.T) {
	h := newHarness(t)
	url := "tencent-redis://ap-guangzhou/" + cloudemu.TencentInstance
	code, out, _ := h.run("run", "--json", "--target", url)
	var rep jsonReport
	if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	id := rep.Results[0].TaskIDs[0]
	if code, out, _ := h.run("status", "--target", url, id); code != exitOK || !strings.Contains(out, "running") {
		t.Fatalf("status right away: exit %d, %q; want running", code, out)
	}
	time.Sleep(300 * time.Millisecond)
	if code, out, _ := h.run("status", "--target", url, id); code != exitOK || !strings.Contains(out, "done") {
		t.Fatalf("status later: exit %d, %q; want done", code, out)
	}
	if code, _, _ := h.run("status", "--target", url); code != exitUsage {
		t.Fatalf("status without a task ID: exit %d, want 2", code)
	}
}

func TestDemo(t *testing.T) {
	var o, e bytes.Buffer
	a := &app{stdout: &o, stderr: &e, getenv: func(string) string { return "" }}
	if code := a.main(context.Background(), []string{"demo", "--backup-duration", "300ms"}); code != exitOK {
		t.Fatalf("demo exit %d\n%s\n%s", code, o.String(), e.String())
	}
	for _, name := range []string{"orders-redis", "sessions-redis", "cart-cache", "billing-db"} {
		if !strings.Contains(o.String(), name) {
			t.Errorf("demo table lacks %s:\n%s", name, o.String())
		}
	}
	if !strings.Contains(e.String(), "all 4 backup tasks done") {
		t.Fatalf("demo did not follow the tasks to done:\n%s", e.String())
	}
}

// No credential value reaches any output, even when the cloud rejects it.
func TestNoCredentialsInOutput(t *testing.T) {
	h := newHarness(t)
	secrets := []string{}
	for k, v := range h.env {
		if strings.Contains(k, "SECRET") || strings.HasSuffix(k, "_SK") || strings.HasSuffix(k, "_KEY") {
			h.env[k] = "wrongsecret" + v[:8]
			secrets = append(secrets, h.env[k], v)
		}
	}
	code, out, errOut := h.run(append([]string{"run", "--json"}, four...)...)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1 (all unauthenticated)\n%s", code, out)
	}
	for _, s := range secrets {
		if strings.Contains(out+errOut, s) {
			t.Fatalf("output carries a secret %q:\n%s%s", s, out, errOut)
		}
	}
	if strings.Count(out, `"kind": "Unauthenticated"`) != 4 {
		t.Fatalf("want 4 Unauthenticated results:\n%s", out)
	}
}

func TestHelp(t *testing.T) {
	h := newHarness(t)
	for _, c := range commands() {
		code, _, errOut := h.run(c.name, "--help")
		if code != exitOK || !strings.Contains(errOut, "Usage: backupfn "+c.name) {
			t.Errorf("%s --help: exit %d\n%s", c.name, code, errOut)
		}
	}
}

func TestValidateSinks(t *testing.T) {
	h := newHarness(t)
	bad := writeConfig(t, "targets:\n  a: tencent-redis://ap-guangzhou/crs-1\nsinks:\n  - type: webhook\n    url: https://ci.example.com/hook\n    secret: literal-secret-value\n  - {type: pager}\n")
	code, out, errOut := h.run("validate", "--config", bad)
	if code != exitUsage || !strings.Contains(errOut, bad+":6: sinks[0].secret: a secret: write it as ${ENV_VAR}") ||
		!strings.Contains(errOut, bad+":7: sinks[1].type: unknown sink type \"pager\"") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "literal-secret-value") {
		t.Fatal("validate printed the secret")
	}
}

// Two runs with the same idempotency key start each backup once, even with
// no shared store: the second finds the first's backups by their marker.
func TestRunIdempotencyKey(t *testing.T) {
	h := newHarness(t)
	args := []string{"run", "--json", "--idempotency-key", "deploy-42",
		"--target", "tencent-redis://ap-guangzhou/" + cloudemu.TencentInstance,
		"--target", "huawei-dcs://cn-north-4/" + cloudemu.DCSInstance + "?project_id=" + cloudemu.HuaweiProject,
		"--target", "huawei-rds://cn-north-4/" + cloudemu.RDSInstance + "?project_id=" + cloudemu.HuaweiProject}
	var first, second jsonReport
	for i, rep := range []*jsonReport{&first, &second} {
		code, out, errOut := h.run(args...)
		if code != exitOK || json.Unmarshal([]byte(out), rep) != nil {
			t.Fatalf("run %d: exit %d\n%s%s", i+1, code, out, errOut)
		}
	}
	if n := len(h.emu.Backups()); n != 3 {
		t.Fatalf("the emulator has %d backups after two runs with one key, want 3", n)
	}
	for i := range first.Results {
		if first.Results[i].TaskIDs[0] != second.Results[i].TaskIDs[0] || second.Results[i].Status != "already-started" {
			t.Fatalf("run 2 reported task %v, run 1 started %v", second.Results[i].TaskIDs, first.Results[i].TaskIDs)
		}
	}
	// A different key is a different request: it starts new backups (once the instances are free).
	time.Sleep(250 * time.Millisecond)
	code, _, _ := h.run(append(args[:3:3], append([]string{"deploy-43"}, args[4:]...)...)...)
	if code != exitOK || len(h.emu.Backups()) != 6 {
		t.Fatalf("a new key: exit %d, %d backups, want 6", code, len(h.emu.Backups()))
	}
}

func TestRunWait(t *testing.T) {
	h := newHarness(t) // backups take 200ms
	code, out, errOut := h.run("run", "--json", "--wait", "--target", "tencent-redis://ap-guangzhou/"+cloudemu.TencentInstance,
		"--target", "alibaba-redis://cn-hangzhou/"+cloudemu.AlibabaCluster)
	if code != exitOK || strings.Count(out, `"task_state": "done"`) != 2 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestInvoke(t *testing.T) {
	h := newHarness(t)
	h.env["BACKUPFN_WEBHOOK_SECRET"] = "inv-secret"
	code, out, errOut := h.run("invoke", "--platform", "scf", "--config", "../../examples/backupfn.yaml", "--event", "../../events/testdata/scf-timer.json")
	if code != exitOK || strings.Count(out, `"status":"started"`) != 4 {
		t.Fatalf("scf timer: exit %d\n%s\n%s", code, out, errOut)
	}
	body := filepath.Join(t.TempDir(), "b.json")
	os.WriteFile(body, []byte(`{"targets":["orders-redis"],"idempotency_key":"x1"}`), 0o600)
	time.Sleep(300 * time.Millisecond) // the timer's backups finish
	code, out, errOut = h.run("invoke", "--platform", "http", "--config", "../../examples/backupfn.yaml", "--event", body)
	if code != exitOK || strings.Count(out, `"status": "started"`) != 1 {
		t.Fatalf("http invoke (signed with $BACKUPFN_WEBHOOK_SECRET): exit %d\n%s\n%s", code, out, errOut)
	}
	delete(h.env, "BACKUPFN_WEBHOOK_SECRET")
	if code, out, _ := h.run("invoke", "--platform", "http", "--config", "../../examples/backupfn.yaml", "--event", body); code != exitFailed || !strings.Contains(out, "Unauthenticated") {
		t.Fatalf("unsigned http invoke: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"invoke", "--platform", "azure", "--event", body},
		{"invoke", "--platform", "scf"},
		{"invoke", "--platform", "scf", "--event", "/nonexistent.json"},
	} {
		if code, _, _ := h.run(args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// Issue #12: run goes through the same pipeline as every function, so the
// config's cli policy applies: a target it does not list starts nothing.
func TestRunRefusedByPolicy(t *testing.T) {
	h := newHarness(t)
	cfg := writeConfig(t, `
targets:
  a: tencent-redis://ap-guangzhou/`+cloudemu.TencentInstance+`
  b: alibaba-redis://cn-hangzhou/`+cloudemu.AlibabaInstance+`
groups:
  both: [a, b]
policy:
  cli: {targets: [a]}
`)
	for _, args := range [][]string{
		{"--target", "b"},
		{"--target", "a", "--target", "b"},
		{"--group", "both"},
		{"--target", "tencent-redis://ap-guangzhou/" + cloudemu.TencentInstance}, // a URL: not allowed either
		{"--target", "b", "--dry-run"},
	} {
		code, out, errOut := h.run(append([]string{"run", "--config", cfg, "--json"}, args...)...)
		var rep jsonReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v: stdout is not the JSON report: %v\n%s%s", args, err, out, errOut)
		}
		if code != exitFailed || len(rep.Results) != 1 || rep.Results[0].Status != "failed" || rep.Results[0].Error == nil ||
			rep.Results[0].Error.Kind != "PermissionDenied" || !strings.Contains(rep.Results[0].Error.Message, "policy.cli") {
			t.Errorf("%v: exit %d, report %+v; want exit 1 and one failed PermissionDenied entry naming policy.cli\n%s", args, code, rep.Results, errOut)
		}
		if n := len(h.emu.Requests()); n != 0 {
			t.Fatalf("%v: a refused run sent %d requests to the emulator, want none", args, n)
		}
	}
	code, out, errOut := h.run("run", "--config", cfg, "--target", "b")
	if code != exitFailed || !strings.Contains(out, "PermissionDenied (PolicyDenied)") || !strings.Contains(out, "policy.cli") {
		t.Errorf("table: exit %d\n%s%s", code, out, errOut)
	}
	// The control: what the rule allows does start.
	if code, out, errOut := h.run("run", "--config", cfg, "--target", "a"); code != exitOK || len(h.emu.Backups()) != 1 {
		t.Fatalf("allowed target: exit %d, %d backups\n%s%s", code, len(h.emu.Backups()), out, errOut)
	}
}
