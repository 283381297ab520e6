// Package chat holds the chat sinks: each run becomes one short message in
// a Slack channel, a DingTalk, Feishu/Lark or WeCom group, posted through
// the platform's incoming webhook ("robot"):
//
//	sinks:
//	  - {type: slack,    url: ${SLACK_WEBHOOK_URL}}
//	  - {type: dingtalk, url: ${DINGTALK_WEBHOOK_URL}, secret: ${DINGTALK_SECRET}}
//	  - {type: feishu,   url: ${FEISHU_WEBHOOK_URL},   secret: ${FEISHU_SECRET}}  # or type: lark
//	  - {type: wecom,    url: ${WECOM_WEBHOOK_URL}}
//
// A webhook URL carries the robot's token, so it must come from ${ENV}, like
// the signing secret; secret is optional (DingTalk and Feishu robots may be
// guarded by keywords or an IP list instead: the title starts "backupfn").
// URLs must be https (http only to 127.0.0.1 or localhost, for tests).
//
// The message has a title ("backupfn: nightly backup — 2 started, 1 failed")
// and one line per target: its task IDs, or why it failed in plain words
// with the cloud's error code.
//
// Errors: an HTTP 4xx answer (but 408 and 429), a bad signature, a keyword
// or IP-list refusal or an invalid webhook are permanent (sinks.Permanent);
// rate limits, 5xx answers, network errors and unknown platform codes
// (with HTTP 200) are retried by the sinks.Publisher. No Name or error
// holds the URL's token or the secret.
package chat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/backupfn/backupfn/sinks"
)

// Types are the spec types New accepts.
var Types = []string{"slack", "dingtalk", "feishu", "lark", "wecom"}

// platform is one chat API: how a message is sent and how the answer reads.
type platform interface {
	// encode returns the query to append to the webhook URL ("" for none)
	// and the JSON body posting m at now.
	encode(m message, now time.Time) (query string, body []byte, err error)
	// decode reads the answer's own error code (0 for none); ok is false
	// when the answer is not what the platform sends (e.g. a proxy's page).
	decode(answer []byte) (code int, msg string, ok bool)
	// class says whether a non-zero code is permanent or retryable.
	class(code int) verdict
}

// verdict classifies a platform error code.
type verdict int

const (
	unknownCode   verdict = iota // decided by the HTTP status
	permanentCode                // retrying cannot help
	retryableCode                // a rate limit or a busy server
)

// sink posts each run's summary to one chat webhook.
type sink struct {
	typ    string
	host   string
	url    string
	p      platform
	client *http.Client
	now    func() time.Time
	redact *strings.Replacer
}

var _ sinks.Sink = (*sink)(nil)

// platforms make each type's platform, given its secret ("" for none).
var platforms = map[string]func(secret string) platform{
	"slack":    func(string) platform { return slack{} },
	"dingtalk": func(secret string) platform { return dingtalk{secret: secret} },
	"feishu":   func(secret string) platform { return feishu{secret: secret} },
	"lark":     func(secret string) platform { return feishu{secret: secret} },
	"wecom":    func(string) platform { return wecom{} },
}

// New builds the chat sink spec.Type names (one of Types).
func New(spec sinks.Spec, o sinks.Options) (sinks.Sink, error) {
	mk, ok := platforms[spec.Type]
	if !ok {
		return nil, &sinks.ConfigError{Key: "type", Msg: fmt.Sprintf("unknown chat sink %q (known: %s)", spec.Type, strings.Join(Types, ", "))}
	}
	known := []string{"url"}
	if spec.Type != "slack" && spec.Type != "wecom" { // the robots that sign
		known = append(known, "secret")
	}
	if err := spec.Known(known...); err != nil {
		return nil, err
	}
	raw, u, err := webhookURL(spec)
	if err != nil {
		return nil, err
	}
	secret, err := spec.Secret("secret")
	if err != nil {
		return nil, err
	}
	return &sink{typ: spec.Type, host: u.Host, url: raw, p: mk(secret), client: o.HTTP(), now: o.Clock(), redact: redactor(u, secret)}, nil
}

// webhookURL checks the url key: from ${ENV}, absolute, https.
func webhookURL(spec sinks.Spec) (string, *url.URL, error) {
	raw, err := spec.Required("url")
	if err != nil {
		return "", nil, err
	}
	if !spec.FromEnv["url"] {
		return "", nil, &sinks.ConfigError{Key: "url", Msg: "the webhook URL carries the robot's token: write it as ${ENV_VAR}, never in the file"}
	}
	u, err := checkURL(raw)
	return raw, u, err
}

