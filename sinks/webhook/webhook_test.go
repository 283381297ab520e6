package webhook_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backupfn/backupfn/signature"
	"github.com/backupfn/backupfn/sinks"
	"github.com/backupfn/backupfn/sinks/sinktest"
	"github.com/backupfn/backupfn/sinks/webhook"
)

const secret = "hook-secret-0123456789"

func spec(url string) sinks.Spec {
	return sinks.Spec{Type: "webhook", Values: map[string][]string{"url": {url}, "secret": {secret}, "timeout": {"2s"}},
		FromEnv: map[string]bool{"secret": true}}
}

// receiver verifies each delivery's signature and keeps the events.
func receiver(t *testing.T, status int) (*httptest.Server, func() []sinks.Event) {
	var mu sync.Mutex
	var got []sinks.Event
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := signature.Verify([]signature.Key{{ID: "k", Secret: []byte(secret)}}, r.Header.Get(signature.Header), body, time.Now()); err != nil {
			t.Errorf("delivery not signed: %v", err)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/cloudevents-batch+json" {
			t.Errorf("content type %q", ct)
		}
		var evs []sinks.Event
		if err := json.Unmarshal(body, &evs); err != nil {
			t.Errorf("body is not a CloudEvents batch: %v", err)
		}
		mu.Lock()
		got = append(got, evs...)
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []sinks.Event { mu.Lock(); defer mu.Unlock(); return got }
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) (sinks.Sink, func(*testing.T, []sinks.Event)) {
			srv, got := receiver(t, 204)
			s, err := webhook.New(spec(srv.URL+"/hooks/backup?token=tok123"), sinks.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return s, func(t *testing.T, want []sinks.Event) {
				g := got()
				if len(g) != len(want) {
					t.Fatalf("receiver got %d events, want %d", len(g), len(want))
				}
				for i := range want {
					if g[i].ID != want[i].ID || g[i].Type != want[i].Type || g[i].Data.Target != want[i].Data.Target {
						t.Fatalf("event %d = %+v, want %+v", i, g[i], want[i])
					}
				}
			}
		},
		NewFailing: func(t *testing.T) sinks.Sink {
			srv, _ := receiver(t, 500)
			s, _ := webhook.New(spec(srv.URL+"/hooks/backup?token=tok123"), sinks.Options{})
			return s
		},
		Secrets: []string{secret, "tok123"},
	})
}

func TestClientErrorIsPermanent(t *testing.T) {
	srv, _ := receiver(t, 403)
	s, _ := webhook.New(spec(srv.URL), sinks.Options{})
	p := &sinks.Publisher{Sinks: []sinks.Sink{s}, Base: time.Millisecond}
	st := p.Publish(t.Context(), sinktest.SampleEvents())
	if st[0].OK || st[0].Attempts != 1 || !strings.Contains(st[0].Error, "403") {
		t.Fatalf("status = %+v, want one attempt failing with 403", st[0])
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		spec sinks.Spec
		want string
	}{
		{sinks.Spec{Type: "webhook", Values: map[string][]string{"secret": {"x"}}, FromEnv: map[string]bool{"secret": true}}, "url: a webhook sink needs url:"},
		{sinks.Spec{Type: "webhook", Values: map[string][]string{"url": {"ftp://x"}, "secret": {"x"}}, FromEnv: map[string]bool{"secret": true}}, "url: want an http(s) URL"},
		{sinks.Spec{Type: "webhook", Values: map[string][]string{"url": {"https://x"}, "secret": {"literal"}}}, "secret: a secret: write it as ${ENV_VAR}"},
		{sinks.Spec{Type: "webhook", Values: map[string][]string{"url": {"https://x"}}}, "secret: a webhook sink signs"},
		{sinks.Spec{Type: "webhook", Values: map[string][]string{"url": {"https://x"}, "secret": {"x"}, "retries": {"3"}}, FromEnv: map[string]bool{"secret": true}}, `retries: unknown key`},
		{sinks.Spec{Type: "webhook", Values: map[string][]string{"url": {"https://x"}, "secret": {"x"}, "timeout": {"soon"}}, FromEnv: map[string]bool{"secret": true}}, "timeout: want a positive duration"},
	} {
		if _, err := webhook.New(c.spec, sinks.Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%v) = %v, want %q", c.spec.Values, err, c.want)
		}
	}
}
