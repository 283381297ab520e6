package events

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
)

// Gateway events come back as Event.HTTP; DecodeHTTP then routes them.
func TestDecodeGatewayFixtures(t *testing.T) {
	slack := core.Trigger{Source: core.SourceChat, DedupeKey: "slack:T0001:13345224609.738474920.8088930838d88f008e0",
		Requester: "slack:T0001/U2147483697 (steve)"}
	tests := []struct {
		file     string
		decode   func([]byte) (Event, error)
		kind     string
		http     HTTPRequest // Header and Query checked by key
		platform string
		evKind   string
		msg      want
	}{
		{"scf-apigw.json", DecodeSCF, KindSCFAPIGateway, HTTPRequest{Method: "POST", Path: "/release/v1/backups",
			Header: http.Header{"Idempotency-Key": {"change-2024-0042"}, "Content-Type": {"application/json"}},
			Query:  url.Values{"dry": {""}, "tag": {"a", "b"}, "source": {"ci"}}, SourceIP: "203.0.113.10", RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"},
			PlatformSCF, KindWebhook, want{id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", trig: core.Trigger{Platform: PlatformSCF, Source: core.SourceHTTP,
				DedupeKey: "idem:change-2024-0042", Groups: strs("nightly"), Remark: "before the migration", Requester: "http:203.0.113.10"}}},
		{"scf-apigw-slack.json", DecodeSCF, KindSCFAPIGateway, HTTPRequest{Method: "POST", Path: "/release/v1/slack/command",
			Header: http.Header{"X-Slack-Request-Timestamp": {"1531420618"}}, SourceIP: "54.209.10.4", RequestID: "d1f0a5c2-2c1e-4f7e-9a41-0242ac120002"},
			PlatformSCF, KindSlack, want{id: "13345224609.738474920.8088930838d88f008e0", trig: withRequest(slack, PlatformSCF, strs("orders-redis"), strs("nightly"))}},
		{"fc-http.json", DecodeFC, KindFCHTTP, HTTPRequest{Method: "POST", Path: "/v1/events",
			Header: http.Header{"X-Forwarded-For": {"198.51.100.7", "10.0.0.1"}, "Ce-Id": {"A234-1234-1234"}}, Query: url.Values{"trace": {"on"}},
			SourceIP: "198.51.100.7", RequestID: "1-65e1b4c2-0a1b2c3d4e5f60718293a4b5"},
			PlatformFC, KindCloudEvent, want{id: "A234-1234-1234", trig: core.Trigger{Platform: PlatformFC, Source: core.SourceHTTP,
				DedupeKey: "ce:/ops/scheduler:A234-1234-1234", Groups: strs("nightly"), Requester: "ce:/ops/scheduler", Time: at("2024-03-01T02:00:00Z")}}},
		{"lambda-http.json", DecodeLambda, KindLambdaHTTP, HTTPRequest{Method: "POST", Path: "/prod/v1/events",
			Header: http.Header{"Cookie": {"session=abc"}, "X-Forwarded-For": {"192.0.2.44"}}, Query: url.Values{"trace": {"on", "verbose"}},
			SourceIP: "192.0.2.44", RequestID: "JKJaXmPLvHcESHA="},
			PlatformLambda, KindCloudEvent, want{id: "evt-0001", trig: core.Trigger{Platform: PlatformLambda, Source: core.SourceHTTP,
				DedupeKey: "ce:https://ci.example.com/pipelines/42:evt-0001", Targets: strs("orders-redis"), Groups: strs("sessions"),
				Requester: "ce:https://ci.example.com/pipelines/42", Time: at("2024-03-01T02:00:00Z")}}},
		{"lambda-url-slack.json", DecodeLambda, KindLambdaHTTP, HTTPRequest{Method: "POST", Path: "/v1/slack/command",
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Query: url.Values{},
			SourceIP: "54.209.10.4", RequestID: "0f5e7b9a-1c2d-4e3f-8a9b-0c1d2e3f4a5b"},
			PlatformLambda, KindSlack, want{id: "13345224609.738474920.8088930838d88f008e0", trig: withRequest(slack, PlatformLambda, nil, strs("orders-redis", "sessions"))}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			ev, err := tc.decode(mustRead(t, tc.file))
			if err != nil || ev.Kind != tc.kind || ev.HTTP == nil || len(ev.Messages) != 0 {
				t.Fatalf("kind %q, HTTP %v, messages %d, err %v", ev.Kind, ev.HTTP, len(ev.Messages), err)
			}
			r, w := ev.HTTP, tc.http
			if r.Method != w.Method || r.Path != w.Path || r.SourceIP != w.SourceIP || r.RequestID != w.RequestID {
				t.Errorf("got %s %s from %s id %s", r.Method, r.Path, r.SourceIP, r.RequestID)
			}
			for k, v := range w.Header {
				if got := r.Header.Values(strings.ToLower(k)); !reflect.DeepEqual(got, v) {
					t.Errorf("header %s: %q, want %q", k, got, v)
				}
			}
			if w.Query != nil && !reflect.DeepEqual(r.Query, w.Query) {
				t.Errorf("query %v, want %v", r.Query, w.Query)
			}
			hev, err := DecodeHTTP(r, tc.platform)
			if err != nil || hev.Kind != tc.evKind {
				t.Fatalf("DecodeHTTP: kind %q, err %v", hev.Kind, err)
			}
			checkMessages(t, hev.Messages, []want{tc.msg})
		})
	}
}

