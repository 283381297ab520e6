// Package kafka is the sink that produces each event to a Kafka topic, in
// the CloudEvents Kafka protocol binding's structured mode: the record's
// value is the event's JSON, its content-type header
// application/cloudevents+json, its key the event's subject (the target),
// so one target's events stay in one partition, in order.
//
// Select it with a config entry such as
//
//   - type: kafka
//     brokers: [b1:9092, b2:9092]
//     topic: backup-results
//     sasl: scram-sha-512          # or plain, scram-sha-256; omit for none
//     username: ${KAFKA_USER}
//     password: ${KAFKA_PASSWORD}  # only from ${ENV}
//     tls: true
//     tls_insecure_skip_verify: false
//     timeout: 10s                 # per Publish
//
// The producer waits for all in-sync replicas (acks=all) and is idempotent,
// so a retried produce does not duplicate records within one client.
// Errors name the topic, never the credentials; a refused login, a denied
// topic or a record the broker will never accept is permanent (not retried).
package kafka

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/backupfn/backupfn/sinks"
)

// ContentType is the content-type header of every record (structured mode).
const ContentType = "application/cloudevents+json"

// DefaultTimeout bounds one Publish when the spec has no timeout.
const DefaultTimeout = 10 * time.Second

// Sink produces events to one topic.
type Sink struct {
	name    string
	topic   string
	timeout time.Duration
	cl      *kgo.Client
}

var _ sinks.Sink = (*Sink)(nil)

// keys are the spec keys a kafka sink knows.
var keys = []string{"brokers", "topic", "sasl", "username", "password", "tls", "tls_insecure_skip_verify", "timeout"}

// New builds the sink from its spec. It does not touch the network: the
// client connects on the first Publish.
func New(spec sinks.Spec, _ sinks.Options) (*Sink, error) {
	c, err := parse(spec)
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(c.opts()...)
	if err != nil {
		return nil, &sinks.ConfigError{Msg: fmt.Sprintf("kafka client: %v", err)}
	}
	return &Sink{name: "kafka " + c.topic + "@" + c.brokers[0], topic: c.topic, timeout: c.timeout, cl: cl}, nil
}

// Name is "kafka <topic>@<first broker>".
func (s *Sink) Name() string { return s.name }

// Publish produces evs and waits until the brokers have acknowledged every
// one, ctx is done or the sink's timeout has passed.
func (s *Sink) Publish(ctx context.Context, evs []sinks.Event) error {
	recs, err := records(evs)
	if err != nil {
		return sinks.Permanent(s.errorf(err))
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return s.errorf(err)
	}
	done := make(chan error, len(recs))
	for _, r := range recs {
		s.cl.Produce(ctx, r, func(_ *kgo.Record, err error) { done <- err })
	}
	for range recs {
		select {
		case err := <-done:
			if err != nil {
				return s.classify(err)
			}
		case <-ctx.Done():
			return s.errorf(ctx.Err())
		}
	}
	return nil
}

// Close closes the client, failing records still buffered.
func (s *Sink) Close() error {
	s.cl.Close()
	return nil
}

func (s *Sink) errorf(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("kafka: producing to topic %q: not acknowledged in time (timeout %s): %w", s.topic, s.timeout, err)
	}
	return fmt.Errorf("kafka: producing to topic %q: %w", s.topic, err)
}

// permanent are the broker errors a retry cannot fix.
var permanent = []error{
	kerr.SaslAuthenticationFailed, kerr.UnsupportedSaslMechanism, kerr.IllegalSaslState,
	kerr.TopicAuthorizationFailed, kerr.ClusterAuthorizationFailed, kerr.InvalidTopicException,
	kerr.MessageTooLarge, kerr.RecordListTooLarge,
}

// classify wraps a produce error, marking it permanent when it is.
func (s *Sink) classify(err error) error {
	werr := s.errorf(err)
	for _, p := range permanent {
		if errors.Is(err, p) {
			return sinks.Permanent(werr)
		}
	}
	return werr
}

// records turns events into records: key the subject, value the JSON.
func records(evs []sinks.Event) ([]*kgo.Record, error) {
	recs := make([]*kgo.Record, 0, len(evs))
	for _, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("encoding event %s: %w", ev.ID, err)
		}
		recs = append(recs, &kgo.Record{
			Key:     []byte(Key(ev)),
			Value:   b,
			Headers: []kgo.RecordHeader{{Key: "content-type", Value: []byte(ContentType)}},
		})
	}
	return recs, nil
}

// Key is an event's record key: its subject (the target's safe string) or,
// for run.finished, the trigger's dedupe key, or "run".
func Key(ev sinks.Event) string {
	switch {
	case ev.Subject != "":
		return ev.Subject
	case ev.Data.Trigger.DedupeKey != "":
		return ev.Data.Trigger.DedupeKey
	}
	return "run"
}

// config is a checked spec.
type config struct {
	brokers   []string
	topic     string
	mechanism sasl.Mechanism
	tls       *tls.Config
	timeout   time.Duration
}

