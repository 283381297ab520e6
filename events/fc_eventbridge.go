package events

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/backupfn/backupfn/core"
)

// FCEventBridgeEvent is the payload of an Alibaba FC EventBridge trigger
// (Kafka, RocketMQ, MNS and other sources): a batch of CloudEvents. The
// platform sends each event as an object or as a JSON string holding one;
// both decode.
type FCEventBridgeEvent []CloudEvent

// KafkaData is the data of a CloudEvent from an EventBridge Kafka source.
type KafkaData struct {
	Topic     string          `json:"topic"`
	Partition int32           `json:"partition"`
	Offset    int64           `json:"offset"`
	Timestamp int64           `json:"timestamp,omitempty"` // Unix milliseconds
	Key       json.RawMessage `json:"key,omitempty"`
	Headers   json.RawMessage `json:"headers,omitempty"`
	// Value is the request body: a string (JSON or words) or a JSON object.
	Value json.RawMessage `json:"value"`
}

const formatFCEventBridge = "fc eventbridge event"

func decodeFCEventBridge(payload []byte) (Event, error) {
	var items []json.RawMessage
	if err := unmarshal(formatFCEventBridge, "", payload, &items); err != nil {
		return Event{}, err
	}
	if len(items) == 0 {
		return Event{}, &Error{Format: formatFCEventBridge, Msg: "empty batch: want at least one CloudEvent"}
	}
	ev := Event{Kind: KindFCEventBridge, Messages: make([]Message, len(items))}
	for i, raw := range items {
		ev.Messages[i] = fcEventBridgeMessage(i, raw)
	}
	return ev, nil
}

// fcEventBridgeMessage decodes event i of the batch.
func fcEventBridgeMessage(i int, raw json.RawMessage) Message {
	at := fmt.Sprintf("[%d]", i)
	o := origin{platform: PlatformFC, source: core.SourceQueue}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	e, err := parseCloudEvent(raw)
	if err != nil {
		return o.fail("", wrap(formatFCEventBridge, at, err))
	}
	var data map[string]json.RawMessage
	if json.Unmarshal(e.Data, &data) == nil && data["topic"] != nil {
		return kafkaMessage(e, o, at+".data")
	}
	return e.message(o, formatFCEventBridge, at+".")
}

// kafkaMessage decodes a Kafka record carried by a CloudEvent; its topic,
// partition and offset make the dedupe key.
func kafkaMessage(e CloudEvent, o origin, at string) Message {
	var d KafkaData
	if err := unmarshal(formatFCEventBridge, at+".", e.Data, &d); err != nil {
		return o.fail(e.ID, err)
	}
	id := kafkaID(d.Topic, d.Partition, d.Offset)
	o.key, o.requester = "fc-kafka:"+id, "kafka:"+d.Topic
	o.time, _ = e.when()
	if o.time.IsZero() && d.Timestamp > 0 {
		o.time = time.UnixMilli(d.Timestamp).UTC()
	}
	switch {
	case d.Topic == "":
		return o.fail(e.ID, fieldError(formatFCEventBridge, at+".topic", "missing: want the topic's name"))
	case d.Partition < 0 || d.Offset < 0:
		return o.fail(e.ID, fieldError(formatFCEventBridge, at, "want a partition and offset of 0 or more, got %d and %d", d.Partition, d.Offset))
	}
	var req Request
	var err error
	var text string
	switch {
	case json.Unmarshal(d.Value, &text) == nil && string(d.Value) != "null":
		req, err = parseText([]byte(text))
	case len(d.Value) > 0 && d.Value[0] == '{':
		req, err = DecodeRequest(d.Value)
	default:
		err = fmt.Errorf("want the request body, a string or a JSON object, got %s", snippet(d.Value))
	}
	return o.message(e.ID, formatFCEventBridge, at+".value", req, err)
}
