package handler_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/handler"
)

// instance is one `backupfn serve` of a fleet: its own handler (and replay
// cache) over the shared Redis store and the one emulated cloud.
func instance(t *testing.T, emuURL string, emu *cloudemu.Emulator, extraConfig string) *fixture {
	t.Helper()
	env := map[string]string{"BACKUPFN_WEBHOOK_SECRET": secret, "SLACK_SIGNING_SECRET": slackSecret, "REDIS_URL": "redis://127.0.0.1:6379/0"}
	for k, v := range emu.EnvMap(emuURL) {
		env[k] = v
	}
	h, err := handler.New(context.Background(), handler.Options{Platform: "http", ConfigYAML: []byte(testConfig + extraConfig),
		Getenv: func(k string) string { return env[k] }, Log: io.Discard})
	if err != nil {
		t.Fatalf("%v (the tests need Redis on 127.0.0.1:6379)", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{emu: emu, h: h, srv: srv, env: env}
}

// Issue #13: one captured signed request, replayed to other instances
// sharing Redis with its dedupe header altered, removed or added, starts
// nothing new; replayed unaltered it replays as already-started.
func TestReplayAcrossInstances(t *testing.T) {
	emu := cloudemu.New(cloudemu.Options{BackupDuration: -1})
	es := httptest.NewServer(emu)
	defer es.Close()
	const redisConfig = "idempotency: {store: redis, url: \"${REDIS_URL}\"}\n"
	fleet := []*fixture{instance(t, es.URL, emu, redisConfig), instance(t, es.URL, emu, redisConfig), instance(t, es.URL, emu, redisConfig)}
	run := fmt.Sprintf("%d", time.Now().UnixNano()) // Redis outlives the test: keys of this run only
	body := []byte(`{"groups":["nightly"],"remark":"r-` + run + `"}`)
	statuses := func(b []byte) []string {
		var rep struct{ Results []struct{ Status string } }
		_ = json.Unmarshal(b, &rep)
		var s []string
		for _, r := range rep.Results {
			s = append(s, r.Status)
		}
		return s
	}
	want := func(what string, code int, b []byte, status int, results string, backups int) {
		t.Helper()
		if code != status || (results != "" && strings.Join(statuses(b), ",") != results) {
			t.Fatalf("%s: status %d %s; want %d %s", what, code, b, status, results)
		}
		if n := len(emu.Backups()); n != backups {
			t.Fatalf("%s: the cloud has %d backups, want %d", what, n, backups)
		}
	}
	started := "started,started,started,started"
	again := "already-started,already-started,already-started,already-started"

	// An Idempotency-Key header, signed with v2.
	h := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {"deploy-" + run}}
	h.Set(handler.SignatureHeader, handler.SignRequest([]byte(secret), time.Now(), "/v1/backups", h, body))
	code, b := fleet[0].post(t, "/v1/backups", body, h)
	want("first delivery", code, b, 200, started, 4)
	code, b = fleet[1].post(t, "/v1/backups", body, h)
	want("replayed to another instance", code, b, 200, again, 4)
	altered := h.Clone()
	altered.Set("Idempotency-Key", "deploy-"+run+"-2")
	code, b = fleet[2].post(t, "/v1/backups", body, altered)
	want("replayed with the Idempotency-Key altered", code, b, 401, "", 4)
	removed := h.Clone()
	removed.Del("Idempotency-Key")
	code, b = fleet[2].post(t, "/v1/backups", body, removed)
	want("replayed with the Idempotency-Key removed", code, b, 401, "", 4)
	// The same request with its v1 signature: the body alone, refused with
	// any dedupe header.
	v1 := h.Clone()
	v1.Set(handler.SignatureHeader, handler.Sign([]byte(secret), time.Now(), body))
	code, b = fleet[2].post(t, "/v1/backups", body, v1)
	want("v1 signature with an Idempotency-Key", code, b, 401, "", 4)

	// An old client: v1, no dedupe header. Its signature is its dedupe key,
	// so a replay to another instance starts nothing new, and adding an
	// Idempotency-Key to it is refused.
	body2 := []byte(`{"groups":["nightly"],"remark":"old-` + run + `"}`)
	old := http.Header{"Content-Type": {"application/json"}, handler.SignatureHeader: {handler.Sign([]byte(secret), time.Now(), body2)}}
	code, b = fleet[0].post(t, "/v1/backups", body2, old)
	want("old client", code, b, 200, started, 8)
	code, b = fleet[1].post(t, "/v1/backups", body2, old)
	want("old client replayed to another instance", code, b, 200, again, 8)
	added := old.Clone()
	added.Set("Idempotency-Key", "new-"+run)
	code, b = fleet[2].post(t, "/v1/backups", body2, added)
	want("old client replayed with an Idempotency-Key added", code, b, 401, "", 8)
	ce := old.Clone()
	for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": "e-" + run, "Ce-Source": "/attacker", "Ce-Type": "x"} {
		ce.Set(k, v)
	}
	code, b = fleet[2].post(t, "/v1/events", body2, ce)
	want("old client's body replayed as a binary-mode CloudEvent", code, b, 401, "", 8)

	// A binary-mode CloudEvent: ce-id and ce-source are the dedupe key.
	body3 := []byte(`{"groups":["nightly"],"remark":"ce-` + run + `"}`)
	bin := http.Header{"Content-Type": {"application/json"}, "Ce-Specversion": {"1.0"}, "Ce-Id": {"e-" + run}, "Ce-Source": {"/ci"}, "Ce-Type": {"com.example.backup"}}
	bin.Set(handler.SignatureHeader, handler.SignRequest([]byte(secret), time.Now(), "/v1/events", bin, body3))
	code, b = fleet[0].post(t, "/v1/events", body3, bin)
	want("binary-mode CloudEvent", code, b, 200, started, 12)
	for name, edit := range map[string]func(http.Header){
		"ce-id altered":     func(h http.Header) { h.Set("Ce-Id", "e-"+run+"-2") },
		"ce-source altered": func(h http.Header) { h.Set("Ce-Source", "/other") },
		"ce-id removed":     func(h http.Header) { h.Del("Ce-Id") },
		"ce-time added":     func(h http.Header) { h.Set("Ce-Time", "2030-01-01T00:00:00Z") },
	} {
		h := bin.Clone()
		edit(h)
		code, b = fleet[1].post(t, "/v1/events", body3, h)
		want("binary-mode CloudEvent replayed with "+name, code, b, 401, "", 12)
	}
	code, b = fleet[2].post(t, "/v1/events", body3, bin)
	want("binary-mode CloudEvent replayed to another instance", code, b, 200, again, 12)
	// The v2 signature covers the route: the same request to /v1/backups fails.
	code, b = fleet[2].post(t, "/v1/backups", body3, bin)
	want("binary-mode CloudEvent sent to /v1/backups", code, b, 401, "", 12)
}

