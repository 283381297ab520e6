package kafka_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/sinks"
	"github.com/backupfn/backupfn/sinks/kafka"
	"github.com/backupfn/backupfn/sinks/sinktest"
)

const (
	topic = "backup-results"
	user  = "backupfn"
	pass  = "kafka-pw-5f3a9c" // a secret: never in Name or errors
)

// spec builds a Spec from key, value pairs; password comes from ${ENV}.
func spec(kv ...string) sinks.Spec {
	s := sinks.Spec{Type: "kafka", Values: map[string][]string{}, FromEnv: map[string]bool{"password": true}}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Values[kv[i]] = append(s.Values[kv[i]], kv[i+1])
	}
	return s
}

// cluster starts a one-broker kfake cluster with the topic seeded.
func cluster(t *testing.T, opts ...kfake.Opt) []string {
	t.Helper()
	return fake(t, opts...).ListenAddrs()
}

func fake(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(1, topic)}, opts...)...)
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func newSink(t *testing.T, s sinks.Spec) *kafka.Sink {
	t.Helper()
	k, err := kafka.New(s, sinks.Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return k
}

// checker returns a check that consumes the topic and compares it with evs.
func checker(addrs []string, opts ...kgo.Opt) func(t *testing.T, evs []sinks.Event) {
	return func(t *testing.T, evs []sinks.Event) {
		t.Helper()
		recs := consume(t, addrs, len(evs), opts...)
		for i, ev := range evs {
			checkRecord(t, i, recs[i], ev)
		}
	}
}

// consume reads the topic from the start and fails t unless it holds
// exactly n records.
func consume(t *testing.T, addrs []string, n int, opts ...kgo.Opt) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addrs...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records before timing out", len(recs), n)
		}
		if errs := fs.Errors(); len(errs) > 0 {
			t.Fatalf("consuming: %v", errs[0].Err)
		}
		recs = append(recs, fs.Records()...)
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	recs = append(recs, cl.PollFetches(short).Records()...)
	if len(recs) != n {
		t.Fatalf("topic holds %d records, want %d", len(recs), n)
	}
	return recs
}

func checkRecord(t *testing.T, i int, r *kgo.Record, want sinks.Event) {
	t.Helper()
	var got sinks.Event
	if err := json.Unmarshal(r.Value, &got); err != nil {
		t.Fatalf("record %d: value is not an event: %v\n%s", i, err, r.Value)
	}
	if got.ID != want.ID || got.Type != want.Type {
		t.Fatalf("record %d is event %s %s, want %s %s", i, got.Type, got.ID, want.Type, want.ID)
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Fatalf("record %d:\n got %s\nwant %s", i, gj, wj)
	}
	key := want.Subject
	if want.Type == sinks.TypeRunFinished {
		key = want.Data.Trigger.DedupeKey
	}
	if string(r.Key) != key || key == "" {
		t.Errorf("record %d key = %q, want %q", i, r.Key, key)
	}
	if len(r.Headers) != 1 || r.Headers[0].Key != "content-type" || string(r.Headers[0].Value) != "application/cloudevents+json" {
		t.Errorf("record %d headers = %v, want content-type: application/cloudevents+json", i, r.Headers)
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, sinktest.Harness{
		New: func(t *testing.T) (sinks.Sink, func(*testing.T, []sinks.Event)) {
			addrs := cluster(t, kfake.EnableSASL(), kfake.Superuser("PLAIN", user, pass))
			s := newSink(t, spec("brokers", addrs[0], "topic", topic, "sasl", "plain", "username", user, "password", pass))
			return s, checker(addrs, kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()))
		},
		NewFailing: func(t *testing.T) sinks.Sink {
			return newSink(t, spec("brokers", closedAddr(t), "topic", topic, "sasl", "plain",
				"username", user, "password", pass, "timeout", "1s"))
		},
		Secrets: []string{pass},
	})
}

func TestSASL(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			t.Parallel()
			addrs := cluster(t, kfake.EnableSASL(), kfake.Superuser(mech, user, pass))
			evs := sinktest.SampleEvents()
			s := newSink(t, spec("brokers", addrs[0], "topic", topic, "sasl", strings.ToLower(mech), "username", user, "password", pass))
			defer s.Close()
			if err := s.Publish(context.Background(), evs); err != nil {
				t.Fatalf("Publish: %v", err)
			}
			checker(addrs, kgo.SASL(mechanisms[mech]))(t, evs)

			const wrong = "not-the-password-81d2"
			bad := newSink(t, spec("brokers", addrs[0], "topic", topic, "sasl", strings.ToLower(mech),
				"username", user, "password", wrong, "timeout", "2s"))
			defer bad.Close()
			err := bad.Publish(context.Background(), evs)
			if err == nil {
				t.Fatal("Publish with a wrong password succeeded")
			}
			if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), pass) {
				t.Fatalf("error carries a password: %v", err)
			}
			if !strings.Contains(err.Error(), topic) {
				t.Errorf("error %q does not name the topic", err)
			}
		})
	}
}

var mechanisms = map[string]sasl.Mechanism{
	"PLAIN":         plain.Auth{User: user, Pass: pass}.AsMechanism(),
	"SCRAM-SHA-256": scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(),
	"SCRAM-SHA-512": scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(),
}

