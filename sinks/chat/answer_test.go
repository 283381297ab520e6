package chat

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/sinks"
	"github.com/backupfn/backupfn/sinks/sinktest"
)

// outcome of a Publish, as the Publisher sees it.
const (
	ok        = "ok"
	permanent = "permanent"
	retryable = "retryable"
)

func classify(err error) string {
	switch {
	case err == nil:
		return ok
	case errkind.KindOf(err) == errkind.InvalidArgument: // what sinks.Permanent marks
		return permanent
	}
	return retryable
}

func noSecrets(t *testing.T, s string) {
	t.Helper()
	for _, sec := range []string{token, secret} {
		if strings.Contains(s, sec) {
			t.Errorf("%q carries a secret", s)
		}
	}
}

// serve answers every request with status and answer.
func serve(t *testing.T, status int, answer string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestAnswers(t *testing.T) {
	for _, c := range []struct {
		typ    string
		status int
		answer string
		want   string
	}{
		{"slack", 200, "ok", ok},
		{"slack", 400, "invalid_payload", permanent},
		{"slack", 403, "action_prohibited", permanent},
		{"slack", 404, "no_service", permanent},
		{"slack", 410, "channel_is_archived", permanent},
		{"slack", 408, "", retryable},
		{"slack", 429, "rate_limited", retryable},
		{"slack", 500, "rollup_error", retryable},
		{"dingtalk", 200, `{"errcode":0,"errmsg":"ok"}`, ok},
		{"dingtalk", 200, `{"errcode":310000,"errmsg":"sign not match"}`, permanent},
		{"dingtalk", 200, `{"errcode":310000,"errmsg":"keywords not in content"}`, permanent},
		{"dingtalk", 200, `{"errcode":300001,"errmsg":"token is not exist"}`, permanent},
		{"dingtalk", 200, `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`, retryable},
		{"dingtalk", 200, `{"errcode":410100,"errmsg":"send too fast"}`, retryable},
		{"dingtalk", 200, `{"errcode":-1,"errmsg":"系统繁忙"}`, retryable},
		{"dingtalk", 200, `{"errcode":123456,"errmsg":"something new"}`, retryable},
		{"dingtalk", 400, `{"errcode":123456,"errmsg":"something new"}`, permanent},
		{"dingtalk", 200, `<html>gateway</html>`, retryable},
		{"dingtalk", 403, `<html>forbidden</html>`, permanent},
		{"dingtalk", 502, `<html>bad gateway</html>`, retryable},
		{"feishu", 200, `{"code":0,"data":{},"msg":"success"}`, ok},
		{"feishu", 200, `{"Extra":null,"StatusCode":0,"StatusMessage":"success"}`, ok},
		{"feishu", 200, `{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}`, permanent},
		{"feishu", 200, `{"code":19024,"data":{},"msg":"Key Words Not Found"}`, permanent},
		{"feishu", 200, `{"code":9499,"data":{},"msg":"too many request"}`, retryable},
		{"feishu", 400, `{"code":11232,"data":{},"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"}`, retryable},
		{"lark", 429, `{"code":99991400,"msg":"request trigger frequency limit"}`, retryable},
		{"wecom", 200, `{"errcode":0,"errmsg":"ok"}`, ok},
		{"wecom", 200, `{"errcode":93000,"errmsg":"invalid webhook url, hint: [1755605200056773468916791], from ip: 172.212.167.87"}`, permanent},
		{"wecom", 200, `{"errcode":45009,"errmsg":"api freq out of limit, hint: [1676426473347282010222748]"}`, retryable},
		{"wecom", 500, ``, retryable},
	} {
		s := newSink(t, c.typ, serve(t, c.status, c.answer), "")
		err := s.Publish(context.Background(), sinktest.SampleEvents())
		if got := classify(err); got != c.want {
			t.Errorf("%s answering %d %s: got %s (%v), want %s", c.typ, c.status, c.answer, got, err, c.want)
		}
		if err != nil {
			noSecrets(t, err.Error())
			if !strings.Contains(err.Error(), s.Name()) {
				t.Errorf("error %q does not name the sink %q", err, s.Name())
			}
		}
	}
}

func TestWrongSecretIsPermanent(t *testing.T) {
	for _, typ := range []string{"dingtalk", "feishu"} {
		srv := httptest.NewServer(handlers[typ](&receiver{}, secret))
		t.Cleanup(srv.Close)
		err := newSink(t, typ, srv.URL, "SECsomeOtherSecret").Publish(context.Background(), sinktest.SampleEvents())
		if classify(err) != permanent {
			t.Fatalf("%s with a wrong secret: got %v, want a permanent error", typ, err)
		}
		if code := map[string]string{"dingtalk": "310000", "feishu": "19021"}[typ]; !strings.Contains(err.Error(), code) {
			t.Errorf("%s error %q lacks the platform's code %s", typ, err, code)
		}
		noSecrets(t, err.Error())
	}
}

// TestPublisherRetries checks the Publisher reads the errors as meant: a
// rate limit is retried, a refused signature is not.
func TestPublisherRetries(t *testing.T) {
	for _, c := range []struct {
		answer   string
		attempts int
	}{
		{`{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`, 3},
		{`{"errcode":310000,"errmsg":"sign not match"}`, 1},
	} {
		p := &sinks.Publisher{Sinks: []sinks.Sink{newSink(t, "dingtalk", serve(t, 200, c.answer), secret)}, Attempts: 3, Base: time.Millisecond}
		st := p.Publish(context.Background(), sinktest.SampleEvents())[0]
		if st.OK || st.Attempts != c.attempts {
			t.Errorf("answer %s: status %+v, want %d attempts", c.answer, st, c.attempts)
		}
	}
}

func TestNetworkErrorHidesToken(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	for _, typ := range Types {
		err := newSink(t, typ, base, "").Publish(context.Background(), sinktest.SampleEvents())
		if classify(err) != retryable {
			t.Errorf("%s to a closed port: got %v, want a retryable error", typ, err)
		}
		if err != nil {
			noSecrets(t, err.Error())
		}
	}
}

func TestCanceledKeepsCause(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := newSink(t, "wecom", serve(t, 200, `{"errcode":0}`), "").Publish(ctx, sinktest.SampleEvents())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled in the chain", err)
	}
}