func withRequest(t core.Trigger, platform string, targets, groups []string) core.Trigger {
	t.Platform, t.Targets, t.Groups = platform, targets, groups
	return t
}

func post(path, contentType, body string) *HTTPRequest {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return &HTTPRequest{Method: "POST", Path: path, Header: h, Body: []byte(body), SourceIP: "192.0.2.1", RequestID: "req-1"}
}

func TestDecodeHTTPRouting(t *testing.T) {
	body := `{"groups":["nightly"]}`
	for _, path := range []string{"/v1/backups", "/release/v1/backups", "/prod/api/v1/backups/", "/v1/backups?x=1"} {
		ev, err := DecodeHTTP(post(path, "application/json", body), "")
		if err != nil || ev.Kind != KindWebhook || ev.Err() != nil || ev.Messages[0].Trigger.Platform != PlatformHTTP {
			t.Errorf("%s: %+v, %v", path, ev, err)
		}
	}
	tests := []struct {
		r      *HTTPRequest
		status int
		err    string
	}{
		{post("/v2/backups", "application/json", body), 404,
			`http request: no endpoint at "/v2/backups" (known: POST /v1/backups, POST /v1/events, POST /v1/slack/command)`},
		{&HTTPRequest{Method: "GET", Path: "/stage/v1/backups"}, 405, `http request: "GET" "/stage/v1/backups": want POST`},
		{post("/v1/backups", "text/plain", body), 415, `http request: Content-Type "text/plain": want application/json`},
		{post("/v1/slack/command", "application/json", body), 415, `http request: Content-Type "application/json": want application/x-www-form-urlencoded`},
		{post("/v1/events", "text/plain", body), 415, `http request: Content-Type "text/plain": want a CloudEvent in structured mode ` +
			`(application/cloudevents+json), a batch (application/cloudevents-batch+json) or binary mode (ce-specversion, ce-id, ce-source, ce-type headers)`},
		{post("/v1/backups", "application/json", `{"groups":["`+strings.Repeat("a", MaxBodySize)+`"]}`), 413,
			`http request: 1048591 bytes: the limit is 1048576`},
		{nil, 400, "http request: no request"},
	}
	for _, tc := range tests {
		_, err := DecodeHTTP(tc.r, PlatformSCF)
		if err == nil || err.Error() != tc.err || HTTPStatus(err) != tc.status {
			t.Errorf("got %v (status %d)\nwant %s (%d)", err, HTTPStatus(err), tc.err, tc.status)
		}
		if errkind.KindOf(err) != errkind.InvalidArgument {
			t.Errorf("%v: kind %v", err, errkind.KindOf(err))
		}
	}
}

