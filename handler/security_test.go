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
	"github.com/backupfn/backupfn/signature"
)

// entrypoint sends one HTTP request through one HTTP-facing entrypoint and
// returns the status the caller would see.
type entrypoint struct {
	name     string
	platform string
	send     func(t *testing.T, h *handler.Handler, path string, header http.Header, body []byte) int
}

func headerMap(h http.Header) map[string]string {
	m := map[string]string{}
	for k, v := range h {
		m[strings.ToLower(k)] = v[0]
	}
	return m
}

// invokeStatus runs a gateway event through Invoke and reads its statusCode.
func invokeStatus(t *testing.T, h *handler.Handler, ev map[string]any) int {
	payload, _ := json.Marshal(ev)
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	var resp struct {
		StatusCode int `json:"statusCode"`
	}
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == 0 {
		t.Fatalf("gateway response %s: %v", out, err)
	}
	return resp.StatusCode
}

var entrypoints = []entrypoint{
	{"http server", "http", func(t *testing.T, h *handler.Handler, path string, header http.Header, body []byte) int {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header = header.Clone()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}},
	{"scf api gateway", "scf", func(t *testing.T, h *handler.Handler, path string, header http.Header, body []byte) int {
		return invokeStatus(t, h, map[string]any{
			"requestContext": map[string]any{"serviceId": "s", "path": path, "httpMethod": "POST", "requestId": "r", "sourceIp": "203.0.113.1", "stage": "release"},
			"headers":        headerMap(header), "body": string(body), "isBase64Encoded": false,
			"path": "/release" + path, "httpMethod": "POST", "queryString": map[string]any{}, "pathParameters": map[string]any{}})
	}},
	{"fc http trigger", "fc", func(t *testing.T, h *handler.Handler, path string, header http.Header, body []byte) int {
		return invokeStatus(t, h, map[string]any{"version": "v1", "rawPath": path, "body": string(body), "isBase64Encoded": false,
			"headers": headerMap(header), "queryParameters": map[string]any{},
			"requestContext": map[string]any{"requestId": "r", "http": map[string]any{"method": "POST", "path": path, "sourceIp": "198.51.100.7"}}})
	}},
	{"lambda function url", "lambda", func(t *testing.T, h *handler.Handler, path string, header http.Header, body []byte) int {
		return invokeStatus(t, h, map[string]any{"version": "2.0", "rawPath": path, "headers": headerMap(header), "body": string(body),
			"isBase64Encoded": false, "requestContext": map[string]any{"requestId": "r", "http": map[string]any{"method": "POST", "path": path, "sourceIp": "192.0.2.44"}}})
	}},
}

const policyConfig = `
policy:
  http: {groups: [nightly]}
  rules:
    - {source: http, key: ci, targets: [orders]}
    - {source: chat, channel: C-ops, groups: ["*"], targets: ["*"]}
webhook:
  keys: {ci: "${CI_KEY}"}
`