func TestTokenEchoedInAnswerIsMasked(t *testing.T) {
	err := newSink(t, "dingtalk", serve(t, 200, `{"errcode":300001,"errmsg":"token `+token+` is not exist"}`), secret).
		Publish(context.Background(), sinktest.SampleEvents())
	if err == nil || !strings.Contains(err.Error(), "***") {
		t.Fatalf("got %v, want the token masked", err)
	}
	noSecrets(t, err.Error())
}

func TestNothingToPublish(t *testing.T) {
	s := newSink(t, "slack", serve(t, 500, "should not be called"), "")
	if err := s.Publish(context.Background(), nil); err != nil {
		t.Fatalf("Publish(nil): %v", err)
	}
}

func TestPostSlackResponse(t *testing.T) {
	var got map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if err := readJSON(req, &got); err != nil || req.URL.Path != "/commands/T1/123/"+token {
			w.WriteHeader(400)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	text := Text(sinktest.SampleEvents())
	if err := PostSlackResponse(context.Background(), nil, srv.URL+"/commands/T1/123/"+token, text); err != nil {
		t.Fatalf("PostSlackResponse: %v", err)
	}
	if got["response_type"] != "in_channel" || got["text"] != text {
		t.Errorf("posted %q, want response_type in_channel and the text", got)
	}

	err := PostSlackResponse(context.Background(), srv.Client(), serve(t, 404, "expired_url")+"/commands/"+token, "hi")
	if classify(err) != permanent {
		t.Errorf("expired response_url: got %v, want a permanent error", err)
	}
	noSecrets(t, err.Error())

	err = PostSlackResponse(context.Background(), nil, "http://hooks.slack.com/commands/T1/123/"+token, "hi")
	if classify(err) != permanent || !strings.Contains(err.Error(), "https") {
		t.Errorf("http response_url: got %v, want a permanent error asking for https", err)
	}
	noSecrets(t, err.Error())
}

// TestBodies checks the parts of each platform's body the receivers in
// chat_test.go do not look at.
func TestBodies(t *testing.T) {
	m := summarize(sinktest.SampleEvents())
	_, b, _ := slack{}.encode(m, clock)
	var sl slackMessage
	if err := json.Unmarshal(b, &sl); err != nil || sl.Text != "backupfn: test — 2 started, 1 failed" {
		t.Errorf("slack text %q (%v), want the title", sl.Text, err)
	}
	q, b, _ := dingtalk{secret: secret}.encode(m, clock)
	if !strings.HasPrefix(q, "timestamp=1795658405000&sign=") || strings.ContainsAny(strings.TrimPrefix(q, "timestamp=1795658405000&sign="), "+/=") {
		t.Errorf("dingtalk query %q: want timestamp in ms and a URL-encoded sign", q)
	}
	if q, _, _ := (dingtalk{}).encode(m, clock); q != "" {
		t.Errorf("dingtalk without a secret signs: %q", q)
	}
	var dt struct{ Markdown struct{ Title string } }
	if json.Unmarshal(b, &dt); dt.Markdown.Title != "backupfn: test — 2 started, 1 failed" {
		t.Errorf("dingtalk title %q", dt.Markdown.Title)
	}
	_, b, _ = feishu{}.encode(m, clock)
	if strings.Contains(string(b), `"sign"`) || strings.Contains(string(b), `"timestamp"`) {
		t.Errorf("feishu without a secret signs: %s", b)
	}
}

func TestSep(t *testing.T) {
	for in, want := range map[string]string{"https://h/p": "?", "https://h/p?": "", "https://h/p?a=1": "&", "https://h/p?a=1&": ""} {
		if got := sep(in); got != want {
			t.Errorf("sep(%q) = %q, want %q", in, got, want)
		}
	}
}
