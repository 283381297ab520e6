package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/handler"
)

const (
	secret      = "whsec-test-0123456789abcdef"
	slackSecret = "slack-signing-secret-abcdef"
)

var testConfig = `
targets:
  orders: tencent-redis://ap-guangzhou/` + cloudemu.TencentInstance + `
  sessions: alibaba-redis://cn-hangzhou/` + cloudemu.AlibabaInstance + `
  cart: huawei-dcs://cn-north-4/` + cloudemu.DCSInstance + `?project_id=` + cloudemu.HuaweiProject + `
  billing: huawei-rds://cn-north-4/` + cloudemu.RDSInstance + `?project_id=` + cloudemu.HuaweiProject + `
groups:
  nightly: [orders, sessions, cart, billing]
`

type fixture struct {
	emu *cloudemu.Emulator
	h   *handler.Handler
	srv *httptest.Server
	env map[string]string
}

func newFixture(t *testing.T, platform string) *fixture {
	t.Helper()
	emu := cloudemu.New(cloudemu.Options{BackupDuration: time.Minute})
	es := httptest.NewServer(emu)
	t.Cleanup(es.Close)
	env := map[string]string{"BACKUPFN_WEBHOOK_SECRET": secret, "SLACK_SIGNING_SECRET": slackSecret}
	for k, v := range emu.EnvMap(es.URL) {
		env[k] = v
	}
	h, err := handler.New(context.Background(), handler.Options{Platform: platform, ConfigYAML: []byte(testConfig),
		Getenv: func(k string) string { return env[k] }, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{emu: emu, h: h, srv: srv, env: env}
}

func (f *fixture) post(t *testing.T, path string, body []byte, header http.Header) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func signed(body []byte, at time.Time, key string) http.Header {
	return http.Header{handler.SignatureHeader: {handler.Sign([]byte(key), at, body)}, "Content-Type": {"application/json"}}
}

func TestBackupsEndpoint(t *testing.T) {
	f := newFixture(t, "http")
	body := []byte(`{"groups":["nightly"],"remark":"pre-release"}`)
	code, b := f.post(t, "/v1/backups", body, signed(body, time.Now(), secret))
	if code != 200 {
		t.Fatalf("status %d: %s", code, b)
	}
	var rep struct {
		Results []struct {
			Status  string   `json:"status"`
			TaskIDs []string `json:"task_ids"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Results) != 4 {
		t.Fatalf("report: %v\n%s", err, b)
	}
	for _, r := range rep.Results {
		if r.Status != "started" || len(r.TaskIDs) == 0 {
			t.Fatalf("result %+v", r)
		}
	}
	if n := len(f.emu.Backups()); n != 4 {
		t.Fatalf("emulator has %d backups, want 4", n)
	}
}

// Every rejected request starts nothing and gets the right status.
func TestRejectedRequests(t *testing.T) {
	f := newFixture(t, "http")
	body := []byte(`{"groups":["nightly"]}`)
	big := append([]byte(`{"groups":["nightly"],"remark":"`), bytes.Repeat([]byte("x"), handler.MaxBody)...)
	cases := []struct {
		name   string
		path   string
		body   []byte
		header http.Header
		status int
		kind   string
	}{
		{"unsigned", "/v1/backups", body, nil, 401, "Unauthenticated"},
		{"wrong secret", "/v1/backups", body, signed(body, time.Now(), "not-the-secret"), 401, "Unauthenticated"},
		{"tampered body", "/v1/backups", []byte(`{"groups":["redis"]}`), signed(body, time.Now(), secret), 401, "Unauthenticated"},
		{"expired", "/v1/backups", body, signed(body, time.Now().Add(-10*time.Minute), secret), 401, "Unauthenticated"},
		{"from the future", "/v1/backups", body, signed(body, time.Now().Add(10*time.Minute), secret), 401, "Unauthenticated"},
		{"garbage header", "/v1/backups", body, http.Header{handler.SignatureHeader: {"v1=abc"}}, 401, "Unauthenticated"},
		{"oversized", "/v1/backups", big, signed(big, time.Now(), secret), 413, "InvalidArgument"},
		{"malformed JSON", "/v1/backups", []byte(`{"groups":`), signed([]byte(`{"groups":`), time.Now(), secret), 400, "InvalidArgument"},
		{"unknown field", "/v1/backups", []byte(`{"grups":["x"]}`), signed([]byte(`{"grups":["x"]}`), time.Now(), secret), 400, "InvalidArgument"},
		{"unknown group", "/v1/backups", []byte(`{"groups":["weekly"]}`), signed([]byte(`{"groups":["weekly"]}`), time.Now(), secret), 400, "InvalidArgument"},
		{"unknown route", "/v1/restore", body, signed(body, time.Now(), secret), 404, "NotFound"},
		{"slack unsigned", "/v1/slack/command", []byte("team_id=T1&user_id=U1&command=%2Fbackup&text=nightly"), nil, 401, "Unauthenticated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, b := f.post(t, c.path, c.body, c.header)
			var e struct {
				Error struct{ Kind, Message string }
			}
			if code != c.status || json.Unmarshal(b, &e) != nil || e.Error.Kind != c.kind || e.Error.Message == "" {
				t.Fatalf("status %d body %s; want %d with error kind %s", code, b, c.status, c.kind)
			}
			if strings.Contains(string(b), secret) {
				t.Fatal("the response carries the webhook secret")
			}
		})
	}
	if n := len(f.emu.Requests()); n != 0 {
		t.Fatalf("rejected requests reached the cloud %d times", n)
	}
}

func TestSecretRotation(t *testing.T) {
	f := newFixture(t, "http")
	f.env["BACKUPFN_WEBHOOK_SECRET"], f.env["BACKUPFN_WEBHOOK_SECRET_PREVIOUS"] = "new-secret-xyz", secret
	h, _ := handler.New(context.Background(), handler.Options{Platform: "http", ConfigYAML: []byte(testConfig), Getenv: func(k string) string { return f.env[k] }, Log: io.Discard})
	f.srv.Config.Handler = h
	body := []byte(`{"targets":["orders"]}`)
	for _, key := range []string{"new-secret-xyz", secret} {
		if code, b := f.post(t, "/v1/backups", body, signed(body, time.Now(), key)); code != 200 && code != 503 {
			t.Fatalf("signed with a current secret: %d %s", code, b)
		}
	}
}

func TestNoSecretRefusesAll(t *testing.T) {
	f := newFixture(t, "http")
	delete(f.env, "BACKUPFN_WEBHOOK_SECRET")
	h, _ := handler.New(context.Background(), handler.Options{Platform: "http", ConfigYAML: []byte(testConfig), Getenv: func(k string) string { return f.env[k] }, Log: io.Discard})
	f.srv.Config.Handler = h
	body := []byte(`{"targets":["orders"]}`)
	if code, b := f.post(t, "/v1/backups", body, signed(body, time.Now(), "")); code != 401 || !strings.Contains(string(b), "BACKUPFN_WEBHOOK_SECRET") {
		t.Fatalf("with no secret configured: %d %s; want 401 naming the variable", code, b)
	}
}

func TestHealthzAndMethods(t *testing.T) {
	f := newFixture(t, "http")
	resp, err := http.Get(f.srv.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp, _ = http.Get(f.srv.URL + "/v1/backups")
	if resp.StatusCode != 405 {
		t.Fatalf("GET /v1/backups: %d, want 405", resp.StatusCode)
	}
}

// The chatops flow: /backup nightly → an immediate acknowledgement → the
// backups → a follow-up message with the task IDs at response_url.
func TestSlackFlow(t *testing.T) {
	f := newFixture(t, "http")
	got := make(chan map[string]string, 1)
	rx := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		_ = json.NewDecoder(r.Body).Decode(&m)
		got <- m
	}))
	defer rx.Close()
	f.h.HTTPClient = rx.Client()
	form := url.Values{"team_id": {"T1"}, "user_id": {"U1"}, "user_name": {"ana"}, "command": {"/backup"}, "text": {"nightly"},
		"response_url": {rx.URL + "/commands/1"}, "trigger_id": {"13345224609.738474920.8088930838d88f008e0"}}
	body := []byte(form.Encode())
	ts, sig := handler.SignSlack([]byte(slackSecret), time.Now(), body)
	start := time.Now()
	code, ack := f.post(t, "/v1/slack/command", body, http.Header{"X-Slack-Request-Timestamp": {ts}, "X-Slack-Signature": {sig},
		"Content-Type": {"application/x-www-form-urlencoded"}})
	if code != 200 || !strings.Contains(string(ack), "Starting backups of group nightly") || time.Since(start) > 3*time.Second {
		t.Fatalf("acknowledgement: %d %s after %s", code, ack, time.Since(start))
	}
	select {
	case m := <-got:
		backups := f.emu.Backups()
		if len(backups) != 4 || !strings.Contains(m["text"], "4 started") {
			t.Fatalf("follow-up %q with %d backups", m["text"], len(backups))
		}
		for _, b := range backups {
			if !strings.Contains(m["text"], b.TaskID) {
				t.Errorf("follow-up lacks task %s:\n%s", b.TaskID, m["text"])
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no follow-up message at response_url")
	}
}

func TestInvokeSQSBatch(t *testing.T) {
	f := newFixture(t, "lambda")
	payload := []byte(`{"Records":[
	 {"messageId":"m-good","receiptHandle":"r1","body":"{\"targets\":[\"orders\"]}","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:1:q","attributes":{"SentTimestamp":"1700000000000"}},
	 {"messageId":"m-bad","receiptHandle":"r2","body":"{not json","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:1:q","attributes":{"SentTimestamp":"1700000000000"}},
	 {"messageId":"m-unknown","receiptHandle":"r3","body":"{\"targets\":[\"nope\"]}","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:1:q","attributes":{"SentTimestamp":"1700000000000"}}]}`)
	out, err := f.h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"batchItemFailures":[{"itemIdentifier":"m-bad"},{"itemIdentifier":"m-unknown"}]}` {
		t.Fatalf("response = %s", out)
	}
	if n := len(f.emu.Backups()); n != 1 {
		t.Fatalf("emulator has %d backups, want the good message's 1", n)
	}
	// Redelivered, the good message starts nothing new.
	if _, err := f.h.Invoke(context.Background(), payload); err != nil || len(f.emu.Backups()) != 1 {
		t.Fatalf("redelivery: %v, %d backups", err, len(f.emu.Backups()))
	}
}
