package events

// FunctionGraphTimerEvent is the payload of a Huawei FunctionGraph timer
// trigger.
type FunctionGraphTimerEvent struct {
	Version     string `json:"version"`
	Time        string `json:"time"`         // the scheduled time, RFC 3339
	TriggerType string `json:"trigger_type"` // "TIMER"
	TriggerName string `json:"trigger_name"` // the trigger's name
	UserEvent   string `json:"user_event"`   // the trigger's text: what to back up
}

const formatFunctionGraphTimer = "functiongraph timer event"

var functionGraphKinds = []payloadKind{
	{KindFunctionGraphTimer, `trigger_type "TIMER"`, func(p probe) bool {
		return p.str("trigger_type") == "TIMER"
	}, decodeFunctionGraphTimer},
}

// DecodeFunctionGraph decodes a Huawei FunctionGraph event function's
// payload: a timer event, or else a request body. (HTTP functions get a
// real HTTP request: see NewHTTPRequest.)
func DecodeFunctionGraph(payload []byte) (Event, error) {
	return detect(PlatformFunctionGraph, payload, functionGraphKinds, bodyFallback(PlatformFunctionGraph))
}

func decodeFunctionGraphTimer(payload []byte) (Event, error) {
	var e FunctionGraphTimerEvent
	if err := unmarshal(formatFunctionGraphTimer, "", payload, &e); err != nil {
		return Event{}, err
	}
	return timer{kind: KindFunctionGraphTimer, platform: PlatformFunctionGraph, format: formatFunctionGraphTimer,
		name: e.TriggerName, nameField: "trigger_name", when: e.Time, whenField: "time",
		text: e.UserEvent, textField: "user_event"}.event()
}
