package events

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/backupfn/backupfn/core"
)

// CMQEvent is the payload of a Tencent SCF CMQ topic trigger.
type CMQEvent struct {
	Records []CMQRecord `json:"Records"`
}

// CMQRecord is one record of a CMQEvent.
type CMQRecord struct {
	CMQ CMQMessage `json:"CMQ"`
}

// CMQMessage is one CMQ topic message.
type CMQMessage struct {
	Type             string `json:"type"` // "topic"
	TopicOwner       int64  `json:"topicOwner"`
	TopicName        string `json:"topicName"`
	SubscriptionName string `json:"subscriptionName"`
	PublishTime      string `json:"publishTime"` // RFC 3339
	MsgID            string `json:"msgId"`
	RequestID        string `json:"requestId"`
	MsgBody          string `json:"msgBody"` // the request body, JSON or words
	// MsgTag is an array of strings in some payloads and a comma-separated
	// string in others: read it with Tags.
	MsgTag json.RawMessage `json:"msgTag,omitempty"`
}

const formatCMQ = "scf cmq topic event"

// Tags returns the message's tags, from either form of msgTag.
func (m CMQMessage) Tags() ([]string, error) {
	if len(m.MsgTag) == 0 || string(m.MsgTag) == "null" {
		return nil, nil
	}
	var list []string
	if json.Unmarshal(m.MsgTag, &list) == nil {
		return list, nil
	}
	var s string
	if json.Unmarshal(m.MsgTag, &s) != nil {
		return nil, fmt.Errorf("want an array of strings or a comma-separated string, got %s", snippet(m.MsgTag))
	}
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			list = append(list, t)
		}
	}
	return list, nil
}

func decodeSCFCMQ(payload []byte) (Event, error) {
	return eachRecord(KindSCFCMQ, formatCMQ, payload, cmqMessage)
}

// cmqMessage decodes record i.
func cmqMessage(i int, raw json.RawMessage) Message {
	at := fmt.Sprintf("Records[%d].CMQ", i)
	var r CMQRecord
	if err := unmarshal(formatCMQ, fmt.Sprintf("Records[%d].", i), raw, &r); err != nil {
		return origin{platform: PlatformSCF, source: core.SourceQueue}.fail("", err)
	}
	m := r.CMQ
	o := origin{platform: PlatformSCF, source: core.SourceQueue, requester: "cmq:" + m.TopicName,
		key: "scf-cmq:" + m.TopicName + ":" + m.MsgID}
	var err error
	switch {
	case m.MsgID == "":
		err = fieldError(formatCMQ, at+".msgId", "missing: want the message ID")
	case m.TopicName == "":
		err = fieldError(formatCMQ, at+".topicName", "missing: want the topic's name")
	}
	if err == nil && m.PublishTime != "" {
		if o.time, err = time.Parse(time.RFC3339, m.PublishTime); err != nil {
			err = fieldError(formatCMQ, at+".publishTime", "want RFC 3339 time, got %s", quote(m.PublishTime))
		}
	}
	if _, terr := m.Tags(); err == nil && terr != nil {
		err = &Error{Format: formatCMQ, Field: at + ".msgTag", Msg: terr.Error()}
	}
	if err != nil {
		return o.fail(m.MsgID, err)
	}
	req, err := parseText([]byte(m.MsgBody))
	return o.message(m.MsgID, formatCMQ, at+".msgBody", req, err)
}
