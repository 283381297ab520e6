package events

import (
	"bytes"

	"github.com/backupfn/backupfn/core"
)

// FCTimerEvent is the payload of an Alibaba FC timer trigger.
type FCTimerEvent struct {
	TriggerTime string `json:"triggerTime"` // the scheduled time, RFC 3339
	TriggerName string `json:"triggerName"` // the trigger's name
	Payload     string `json:"payload"`     // the trigger's text: what to back up
}

const formatFCTimer = "fc timer event"

var fcKinds = []payloadKind{
	{KindFCTimer, "triggerTime and triggerName", func(p probe) bool {
		return p.has("triggerTime") && p.has("triggerName")
	}, decodeFCTimer},
	{KindFCMNS, "TopicOwner and MessageId", func(p probe) bool {
		return p.has("TopicOwner") && p.has("MessageId")
	}, decodeFCMNS},
	{KindFCHTTP, `version "v1" and rawPath`, func(p probe) bool {
		return p.str("version") == "v1" && p.has("rawPath")
	}, decodeFCHTTP},
	{KindFCEventBridge, "a JSON array of CloudEvents", func(p probe) bool { return p.array }, decodeFCEventBridge},
	{KindFCMNSStream, "body and attrs (a STREAM message with attributes)", func(p probe) bool {
		return len(p.obj) == 2 && p.has("body") && p.has("attrs")
	}, decodeFCMNSStreamAttrs},
}

// DecodeFC decodes an Alibaba FC invocation payload: a timer, MNS topic
// (JSON format), HTTP trigger (FC3) or EventBridge (Kafka, ...) event, or
// else a request body. A payload that is not a JSON object or array is an
// MNS topic message in STREAM format: the raw message body, read as JSON or
// words; an MNS XML <Notification> is read like the JSON format. An HTTP
// trigger event comes back as Event.HTTP for DecodeHTTP.
func DecodeFC(payload []byte) (Event, error) {
	return detect(PlatformFC, payload, fcKinds, func(p probe, payload []byte) (Event, bool) {
		if p.obj == nil && !p.array && isMNSXML(payload) {
			ev, err := decodeFCMNSXML(payload)
			if err != nil {
				ev = Event{Kind: KindFCMNS, Messages: []Message{origin{platform: PlatformFC, source: core.SourceQueue,
					requester: "mns"}.fail("", err)}}
			}
			return ev, true
		}
		if p.obj == nil && !p.array && len(bytes.TrimSpace(payload)) > 0 {
			return decodeFCMNSStream(payload), true
		}
		return bodyFallback(PlatformFC)(p, payload)
	})
}

func decodeFCTimer(payload []byte) (Event, error) {
	var e FCTimerEvent
	if err := unmarshal(formatFCTimer, "", payload, &e); err != nil {
		return Event{}, err
	}
	return timer{kind: KindFCTimer, platform: PlatformFC, format: formatFCTimer,
		name: e.TriggerName, nameField: "triggerName", when: e.TriggerTime, whenField: "triggerTime",
		text: e.Payload, textField: "payload"}.event()
}
