package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/handler"
	"github.com/backupfn/backupfn/sinks"
)

// A failing webhook does not stop the other sinks, and the report names it.
func TestFailingSinkIsReported(t *testing.T) {
	emu := cloudemu.New(cloudemu.Options{BackupDuration: -1})
	es := httptest.NewServer(emu)
	defer es.Close()
	var good []sinks.Event
	var badCalls atomic.Int32
	okSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&good)
	}))
	defer okSrv.Close()
	badSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		badCalls.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer badSrv.Close()
	env := map[string]string{"HOOK_SECRET": "s-123456", "OK_URL": okSrv.URL, "BAD_URL": badSrv.URL + "/hook"}
	for k, v := range emu.EnvMap(es.URL) {
		env[k] = v
	}
	cfg := testConfig + `
sinks:
  - {type: webhook, url: "${BAD_URL}", secret: "${HOOK_SECRET}", timeout: 1s}
  - {type: webhook, url: "${OK_URL}", secret: "${HOOK_SECRET}"}
`
	var logged bytes.Buffer
	h, err := handler.New(context.Background(), handler.Options{Platform: "scf", ConfigYAML: []byte(cfg),
		Getenv: func(k string) string { return env[k] }, Log: &logged})
	if err != nil {
		t.Fatal(err)
	}
	h.Publisher.Base, h.Publisher.Max = time.Millisecond, 5*time.Millisecond
	rep, err := h.Run(context.Background(), core.Trigger{Source: core.SourceTimer, Groups: []string{"nightly"}, DedupeKey: "t1"})
	if err != nil || !rep.OK() {
		t.Fatalf("run: %v %+v", err, rep.Counts())
	}
	if len(rep.Sinks) != 3 || !rep.Sinks[0].OK || rep.Sinks[1].OK || !rep.Sinks[2].OK {
		t.Fatalf("sink statuses = %+v; want log ok, the bad webhook failed, the good one ok", rep.Sinks)
	}
	if s := rep.Sinks[1]; s.Attempts != 4 || !strings.Contains(s.Error, "502") || strings.Contains(s.Sink, "/hook") || badCalls.Load() != 4 {
		t.Fatalf("failed sink = %+v after %d calls; want 4 attempts, the status, and no URL path in its name", s, badCalls.Load())
	}
	if len(good) != 5 || good[4].Type != sinks.TypeRunFinished || good[0].Data.TaskIDs[0] == "" {
		t.Fatalf("the good webhook got %d events: %+v", len(good), good)
	}
	if n := strings.Count(logged.String(), "\n"); n != 5 {
		t.Fatalf("the log sink wrote %d lines, want 5", n)
	}
	// Without a shared store, a failed sink does not ask for a retry: a retry
	// on another instance could start the backups again.
	out, err := h.Invoke(context.Background(), []byte(`{"Type":"Timer","TriggerName":"nightly","Time":"2026-11-26T02:00:00Z","Message":"nightly"}`))
	if err != nil || !bytes.Contains(out, []byte(`"ok":false`)) {
		t.Fatalf("invoke: %v\n%s", err, out)
	}
}

// With BACKUPFN_WAIT the function follows the tasks and publishes
// backup.completed events.
func TestWaitPublishesCompleted(t *testing.T) {
	emu := cloudemu.New(cloudemu.Options{BackupDuration: 200 * time.Millisecond})
	es := httptest.NewServer(emu)
	defer es.Close()
	env := map[string]string{"BACKUPFN_WAIT": "30s"}
	for k, v := range emu.EnvMap(es.URL) {
		env[k] = v
	}
	var logged bytes.Buffer
	h, err := handler.New(context.Background(), handler.Options{Platform: "fc", ConfigYAML: []byte(testConfig),
		Getenv: func(k string) string { return env[k] }, Log: &logged})
	if err != nil {
		t.Fatal(err)
	}
	h.Service.PollInterval = 50 * time.Millisecond
	rep, err := h.Run(context.Background(), core.Trigger{Groups: []string{"nightly"}})
	if err != nil || !rep.OK() {
		t.Fatalf("%v %v", err, rep.Counts())
	}
	if n := strings.Count(logged.String(), `"msg":"`+sinks.TypeCompleted+`"`); n != 4 {
		t.Fatalf("%d backup.completed events logged, want 4:\n%s", n, logged.String())
	}
	env["BACKUPFN_WAIT"] = "soon"
	if _, err := handler.New(context.Background(), handler.Options{ConfigYAML: []byte(testConfig), Getenv: func(k string) string { return env[k] }}); err == nil || !strings.Contains(err.Error(), "BACKUPFN_WAIT") {
		t.Fatalf("a bad BACKUPFN_WAIT: %v", err)
	}
}

// A timer that fires twice (the same trigger name and time) starts nothing
// the second time: its results replay as already-started.
func TestTimerFiringTwiceStartsOnce(t *testing.T) {
	f := newFixture(t, "scf")
	timer := []byte(`{"Type":"Timer","TriggerName":"nightly","Time":"2026-11-26T02:00:00Z","Message":"nightly"}`)
	for i := 0; i < 2; i++ {
		out, err := f.h.Invoke(context.Background(), timer)
		if err != nil {
			t.Fatalf("firing %d: %v", i+1, err)
		}
		want := `"status":"started"`
		if i == 1 {
			want = `"status":"already-started"`
		}
		if strings.Count(string(out), want) != 4 {
			t.Fatalf("firing %d: want 4 %s:\n%s", i+1, want, out)
		}
	}
	if n := len(f.emu.Backups()); n != 4 {
		t.Fatalf("%d backups after the timer fired twice, want 4", n)
	}
}
