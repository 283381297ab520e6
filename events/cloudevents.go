package events

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// CloudEvent is a CloudEvents 1.0 event in structured mode (JSON). Its data
// is the request body: a JSON object, or a string of JSON or words
// (data_base64 holds the string's bytes).
type CloudEvent struct {
	SpecVersion     string          // "1.0"
	ID              string          // with Source, identifies the event: the dedupe key is "ce:<source>:<id>"
	Source          string          // a URI reference naming the producer
	Type            string          // e.g. "com.example.backup.requested"
	Subject         string          // optional
	Time            string          // optional, RFC 3339
	DataContentType string          // optional, e.g. "application/json"
	DataSchema      string          // optional
	Data            json.RawMessage // the data as JSON, or nil
	DataBase64      string          // the data as base64, instead of Data
	// Extensions holds the other attributes (e.g. aliyunaccountid), as JSON.
	Extensions map[string]json.RawMessage
}

const formatCloudEvent = "cloudevent"

// attr returns the field of a string attribute, or nil.
func (e *CloudEvent) attr(k string) *string {
	switch k {
	case "specversion":
		return &e.SpecVersion
	case "id":
		return &e.ID
	case "source":
		return &e.Source
	case "type":
		return &e.Type
	case "subject":
		return &e.Subject
	case "time":
		return &e.Time
	case "datacontenttype":
		return &e.DataContentType
	case "dataschema":
		return &e.DataSchema
	case "data_base64":
		return &e.DataBase64
	}
	return nil
}

var ceAttrs = []string{"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data_base64"}

// UnmarshalJSON decodes a structured-mode event, keeping extension
// attributes. It checks types only; see DecodeHTTP for the rules.
func (e *CloudEvent) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return jsonError(formatCloudEvent, "", err)
	}
	if m == nil {
		return &Error{Format: formatCloudEvent, Msg: "want a JSON object, got null"}
	}
	*e = CloudEvent{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if p := e.attr(k); p != nil {
			if json.Unmarshal(v, p) != nil {
				return fieldError(formatCloudEvent, k, "want a string, got %s", snippet(v))
			}
			continue
		}
		if k == "data" {
			e.Data = v
			continue
		}
		if e.Extensions == nil {
			e.Extensions = map[string]json.RawMessage{}
		}
		e.Extensions[k] = v
	}
	return nil
}

// MarshalJSON encodes the event in structured mode.
func (e CloudEvent) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(ceAttrs)+len(e.Extensions)+1)
	for k, v := range e.Extensions {
		m[k] = v
	}
	for _, k := range ceAttrs {
		if v := *e.attr(k); v != "" {
			m[k] = v
		}
	}
	if len(e.Data) > 0 {
		m["data"] = e.Data
	}
	return json.Marshal(m)
}

// parseCloudEvent decodes and checks one structured-mode event.
func parseCloudEvent(b []byte) (CloudEvent, error) {
	var e CloudEvent
	if len(bytes.TrimSpace(b)) == 0 {
		return e, &Error{Format: formatCloudEvent, Msg: "empty: want a JSON object"}
	}
	if err := e.UnmarshalJSON(b); err != nil {
		return e, err
	}
	return e, e.check()
}

// check applies the CloudEvents rules backupfn relies on.
func (e CloudEvent) check() error {
	if e.SpecVersion != "1.0" {
		return fieldError(formatCloudEvent, "specversion", `want "1.0", got %s`, quote(e.SpecVersion))
	}
	for _, k := range []string{"id", "source", "type"} {
		if *e.attr(k) == "" {
			return fieldError(formatCloudEvent, k, "missing: a CloudEvent requires id, source and type")
		}
	}
	for _, k := range []string{"id", "source", "subject"} {
		if msg := badString(*e.attr(k)); msg != "" {
			return fieldError(formatCloudEvent, k, "%s", msg)
		}
	}
	if _, err := e.when(); err != nil {
		return fieldError(formatCloudEvent, "time", "want RFC 3339 time, got %s", quote(e.Time))
	}
	return nil
}

// when is the event's time, or zero.
func (e CloudEvent) when() (time.Time, error) {
	if e.Time == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, e.Time)
}

