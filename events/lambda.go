package events

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/backupfn/backupfn/core"
)

// EventBridgeEvent is an Amazon EventBridge event delivered to Lambda: a
// schedule's "Scheduled Event", or any event whose detail is a request body.
type EventBridgeEvent struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"` // "Scheduled Event" for a schedule
	Source     string          `json:"source"`      // "aws.events" or "aws.scheduler" for a schedule
	Account    string          `json:"account"`
	Time       string          `json:"time"` // RFC 3339; a schedule's scheduled time
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"` // a schedule's rule ARN, ".../rule/<name>"
	Detail     json.RawMessage `json:"detail"`    // the request body, or {} for a schedule
}

const formatEventBridge = "lambda eventbridge event"

var lambdaKinds = []payloadKind{
	{KindLambdaSchedule + "/" + KindLambdaEventBridge, "detail-type", func(p probe) bool { return p.has("detail-type") }, decodeEventBridge},
	{KindLambdaSQS, `Records[0].eventSource "aws:sqs"`, func(p probe) bool {
		v, _ := p.record0("eventSource")
		return string(v) == `"aws:sqs"`
	}, decodeLambdaSQS},
	{KindLambdaHTTP, `version "2.0" and rawPath`, func(p probe) bool {
		return p.str("version") == "2.0" && p.has("rawPath")
	}, decodeLambdaHTTP},
}

// DecodeLambda decodes an AWS Lambda invocation payload: an EventBridge
// event (a schedule or a request in detail), an SQS batch, or an API
// Gateway v2 / Function URL request; or else a request body (a direct
// invoke, or an EventBridge Scheduler target's input). An HTTP request
// comes back as Event.HTTP for DecodeHTTP.
func DecodeLambda(payload []byte) (Event, error) {
	return detect(PlatformLambda, payload, lambdaKinds, bodyFallback(PlatformLambda))
}

func decodeEventBridge(payload []byte) (Event, error) {
	var e EventBridgeEvent
	if err := unmarshal(formatEventBridge, "", payload, &e); err != nil {
		return Event{}, err
	}
	detail := bytes.TrimSpace(e.Detail)
	if e.DetailType == "Scheduled Event" {
		var text string
		if len(detail) > 0 && detail[0] == '"' {
			_ = json.Unmarshal(detail, &text)
		} else if !isEmptyJSON(detail) {
			text = string(detail)
		}
		return timer{kind: KindLambdaSchedule, platform: PlatformLambda, format: formatEventBridge,
			name: ruleName(e.Resources), nameField: "resources", when: e.Time, whenField: "time",
			text: text, textField: "detail"}.event()
	}
	if e.ID == "" {
		return Event{}, fieldError(formatEventBridge, "id", "missing: want the event's ID")
	}
	o := origin{platform: PlatformLambda, source: core.SourceQueue, key: "eventbridge:" + e.ID, requester: "eventbridge:" + e.Source}
	if e.Time != "" {
		t, err := time.Parse(time.RFC3339, e.Time)
		if err != nil {
			return Event{}, fieldError(formatEventBridge, "time", "want RFC 3339 time, got %s", quote(e.Time))
		}
		o.time = t
	}
	var req Request
	var err error
	if s := ""; len(detail) > 0 && detail[0] == '"' && json.Unmarshal(detail, &s) == nil {
		req, err = parseText([]byte(s))
	} else {
		req, err = DecodeRequest(detail)
	}
	return Event{Kind: KindLambdaEventBridge, Messages: []Message{o.message(e.ID, formatEventBridge, "detail", req, err)}}, nil
}

// isEmptyJSON reports whether raw is absent, null or {}.
func isEmptyJSON(raw []byte) bool {
	var m map[string]json.RawMessage
	return len(raw) == 0 || string(raw) == "null" || (json.Unmarshal(raw, &m) == nil && len(m) == 0)
}

// ruleName is the schedule's name: the last path segment of its first
// resource ARN (arn:aws:events:…:rule/nightly, arn:aws:scheduler:…:schedule/default/nightly).
func ruleName(resources []string) string {
	if len(resources) == 0 {
		return ""
	}
	arn := resources[0]
	return arn[strings.LastIndexAny(arn, "/:")+1:]
}
