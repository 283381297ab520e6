package functest

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/handler"
)

var httpClient = &http.Client{Timeout: 30 * time.Second}

// startHTTP starts functions/http on a free $PORT and waits for /healthz.
func startHTTP(t *testing.T, name string, env []string) string {
	t.Helper()
	var base string
	startListening(t, name, bins["http"], env, "PORT", func(port int) error {
		u := fmt.Sprintf("http://127.0.0.1:%d", port)
		c := &http.Client{Timeout: time.Second}
		resp, err := c.Get(u + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /healthz: %s", resp.Status)
		}
		base = u
		return nil
	})
	return base
}

type httpResult struct {
	status  int
	body    []byte
	elapsed time.Duration
}

func post(t *testing.T, u string, header map[string]string, body []byte) httpResult {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: reading the response: %v", u, err)
	}
	noSecrets(t, "response to POST "+u, b)
	return httpResult{status: resp.StatusCode, body: b, elapsed: time.Since(start)}
}

func signed(body []byte) map[string]string {
	return map[string]string{
		"Content-Type":          "application/json",
		handler.SignatureHeader: handler.Sign([]byte(webhookSecret), signTime(), body),
	}
}

// signedV2 signs a POST /v1/backups with an Idempotency-Key header: a v2
// signature, which covers the header (a v1 one is refused with it).
func signedV2(body []byte, idempotencyKey string) map[string]string {
	h := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {idempotencyKey}}
	return map[string]string{
		"Content-Type":          "application/json",
		"Idempotency-Key":       idempotencyKey,
		handler.SignatureHeader: handler.SignRequest([]byte(webhookSecret), signTime(), "/v1/backups", h, body),
	}
}

// slackHook stands in for Slack's response_url: an HTTPS server whose
// certificate the child trusts through SSL_CERT_FILE.
type slackHook struct {
	url      string
	certFile string
	posts    chan []byte
}