func TestIdempotencyKeyHeader(t *testing.T) {
	r := post("/v1/backups", "application/json", `{"groups":["nightly"]}`)
	r.Header.Set("idempotency-key", "k1")
	ev, _ := DecodeHTTP(r, "")
	if got := ev.Messages[0].Trigger.DedupeKey; got != "idem:k1" {
		t.Errorf("header key: %q", got)
	}
	r.Body = []byte(`{"groups":["nightly"],"idempotency_key":"k2"}`)
	ev, _ = DecodeHTTP(r, "")
	if err := ev.Err(); err == nil || err.Error() != `webhook body: the Idempotency-Key header "k1" and the body's idempotency_key "k2" differ` {
		t.Errorf("conflict: %v", err)
	}
	r.Header.Set("Idempotency-Key", strings.Repeat("k", MaxStringLen+1))
	if _, err := DecodeHTTP(r, ""); err == nil || !strings.Contains(err.Error(), `field "Idempotency-Key": 257 characters: the limit is 256`) {
		t.Errorf("long key: %v", err)
	}
}

func TestCloudEventsHTTP(t *testing.T) {
	ev, err := DecodeHTTP(post("/v1/events", "application/cloudevents+json", string(mustRead(t, "cloudevent.json"))), "")
	if err != nil {
		t.Fatal(err)
	}
	checkMessages(t, ev.Messages, []want{{id: "evt-0002", trig: core.Trigger{Platform: PlatformHTTP, Source: core.SourceHTTP,
		DedupeKey: "ce:https://ci.example.com/pipelines/42:evt-0002", Groups: strs("nightly"), Remark: "release 42",
		Requester: "ce:https://ci.example.com/pipelines/42", Time: at("2024-03-01T02:00:00Z")}}})

	ev, err = DecodeHTTP(post("/v1/events", "application/cloudevents-batch+json", string(mustRead(t, "cloudevent-batch.json"))), "")
	if err != nil {
		t.Fatal(err)
	}
	batch := core.Trigger{Platform: PlatformHTTP, Source: core.SourceHTTP, Requester: "ce:/ops/cron"}
	b1, b2 := batch, batch
	b1.DedupeKey, b1.Groups = "ce:/ops/cron:evt-0003", strs("nightly")
	b2.DedupeKey, b2.Targets = "ce:/ops/cron:evt-0004", strs("orders-redis")
	checkMessages(t, ev.Messages, []want{{id: "evt-0003", trig: b1}, {id: "evt-0004", trig: b2}})

	r := post("/v1/events", "application/cloudevents-batch+json", string(mustRead(t, "cloudevent-batch.json")))
	r.Header.Set("Idempotency-Key", "k")
	if _, err := DecodeHTTP(r, ""); err == nil || err.Error() != `http request: field "Idempotency-Key": not allowed with a batch of 2 events: each needs its own key` {
		t.Errorf("batch with key: %v", err)
	}

	r = post("/v1/events", "text/plain", "nightly")
	r.Header.Set("ce-specversion", "1.0")
	r.Header.Set("ce-id", "x")
	r.Header.Set("ce-type", "t")
	if _, err := DecodeHTTP(r, ""); err == nil || err.Error() != `cloudevent (binary mode): field "ce-source": missing: a CloudEvent requires id, source and type` {
		t.Errorf("binary without source: %v", err)
	}
}

func TestNewHTTPRequest(t *testing.T) {
	req := httptest.NewRequest("POST", "/release/v1/backups?dry=1", strings.NewReader(`{"groups":["nightly"]}`))
	req.Header.Set("X-Fc-Request-Id", "fc-1")
	req.RemoteAddr = "192.0.2.9:5555"
	r, err := NewHTTPRequest(req)
	if err != nil || r.Path != "/release/v1/backups" || r.Query.Get("dry") != "1" || r.SourceIP != "192.0.2.9" || r.RequestID != "fc-1" {
		t.Fatalf("%+v, %v", r, err)
	}
	if ev, err := DecodeHTTP(r, PlatformFC); err != nil || ev.Err() != nil {
		t.Fatalf("%v %v", err, ev.Err())
	}
	big := httptest.NewRequest("POST", "/v1/backups", strings.NewReader(strings.Repeat(" ", MaxBodySize+10)))
	if _, err := NewHTTPRequest(big); !errors.Is(err, ErrTooLarge) || HTTPStatus(err) != 413 {
		t.Errorf("big body: %v", err)
	}
}
