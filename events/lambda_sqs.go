package events

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/backupfn/backupfn/core"
)

// SQSEvent is the payload of an AWS Lambda SQS event source mapping: a
// batch of up to 10 (or, with a batching window, more) messages. Report
// the IDs of messages whose Message.Err is set, or whose backups failed
// retryably, as batchItemFailures.
type SQSEvent struct {
	Records []SQSMessage `json:"Records"`
}

// SQSMessage is one SQS message.
type SQSMessage struct {
	MessageID              string            `json:"messageId"`
	ReceiptHandle          string            `json:"receiptHandle"`
	Body                   string            `json:"body"` // the request body, JSON or words
	Attributes             map[string]string `json:"attributes"`
	MessageAttributes      json.RawMessage   `json:"messageAttributes,omitempty"`
	MD5OfBody              string            `json:"md5OfBody"`
	MD5OfMessageAttributes string            `json:"md5OfMessageAttributes,omitempty"`
	EventSource            string            `json:"eventSource"` // "aws:sqs"
	EventSourceARN         string            `json:"eventSourceARN"`
	AWSRegion              string            `json:"awsRegion"`
}

const formatSQS = "lambda sqs event"

func decodeLambdaSQS(payload []byte) (Event, error) {
	return eachRecord(KindLambdaSQS, formatSQS, payload, sqsMessage)
}

// sqsMessage decodes record i.
func sqsMessage(i int, raw json.RawMessage) Message {
	at := fmt.Sprintf("Records[%d]", i)
	o := origin{platform: PlatformLambda, source: core.SourceQueue}
	var m SQSMessage
	if err := unmarshal(formatSQS, at+".", raw, &m); err != nil {
		var id struct {
			MessageID string `json:"messageId"`
		}
		_ = json.Unmarshal(raw, &id) // keep the ID for batchItemFailures if it can be read
		return o.fail(id.MessageID, err)
	}
	o.requester = "sqs:" + m.EventSourceARN[strings.LastIndex(m.EventSourceARN, ":")+1:]
	o.key = "lambda-sqs:" + m.MessageID
	switch {
	case m.MessageID == "":
		return o.fail("", fieldError(formatSQS, at+".messageId", "missing: want the message ID"))
	case m.EventSource != "aws:sqs":
		return o.fail(m.MessageID, fieldError(formatSQS, at+".eventSource", `want "aws:sqs", got %s`, quote(m.EventSource)))
	}
	if sent := m.Attributes["SentTimestamp"]; sent != "" {
		ms, err := strconv.ParseInt(sent, 10, 64)
		if err != nil || ms < 0 {
			return o.fail(m.MessageID, fieldError(formatSQS, at+".attributes.SentTimestamp", "want integer milliseconds since 1970, got %s", quote(sent)))
		}
		o.time = time.UnixMilli(ms).UTC()
	}
	req, err := parseText([]byte(m.Body))
	return o.message(m.MessageID, formatSQS, at+".body", req, err)
}
