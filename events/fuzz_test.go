package events

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// seed adds every fixture, and some edge cases, to a fuzz corpus.
func seed(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "null", "[]", "{}", `[""]`, `"x"`, `{"Records":[null]}`, `{"Records":[{"CMQ":null}]}`,
		`[null]`, `["{}"]`, `{"Type":"Timer"}`, `{"detail-type":"Scheduled Event","resources":["/"]}`} {
		f.Add([]byte(s))
	}
}

// checkEvent fails on an empty error or message error.
func checkEvent(t *testing.T, ev Event, err error) {
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty error")
		}
		return
	}
	for i, m := range ev.Messages {
		if m.Err != nil && m.Err.Error() == "" {
			t.Fatalf("message %d: empty error", i)
		}
	}
	if ev.HTTP != nil {
		hev, err := DecodeHTTP(ev.HTTP, "fuzz")
		checkEvent(t, hev, err)
	}
}

func FuzzDecodeSCF(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) { ev, err := DecodeSCF(b); checkEvent(t, ev, err) })
}

func FuzzDecodeFC(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) { ev, err := DecodeFC(b); checkEvent(t, ev, err) })
}

func FuzzDecodeLambda(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) { ev, err := DecodeLambda(b); checkEvent(t, ev, err) })
}

func FuzzDecodeFunctionGraph(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) { ev, err := DecodeFunctionGraph(b); checkEvent(t, ev, err) })
}

func FuzzDecodeRequest(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := DecodeRequest(b); err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
		if _, err := parseText(b); err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
	})
}

func FuzzDecodeHTTP(f *testing.F) {
	for _, s := range []struct{ path, ct, ce, body string }{
		{"/v1/backups", "application/json", "", `{"groups":["nightly"]}`},
		{"/release/v1/events", "application/cloudevents+json", "", `{"specversion":"1.0","id":"1","source":"s","type":"t","data":"nightly"}`},
		{"/v1/events", "application/cloudevents-batch+json", "", `[{"specversion":"1.0","id":"1","source":"s","type":"t","data_base64":"bmlnaHRseQ=="}]`},
		{"/v1/events", "text/plain", "1.0", "nightly"},
		{"/v1/slack/command", "application/x-www-form-urlencoded", "", "team_id=T&user_id=U&command=%2Fb&text=target%3Aa+b"},
	} {
		f.Add(s.path, s.ct, s.ce, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, path, ct, ce string, body []byte) {
		h := http.Header{"Content-Type": {ct}, "Idempotency-Key": {ce}}
		if ce != "" {
			h.Set("Ce-Specversion", ce)
			h.Set("Ce-Id", "id")
			h.Set("Ce-Source", ce)
			h.Set("Ce-Type", "t")
		}
		ev, err := DecodeHTTP(&HTTPRequest{Method: "POST", Path: path, Header: h, Body: body}, "")
		checkEvent(t, ev, err)
		if err != nil && HTTPStatus(err) < 400 {
			t.Fatalf("status %d for %v", HTTPStatus(err), err)
		}
	})
}