func postBatch(t *testing.T, f *fixture, body []byte) (int, []byte) {
	t.Helper()
	h := signed(body, time.Now(), secret)
	h.Set("Content-Type", "application/cloudevents-batch+json")
	return f.post(t, "/v1/events", body, h)
}

// Issue #13: one request may not become 100,000 target runs. Over the
// event or target budget it is 413 and starts nothing; targets named twice
// in one request run once.
func TestRequestBudgets(t *testing.T) {
	f := newFixture(t, "http")
	// The request: 1000 events, each naming a group of 100 targets
	// (219 KB; 100,000 target runs). A config with such a group:
	var targets, members strings.Builder
	for i := range 100 {
		fmt.Fprintf(&targets, "  t%d: tencent-redis://ap-guangzhou/crs-%08d\n", i, i)
		fmt.Fprintf(&members, "    - t%d\n", i)
	}
	big := strings.Replace(testConfig, "targets:\n", "targets:\n"+targets.String(), 1) + "  big:\n" + members.String()
	h, err := handler.New(context.Background(), handler.Options{Platform: "http", ConfigYAML: []byte(big),
		Getenv: func(k string) string { return f.env[k] }, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	f.h, f.srv.Config.Handler = h, h
	groups := func(n int, group func(i int) string) []byte {
		evs := make([]map[string]any, n)
		for i := range evs {
			evs[i] = map[string]any{"specversion": "1.0", "id": fmt.Sprintf("e-%d", i), "source": "/batch", "type": "t",
				"data": map[string]any{"groups": []string{group(i)}}}
		}
		b, _ := json.Marshal(evs)
		return b
	}
	start := time.Now()
	body := groups(1000, func(int) string { return "big" })
	code, b := postBatch(t, f, body)
	if code != 413 || !strings.Contains(string(b), "1000 events in one request: the limit is 100") || time.Since(start) > 5*time.Second {
		t.Fatalf("1000 events × a group of 100 (%d bytes): %d %s after %s", len(body), code, b, time.Since(start))
	}
	// Within the event cap, 100 events naming 100 distinct target URLs each:
	// 10,000 runs, over the target budget.
	urls := make([]string, 100)
	for i := range urls {
		urls[i] = fmt.Sprintf("tencent-redis://ap-guangzhou/crs-%d", i)
	}
	evs := make([]map[string]any, 100)
	for i := range evs {
		mine := make([]string, 100)
		for j := range mine {
			mine[j] = fmt.Sprintf("%s-%d", urls[j], i)
		}
		evs[i] = map[string]any{"specversion": "1.0", "id": fmt.Sprintf("u-%d", i), "source": "/batch", "type": "t", "data": map[string]any{"targets": mine}}
	}
	body, _ = json.Marshal(evs)
	code, b = postBatch(t, f, body)
	if code != 413 || !strings.Contains(string(b), "10000 target runs") || !strings.Contains(string(b), "the limit is 1000") {
		t.Fatalf("100 events × 100 targets: %d %s", code, b)
	}
	// 100 events naming the same group collapse to one: 100 runs.
	h.Limits.Targets = 99
	code, b = postBatch(t, f, groups(100, func(int) string { return "big" }))
	if code != 413 || !strings.Contains(string(b), "100 target runs") {
		t.Fatalf("100 events naming one group of 100, budget 99: %d %s", code, b)
	}
	f.h.Limits.Targets = 5
	code, b = postBatch(t, f, []byte(`[`+
		`{"specversion":"1.0","id":"g1","source":"/b","type":"t","data":{"groups":["nightly"]}},`+
		`{"specversion":"1.0","id":"g2","source":"/b","type":"t","data":{"targets":["orders","tencent-redis://ap-guangzhou/crs-x1","tencent-redis://ap-guangzhou/crs-x2"]}}]`))
	if code != 413 || !strings.Contains(string(b), "6 target runs (groups count their members): the limit is 5") {
		t.Fatalf("nightly (4) + 2 URLs over a budget of 5: %d %s", code, b)
	}
	if n := len(f.emu.Requests()); n != 0 {
		t.Fatalf("%d calls reached the cloud; an oversized request must start nothing", n)
	}
	// Duplicates collapse: nightly, then orders three times (once through
	// nightly) → 4 runs, within the budget of 5.
	code, b = postBatch(t, f, []byte(`[`+
		`{"specversion":"1.0","id":"d1","source":"/b","type":"t","data":{"groups":["nightly"]}},`+
		`{"specversion":"1.0","id":"d2","source":"/b","type":"t","data":{"targets":["orders"]}},`+
		`{"specversion":"1.0","id":"d3","source":"/b","type":"t","data":{"targets":["orders","orders"],"groups":["nightly"]}}]`))
	var rep struct {
		Results []struct{ Name, Status string }
	}
	if code != 200 || json.Unmarshal(b, &rep) != nil || len(rep.Results) != 4 {
		t.Fatalf("a batch naming each target more than once: %d %s", code, b)
	}
	if n := len(f.emu.Backups()); n != 4 {
		t.Fatalf("the cloud has %d backups, want 4 (one per target)", n)
	}
	// The other order: a target, then a group that holds it. The group cannot
	// be cut, so the request is refused before anything starts (running it
	// would back orders up twice).
	f.h.Limits.Targets = 100
	code, b = postBatch(t, f, []byte(`[`+
		`{"specversion":"1.0","id":"r1","source":"/b","type":"t","data":{"targets":["orders"]}},`+
		`{"specversion":"1.0","id":"r2","source":"/b","type":"t","data":{"groups":["nightly"]}}]`))
	if code != 400 || !strings.Contains(string(b), `group \"nightly\" holds target \"orders\"`) {
		t.Fatalf("a target, then a group holding it: %d %s", code, b)
	}
	if n := len(f.emu.Backups()); n != 4 {
		t.Fatalf("the cloud has %d backups after the refused request, want still 4", n)
	}
}

// rawConn opens a TCP connection to srv and sends a request head.
func rawConn(t *testing.T, addr, head string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	return c
}

// Issue #13: unauthenticated clients cannot hold the server. A body
// trickled slower than the read timeout is cut off; a missing or stale
// signature is refused before the body is read; over Limits.Bodies bodies
// being read at once, the next gets 503 with Retry-After.
func TestSlowClients(t *testing.T) {
	f := newFixture(t, "http")
	f.h.Limits.ReadTimeout = 500 * time.Millisecond
	f.h.Limits.Bodies = 1
	srv := f.h.Server("127.0.0.1:0")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	addr := ln.Addr().String()
	body := []byte(`{"groups":["nightly"],"remark":"` + strings.Repeat("x", 200) + `"}`)
	head := func(sig string) string {
		return "POST /v1/backups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + handler.SignatureHeader + ": " + sig +
			"\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n"
	}

	// A missing signature: 401 at once, with none of the body sent.
	c := rawConn(t, addr, "POST /v1/backups HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("no signature, no body sent: %v %v", resp, err)
	}
	// A stale one likewise.
	c = rawConn(t, addr, head(handler.Sign([]byte(secret), time.Now().Add(-time.Hour), body)))
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if resp, err = http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != 401 {
		t.Fatalf("stale signature, no body sent: %v %v", resp, err)
	}

	// A well-formed signature and a trickled body: it holds the one body
	// slot (another request gets 503) until the read timeout cuts it off.
	slow := rawConn(t, addr, head(handler.Sign([]byte(secret), time.Now(), body)))
	var wg sync.WaitGroup
	wg.Add(1)
	sent := 0
	go func() {
		defer wg.Done()
		for _, c := range body {
			if _, err := slow.Write([]byte{c}); err != nil {
				return
			}
			sent++
			time.Sleep(50 * time.Millisecond) // 10 s for the whole body
		}
	}()
	time.Sleep(150 * time.Millisecond)
	other := []byte(`{"targets":["orders"]}`)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/backups", bytes.NewReader(other))
	req.Header = signed(other, time.Now(), secret)
	busy, err := http.DefaultClient.Do(req)
	if err != nil || busy.StatusCode != 503 || busy.Header.Get("Retry-After") == "" {
		t.Fatalf("while a body is being read with a cap of 1: %v %v; want 503 with Retry-After", busy, err)
	}
	busy.Body.Close()
	began := time.Now()
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest, _ := io.ReadAll(slow) // the server's answer, if any, then EOF when it closes
	wg.Wait()
	if d := time.Since(began); d > 3*time.Second || sent >= len(body) {
		t.Fatalf("the trickling client was not cut off: %s, %d of %d bytes sent; got %q", d, sent, len(body), rest)
	}
	if strings.Contains(string(rest), "200 OK") {
		t.Fatalf("the trickled request was served: %q", rest)
	}
	// The slot is free again.
	req, _ = http.NewRequest(http.MethodPost, "http://"+addr+"/v1/backups", bytes.NewReader(other))
	req.Header = signed(other, time.Now(), secret)
	ok, err := http.DefaultClient.Do(req)
	if err != nil || ok.StatusCode != 200 {
		t.Fatalf("after the slow client: %v %v", ok, err)
	}
	ok.Body.Close()
	if n := len(f.emu.Backups()); n != 1 {
		t.Fatalf("%d backups, want the last request's 1", n)
	}
	if srv.ReadTimeout != 500*time.Millisecond || srv.IdleTimeout != handler.DefaultIdleTimeout || srv.ReadHeaderTimeout == 0 {
		t.Fatalf("server timeouts: read %s, idle %s, header %s", srv.ReadTimeout, srv.IdleTimeout, srv.ReadHeaderTimeout)
	}
}

// Issue #13: the HTTP answer carries the report's sinks, so a failing sink
// is visible to the caller.
func TestHTTPAnswerShowsSinks(t *testing.T) {
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	defer bad.Close()
	f := newFixture(t, "http")
	f.env["HOOK_SECRET"], f.env["BAD_URL"] = "s-123456", bad.URL+"/hook"
	h, err := handler.New(context.Background(), handler.Options{Platform: "http", ConfigYAML: []byte(testConfig +
		"sinks:\n  - {type: webhook, url: \"${BAD_URL}\", secret: \"${HOOK_SECRET}\", timeout: 1s}\n"),
		Getenv: func(k string) string { return f.env[k] }, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	h.Publisher.Base, h.Publisher.Max = time.Millisecond, 5*time.Millisecond
	f.srv.Config.Handler = h
	body := []byte(`{"targets":["orders"]}`)
	code, b := f.post(t, "/v1/backups", body, signed(body, time.Now(), secret))
	var rep struct {
		Results []struct{ Status string }
		Sinks   []struct {
			Sink  string
			OK    bool
			Error string
		}
	}
	if code != 200 || json.Unmarshal(b, &rep) != nil || len(rep.Results) != 1 || len(rep.Sinks) != 2 {
		t.Fatalf("answer %d %s; want the result and two sinks", code, b)
	}
	if !rep.Sinks[0].OK || rep.Sinks[1].OK || !strings.Contains(rep.Sinks[1].Error, "502") {
		t.Fatalf("sinks %+v; want the log ok and the webhook failed with its status", rep.Sinks)
	}
}

// Issue #13: an async slash command the policy refuses is answered with the
// refusal, not "Starting backups of …"; nothing starts, nothing is posted
// to response_url, and the refusal is still published.
func TestSlackAsyncRefusal(t *testing.T) {
	f := newFixture(t, "http")
	var logged syncBuffer
	h, err := handler.New(context.Background(), handler.Options{Platform: "http", ConfigYAML: []byte(testConfig + policyConfig),
		Getenv: func(k string) string {
			if k == "CI_KEY" {
				return "ci-key-secret-0123456"
			}
			return f.env[k]
		}, Log: &logged})
	if err != nil {
		t.Fatal(err)
	}
	posted := make(chan string, 1)
	rx := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posted <- string(b)
	}))
	defer rx.Close()
	h.HTTPClient = rx.Client()
	f.srv.Config.Handler = h
	send := func(channel, text string) string {
		form := url.Values{"team_id": {"T1"}, "channel_id": {channel}, "user_id": {"U1"}, "command": {"/backup"}, "text": {text},
			"response_url": {rx.URL + "/commands/1"}, "trigger_id": {fmt.Sprint(time.Now().UnixNano())}}
		body := []byte(form.Encode())
		ts, sig := handler.SignSlack([]byte(slackSecret), time.Now(), body)
		code, ack := f.post(t, "/v1/slack/command", body, http.Header{"X-Slack-Request-Timestamp": {ts}, "X-Slack-Signature": {sig},
			"Content-Type": {"application/x-www-form-urlencoded"}})
		if code != 200 {
			t.Fatalf("status %d %s", code, ack)
		}
		return string(ack)
	}
	// Chat may name groups only (outside C-ops): a target is refused.
	ack := send("C-dev", "target:orders")
	if strings.Contains(ack, "Starting") || !strings.Contains(ack, "Backup of orders not started") || !strings.Contains(ack, "may not back up target orders") {
		t.Fatalf("refused command answered %s", ack)
	}
	h.Drain()
	select {
	case m := <-posted:
		t.Fatalf("a refused command posted to response_url: %s", m)
	case <-time.After(200 * time.Millisecond):
	}
	if n := len(f.emu.Requests()); n != 0 {
		t.Fatalf("a refused command made %d cloud calls", n)
	}
	if !strings.Contains(logged.String(), "PolicyDenied") {
		t.Fatalf("the refusal was not published:\n%s", logged.String())
	}
	// An unknown group is no "Starting…" either.
	if ack := send("C-dev", "weekly"); strings.Contains(ack, "Starting") || !strings.Contains(ack, "unknown group") {
		t.Fatalf("unknown group answered %s", ack)
	}
	// The control: an allowed command is acknowledged, then followed up.
	if ack := send("C-dev", "nightly"); !strings.Contains(ack, "Starting backups of group nightly") {
		t.Fatalf("allowed command answered %s", ack)
	}
	select {
	case m := <-posted:
		if !strings.Contains(m, "4 started") {
			t.Fatalf("follow-up %s", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no follow-up for the allowed command")
	}
	h.Drain()
}

// syncBuffer is a bytes.Buffer safe for the background run's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