// checkURL accepts https URLs, and http ones to a loopback host. Its errors
// name the host at most: the rest of the URL may hold a token.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, &sinks.ConfigError{Key: "url", Msg: "want an https:// webhook URL"}
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return nil, &sinks.ConfigError{Key: "url", Msg: fmt.Sprintf("want https: http is only for 127.0.0.1 or localhost, not %s", u.Hostname())}
	}
	return u, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactor masks the URL's tokens (query values, long path segments) and
// the secret in text that came back from the network.
func redactor(u *url.URL, secret string) *strings.Replacer {
	var pairs []string
	add := func(v string, min int) {
		if len(v) >= min {
			pairs = append(pairs, v, "***")
		}
	}
	add(secret, 1)
	for _, vs := range u.Query() {
		for _, v := range vs {
			add(v, 6)
		}
	}
	for _, seg := range strings.Split(u.Path, "/") {
		add(seg, 16)
	}
	return strings.NewReplacer(pairs...)
}

// Name implements sinks.Sink: the type and host, never the URL's path or
// query, which hold the token.
func (s *sink) Name() string { return s.typ + " " + s.host }

// Publish implements sinks.Sink: one message for evs. Posting the same
// events again posts the message again.
func (s *sink) Publish(ctx context.Context, evs []sinks.Event) error {
	if len(evs) == 0 {
		return nil
	}
	query, body, err := s.p.encode(summarize(evs), s.now())
	if err != nil {
		return sinks.Permanent(fmt.Errorf("%s: %v", s.Name(), err))
	}
	target := s.url
	if query != "" {
		target += sep(target) + query
	}
	return post(ctx, s.client, s.Name(), target, body, s.p, s.redact)
}

// sep is what joins more query parameters to u.
func sep(u string) string {
	switch {
	case !strings.Contains(u, "?"):
		return "?"
	case strings.HasSuffix(u, "?"), strings.HasSuffix(u, "&"):
		return ""
	}
	return "&"
}

// Close implements sinks.Sink.
func (s *sink) Close() error { return nil }

// post sends body to target and judges the answer, naming the sink by name
// and masking secrets with redact in every error.
func post(ctx context.Context, client *http.Client, name, target string, body []byte, p platform, redact *strings.Replacer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return sinks.Permanent(fmt.Errorf("%s: cannot build the request", name))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "backupfn")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message would quote the URL, token and all
		}
		return fmt.Errorf("%s: %w", name, redactErr{err, redact})
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil && resp.StatusCode < 300 {
		return fmt.Errorf("%s: reading the answer: %w", name, redactErr{err, redact})
	}
	return judge(name, resp.StatusCode, resp.Status, answer, p, redact)
}

// judge turns an answer into nil or an error: the platform's code first
// (some answer a rate limit with HTTP 400), then the HTTP status.
func judge(name string, status int, statusText string, answer []byte, p platform, redact *strings.Replacer) error {
	code, msg, ok := p.decode(answer)
	clientErr := status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
	switch {
	case ok && code != 0:
		err := fmt.Errorf("%s answered error %d: %s", name, code, oneLine(redact.Replace(msg), 200))
		if v := p.class(code); v == permanentCode || (v == unknownCode && clientErr) {
			return sinks.Permanent(err)
		}
		return err
	case status >= 300:
		err := fmt.Errorf("%s answered %s", name, statusText)
		if text := oneLine(redact.Replace(string(answer)), 200); text != "" {
			err = fmt.Errorf("%w: %s", err, text)
		}
		if clientErr {
			return sinks.Permanent(err)
		}
		return err
	case !ok:
		return fmt.Errorf("%s answered %s without a result code: %s", name, statusText, oneLine(redact.Replace(string(answer)), 200))
	}
	return nil
}

// redactErr is an error whose message is masked; errors.Is still sees the
// original (e.g. context.Canceled).
type redactErr struct {
	err error
	r   *strings.Replacer
}

func (e redactErr) Error() string { return e.r.Replace(e.err.Error()) }
func (e redactErr) Unwrap() error { return e.err }

// oneLine flattens s to one line of at most max bytes (on a rune boundary).
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8RuneStart(s[max]) {
		max--
	}
	return s[:max] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
