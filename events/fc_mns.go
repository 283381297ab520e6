package events

import (
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/backupfn/backupfn/core"
)

// MNSTopicEvent is the payload of an Alibaba FC MNS topic trigger in JSON
// format. (In STREAM format the payload is the raw message body.)
type MNSTopicEvent struct {
	TopicOwner string `json:"TopicOwner"`
	Message    string `json:"Message"` // the request body, JSON or words
	Subscriber string `json:"Subscriber"`
	// PublishTime is in Unix milliseconds: the platform sends an integer,
	// though fc-runtime-go-sdk's events.MnsTopicEvent declares a time.Time.
	PublishTime      int64  `json:"PublishTime"`
	SubscriptionName string `json:"SubscriptionName"`
	MessageMD5       string `json:"MessageMD5"`
	TopicName        string `json:"TopicName"`
	MessageID        string `json:"MessageId"`
	MessageTag       string `json:"MessageTag,omitempty"`
}

const (
	formatFCMNS       = "fc mns topic event"
	formatFCMNSXML    = "fc mns topic notification (XML format)"
	formatFCMNSStream = "fc mns topic message (STREAM format)"
)

// mnsXMLNotification is an MNS topic notification in XML format, as MNS
// documents it (NotifyContentFormat: XML, for HTTP and queue endpoints).
// FC's own trigger offers JSON and STREAM only (FC3 MNSTopicTriggerConfig),
// so on FC it arrives when the published message body is itself such a
// notification, e.g. one forwarded from a queue endpoint.
type mnsXMLNotification struct {
	XMLName          xml.Name `xml:"Notification"`
	TopicOwner       string   `xml:"TopicOwner"`
	TopicName        string   `xml:"TopicName"`
	Subscriber       string   `xml:"Subscriber"`
	SubscriptionName string   `xml:"SubscriptionName"`
	MessageID        string   `xml:"MessageId"`
	Message          string   `xml:"Message"`
	MessageMD5       string   `xml:"MessageMD5"`
	MessageTag       string   `xml:"MessageTag"`
	PublishTime      string   `xml:"PublishTime"`
}

// mnsStreamWithAttributes is a STREAM-format message published with
// MessageAttributes: FC wraps the body as {"body": ..., "attrs": {...}}.
type mnsStreamWithAttributes struct {
	Body  string            `json:"body"`
	Attrs map[string]string `json:"attrs"`
}

func decodeFCMNS(payload []byte) (Event, error) {
	var e MNSTopicEvent
	if err := unmarshal(formatFCMNS, "", payload, &e); err != nil {
		var de *Error
		if errors.As(err, &de) && de.Field == "PublishTime" {
			de.Msg = strings.Replace(de.Msg, "want an integer", "want integer milliseconds since 1970", 1)
		}
		return Event{}, err
	}
	return mnsEvent(formatFCMNS, e)
}

// mnsEvent checks a JSON or XML notification and reads its message.
func mnsEvent(format string, e MNSTopicEvent) (Event, error) {
	switch {
	case e.MessageID == "":
		return Event{}, fieldError(format, "MessageId", "missing: want the message ID")
	case e.TopicName == "":
		return Event{}, fieldError(format, "TopicName", "missing: want the topic's name")
	case e.PublishTime < 0:
		return Event{}, fieldError(format, "PublishTime", "want integer milliseconds since 1970, got %d", e.PublishTime)
	}
	o := origin{platform: PlatformFC, source: core.SourceQueue, requester: "mns:" + e.TopicName,
		key: "fc-mns:" + e.TopicName + ":" + e.MessageID}
	if e.PublishTime > 0 {
		o.time = time.UnixMilli(e.PublishTime).UTC()
	}
	req, err := parseText([]byte(e.Message))
	return Event{Kind: KindFCMNS, Messages: []Message{o.message(e.MessageID, format, "Message", req, err)}}, nil
}

// isMNSXML reports whether a non-JSON payload is an XML notification.
func isMNSXML(payload []byte) bool {
	t := strings.TrimSpace(string(payload))
	return strings.HasPrefix(t, "<") && strings.Contains(t, "<Notification")
}

func decodeFCMNSXML(payload []byte) (Event, error) {
	var n mnsXMLNotification
	if err := xml.Unmarshal(payload, &n); err != nil {
		return Event{}, &Error{Format: formatFCMNSXML, Msg: "not XML: " + err.Error()}
	}
	e := MNSTopicEvent{TopicOwner: n.TopicOwner, Message: n.Message, Subscriber: n.Subscriber,
		SubscriptionName: n.SubscriptionName, MessageMD5: n.MessageMD5, TopicName: n.TopicName,
		MessageID: n.MessageID, MessageTag: n.MessageTag}
	if t := strings.TrimSpace(n.PublishTime); t != "" {
		ms, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return Event{}, fieldError(formatFCMNSXML, "PublishTime", "want integer milliseconds since 1970, got %s", quote(t))
		}
		e.PublishTime = ms
	}
	return mnsEvent(formatFCMNSXML, e)
}

// decodeFCMNSStreamAttrs reads a STREAM message published with attributes.
func decodeFCMNSStreamAttrs(payload []byte) (Event, error) {
	var m mnsStreamWithAttributes
	if err := unmarshal(formatFCMNSStream, "", payload, &m); err != nil {
		return Event{}, err
	}
	return decodeFCMNSStream([]byte(m.Body)), nil
}

// decodeFCMNSStream reads an MNS message in STREAM format: the raw body,
// with no message ID, so no dedupe key unless the body names one.
func decodeFCMNSStream(payload []byte) Event {
	o := origin{platform: PlatformFC, source: core.SourceQueue, requester: "mns"}
	req, err := parseText(payload)
	return Event{Kind: KindFCMNSStream, Messages: []Message{o.message("", formatFCMNSStream, "", req, err)}}
}
