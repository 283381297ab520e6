package functest

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/handler"
)

// fcFunction is the FC runtime API a go1 function polls.
type fcFunction struct {
	api *runtimeAPI
	cl  *cloud
}

// startFC starts the FC function with no ALIBABA_CLOUD_* variables: the
// Alibaba credentials come only from the invocation headers (fccontext).
func startFC(t *testing.T, c *cloud) *fcFunction {
	t.Helper()
	api := newRuntimeAPI(t, "/2020-11-11/runtime/invocation/", http.StatusOK)
	startChild(t, "fc", bins["fc"], c.env(t, []string{"ALIBABA_CLOUD_"}, "FC_RUNTIME_API="+api.addr))
	return &fcFunction{api: api, cl: c}
}

// invoke runs one invocation with the function role's temporary
// credentials in the headers, as FC sends them (creds false: none).
func (f *fcFunction) invoke(t *testing.T, payload []byte, creds bool) apiResult {
	t.Helper()
	id, h := f.header(creds)
	return f.api.invoke(t, id, h, payload)
}

// alibabaTimer is an FC timer event backing up the alibaba group.
func alibabaTimer(t *testing.T) []byte {
	return mustJSON(t, map[string]string{
		"triggerTime": time.Now().UTC().Format(time.RFC3339), "triggerName": newID("timer"), "payload": "alibaba",
	})
}

// checkRefused checks that the one Alibaba target failed Unauthenticated and
// started nothing.
func checkRefused(t *testing.T, c *cloud, n int, res apiResult) {
	t.Helper()
	rep := decodeReport(t, "timer", res.ok(t, "timer"))
	if len(rep.Results) != 1 || rep.Results[0].Status != core.StatusFailed || rep.Results[0].Error == nil ||
		rep.Results[0].Error.Kind != errkind.Unauthenticated {
		t.Errorf("want one failed Unauthenticated result, got %s", res.body)
	}
	if got := c.since(n); len(got) != 0 {
		t.Errorf("started %d backups", len(got))
	}
}

