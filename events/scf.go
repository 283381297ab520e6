package events

import "strings"

// SCFTimerEvent is the payload of a Tencent SCF timer trigger.
type SCFTimerEvent struct {
	Type        string `json:"Type"`        // "Timer"
	TriggerName string `json:"TriggerName"` // the trigger's name
	Time        string `json:"Time"`        // the scheduled time, RFC 3339
	Message     string `json:"Message"`     // the trigger's text: what to back up
}

const formatSCFTimer = "scf timer event"

var scfKinds = []payloadKind{
	{KindSCFTimer, `Type "Timer"`, func(p probe) bool { return strings.EqualFold(p.str("Type"), "Timer") }, decodeSCFTimer},
	{KindSCFCMQ, "Records[0].CMQ", func(p probe) bool { _, ok := p.record0("CMQ"); return ok }, decodeSCFCMQ},
	{KindSCFCKafka, "Records[0].Ckafka", func(p probe) bool { _, ok := p.record0("Ckafka"); return ok }, decodeSCFCKafka},
	{KindSCFAPIGateway, "requestContext and httpMethod", func(p probe) bool {
		return p.has("requestContext") && p.has("httpMethod")
	}, decodeSCFAPIGateway},
}

// DecodeSCF decodes a Tencent SCF invocation payload: a timer, CMQ topic,
// CKafka or API Gateway event, or else a request body (a direct invoke).
// An API Gateway event comes back as Event.HTTP for DecodeHTTP.
func DecodeSCF(payload []byte) (Event, error) {
	return detect(PlatformSCF, payload, scfKinds, bodyFallback(PlatformSCF))
}

func decodeSCFTimer(payload []byte) (Event, error) {
	var e SCFTimerEvent
	if err := unmarshal(formatSCFTimer, "", payload, &e); err != nil {
		return Event{}, err
	}
	if !strings.EqualFold(e.Type, "Timer") { // Tencent documents "Timer"; some docs show "timer"
		return Event{}, fieldError(formatSCFTimer, "Type", `want "Timer", got %s`, quote(e.Type))
	}
	return timer{kind: KindSCFTimer, platform: PlatformSCF, format: formatSCFTimer,
		name: e.TriggerName, nameField: "TriggerName", when: e.Time, whenField: "Time",
		text: e.Message, textField: "Message"}.event()
}