// Unsigned, wrongly signed, expired, replayed, oversized and policy-denied
// requests through every HTTP-facing entrypoint start nothing and get the
// right status.
func TestSecurityMatrix(t *testing.T) {
	for _, ep := range entrypoints {
		t.Run(ep.name, func(t *testing.T) {
			emu := cloudemu.New(cloudemu.Options{BackupDuration: time.Minute})
			es := httptest.NewServer(emu)
			defer es.Close()
			env := map[string]string{"BACKUPFN_WEBHOOK_SECRET": secret, "SLACK_SIGNING_SECRET": slackSecret, "CI_KEY": "ci-key-secret-0123456"}
			for k, v := range emu.EnvMap(es.URL) {
				env[k] = v
			}
			h, err := handler.New(context.Background(), handler.Options{Platform: ep.platform, ConfigYAML: []byte(testConfig + policyConfig),
				Getenv: func(k string) string { return env[k] }, Log: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			json := http.Header{"Content-Type": {"application/json"}}
			with := func(sig string) http.Header { h := json.Clone(); h.Set(handler.SignatureHeader, sig); return h }
			body := []byte(`{"groups":["nightly"]}`)
			replayed := with(handler.Sign([]byte(secret), time.Now(), []byte(`{"targets":["orders"],"groups":["nightly"],"remark":"x"}`)))
			big := append([]byte(`{"groups":["nightly"],"remark":"`), bytes.Repeat([]byte("a"), handler.MaxBody)...)
			slackBody := []byte(url.Values{"team_id": {"T1"}, "channel_id": {"C-dev"}, "user_id": {"U1"}, "command": {"/backup"},
				"text": {"target:orders"}, "response_url": {"https://hooks.slack.com/commands/1"}}.Encode())
			ts, ssig := handler.SignSlack([]byte(slackSecret), time.Now(), slackBody)
			denied := []byte(`{"targets":["billing"]}`)
			cases := []struct {
				name   string
				path   string
				header http.Header
				body   []byte
				status int
			}{
				{"unsigned", "/v1/backups", json, body, 401},
				{"wrong secret", "/v1/backups", with(handler.Sign([]byte("guess"), time.Now(), body)), body, 401},
				{"expired", "/v1/backups", with(handler.Sign([]byte(secret), time.Now().Add(-6*time.Minute), body)), body, 401},
				{"unknown key id", "/v1/backups", with(strings.Replace(handler.Sign([]byte(secret), time.Now(), body), ",v1=", ",k=ops,v1=", 1)), body, 401},
				{"oversized", "/v1/backups", with(handler.Sign([]byte(secret), time.Now(), big)), big, 413},
				{"policy: a target the http rule does not list", "/v1/backups", with(handler.Sign([]byte(secret), time.Now(), denied)), denied, 403},
				{"policy: the ci key may not name groups", "/v1/backups", with(signWithKey("ci", "ci-key-secret-0123456", body)), body, 403},
				{"first use of a signature (denied by the policy: orders is not in policy.http)", "/v1/backups", replayed, []byte(`{"targets":["orders"],"groups":["nightly"],"remark":"x"}`), 403},
				{"replayed", "/v1/backups", replayed, []byte(`{"targets":["orders"],"groups":["nightly"],"remark":"x"}`), 401},
				{"slack unsigned", "/v1/slack/command", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, slackBody, 401},
				{"slack: chat may name groups only outside C-ops (answered in Slack, 200)", "/v1/slack/command", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Slack-Request-Timestamp": {ts}, "X-Slack-Signature": {ssig}}, slackBody, 200},
				{"slack replayed again", "/v1/slack/command", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Slack-Request-Timestamp": {ts}, "X-Slack-Signature": {ssig}}, slackBody, 401},
			}
			for _, c := range cases {
				if got := ep.send(t, h, c.path, c.header, c.body); got != c.status {
					t.Errorf("%s: status %d, want %d", c.name, got, c.status)
				}
			}
			if n := len(emu.Requests()); n != 0 {
				t.Fatalf("%d calls reached the cloud; every request here must start nothing", n)
			}
			// The control: a request the policy allows does start its backups.
			ok := []byte(`{"groups":["nightly"]}`)
			if got := ep.send(t, h, "/v1/backups", with(handler.Sign([]byte(secret), time.Now(), ok)), ok); got != 200 || len(emu.Backups()) != 4 {
				t.Fatalf("allowed request: status %d, %d backups", got, len(emu.Backups()))
			}
		})
	}
}

func signWithKey(id, key string, body []byte) string {
	return signature.SignWithKey(signature.Key{ID: id, Secret: []byte(key)}, time.Now(), body)
}

// A denied request is published as a failed event naming the rule.
func TestDeniedIsPublished(t *testing.T) {
	env := map[string]string{"CI_KEY": "ci-key-secret-0123456"}
	var logged bytes.Buffer
	h, err := handler.New(context.Background(), handler.Options{Platform: "fc", ConfigYAML: []byte(testConfig + policyConfig),
		Getenv: func(k string) string { return env[k] }, Log: &logged})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"targets":["billing"]}`)
	req := httptest.NewRequest(http.MethodPost, "/v1/backups", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(handler.SignatureHeader, signWithKey("ci", "ci-key-secret-0123456", body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 403 || !strings.Contains(w.Body.String(), "policy.rules[0]") {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if !strings.Contains(logged.String(), `"msg":"com.backupfn.backup.failed"`) || !strings.Contains(logged.String(), "PolicyDenied") {
		t.Fatalf("no failed event published:\n%s", logged.String())
	}
}

// The same signature spelt differently (order, spaces, an extra v1=) is
// still a replay.
func TestReplayRespelled(t *testing.T) {
	f := newFixture(t, "http")
	body := []byte(`{"targets":["orders"]}`)
	sig := handler.Sign([]byte(secret), time.Now(), body)
	ts, v1, _ := strings.Cut(sig, ",")
	for i, h := range []string{sig, v1 + "," + ts, ts + ", " + v1, sig + ",v1=00"} {
		code, b := f.post(t, "/v1/backups", body, http.Header{handler.SignatureHeader: {h}, "Content-Type": {"application/json"}})
		if (i == 0) != (code != 401) {
			t.Fatalf("spelling %d (%s): status %d %s", i, h, code, b)
		}
	}
}

// An empty webhook key never validates a signature: config refuses a short
// or defaulted key, and an empty BACKUPFN_WEBHOOK_SECRET means none.
func TestNoEmptyKeys(t *testing.T) {
	for _, cfg := range []string{`webhook: {keys: {ci: "${CI_KEY:-}"}}`, `webhook: {keys: {ci: "${CI_KEY}"}}`} {
		env := map[string]string{"CI_KEY": "short"}
		_, err := handler.New(context.Background(), handler.Options{ConfigYAML: []byte(testConfig + cfg), Getenv: func(k string) string { return env[k] }})
		if err == nil || !strings.Contains(err.Error(), "webhook.keys.ci") {
			t.Fatalf("%s: err = %v", cfg, err)
		}
	}
}