// kfake drops the connection on a bad login; Kafka answers
// SASL_AUTHENTICATION_FAILED, which is permanent: emulate that answer.
func TestRefusedLoginIsPermanent(t *testing.T) {
	c := fake(t, kfake.EnableSASL(), kfake.Superuser("PLAIN", user, pass))
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		resp := req.(*kmsg.SASLAuthenticateRequest).ResponseKind().(*kmsg.SASLAuthenticateResponse)
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		msg := "Authentication failed: Invalid username or password"
		resp.ErrorMessage = &msg
		return resp, nil, true
	})
	s := newSink(t, spec("brokers", c.ListenAddrs()[0], "topic", topic, "sasl", "plain",
		"username", user, "password", pass, "timeout", "2s"))
	defer s.Close()
	err := s.Publish(context.Background(), sinktest.SampleEvents())
	if err == nil {
		t.Fatal("Publish with a refused login succeeded")
	}
	if errkind.KindOf(err) != errkind.InvalidArgument || !errors.Is(err, kerr.SaslAuthenticationFailed) {
		t.Errorf("a refused login is not a permanent SASL_AUTHENTICATION_FAILED: %v", err)
	}
	if strings.Contains(err.Error(), pass) {
		t.Fatalf("error carries the password: %v", err)
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS() // for its self-signed 127.0.0.1 certificate
	certs := srv.TLS.Certificates
	srv.Close()
	addrs := cluster(t, kfake.TLS(&tls.Config{Certificates: certs, MinVersion: tls.VersionTLS12}))
	evs := sinktest.SampleEvents()

	s := newSink(t, spec("brokers", addrs[0], "topic", topic, "tls", "true", "tls_insecure_skip_verify", "true"))
	defer s.Close()
	if err := s.Publish(context.Background(), evs); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	checker(addrs, kgo.DialTLSConfig(&tls.Config{InsecureSkipVerify: true}))(t, evs) //nolint:gosec // test certificate

	verifying := newSink(t, spec("brokers", addrs[0], "topic", topic, "tls", "true", "timeout", "1s"))
	defer verifying.Close()
	if err := verifying.Publish(context.Background(), evs); err == nil {
		t.Fatal("Publish verified a self-signed certificate")
	}
}

func TestNew(t *testing.T) {
	start := time.Now()
	s := newSink(t, spec("brokers", "192.0.2.1:9092", "brokers", "192.0.2.2:9092", "topic", topic,
		"sasl", "scram-sha-512", "username", user, "password", pass, "tls", "true", "timeout", "30s"))
	defer s.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("New took %s: it must not touch the network", d)
	}
	if got, want := s.Name(), "kafka backup-results@192.0.2.1:9092"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	csv := newSink(t, spec("brokers", "b1:9092, b2:9092", "topic", topic))
	defer csv.Close()
	if got, want := csv.Name(), "kafka backup-results@b1:9092"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
}

func TestConfigErrors(t *testing.T) {
	ok := []string{"brokers", "b1:9092", "topic", topic}
	inFile := spec(append(ok, "sasl", "plain", "username", user, "password", pass)...)
	inFile.FromEnv = nil
	for _, c := range []struct {
		name, key string
		spec      sinks.Spec
	}{
		{"no brokers", "brokers", spec("topic", topic)},
		{"empty broker", "brokers", spec("brokers", " , ", "topic", topic)},
		{"broker URL", "brokers", spec("brokers", "kafka://b1:9092", "topic", topic)},
		{"broker port", "brokers", spec("brokers", "b1:kafka", "topic", topic)},
		{"no topic", "topic", spec("brokers", "b1:9092")},
		{"bad topic", "topic", spec("brokers", "b1:9092", "topic", "backup results")},
		{"unknown key", "acks", spec(append(ok, "acks", "1")...)},
		{"unknown sasl", "sasl", spec(append(ok, "sasl", "gssapi", "username", user, "password", pass)...)},
		{"username without password", "password", spec(append(ok, "sasl", "plain", "username", user)...)},
		{"password without username", "username", spec(append(ok, "sasl", "scram-sha-256", "password", pass)...)},
		{"credentials without sasl", "sasl", spec(append(ok, "username", user, "password", pass)...)},
		{"password in the file", "password", inFile},
		{"bad tls", "tls", spec(append(ok, "tls", "maybe")...)},
		{"skip verify without tls", "tls_insecure_skip_verify", spec(append(ok, "tls_insecure_skip_verify", "true")...)},
		{"bad timeout", "timeout", spec(append(ok, "timeout", "-1s")...)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := kafka.New(c.spec, sinks.Options{})
			if err == nil {
				s.Close()
				t.Fatal("New accepted a bad spec")
			}
			var ce *sinks.ConfigError
			if !errors.As(err, &ce) || ce.Key != c.key {
				t.Fatalf("New: %v (%T), want a *sinks.ConfigError for %s", err, err, c.key)
			}
			if strings.Contains(err.Error(), pass) {
				t.Fatalf("error carries the password: %v", err)
			}
		})
	}
}

func TestKey(t *testing.T) {
	for _, c := range []struct {
		ev   sinks.Event
		want string
	}{
		{sinks.Event{Subject: "tencent-redis://ap-guangzhou/crs-1", Data: sinks.Data{Trigger: sinks.TriggerInfo{DedupeKey: "d"}}}, "tencent-redis://ap-guangzhou/crs-1"},
		{sinks.Event{Type: sinks.TypeRunFinished, Data: sinks.Data{Trigger: sinks.TriggerInfo{DedupeKey: "d"}}}, "d"},
		{sinks.Event{Type: sinks.TypeRunFinished}, "run"},
	} {
		if got := kafka.Key(c.ev); got != c.want {
			t.Errorf("Key(%+v) = %q, want %q", c.ev, got, c.want)
		}
	}
}