// request decodes the event's data as a request.
func (e CloudEvent) request() (Request, error) {
	if e.DataBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(e.DataBase64)
		if err != nil {
			return Request{}, fmt.Errorf("not base64: %w", err)
		}
		return parseText(b)
	}
	if len(e.Data) == 0 || string(e.Data) == "null" {
		return Request{}, errors.New("missing: want the request body")
	}
	var s string
	if json.Unmarshal(e.Data, &s) == nil {
		return parseText([]byte(s))
	}
	return DecodeRequest(e.Data)
}

// message turns a checked event into a Message; at prefixes field names.
func (e CloudEvent) message(o origin, format, at string) Message {
	o.key, o.requester = "ce:"+e.Source+":"+e.ID, "ce:"+e.Source
	o.time, _ = e.when()
	req, err := e.request()
	field := at + "data"
	if e.DataBase64 != "" {
		field = at + "data_base64"
	}
	return o.message(e.ID, format, field, req, err)
}

const (
	ctStructured = "application/cloudevents+json"
	ctBatch      = "application/cloudevents-batch+json"
)

// decodeCloudEventsHTTP reads POST /v1/events: one event in structured or
// binary mode, or a batch.
func decodeCloudEventsHTTP(r *HTTPRequest, o origin) (Event, error) {
	mt := mediaType(r.Header)
	switch {
	case r.Header.Get("Ce-Specversion") != "":
		return binaryCloudEvent(r, o)
	case mt == ctStructured || (mt == "application/json" || mt == "") && bytes.Contains(r.Body, []byte(`"specversion"`)):
		e, err := parseCloudEvent(r.Body)
		if err != nil {
			return Event{}, err
		}
		return Event{Kind: KindCloudEvent, Messages: []Message{e.message(o, formatCloudEvent, "")}}, nil
	case mt == ctBatch:
		return cloudEventBatch(r, o)
	}
	return Event{}, &Error{Format: formatHTTP, Err: ErrMediaType, Msg: fmt.Sprintf(
		"Content-Type %s: want a CloudEvent in structured mode (%s), a batch (%s) or binary mode (ce-specversion, ce-id, ce-source, ce-type headers)",
		quote(r.Header.Get("Content-Type")), ctStructured, ctBatch)}
}

// binaryCloudEvent reads an event whose attributes are ce-* headers and
// whose data is the body.
func binaryCloudEvent(r *HTTPRequest, o origin) (Event, error) {
	h := r.Header
	e := CloudEvent{SpecVersion: h.Get("Ce-Specversion"), ID: h.Get("Ce-Id"), Source: h.Get("Ce-Source"),
		Type: h.Get("Ce-Type"), Subject: h.Get("Ce-Subject"), Time: h.Get("Ce-Time"),
		DataSchema: h.Get("Ce-Dataschema"), DataContentType: h.Get("Content-Type")}
	if err := e.check(); err != nil {
		var de *Error
		if errors.As(err, &de) {
			de.Format, de.Field = "cloudevent (binary mode)", "ce-"+de.Field
		}
		return Event{}, err
	}
	o.key, o.requester = "ce:"+e.Source+":"+e.ID, "ce:"+e.Source
	o.time, _ = e.when()
	req, err := parseText(r.Body)
	return Event{Kind: KindCloudEvent, Messages: []Message{o.message(e.ID, "cloudevent (binary mode)", "body", req, err)}}, nil
}

// cloudEventBatch reads a JSON array of structured-mode events; a bad event
// is its message's error.
func cloudEventBatch(r *HTTPRequest, o origin) (Event, error) {
	const format = "cloudevents batch"
	var items []json.RawMessage
	if err := unmarshal(format, "", r.Body, &items); err != nil {
		return Event{}, err
	}
	switch {
	case len(items) == 0:
		return Event{}, &Error{Format: format, Msg: "empty: want at least one CloudEvent"}
	case len(items) > 1 && o.idem != "":
		return Event{}, fieldError(formatHTTP, "Idempotency-Key", "not allowed with a batch of %d events: each needs its own key", len(items))
	}
	ev := Event{Kind: KindCloudEvent, Messages: make([]Message, len(items))}
	for i, raw := range items {
		at := fmt.Sprintf("[%d]", i)
		e, err := parseCloudEvent(raw)
		if err != nil {
			ev.Messages[i] = o.fail("", wrap(format, at, err))
			continue
		}
		ev.Messages[i] = e.message(o, format, at+".")
	}
	return ev, nil
}
