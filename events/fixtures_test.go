package events

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/backupfn/backupfn/core"
)

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// want is an expected Message: its ID and trigger, or an error.
type want struct {
	id   string
	trig core.Trigger
	err  string
}

// checkMessages compares messages with wants, times by Equal.
func checkMessages(t *testing.T, got []Message, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d messages, want %d: %+v", len(got), len(wants), got)
	}
	for i, w := range wants {
		m := got[i]
		if m.ID != w.id {
			t.Errorf("message %d: ID %q, want %q", i, m.ID, w.id)
		}
		if w.err != "" || m.Err != nil {
			if m.Err == nil || m.Err.Error() != w.err {
				t.Errorf("message %d: error %v\nwant %s", i, m.Err, w.err)
			}
			continue
		}
		g := m.Trigger
		if !g.Time.Equal(w.trig.Time) {
			t.Errorf("message %d: time %v, want %v", i, g.Time, w.trig.Time)
		}
		g.Time = w.trig.Time
		if !reflect.DeepEqual(g, w.trig) {
			t.Errorf("message %d:\n got %+v\nwant %+v", i, g, w.trig)
		}
	}
}

func strs(s ...string) []string { return s }

// The fixtures decode, through their platform's detection, to these triggers.
func TestDecodeFixtures(t *testing.T) {
	const scf, fc, lam, fg = PlatformSCF, PlatformFC, PlatformLambda, PlatformFunctionGraph
	const timer, queue = core.SourceTimer, core.SourceQueue
	tests := []struct {
		file   string
		decode func([]byte) (Event, error)
		kind   string
		msgs   []want
	}{
		{"scf-timer.json", DecodeSCF, KindSCFTimer, []want{{id: "EveryDay", trig: core.Trigger{Platform: scf, Source: timer,
			DedupeKey: "scf-timer:EveryDay:2019-02-21T11:49:00Z", Groups: strs("nightly"), Requester: "timer:EveryDay", Time: at("2019-02-21T11:49:00Z")}}}},
		{"scf-timer-body.json", DecodeSCF, KindSCFTimer, []want{{id: "weekly-redis", trig: core.Trigger{Platform: scf, Source: timer,
			DedupeKey: "scf-timer:weekly-redis:2024-03-02T18:00:00Z", Targets: strs("orders-redis", "tencent-redis://ap-guangzhou/crs-5a4py64p"),
			Remark: "weekly", Requester: "timer:weekly-redis", Time: at("2024-03-02T18:00:00Z")}}}},
		{"scf-cmq.json", DecodeSCF, KindSCFCMQ, []want{
			{id: "13510798882111490", trig: core.Trigger{Platform: scf, Source: queue, DedupeKey: "idem:deploy-4711",
				Groups: strs("nightly"), Requester: "cmq:backup-requests", Time: at("2019-08-16T10:48:49Z")}},
			{id: "13510798882111491", trig: core.Trigger{Platform: scf, Source: queue, DedupeKey: "scf-cmq:backup-requests:13510798882111491",
				Groups: strs("orders-redis", "sessions"), Requester: "cmq:backup-requests", Time: at("2019-08-16T10:49:02Z")}}}},
		{"scf-ckafka.json", DecodeSCF, KindSCFCKafka, []want{
			{id: "backup-requests/0/7", trig: core.Trigger{Platform: scf, Source: queue, DedupeKey: "scf-ckafka:backup-requests/0/7",
				Targets: strs("orders-redis"), Requester: "ckafka:backup-requests"}},
			{id: "backup-requests/2/1031", trig: core.Trigger{Platform: scf, Source: queue, DedupeKey: "scf-ckafka:backup-requests/2/1031",
				Groups: strs("nightly"), Requester: "ckafka:backup-requests"}}}},
		{"fc-timer.json", DecodeFC, KindFCTimer, []want{{id: "timer-trigger", trig: core.Trigger{Platform: fc, Source: timer,
			DedupeKey: "fc-timer:timer-trigger:2018-02-09T05:49:00Z", Groups: strs("nightly", "weekly"), Requester: "timer:timer-trigger",
			Time: at("2018-02-09T05:49:00Z")}}}},
		{"fc-mns.json", DecodeFC, KindFCMNS, []want{{id: "3405CA51807661353B3C2E7D5B8F1A2C", trig: core.Trigger{Platform: fc, Source: queue,
			DedupeKey: "fc-mns:backup-requests:3405CA51807661353B3C2E7D5B8F1A2C", Targets: strs("alibaba-redis://cn-hangzhou/r-bp1zxszhcgatnx7wzp"),
			Requester: "mns:backup-requests", Time: time.UnixMilli(1550216302888)}}}},
		{"fc-mns-stream.txt", DecodeFC, KindFCMNSStream, []want{{trig: core.Trigger{Platform: fc, Source: queue,
			Groups: strs("nightly", "weekly"), Requester: "mns"}}}},
		{"fc-mns.xml", DecodeFC, KindFCMNS, []want{{id: "6CC4D900CA59A2CD-1-15180534A8F-200000001", trig: core.Trigger{Platform: fc, Source: queue,
			DedupeKey: "fc-mns:backup-requests:6CC4D900CA59A2CD-1-15180534A8F-200000001", Groups: strs("nightly"),
			Requester: "mns:backup-requests", Time: time.UnixMilli(1449556920975)}}}},
		{"fc-mns-stream-attrs.json", DecodeFC, KindFCMNSStream, []want{{trig: core.Trigger{Platform: fc, Source: queue,
			Groups: strs("nightly"), Requester: "mns"}}}},
		{"fc-eventbridge-kafka.json", DecodeFC, KindFCEventBridge, []want{
			{id: "1cb591f9-987e-41d9-b974-0342e9acb90a", trig: core.Trigger{Platform: fc, Source: queue, DedupeKey: "fc-kafka:backup-requests/9/3",
				Groups: strs("nightly"), Requester: "kafka:backup-requests", Time: at("2022-08-01T09:32:56.797Z")}},
			{id: "6b3f0c1e-3d0a-4a8e-9d1c-5f2e1a0b9c8d", trig: core.Trigger{Platform: fc, Source: queue, DedupeKey: "fc-kafka:backup-requests/9/4",
				Targets: strs("orders-redis"), Requester: "kafka:backup-requests", Time: at("2022-08-01T09:32:57.001Z")}}}},
		{"fc-eventbridge-strings.json", DecodeFC, KindFCEventBridge, []want{
			{id: "1cb591f9-987e-41d9-b974-0342e9acb90b", trig: core.Trigger{Platform: fc, Source: queue, DedupeKey: "fc-kafka:backup-requests/9/5",
				Groups: strs("weekly"), Requester: "kafka:backup-requests", Time: at("2022-08-01T09:32:56.797Z")}}}},
		{"lambda-schedule.json", DecodeLambda, KindLambdaSchedule, []want{{id: "nightly", trig: core.Trigger{Platform: lam, Source: timer,
			DedupeKey: "lambda-schedule:nightly:2015-10-08T16:53:06Z", Groups: strs("nightly"), Requester: "timer:nightly", Time: at("2015-10-08T16:53:06Z")}}}},
		{"lambda-scheduler-input.json", DecodeLambda, KindWebhook, []want{{trig: core.Trigger{Platform: lam, Source: core.SourceHTTP,
			DedupeKey: "idem:nightly-2024-03-01T02:00:00Z", Groups: strs("nightly"), Requester: "invoke"}}}},
		{"lambda-eventbridge.json", DecodeLambda, KindLambdaEventBridge, []want{{id: "fe8d3c65-xmpl-c5c3-2c87-81584709a377", trig: core.Trigger{
			Platform: lam, Source: queue, DedupeKey: "idem:deploy-4711", Groups: strs("pre-deploy"), Requester: "eventbridge:com.example.deploy",
			Time: at("2024-03-01T09:15:00Z")}}}},
		{"lambda-sqs.json", DecodeLambda, KindLambdaSQS, []want{
			{id: "059f36b4-87a3-44ab-83d2-661975830a7d", trig: core.Trigger{Platform: lam, Source: queue, DedupeKey: "lambda-sqs:059f36b4-87a3-44ab-83d2-661975830a7d",
				Groups: strs("nightly"), Requester: "sqs:backup-requests", Time: time.UnixMilli(1545082649183)}},
			{id: "2e1424d4-f796-459a-8184-9c92662be6da", trig: core.Trigger{Platform: lam, Source: queue, DedupeKey: "lambda-sqs:2e1424d4-f796-459a-8184-9c92662be6da",
				Targets: strs("orders-redis", "sessions"), Requester: "sqs:backup-requests", Time: time.UnixMilli(1545082650636)}}}},
		{"functiongraph-timer.json", DecodeFunctionGraph, KindFunctionGraphTimer, []want{{id: "Timer_001", trig: core.Trigger{Platform: fg, Source: timer,
			DedupeKey: "functiongraph-timer:Timer_001:2018-06-01T00:30:00Z", Groups: strs("nightly"), Requester: "timer:Timer_001",
			Targets: strs("huawei-dcs://cn-north-4/dcs-7d2b9f1e?project_id=0123456789abcdef"), Time: at("2018-06-01T00:30:00Z")}}}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			ev, err := tc.decode(mustRead(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != tc.kind || ev.HTTP != nil || ev.Err() != nil {
				t.Fatalf("kind %q, HTTP %v, err %v; want kind %q", ev.Kind, ev.HTTP, ev.Err(), tc.kind)
			}
			checkMessages(t, ev.Messages, tc.msgs)
		})
	}
}

// A payload that is itself a request body decodes on every platform.
func TestDecodeDirectInvoke(t *testing.T) {
	body := mustRead(t, "webhook.json")
	for platform, decode := range map[string]func([]byte) (Event, error){
		PlatformSCF: DecodeSCF, PlatformFC: DecodeFC, PlatformLambda: DecodeLambda, PlatformFunctionGraph: DecodeFunctionGraph,
	} {
		ev, err := decode(body)
		if err != nil || ev.Kind != KindWebhook {
			t.Fatalf("%s: kind %q, err %v", platform, ev.Kind, err)
		}
		checkMessages(t, ev.Messages, []want{{trig: core.Trigger{Platform: platform, Source: core.SourceHTTP,
			DedupeKey: "idem:change-2024-0042", Requester: "invoke", Remark: "before the migration", Groups: strs("nightly"),
			Targets: strs("orders-redis", "tencent-redis://ap-guangzhou/crs-5a4py64p?remark=manual")}}})
	}
}

func TestSCFTimerTypeCaseInsensitive(t *testing.T) {
	ev, err := DecodeSCF([]byte(`{"Type":"timer","TriggerName":"EveryDay","Time":"2019-02-21T11:49:00Z","Message":"nightly"}`))
	if err != nil || ev.Kind != KindSCFTimer || len(ev.Messages) != 1 || ev.Messages[0].Trigger.Groups[0] != "nightly" {
		t.Fatalf("lower-case timer type: %+v, %v", ev, err)
	}
}
