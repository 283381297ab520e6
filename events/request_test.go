package events

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/backupfn/backupfn/errkind"
)

func TestDecodeRequest(t *testing.T) {
	r, err := DecodeRequest(mustRead(t, "webhook.json"))
	want := Request{Targets: strs("orders-redis", "tencent-redis://ap-guangzhou/crs-5a4py64p?remark=manual"),
		Groups: strs("nightly"), Remark: "before the migration", IdempotencyKey: "change-2024-0042"}
	if err != nil || !reflect.DeepEqual(r, want) {
		t.Fatalf("%+v, %v", r, err)
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	many := `"g` + strings.Repeat(`","g`, MaxItems) + `"`
	tests := []struct{ in, err string }{
		{`{"groups":["nightly"],"target":["x"]}`, `request body: field "target": unknown field (known: targets, groups, remark, idempotency_key)`},
		{`{"Groups":["nightly"]}`, `request body: field "Groups": unknown field (known: targets, groups, remark, idempotency_key)`},
		{`{}`, `request body: nothing to back up: want at least one target or group`},
		{`{"targets":[],"groups":null,"remark":"x"}`, `request body: nothing to back up: want at least one target or group`},
		{`{"groups":"nightly"}`, `request body: field "groups": want an array of strings, got "nightly"`},
		{`{"groups":["a"],"remark":5}`, `request body: field "remark": want a string, got 5`},
		{`{"groups":[` + many + `]}`, `request body: 101 targets and groups: the limit is 100`},
		{`{"targets":["` + strings.Repeat("x", 257) + `"]}`, `request body: field "targets[0]": 257 characters: the limit is 256`},
		{`{"targets":["orders redis"]}`, `request body: field "targets[0]": "orders redis" is neither a target name nor a target URL (scheme://region/instance)`},
		{`{"groups":["night/ly"]}`, `request body: field "groups[0]": "night/ly" is not a name: want letters, digits, '-', '_' or '.', starting with a letter or digit`},
		{`{"groups":["a"],"remark":"line\nbreak"}`, `request body: field "remark": "line\nbreak" contains a control character`},
		{`{"groups":["a"]} {}`, `request body: invalid JSON at byte 18: invalid character '{' after top-level value`},
		{`{"groups":["a"]`, `request body: invalid JSON at byte 15: unexpected end of JSON input`},
		{`["a"]`, `request body: want an object, got a JSON array`},
		{`null`, `request body: want a JSON object, got null`},
		{``, `request body: empty: want JSON`},
	}
	for _, tc := range tests {
		_, err := DecodeRequest([]byte(tc.in))
		if err == nil || err.Error() != tc.err {
			t.Errorf("%.40s:\n got %v\nwant %s", tc.in, err, tc.err)
		}
		if errkind.KindOf(err) != errkind.InvalidArgument {
			t.Errorf("%.40s: kind %v", tc.in, errkind.KindOf(err))
		}
	}
	_, err := DecodeRequest([]byte(`{"groups":["` + strings.Repeat("a", MaxBodySize) + `"]}`))
	if !errors.Is(err, ErrTooLarge) || HTTPStatus(err) != 413 {
		t.Errorf("big body: %v", err)
	}
}

// The word grammar of the package doc.
func TestWords(t *testing.T) {
	tests := []struct {
		text            string
		targets, groups []string
	}{
		{"nightly", nil, strs("nightly")},
		{"orders-redis sessions", nil, strs("orders-redis", "sessions")},
		{" nightly,weekly , monthly ", nil, strs("nightly", "weekly", "monthly")},
		{"group nightly", nil, strs("nightly")},
		{"Groups nightly weekly", nil, strs("nightly", "weekly")},
		{"target:orders-redis nightly", strs("orders-redis"), strs("nightly")},
		{"targets orders-redis sessions group nightly", strs("orders-redis", "sessions"), strs("nightly")},
		{"target:tencent-redis://ap-guangzhou/crs-1?databases=a,b, nightly", strs("tencent-redis://ap-guangzhou/crs-1?databases=a,b"), strs("nightly")},
		{"group:target", nil, strs("target")},
		{`{"targets":["a"]}`, strs("a"), nil},
	}
	for _, tc := range tests {
		r, err := parseText([]byte(tc.text))
		if err != nil || !reflect.DeepEqual(r.Targets, tc.targets) || !reflect.DeepEqual(r.Groups, tc.groups) {
			t.Errorf("%q: targets %q groups %q, %v", tc.text, r.Targets, r.Groups, err)
		}
	}
	errs := []struct{ text, err string }{
		{"  ", "request text: empty: want a JSON request body or group names"},
		{"group", "request text: nothing to back up: want at least one target or group"},
		{"nightly; rm", `request text: field "groups[0]": "nightly;" is not a name: want letters, digits, '-', '_' or '.', starting with a letter or digit`},
		{"target:", `request text: field "targets[0]": "" is neither a target name nor a target URL (scheme://region/instance)`},
		{strings.Repeat("g ", MaxItems+1), "request text: more than 100 targets and groups"},
	}
	for _, tc := range errs {
		if _, err := parseText([]byte(tc.text)); err == nil || err.Error() != tc.err {
			t.Errorf("%.20q:\n got %v\nwant %s", tc.text, err, tc.err)
		}
	}
}

// A timer's empty text names its group; its text may not set a key.
func TestTimerRequest(t *testing.T) {
	r, err := timerRequest("", "nightly")
	if err != nil || !reflect.DeepEqual(r.Groups, strs("nightly")) {
		t.Errorf("empty text: %+v, %v", r, err)
	}
	_, err = timerRequest(`{"groups":["a"],"idempotency_key":"k"}`, "t")
	if err == nil || err.Error() != `request body: field "idempotency_key": not allowed in a timer's text: every run after the first would be a duplicate` {
		t.Errorf("key in timer: %v", err)
	}
	ev, err := DecodeSCF([]byte(`{"Type":"Timer","TriggerName":"Every Day","Time":"2019-02-21T11:49:00Z","Message":""}`))
	if err != nil || fmt.Sprint(ev.Err()) != `scf timer event: field "Message": request text: empty, and the timer's name "Every Day" is no group name to default to` {
		t.Errorf("unnamable timer: %v, %v", err, ev.Err())
	}
}