func (f *fcFunction) header(creds bool) (string, http.Header) {
	id := newID("fc-req")
	h := http.Header{}
	h.Set("x-fc-request-id", id)
	h.Set("x-fc-function-deadline", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
	h.Set("x-fc-function-timeout", "60")
	h.Set("x-fc-function-name", "backupfn")
	h.Set("x-fc-function-handler", "main")
	h.Set("x-fc-function-memory", "128")
	h.Set("x-fc-service-name", "backupfn")
	h.Set("x-fc-region", "cn-hangzhou")
	h.Set("x-fc-account-id", "1234567890123456")
	if creds {
		a := f.cl.emu.Credentials("alibaba")
		h.Set("x-fc-access-key-id", a.ID)
		h.Set("x-fc-access-key-secret", a.Secret)
		h.Set("x-fc-security-token", a.Token)
	}
	return id, h
}

func fcHTTP(t *testing.T, headers map[string]string, body []byte) []byte {
	return mustJSON(t, map[string]any{
		"version": "v1", "rawPath": "/v1/backups", "body": string(body), "isBase64Encoded": false,
		"headers": headers, "queryParameters": map[string]any{},
		"requestContext": map[string]any{
			"accountId": "1234567890123456", "domainName": "backupfn-abcdefgh.cn-hangzhou.fcapp.run",
			"domainPrefix": "backupfn-abcdefgh", "requestId": newID("fc-http"),
			"http": map[string]any{"method": "POST", "path": "/v1/backups", "protocol": "HTTP/1.1",
				"sourceIp": "198.51.100.7", "userAgent": "functest"},
			"time": time.Now().UTC().Format(time.RFC3339), "timeEpoch": strconv.FormatInt(time.Now().UnixMilli(), 10),
		},
	})
}

func fcMNS(t *testing.T, msgID, message string) []byte {
	return mustJSON(t, map[string]any{
		"TopicOwner": "1938858730552836", "Message": message, "Subscriber": "1938858730552836",
		"PublishTime": time.Now().UnixMilli(), "SubscriptionName": "backupfn",
		"MessageMD5": "652BF0E6297840015247C3B4E1C2D1A9", "TopicName": "backup-requests", "MessageId": msgID,
	})
}

func TestFC(t *testing.T) {
	t.Parallel()
	// The role's credentials are temporary: the emulator insists on the STS token.
	c := newCloud(t, cloudemu.Options{Alibaba: cloudemu.Credentials{
		ID: cloudemu.DefaultAlibaba.ID, Secret: cloudemu.DefaultAlibaba.Secret, Token: alibabaToken}})
	f := startFC(t, c)

	t.Run("timer", func(t *testing.T) {
		n := c.count()
		ev := mustJSON(t, map[string]string{
			"triggerTime": time.Now().UTC().Format(time.RFC3339), "triggerName": "timer-trigger", "payload": "nightly",
		})
		rep := decodeReport(t, "timer", f.invoke(t, ev, true).ok(t, "timer"))
		checkStarted(t, rep.Results, c.since(n), 4)
		if got := instances(c.since(n)); !slices.Equal(got, nightlyInstances) {
			t.Errorf("backed up %v, want %v", got, nightlyInstances)
		}
	})

	t.Run("mns json", func(t *testing.T) {
		n := c.count()
		rep := decodeReport(t, "mns", f.invoke(t, fcMNS(t, newID("mns"), `{"groups":["nightly"]}`), true).ok(t, "mns"))
		checkStarted(t, rep.Results, c.since(n), 4)
	})

	// The MNS formats, each through fc-runtime-go-sdk's own invoke loop
	// (fc.Start in the child): the SDK hands the raw bytes to the []byte
	// handler, so a payload that is not JSON reaches backupfn.
	for _, tc := range []struct{ name, payload string }{
		// STREAM, the trigger's default format: the message body itself
		// (FC "MNS topic trigger" event format; FC3 MNSTopicTriggerConfig).
		{"mns stream text", "nightly"},
		// STREAM with MessageAttributes: {"body", "attrs"} (same FC page).
		{"mns stream with attributes", `{"body":"nightly","attrs":{"Extend":"{\"key\":\"value\"}"}}`},
		// XML: MNS's NotifyContentFormat XML notification (MNS docs, NotifyContentFormat).
		{"mns xml", `<?xml version="1.0" encoding="utf-8"?><Notification xmlns="http://mns.aliyuncs.com/doc/v1/">` +
			`<TopicOwner>1938858730552836</TopicOwner><TopicName>backup-requests</TopicName>` +
			`<Subscriber>1938858730552836</Subscriber><SubscriptionName>backupfn</SubscriptionName>` +
			`<MessageId>` + newID("MNSXML") + `</MessageId><Message>nightly</Message>` +
			`<MessageMD5>F1E92841751D795AB325861034B50001</MessageMD5><PublishTime>1449556920975</PublishTime></Notification>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := c.count()
			rep := decodeReport(t, tc.name, f.invoke(t, []byte(tc.payload), true).ok(t, tc.name))
			checkStarted(t, rep.Results, c.since(n), 4)
			if got := instances(c.since(n)); !slices.Equal(got, nightlyInstances) {
				t.Errorf("backed up %v, want %v", got, nightlyInstances)
			}
		})
	}

	t.Run("eventbridge kafka", func(t *testing.T) {
		// A batch of CloudEvents as EventBridge delivers Kafka messages to
		// FC (shape: events/testdata/fc-eventbridge-kafka.json).
		n := c.count()
		offset := time.Now().UnixNano()
		ev := mustJSON(t, []map[string]any{{
			"data": map[string]any{"topic": "backup-requests", "partition": 0, "offset": offset,
				"timestamp": time.Now().UnixMilli(), "headers": map[string]any{"headers": []any{}, "isReadOnly": false},
				"value": `{"groups":["nightly"]}`},
			"id": newID("ce"), "source": "acs:alikafka", "specversion": "1.0", "type": "alikafka:Topic:Message",
			"datacontenttype": "application/json; charset=utf-8", "time": time.Now().UTC().Format(time.RFC3339Nano),
			"subject": "acs:alikafka:alikafka_pre-cn-7pp2t2jwj001:topic:backup-requests", "aliyunaccountid": "1938858730552836",
		}})
		rep := decodeReport(t, "eventbridge", f.invoke(t, ev, true).ok(t, "eventbridge"))
		checkStarted(t, rep.Results, c.since(n), 4)
	})

	t.Run("mns delivered twice at once", func(t *testing.T) {
		// FC runs invocations concurrently: two deliveries of one message
		// start each backup once; the other delivery replays it.
		n := c.count()
		ev := fcMNS(t, newID("mns"), `{"groups":["nightly"]}`)
		var res [2]apiResult
		var errs [2]error
		var wg sync.WaitGroup
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id, h := f.header(true)
				res[i], errs[i] = f.api.tryInvoke(id, h, ev)
			}()
		}
		wg.Wait()
		var reps [2]invokeResult
		for i := range res {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			reps[i] = decodeReport(t, "mns", res[i].ok(t, "mns"))
		}
		got := c.since(n)
		if inst := instances(got); !slices.Equal(inst, nightlyInstances) {
			t.Errorf("two deliveries backed up %v, want each of %v once", inst, nightlyInstances)
		}
		byTarget := map[string][]core.Result{}
		for _, rep := range reps {
			for _, r := range rep.Results {
				byTarget[r.Target] = append(byTarget[r.Target], r)
			}
		}
		for target, rs := range byTarget {
			if len(rs) != 2 {
				t.Errorf("%s: %d results over two deliveries, want 2", target, len(rs))
				continue
			}
			st := []core.Status{rs[0].Status, rs[1].Status}
			slices.Sort(st)
			if !slices.Equal(st, []core.Status{core.StatusAlreadyStarted, core.StatusStarted}) {
				t.Errorf("%s: statuses %v, want one started and one already-started", target, st)
			}
			if !slices.Equal(rs[0].TaskIDs, rs[1].TaskIDs) {
				t.Errorf("%s: task IDs %v and %v, want the same backup", target, rs[0].TaskIDs, rs[1].TaskIDs)
			}
		}
	})

	t.Run("http trigger signed", func(t *testing.T) {
		n := c.count()
		body := []byte(`{"groups":["nightly"]}`)
		ev := fcHTTP(t, map[string]string{
			"Content-Type":         "application/json",
			"X-Backupfn-Signature": handler.Sign([]byte(webhookSecret), signTime(), body),
		}, body)
		resp := decodeGateway(t, "http trigger", f.invoke(t, ev, true).ok(t, "http trigger"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("statusCode %d, want 200: %s", resp.StatusCode, resp.Body)
		}
		checkStarted(t, decodeReport(t, "http trigger body", []byte(resp.Body)).Results, c.since(n), 4)
	})

	t.Run("http trigger unsigned", func(t *testing.T) {
		n := c.count()
		body := []byte(`{"groups":["nightly"]}`)
		ev := fcHTTP(t, map[string]string{"Content-Type": "application/json"}, body)
		resp := decodeGateway(t, "http trigger", f.invoke(t, ev, true).ok(t, "http trigger"))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("statusCode %d, want 401: %s", resp.StatusCode, resp.Body)
		}
		if got := c.since(n); len(got) != 0 {
			t.Errorf("an unsigned request started %d backups", len(got))
		}
	})

	t.Run("no context credentials", func(t *testing.T) {
		// Control: without the invocation's credentials the Alibaba target
		// has none (ALIBABA_CLOUD_* is not in the environment), so it is the
		// context credentials that made the other subtests work.
		n := c.count()
		checkRefused(t, c, n, f.invoke(t, alibabaTimer(t), false))
	})

	t.Run("refused context credentials", func(t *testing.T) {
		// The cloud refuses a wrong secret; neither the report nor the logs
		// may repeat it (the response is scanned by invoke, the logs at cleanup).
		n := c.count()
		id, h := f.header(true)
		h.Set("x-fc-access-key-secret", wrongSecret)
		checkRefused(t, c, n, f.api.invoke(t, id, h, alibabaTimer(t)))
	})

	t.Run("redelivered after a refused attempt", func(t *testing.T) {
		// A timer that fires again (or an event the platform retries) after
		// a failed attempt must fail again, not be reported started.
		n := c.count()
		ev := alibabaTimer(t)
		checkRefused(t, c, n, f.invoke(t, ev, false))
		checkRefused(t, c, n, f.invoke(t, ev, false))
	})
}
