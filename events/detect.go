package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/backupfn/backupfn/core"
)

// payloadKind is one payload kind a platform decoder recognises.
type payloadKind struct {
	name   string             // a Kind constant
	sign   string             // the distinguishing fields, for the error listing the kinds tried
	match  func(p probe) bool // whether the payload has the distinguishing fields
	decode func([]byte) (Event, error)
}

// detect picks the first kind whose fields match; else fallback decodes the
// payload if it can, and the error lists what was tried.
func detect(platform string, payload []byte, kinds []payloadKind, fallback func(probe, []byte) (Event, bool)) (Event, error) {
	format := platform + " payload"
	if err := checkSize(format, len(payload), MaxPayloadSize); err != nil {
		return Event{}, err
	}
	p := newProbe(payload)
	for _, k := range kinds {
		if k.match(p) {
			return k.decode(payload)
		}
	}
	if ev, ok := fallback(p, payload); ok {
		return ev, nil
	}
	tried := make([]string, 0, len(kinds)+1)
	for _, k := range kinds {
		tried = append(tried, fmt.Sprintf("%s (%s)", k.name, k.sign))
	}
	tried = append(tried, KindWebhook+" (a request body with targets or groups)")
	what := "unrecognised JSON"
	if p.err != nil {
		what = "not JSON (" + strings.TrimPrefix(p.err.Error(), "json: ") + ")"
	}
	return Event{}, &Error{Format: format, Msg: what + "; tried " + strings.Join(tried, ", ")}
}

// bodyFallback decodes a JSON object naming a request field as a webhook
// body: the payload of a direct invocation.
func bodyFallback(platform string) func(probe, []byte) (Event, bool) {
	return func(p probe, payload []byte) (Event, bool) {
		for _, k := range requestFields {
			if p.has(k) {
				return decodeWebhook(platform, payload), true
			}
		}
		return Event{}, false
	}
}

// probe is a first look at a payload: its top-level keys, if an object.
type probe struct {
	obj   map[string]json.RawMessage
	array bool  // the payload is a JSON array
	err   error // why the payload is not JSON, if it is not
}

func newProbe(payload []byte) probe {
	t := bytes.TrimSpace(payload)
	var p probe
	if len(t) > 0 && t[0] == '[' {
		var a []json.RawMessage
		p.err = json.Unmarshal(t, &a)
		p.array = p.err == nil
		return p
	}
	// Valid JSON that is not an object is a type error, leaving obj nil.
	var typ *json.UnmarshalTypeError
	if p.err = json.Unmarshal(t, &p.obj); errors.As(p.err, &typ) {
		p.err = nil
	}
	return p
}

func (p probe) has(k string) bool { _, ok := p.obj[k]; return ok }

// str returns key k's string value, or "".
func (p probe) str(k string) string {
	var s string
	_ = json.Unmarshal(p.obj[k], &s)
	return s
}

// record0 returns key k of Records[0], if Records is a non-empty array of objects.
func (p probe) record0(k string) (json.RawMessage, bool) {
	var recs []map[string]json.RawMessage
	if json.Unmarshal(p.obj["Records"], &recs) != nil || len(recs) == 0 {
		return nil, false
	}
	v, ok := recs[0][k]
	return v, ok
}

// origin is what a payload says about a record besides its body.
type origin struct {
	platform  string
	source    core.Source
	key       string // the dedupe key the platform gives; an idempotency key wins
	requester string
	time      time.Time
	idem      string // the HTTP Idempotency-Key header, if any
}

// message builds a record's Message from its decoded request, or from the
// error decoding it (wrapped in format and field).
func (o origin) message(id, format, field string, req Request, err error) Message {
	if err != nil {
		return o.fail(id, wrap(format, field, err))
	}
	m := Message{ID: id, Trigger: o.base()}
	switch {
	case req.IdempotencyKey != "" && o.idem != "" && req.IdempotencyKey != o.idem:
		m.Err = fieldError(format, field, "the Idempotency-Key header %s and the body's idempotency_key %s differ",
			quote(o.idem), quote(req.IdempotencyKey))
		return m
	case req.IdempotencyKey != "":
		m.Trigger.DedupeKey = "idem:" + req.IdempotencyKey
	case o.idem != "":
		m.Trigger.DedupeKey = "idem:" + o.idem
	}
	m.Trigger.Targets, m.Trigger.Groups, m.Trigger.Remark = req.Targets, req.Groups, req.Remark
	return m
}

// base is the trigger without a request.
func (o origin) base() core.Trigger {
	return core.Trigger{Platform: o.platform, Source: o.source, DedupeKey: o.key, Requester: o.requester, Time: o.time}
}

// fail is a record that could not be decoded.
func (o origin) fail(id string, err error) Message {
	return Message{ID: id, Trigger: o.base(), Err: err}
}

// timer is the common shape of the platforms' timer payloads; the field
// names are the payload's, for errors.
type timer struct {
	kind, platform, format string
	name, nameField        string
	when, whenField        string
	text, textField        string
}

// event decodes a timer: the name and time are required and make the
// dedupe key; a bad text is the message's error.
func (t timer) event() (Event, error) {
	if t.name == "" {
		return Event{}, fieldError(t.format, t.nameField, "missing: want the timer's name")
	}
	if msg := badString(t.name); msg != "" {
		return Event{}, fieldError(t.format, t.nameField, "%s", msg)
	}
	when, err := time.Parse(time.RFC3339, t.when)
	if err != nil {
		return Event{}, fieldError(t.format, t.whenField, "want RFC 3339 time, got %s", quote(t.when))
	}
	o := origin{platform: t.platform, source: core.SourceTimer, requester: "timer:" + t.name, time: when,
		key: t.kind + ":" + t.name + ":" + when.UTC().Format(time.RFC3339)}
	req, err := timerRequest(t.text, t.name)
	return Event{Kind: t.kind, Messages: []Message{o.message(t.name, t.format, t.textField, req, err)}}, nil
}

// records reads the records of a {"Records":[...]} batch.
func records(format string, payload []byte) ([]json.RawMessage, error) {
	var env struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := unmarshal(format, "", payload, &env); err != nil {
		return nil, err
	}
	if len(env.Records) == 0 {
		return nil, fieldError(format, "Records", "no records")
	}
	return env.Records, nil
}

// eachRecord decodes every record with one; a bad record is its message's
// error, not the batch's.
func eachRecord(kind, format string, payload []byte, one func(i int, raw json.RawMessage) Message) (Event, error) {
	recs, err := records(format, payload)
	if err != nil {
		return Event{}, err
	}
	ev := Event{Kind: kind, Messages: make([]Message, len(recs))}
	for i, raw := range recs {
		ev.Messages[i] = one(i, raw)
	}
	return ev, nil
}
