package events

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Every struct format round-trips: unmarshal the fixture, marshal it back,
// and get the same JSON (compared as values, not bytes).
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		file string
		v    any
	}{
		{"scf-timer.json", new(SCFTimerEvent)},
		{"scf-timer-body.json", new(SCFTimerEvent)},
		{"scf-cmq.json", new(CMQEvent)},
		{"scf-ckafka.json", new(CKafkaEvent)},
		{"scf-apigw.json", new(SCFAPIGatewayEvent)},
		{"scf-apigw-slack.json", new(SCFAPIGatewayEvent)},
		{"fc-timer.json", new(FCTimerEvent)},
		{"fc-mns.json", new(MNSTopicEvent)},
		{"fc-http.json", new(FCHTTPTriggerEvent)},
		{"fc-eventbridge-kafka.json", new(FCEventBridgeEvent)},
		{"lambda-schedule.json", new(EventBridgeEvent)},
		{"lambda-scheduler-input.json", new(Request)},
		{"lambda-eventbridge.json", new(EventBridgeEvent)},
		{"lambda-sqs.json", new(SQSEvent)},
		{"lambda-http.json", new(LambdaHTTPEvent)},
		{"lambda-url-slack.json", new(LambdaHTTPEvent)},
		{"functiongraph-timer.json", new(FunctionGraphTimerEvent)},
		{"webhook.json", new(Request)},
		{"cloudevent.json", new(CloudEvent)},
		{"cloudevent-batch.json", new([]CloudEvent)},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			in := mustRead(t, tc.file)
			if err := json.Unmarshal(in, tc.v); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			assertJSONEqual(t, in, out)
		})
	}
}

func assertJSONEqual(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("JSON differs\nwant %s\n got %s", want, got)
	}
}

// The response shapes marshal with each gateway's fields, in its order.
func TestHTTPResponse(t *testing.T) {
	tests := []struct {
		kind, ct string
		body     []byte
		want     string
	}{
		{KindSCFAPIGateway, "application/json", []byte(`{"ok":true}`),
			`{"isBase64Encoded":false,"statusCode":202,"headers":{"Content-Type":"application/json"},"body":"{\"ok\":true}"}`},
		{KindFCHTTP, "application/json", []byte(`{"ok":true}`),
			`{"statusCode":202,"headers":{"Content-Type":"application/json"},"isBase64Encoded":false,"body":"{\"ok\":true}"}`},
		{KindLambdaHTTP, "application/json", []byte(`{"ok":true}`),
			`{"statusCode":202,"headers":{"Content-Type":"application/json"},"body":"{\"ok\":true}","isBase64Encoded":false}`},
		{KindLambdaHTTP, "application/octet-stream", []byte{0xff, 0x00},
			`{"statusCode":202,"headers":{"Content-Type":"application/octet-stream"},"body":"/wA=","isBase64Encoded":true}`},
		{KindFCHTTP, "text/plain; charset=utf-8", []byte{0xff},
			`{"statusCode":202,"headers":{"Content-Type":"text/plain; charset=utf-8"},"isBase64Encoded":true,"body":"/w=="}`},
	}
	for _, tc := range tests {
		got, err := HTTPResponse(tc.kind, 202, tc.body, tc.ct)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s %s:\n got %s, %v\nwant %s", tc.kind, tc.ct, got, err, tc.want)
		}
	}
	if _, err := HTTPResponse(KindSCFTimer, 200, nil, ""); err == nil || err.Error() !=
		`http response: kind "scf-timer" has no gateway response (want scf-apigw, fc-http or lambda-http)` {
		t.Errorf("timer kind: %v", err)
	}
	if _, err := HTTPResponse(KindFCHTTP, 1000, nil, ""); err == nil {
		t.Error("status 1000: no error")
	}
}
