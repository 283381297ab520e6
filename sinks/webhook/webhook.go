// Package webhook is a sink that POSTs each run's events to a URL as a
// CloudEvents JSON batch, signed like backupfn's own inbound webhooks:
//
//   - {type: webhook, url: https://ci.example.com/hooks/backup, secret: ${HOOK_SECRET}, timeout: 10s}
//
// The receiver checks X-Backupfn-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/backupfn/backupfn/signature"
	"github.com/backupfn/backupfn/sinks"
)

// Sink is the webhook sink.
type Sink struct {
	url     string
	host    string
	secret  []byte
	timeout time.Duration
	client  *http.Client
	now     func() time.Time
}

var _ sinks.Sink = (*Sink)(nil)

// New builds a webhook sink from its config entry.
func New(spec sinks.Spec, o sinks.Options) (*Sink, error) {
	if err := spec.Known("url", "secret", "timeout"); err != nil {
		return nil, err
	}
	raw, err := spec.Required("url")
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &sinks.ConfigError{Key: "url", Msg: "want an http(s) URL"}
	}
	secret, err := spec.Secret("secret")
	if err != nil {
		return nil, err
	}
	if secret == "" {
		return nil, &sinks.ConfigError{Key: "secret", Msg: "a webhook sink signs its requests: set secret: ${ENV_VAR}"}
	}
	timeout, err := spec.Duration("timeout", 10*time.Second)
	if err != nil {
		return nil, err
	}
	return &Sink{url: raw, host: u.Scheme + "://" + u.Host, secret: []byte(secret), timeout: timeout, client: o.HTTP(), now: o.Clock()}, nil
}

// Name implements sinks.Sink: the URL's scheme and host only (a path or
// query may hold a token).
func (s *Sink) Name() string { return "webhook " + s.host }

// Publish implements sinks.Sink.
func (s *Sink) Publish(ctx context.Context, evs []sinks.Event) error {
	body, err := json.Marshal(evs)
	if err != nil {
		return sinks.Permanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return sinks.Permanent(fmt.Errorf("webhook %s: %v", s.host, err))
	}
	req.Header.Set("Content-Type", "application/cloudevents-batch+json")
	req.Header.Set(signature.Header, signature.Sign(s.secret, s.now(), body))
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may hold a token: name the host instead
		}
		return fmt.Errorf("webhook %s: %v", s.host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 408 && resp.StatusCode != 429:
		return sinks.Permanent(fmt.Errorf("webhook %s answered %s", s.host, resp.Status))
	}
	return fmt.Errorf("webhook %s answered %s", s.host, resp.Status)
}

// Close implements sinks.Sink.
func (s *Sink) Close() error { return nil }
