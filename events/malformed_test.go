package events

import (
	"strings"
	"testing"

	"github.com/backupfn/backupfn/errkind"
)

// Each source's malformed input gets an error that names the expected
// format and what was wrong: the payload's (returned) or a record's
// (Message.Err).
func TestMalformed(t *testing.T) {
	tests := []struct {
		name   string
		decode func([]byte) (Event, error)
		in     string
		err    string
	}{
		{"scf timer time", DecodeSCF, `{"Type":"Timer","TriggerName":"EveryDay","Time":"yesterday","Message":"nightly"}`,
			`scf timer event: field "Time": want RFC 3339 time, got "yesterday"`},
		{"scf timer name", DecodeSCF, `{"Type":"Timer","Time":"2019-02-21T11:49:00Z","Message":"nightly"}`,
			`scf timer event: field "TriggerName": missing: want the timer's name`},
		{"scf timer message", DecodeSCF, `{"Type":"Timer","TriggerName":"t","Time":"2019-02-21T11:49:00Z","Message":"{\"target\":[\"a\"]}"}`,
			`scf timer event: field "Message": request body: field "target": unknown field (known: targets, groups, remark, idempotency_key)`},
		{"scf cmq type", DecodeSCF, `{"Records":[{"CMQ":{"topicOwner":"120","msgId":"1","topicName":"t","msgBody":"a"}}]}`,
			`scf cmq topic event: field "Records[0].CMQ.topicOwner": want an integer, got a JSON string`},
		{"scf cmq tag", DecodeSCF, `{"Records":[{"CMQ":{"msgId":"1","topicName":"t","msgBody":"a","msgTag":5}}]}`,
			`scf cmq topic event: field "Records[0].CMQ.msgTag": want an array of strings or a comma-separated string, got 5`},
		{"scf cmq time", DecodeSCF, `{"Records":[{"CMQ":{"msgId":"1","topicName":"t","msgBody":"a","publishTime":"now"}}]}`,
			`scf cmq topic event: field "Records[0].CMQ.publishTime": want RFC 3339 time, got "now"`},
		{"scf cmq id", DecodeSCF, `{"Records":[{"CMQ":{"topicName":"t","msgBody":"a"}}]}`,
			`scf cmq topic event: field "Records[0].CMQ.msgId": missing: want the message ID`},
		{"scf cmq empty", decodeSCFCMQ, `{"Records":[]}`, `scf cmq topic event: field "Records": no records`},
		{"scf ckafka partition", DecodeSCF, `{"Records":[{"Ckafka":{"topic":"t","partition":"0","offset":1,"msgBody":"a"}}]}`,
			`scf ckafka event: field "Records[0].Ckafka.partition": want an integer, got a JSON string`},
		{"scf ckafka body", DecodeSCF, `{"Records":[{"Ckafka":{"topic":"t","partition":0,"offset":1,"msgBody":""}}]}`,
			`scf ckafka event: field "Records[0].Ckafka.msgBody": request text: empty: want a JSON request body or group names`},
		{"scf apigw base64", DecodeSCF, `{"requestContext":{},"httpMethod":"POST","isBase64Encoded":true,"body":"e30=!"}`,
			`scf api gateway event: field "body": isBase64Encoded is true but the body is not base64 (bad byte at 4)`},
		{"scf apigw query", DecodeSCF, `{"requestContext":{},"httpMethod":"POST","queryString":{"n":5}}`,
			`scf api gateway event: field "queryString.n": want a string or an array of strings, got 5`},
		{"scf apigw headers", DecodeSCF, `{"requestContext":{},"httpMethod":"POST","headers":[]}`,
			`scf api gateway event: field "headers": want an object, got a JSON array`},
		{"fc timer time", DecodeFC, `{"triggerTime":"2018-02-09 05:49","triggerName":"t","payload":"a"}`,
			`fc timer event: field "triggerTime": want RFC 3339 time, got "2018-02-09 05:49"`},
		{"fc mns time", DecodeFC, `{"TopicOwner":"1","MessageId":"m","TopicName":"t","Message":"a","PublishTime":"2019-02-15T07:38:22Z"}`,
			`fc mns topic event: field "PublishTime": want integer milliseconds since 1970, got a JSON string`},
		{"fc mns id", DecodeFC, `{"TopicOwner":"1","MessageId":"","TopicName":"t","Message":"a"}`,
			`fc mns topic event: field "MessageId": missing: want the message ID`},
		{"fc mns stream", DecodeFC, `nightly ly!`,
			`fc mns topic message (STREAM format): request text: field "groups[1]": "ly!" is not a name: want letters, digits, '-', '_' or '.', starting with a letter or digit`},
		{"fc http method", DecodeFC, `{"version":"v1","rawPath":"/v1/backups","requestContext":{"http":{}}}`,
			`fc http trigger event: field "requestContext.http.method": missing: want the request's method`},
		{"fc http header", DecodeFC, `{"version":"v1","rawPath":"/","headers":{"X-A":{}},"requestContext":{"http":{"method":"GET"}}}`,
			`fc http trigger event: field "headers.X-A": want a string or an array of strings, got {}`},
		{"fc eventbridge specversion", DecodeFC, `[{"id":"1","source":"s","type":"t","data":"a"}]`,
			`fc eventbridge event: field "[0]": cloudevent: field "specversion": want "1.0", got ""`},
		{"fc eventbridge kafka value", DecodeFC, `[{"specversion":"1.0","id":"1","source":"s","type":"t","data":{"topic":"k","partition":1,"offset":2}}]`,
			`fc eventbridge event: field "[0].data.value": want the request body, a string or a JSON object, got nothing`},
		{"fc eventbridge kafka offset", DecodeFC, `[{"specversion":"1.0","id":"1","source":"s","type":"t","data":{"topic":"k","offset":"2","value":"a"}}]`,
			`fc eventbridge event: field "[0].data.offset": want an integer, got a JSON string`},
		{"fc eventbridge empty", DecodeFC, `[]`, `fc eventbridge event: empty batch: want at least one CloudEvent`},
		{"lambda schedule time", DecodeLambda, `{"detail-type":"Scheduled Event","time":"2015-10-08","resources":["arn:aws:events:us-east-1:1:rule/r"],"detail":{}}`,
			`lambda eventbridge event: field "time": want RFC 3339 time, got "2015-10-08"`},
		{"lambda schedule rule", DecodeLambda, `{"detail-type":"Scheduled Event","time":"2015-10-08T16:53:06Z","detail":{}}`,
			`lambda eventbridge event: field "resources": missing: want the timer's name`},
		{"lambda eventbridge detail", DecodeLambda, `{"detail-type":"X","id":"1","detail":{}}`,
			`lambda eventbridge event: field "detail": request body: nothing to back up: want at least one target or group`},
		{"lambda sqs source", DecodeLambda, `{"Records":[{"messageId":"1","body":"a","eventSource":"aws:sqs"},{"messageId":"2","body":"a","eventSource":"aws:sns"}]}`,
			`lambda sqs event: field "Records[1].eventSource": want "aws:sqs", got "aws:sns"`},
		{"lambda sqs sent", DecodeLambda, `{"Records":[{"messageId":"1","body":"a","eventSource":"aws:sqs","attributes":{"SentTimestamp":"soon"}}]}`,
			`lambda sqs event: field "Records[0].attributes.SentTimestamp": want integer milliseconds since 1970, got "soon"`},
		{"lambda sqs body", DecodeLambda, `{"Records":[{"messageId":"1","body":"{\"groups\":[1]}","eventSource":"aws:sqs"}]}`,
			`lambda sqs event: field "Records[0].body": request body: field "groups": want an array of strings, got [1]`},
		{"lambda http query", DecodeLambda, `{"version":"2.0","rawPath":"/","rawQueryString":"a=%zz","requestContext":{"http":{"method":"GET"}}}`,
			`lambda http event: field "rawQueryString": bad query string: invalid URL escape "%zz"`},
		{"lambda http timeEpoch", DecodeLambda, `{"version":"2.0","rawPath":"/","requestContext":{"timeEpoch":"x","http":{"method":"GET"}}}`,
			`lambda http event: field "requestContext.timeEpoch": want an integer, got a JSON string`},
		{"functiongraph timer time", DecodeFunctionGraph, `{"trigger_type":"TIMER","trigger_name":"t","time":"08:30","user_event":"a"}`,
			`functiongraph timer event: field "time": want RFC 3339 time, got "08:30"`},
		{"webhook field", DecodeLambda, `{"groups":["a"],"remarks":"x"}`,
			`webhook body: request body: field "remarks": unknown field (known: targets, groups, remark, idempotency_key)`},
		{"scf unrecognised", DecodeSCF, `{"foo":1}`, `scf payload: unrecognised JSON; tried scf-timer (Type "Timer"), scf-cmq (Records[0].CMQ), ` +
			`scf-ckafka (Records[0].Ckafka), scf-apigw (requestContext and httpMethod), webhook (a request body with targets or groups)`},
		{"lambda not json", DecodeLambda, `nightly`, `lambda payload: not JSON (invalid character 'i' in literal null (expecting 'u')); tried ` +
			`lambda-schedule/lambda-eventbridge (detail-type), lambda-sqs (Records[0].eventSource "aws:sqs"), lambda-http (version "2.0" and rawPath), ` +
			`webhook (a request body with targets or groups)`},
		{"functiongraph empty", DecodeFunctionGraph, ``, `functiongraph payload: not JSON (unexpected end of JSON input); tried ` +
			`functiongraph-timer (trigger_type "TIMER"), webhook (a request body with targets or groups)`},
		{"fc too large", DecodeFC, `"` + strings.Repeat("x", MaxPayloadSize) + `"`, `fc payload: 6291458 bytes: the limit is 6291456`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := tc.decode([]byte(tc.in))
			if err == nil {
				err = ev.Err()
			}
			if err == nil || err.Error() != tc.err {
				t.Fatalf("got  %v\nwant %s", err, tc.err)
			}
			if errkind.KindOf(err) != errkind.InvalidArgument {
				t.Errorf("kind %v", errkind.KindOf(err))
			}
		})
	}
}

// One bad record does not lose the others, and keeps its ID for the
// platform's partial-failure report.
func TestBatchPartialFailure(t *testing.T) {
	ev, err := DecodeLambda([]byte(`{"Records":[
		{"messageId":"a","body":"nightly","eventSource":"aws:sqs"},
		{"messageId":"b","body":"{\"group\":[\"x\"]}","eventSource":"aws:sqs"},
		{"messageId":"c","body":"weekly","eventSource":"aws:sqs","md5OfBody":7}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ev.Messages {
		if m.Err != nil {
			ids = append(ids, m.ID)
		}
	}
	if len(ev.Messages) != 3 || ev.Messages[0].Err != nil || strings.Join(ids, ",") != "b,c" {
		t.Fatalf("messages %+v", ev.Messages)
	}
	if got := ev.Messages[2].Err.Error(); got != `lambda sqs event: field "Records[2].md5OfBody": want a string, got a JSON number` {
		t.Errorf("record 2: %s", got)
	}
}
