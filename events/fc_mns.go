package events

import (
	"errors"
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
	formatFCMNSStream = "fc mns topic message (STREAM format)"
)

func decodeFCMNS(payload []byte) (Event, error) {
	var e MNSTopicEvent
	if err := unmarshal(formatFCMNS, "", payload, &e); err != nil {
		var de *Error
		if errors.As(err, &de) && de.Field == "PublishTime" {
			de.Msg = strings.Replace(de.Msg, "want an integer", "want integer milliseconds since 1970", 1)
		}
		return Event{}, err
	}
	switch {
	case e.MessageID == "":
		return Event{}, fieldError(formatFCMNS, "MessageId", "missing: want the message ID")
	case e.TopicName == "":
		return Event{}, fieldError(formatFCMNS, "TopicName", "missing: want the topic's name")
	case e.PublishTime < 0:
		return Event{}, fieldError(formatFCMNS, "PublishTime", "want integer milliseconds since 1970, got %d", e.PublishTime)
	}
	o := origin{platform: PlatformFC, source: core.SourceQueue, requester: "mns:" + e.TopicName,
		key: "fc-mns:" + e.TopicName + ":" + e.MessageID}
	if e.PublishTime > 0 {
		o.time = time.UnixMilli(e.PublishTime).UTC()
	}
	req, err := parseText([]byte(e.Message))
	return Event{Kind: KindFCMNS, Messages: []Message{o.message(e.MessageID, formatFCMNS, "Message", req, err)}}, nil
}

// decodeFCMNSStream reads an MNS message in STREAM format: the raw body,
// with no message ID, so no dedupe key unless the body names one.
func decodeFCMNSStream(payload []byte) Event {
	o := origin{platform: PlatformFC, source: core.SourceQueue, requester: "mns"}
	req, err := parseText(payload)
	return Event{Kind: KindFCMNSStream, Messages: []Message{o.message("", formatFCMNSStream, "", req, err)}}
}