func (c config) opts() []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.brokers...),
		kgo.ClientID("backupfn"),
		kgo.DefaultProduceTopic(c.topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.DialTimeout(min(c.timeout, 10*time.Second)),
		// Records time out a little before Publish does, so the error
		// carries the last cause (refused login, unreachable broker).
		kgo.RecordDeliveryTimeout(max(c.timeout-c.timeout/10, time.Second)),
	}
	if c.mechanism != nil {
		opts = append(opts, kgo.SASL(c.mechanism))
	}
	if c.tls != nil {
		opts = append(opts, kgo.DialTLSConfig(c.tls))
	}
	return opts
}

// parse checks the spec.
func parse(spec sinks.Spec) (config, error) {
	var c config
	var err error
	if err = spec.Known(keys...); err != nil {
		return c, err
	}
	if c.brokers, err = brokers(spec); err != nil {
		return c, err
	}
	if c.topic, err = topic(spec); err != nil {
		return c, err
	}
	if c.mechanism, err = mechanism(spec); err != nil {
		return c, err
	}
	if c.tls, err = tlsConfig(spec); err != nil {
		return c, err
	}
	c.timeout, err = spec.Duration("timeout", DefaultTimeout)
	return c, err
}

// brokers returns the seed brokers; a value may also list several
// separated by commas (e.g. from one ${KAFKA_BROKERS}).
func brokers(spec sinks.Spec) ([]string, error) {
	var bs []string
	for _, v := range spec.List("brokers") {
		for _, b := range strings.Split(v, ",") {
			b = strings.TrimSpace(b)
			if b == "" {
				continue
			}
			if !validBroker(b) {
				return nil, &sinks.ConfigError{Key: "brokers", Msg: fmt.Sprintf("want host:port, got %q", b)}
			}
			bs = append(bs, b)
		}
	}
	if len(bs) == 0 {
		return nil, &sinks.ConfigError{Key: "brokers", Msg: "a kafka sink needs brokers: [host:port, ...]"}
	}
	return bs, nil
}

// validBroker reports whether b is host or host:port (port 9092 by default).
func validBroker(b string) bool {
	if strings.ContainsAny(b, "/@ ") {
		return false
	}
	if !strings.Contains(b, ":") {
		return true
	}
	host, port, err := net.SplitHostPort(b)
	n, perr := strconv.Atoi(port)
	return err == nil && host != "" && perr == nil && n > 0 && n < 65536
}

func topic(spec sinks.Spec) (string, error) {
	t, err := spec.Required("topic")
	if err != nil {
		return "", err
	}
	if len(t) > 249 || strings.Trim(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" || t == "." || t == ".." {
		return "", &sinks.ConfigError{Key: "topic", Msg: fmt.Sprintf("%q is not a valid topic name (letters, digits, '.', '_', '-')", t)}
	}
	return t, nil
}

// mechanism returns the SASL mechanism, or nil when sasl: is absent.
func mechanism(spec sinks.Spec) (sasl.Mechanism, error) {
	name, user := strings.ToLower(spec.Get("sasl")), spec.Get("username")
	pass, err := spec.Secret("password")
	if err != nil {
		return nil, err
	}
	known := map[string]func(scram.Auth) sasl.Mechanism{
		"plain":         func(a scram.Auth) sasl.Mechanism { return plain.Auth{User: a.User, Pass: a.Pass}.AsMechanism() },
		"scram-sha-256": scram.Auth.AsSha256Mechanism,
		"scram-sha-512": scram.Auth.AsSha512Mechanism,
	}
	mech, ok := known[name]
	switch {
	case name == "" && (user != "" || pass != ""):
		return nil, &sinks.ConfigError{Key: "sasl", Msg: "username and password need sasl: plain, scram-sha-256 or scram-sha-512"}
	case name == "":
		return nil, nil
	case !ok:
		return nil, &sinks.ConfigError{Key: "sasl", Msg: fmt.Sprintf("unknown mechanism %q (known: plain, scram-sha-256, scram-sha-512)", spec.Get("sasl"))}
	case user == "":
		return nil, &sinks.ConfigError{Key: "username", Msg: fmt.Sprintf("sasl: %s needs a username", name)}
	case pass == "":
		return nil, &sinks.ConfigError{Key: "password", Msg: fmt.Sprintf("sasl: %s needs a password: ${ENV_VAR}", name)}
	}
	return mech(scram.Auth{User: user, Pass: pass}), nil
}

// tlsConfig returns the TLS config, or nil when tls: is false.
func tlsConfig(spec sinks.Spec) (*tls.Config, error) {
	on, err := spec.Bool("tls", false)
	if err != nil {
		return nil, err
	}
	skip, err := spec.Bool("tls_insecure_skip_verify", false)
	if err != nil {
		return nil, err
	}
	if !on {
		if skip {
			return nil, &sinks.ConfigError{Key: "tls_insecure_skip_verify", Msg: "needs tls: true"}
		}
		return nil, nil
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skip}, nil //nolint:gosec // opt-in by config
}