func newSlackHook(t *testing.T) *slackHook {
	t.Helper()
	h := &slackHook{posts: make(chan []byte, 8)}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case h.posts <- b:
		default:
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/commands/T0001/13345224609"
	h.certFile = filepath.Join(t.TempDir(), "slack-hook.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(h.certFile, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHTTP(t *testing.T) {
	t.Parallel()
	// The emulator's Huawei account uses a security token, as FunctionGraph's
	// temporary keys do; the plain server gets it from the environment.
	c := newCloud(t, cloudemu.Options{Huawei: cloudemu.Credentials{
		ID: cloudemu.DefaultHuawei.ID, Secret: cloudemu.DefaultHuawei.Secret, Token: huaweiToken}})
	hook := newSlackHook(t)
	base := startHTTP(t, "http", c.env(t, nil, "SSL_CERT_FILE="+hook.certFile, "SSL_CERT_DIR="+t.TempDir()))
	backups := base + "/v1/backups"
	body := []byte(`{"groups":["nightly"]}`)

	t.Run("signed", func(t *testing.T) {
		n := c.count()
		res := post(t, backups, signed(body), body)
		if res.status != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", res.status, res.body)
		}
		var rep core.Report
		dec := json.NewDecoder(bytes.NewReader(res.body))
		dec.DisallowUnknownFields() // the shape of `backupfn run --json`: {"results":[...]} only
		if err := dec.Decode(&rep); err != nil || rep.Results == nil {
			t.Fatalf("want {\"results\":[...]} (%v), got %s", err, res.body)
		}
		checkStarted(t, rep.Results, c.since(n), 4)
		if got := instances(c.since(n)); !slices.Equal(got, nightlyInstances) {
			t.Errorf("backed up %v, want %v", got, nightlyInstances)
		}
	})

	for _, tc := range []struct {
		name   string
		header map[string]string
		body   []byte
	}{
		{"unsigned", map[string]string{"Content-Type": "application/json"}, body},
		{"wrong secret", map[string]string{"Content-Type": "application/json",
			handler.SignatureHeader: handler.Sign([]byte("not-the-secret"), time.Now(), body)}, body},
		{"expired", map[string]string{"Content-Type": "application/json",
			handler.SignatureHeader: handler.Sign([]byte(webhookSecret), time.Now().Add(-10*time.Minute), body)}, body},
		{"signature of another body", signed([]byte(`{"groups":["alibaba"]}`)), body},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := c.count()
			res := post(t, backups, tc.header, tc.body)
			if res.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", res.status, res.body)
			}
			if e := decodeError(t, "401", res.body); e.Error.Kind != "Unauthenticated" {
				t.Errorf("error kind %s, want Unauthenticated", e.Error.Kind)
			}
			if got := c.since(n); len(got) != 0 {
				t.Errorf("a refused request started %d backups", len(got))
			}
		})
	}

	t.Run("body over 1 MiB", func(t *testing.T) {
		n := c.count()
		big := []byte(`{"groups":["nightly"],"remark":"` + strings.Repeat("x", handler.MaxBody) + `"}`)
		res := post(t, backups, signed(big), big)
		if res.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413: %.300s", res.status, res.body)
		}
		decodeError(t, "413", res.body)
		if got := c.since(n); len(got) != 0 {
			t.Errorf("an oversized request started %d backups", len(got))
		}
	})

	t.Run("malformed json", func(t *testing.T) {
		n := c.count()
		bad := []byte(`{"groups":["nightly"]`)
		res := post(t, backups, signed(bad), bad)
		if res.status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400: %s", res.status, res.body)
		}
		if e := decodeError(t, "400", res.body); e.Error.Kind != "InvalidArgument" {
			t.Errorf("error kind %s, want InvalidArgument", e.Error.Kind)
		}
		if got := c.since(n); len(got) != 0 {
			t.Errorf("a malformed request started %d backups", len(got))
		}
	})

	t.Run("wrong content type", func(t *testing.T) {
		n := c.count()
		h := signed(body)
		h["Content-Type"] = "text/plain"
		res := post(t, backups, h, body)
		if res.status == http.StatusBadRequest {
			t.Skipf("blocked: handler/http.go:72 answers every events.DecodeHTTP error with 400 instead of " +
				"events.HTTPStatus(err) (415 for a wrong Content-Type, as events' own tests expect)")
		}
		if res.status != http.StatusUnsupportedMediaType {
			t.Fatalf("status %d, want 415: %s", res.status, res.body)
		}
		decodeError(t, "415", res.body)
		if got := c.since(n); len(got) != 0 {
			t.Errorf("started %d backups", len(got))
		}
	})

	t.Run("idempotency key", func(t *testing.T) {
		n := c.count()
		key := newID("deploy")
		first := post(t, backups, signedV2(body, key), body)
		second := post(t, backups, signedV2(body, key), body) // a retry, signed again
		v1 := signed(body)                                    // a v1 signature does not cover the header: refused
		v1["Idempotency-Key"] = key
		if third := post(t, backups, v1, body); third.status != http.StatusUnauthorized {
			t.Fatalf("v1 signature with an Idempotency-Key: status %d, want 401: %s", third.status, third.body)
		}
		if first.status != http.StatusOK || second.status != http.StatusOK {
			t.Fatalf("statuses %d, %d, want 200, 200: %s %s", first.status, second.status, first.body, second.body)
		}
		checkStarted(t, decodeReport(t, "first", first.body).Results, c.since(n), 4)
		for _, r := range decodeReport(t, "second", second.body).Results {
			if r.Status != core.StatusAlreadyStarted {
				t.Errorf("second request, %s: status %s, want already-started", r.Name, r.Status)
			}
		}
	})

	t.Run("cloudevent", func(t *testing.T) {
		n := c.count()
		ev := mustJSON(t, map[string]any{"specversion": "1.0", "id": newID("ce"), "source": "/ops/scheduler",
			"type": "com.example.backup.requested", "time": time.Now().UTC().Format(time.RFC3339),
			"datacontenttype": "application/json", "data": map[string]any{"groups": []string{"nightly"}}})
		h := signed(ev)
		h["Content-Type"] = "application/cloudevents+json; charset=utf-8"
		res := post(t, base+"/v1/events", h, ev)
		if res.status != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", res.status, res.body)
		}
		checkStarted(t, decodeReport(t, "cloudevent", res.body).Results, c.since(n), 4)
	})

	t.Run("unknown route and method", func(t *testing.T) {
		res := post(t, base+"/v1/restore", signed(body), body)
		if res.status != http.StatusNotFound {
			t.Errorf("POST /v1/restore: status %d, want 404: %s", res.status, res.body)
		}
		resp, err := httpClient.Get(backups)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET /v1/backups: status %d, want 405", resp.StatusCode)
		}
	})

	t.Run("slack command", func(t *testing.T) {
		n := c.count()
		form := url.Values{
			"token": {"gIkuvaNzQIHg97ATvDxqgjtO"}, "team_id": {"T0001"}, "team_domain": {"example"},
			"channel_id": {"C2147483705"}, "channel_name": {"ops"}, "user_id": {"U2147483697"},
			"user_name": {"steve"}, "command": {"/backup"}, "text": {"nightly"}, "api_app_id": {"A123456"},
			"response_url": {hook.url}, "trigger_id": {newID("13345224609.738474920")},
		}
		b := []byte(form.Encode())
		ts, sig := handler.SignSlack([]byte(slackSecret), time.Now(), b)
		res := post(t, base+"/v1/slack/command", map[string]string{
			"Content-Type":              "application/x-www-form-urlencoded",
			"X-Slack-Request-Timestamp": ts,
			"X-Slack-Signature":         sig,
		}, b)
		if res.status != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", res.status, res.body)
		}
		if res.elapsed > 3*time.Second {
			t.Errorf("acknowledged after %s: Slack gives up after 3s", res.elapsed)
		}
		var ack struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(res.body, &ack); err != nil || ack.Text == "" {
			t.Errorf("want a JSON acknowledgement with text (%v), got %s", err, res.body)
		}
		got := c.waitBackups(t, n, 4, 15*time.Second)
		if inst := instances(got); !slices.Equal(inst, nightlyInstances) {
			t.Fatalf("the command backed up %v, want %v", inst, nightlyInstances)
		}
		// The result follows on response_url.
		select {
		case msg := <-hook.posts:
			var m struct {
				ResponseType string `json:"response_type"`
				Text         string `json:"text"`
			}
			if err := json.Unmarshal(msg, &m); err != nil {
				t.Fatalf("response_url got %s: %v", msg, err)
			}
			if !strings.Contains(m.Text, "4 started") {
				t.Errorf("follow-up %q does not say 4 started", m.Text)
			}
			for _, b := range got {
				if !strings.Contains(m.Text, b.TaskID) {
					t.Errorf("follow-up %q does not name task %s (%s)", m.Text, b.TaskID, b.Instance)
				}
			}
		case <-time.After(15 * time.Second):
			t.Errorf("nothing posted to response_url within 15s")
		}
	})

	t.Run("slack command wrongly signed", func(t *testing.T) {
		n := c.count()
		b := []byte(url.Values{"team_id": {"T0001"}, "user_id": {"U1"}, "command": {"/backup"},
			"text": {"nightly"}, "response_url": {hook.url}, "trigger_id": {newID("t")}}.Encode())
		ts, sig := handler.SignSlack([]byte("not-the-slack-secret"), time.Now(), b)
		res := post(t, base+"/v1/slack/command", map[string]string{
			"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
		}, b)
		if res.status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401: %s", res.status, res.body)
		}
		time.Sleep(200 * time.Millisecond) // would a detached run start anything?
		if got := c.since(n); len(got) != 0 {
			t.Errorf("a wrongly signed command started %d backups", len(got))
		}
	})
}

// TestHTTPBadConfig: the server refuses to start on a bad config, and says why.
func TestHTTPBadConfig(t *testing.T) {
	t.Parallel()
	c := newCloud(t, cloudemu.Options{})
	ch := startChild(t, "http-bad-config", bins["http"], setEnv(c.env(t, nil, "PORT="+fmt.Sprint(freePort(t))),
		"BACKUPFN_CONFIG_INLINE="+badConfig))
	select {
	case <-ch.exited:
	case <-time.After(15 * time.Second):
		t.Fatal("still running 15s after start with a bad config")
	}
	if ch.err == nil {
		t.Errorf("exited with status 0 on a bad config")
	}
	if out := ch.out.String(); !strings.Contains(out, "nosuch-cloud") {
		t.Errorf("the output does not name the config problem:\n%s", redact(out))
	}
}
