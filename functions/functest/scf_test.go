package functest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/rpc"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/handler"
)

// scfFunction is the SCF Go1 runtime's side of a function: the binary serves
// net/rpc on $_LAMBDA_SERVER_PORT and the runtime calls Function.Invoke.
type scfFunction struct {
	client *rpc.Client
}

func startSCF(t *testing.T, env []string) *scfFunction {
	t.Helper()
	f := &scfFunction{}
	startListening(t, "scf", bins["scf"], env, "_LAMBDA_SERVER_PORT", func(port int) error {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err != nil {
			return err
		}
		cl := rpc.NewClient(conn)
		if err := callTimeout(cl, "Function.Ping", &messages.PingRequest{}, &messages.PingResponse{}, 5*time.Second); err != nil {
			cl.Close()
			return err
		}
		f.client = cl
		return nil
	})
	t.Cleanup(func() { f.client.Close() })
	return f
}

func callTimeout(cl *rpc.Client, method string, args, reply any, d time.Duration) error {
	call := cl.Go(method, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
		return call.Error
	case <-time.After(d):
		return fmt.Errorf("%s: no answer in %s", method, d)
	}
}

// invoke calls Function.Invoke as SCF does, with a deadline a minute ahead,
// and returns the response payload; a function error fails t.
func (f *scfFunction) invoke(t *testing.T, payload []byte) []byte {
	t.Helper()
	resp := f.call(t, scfRequest(payload, time.Minute, nil))
	if resp.Error != nil {
		t.Fatalf("Function.Invoke returned a function error: %s: %s (payload %s)", resp.Error.Type, resp.Error.Message, resp.Payload)
	}
	return resp.Payload
}

// scfRequest is an invocation as the SCF runtime sends it: a deadline d
// ahead, and env as the run role's environment (applied with os.Setenv).
func scfRequest(payload []byte, d time.Duration, env map[string]string) *messages.InvokeRequest {
	deadline := time.Now().Add(d)
	req := &messages.InvokeRequest{
		Payload:            payload,
		RequestId:          newID("scf-req"),
		Deadline:           messages.InvokeRequest_Timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())},
		Namespace:          "default",
		FunctionName:       "backupfn",
		FunctionVersion:    "$LATEST",
		MemoryLimitInMb:    128,
		TimeLimitInMs:      int32(d / time.Millisecond),
		TencentcloudRegion: "ap-guangzhou",
		TencentcloudAppID:  "1250000000",
		TencentcloudUin:    "100000000001",
	}
	if env != nil {
		b, _ := json.Marshal(env)
		req.Environment = string(b)
	}
	return req
}

// call sends one Function.Invoke and returns the response as is.
func (f *scfFunction) call(t *testing.T, req *messages.InvokeRequest) messages.InvokeResponse {
	t.Helper()
	var resp messages.InvokeResponse
	if err := callTimeout(f.client, "Function.Invoke", req, &resp, 30*time.Second); err != nil {
		t.Fatalf("Function.Invoke: %v", err)
	}
	noSecrets(t, "scf response", resp.Payload)
	if resp.Error != nil {
		noSecrets(t, "scf error", []byte(resp.Error.Message))
	}
	return resp
}

// scfAPIGateway is an SCF API Gateway trigger event for POST path.
func scfAPIGateway(t *testing.T, path string, headers map[string]string, body []byte) []byte {
	return mustJSON(t, map[string]any{
		"requestContext": map[string]any{
			"serviceId": "service-f94sy04v", "path": "/v1/backups", "httpMethod": "POST",
			"requestId": newID("apigw"), "sourceIp": "203.0.113.10", "stage": "release",
		},
		"headers":         headers,
		"body":            string(body),
		"isBase64Encoded": false,
		"path":            path,
		"httpMethod":      "POST",
		"queryString":     map[string]any{},
		"pathParameters":  map[string]any{},
		"stageVariables":  map[string]any{"stage": "release"},
	})
}

func TestSCF(t *testing.T) {
	t.Parallel()
	c := newCloud(t, cloudemu.Options{})
	f := startSCF(t, c.env(t, nil))

	t.Run("timer", func(t *testing.T) {
		n := c.count()
		payload := mustJSON(t, map[string]string{
			"Type": "Timer", "TriggerName": "EveryDay", "Time": time.Now().UTC().Format(time.RFC3339), "Message": "nightly",
		})
		rep := decodeReport(t, "timer", f.invoke(t, payload))
		checkStarted(t, rep.Results, c.since(n), 4)
		if got := instances(c.since(n)); fmt.Sprint(got) != fmt.Sprint(nightlyInstances) {
			t.Errorf("backed up %v, want %v", got, nightlyInstances)
		}
	})

	body := []byte(`{"groups":["nightly"]}`)

	t.Run("api gateway signed", func(t *testing.T) {
		n := c.count()
		ev := scfAPIGateway(t, "/release/v1/backups", map[string]string{
			"content-type":         "application/json",
			"x-backupfn-signature": handler.Sign([]byte(webhookSecret), signTime(), body),
		}, body)
		resp := decodeGateway(t, "api gateway", f.invoke(t, ev))
		if resp.StatusCode != 200 {
			t.Fatalf("statusCode %d, want 200: %s", resp.StatusCode, resp.Body)
		}
		rep := decodeReport(t, "api gateway body", []byte(resp.Body))
		checkStarted(t, rep.Results, c.since(n), 4)
	})

	t.Run("api gateway unsigned", func(t *testing.T) {
		n := c.count()
		ev := scfAPIGateway(t, "/release/v1/backups", map[string]string{"content-type": "application/json"}, body)
		resp := decodeGateway(t, "api gateway", f.invoke(t, ev))
		if resp.StatusCode != 401 {
			t.Fatalf("statusCode %d, want 401: %s", resp.StatusCode, resp.Body)
		}
		if e := decodeError(t, "401 body", []byte(resp.Body)); e.Error.Kind != "Unauthenticated" {
			t.Errorf("error kind %s, want Unauthenticated", e.Error.Kind)
		}
		if got := c.since(n); len(got) != 0 {
			t.Errorf("an unsigned request started %d backups", len(got))
		}
	})

	t.Run("cmq delivered twice", func(t *testing.T) {
		n := c.count()
		msgID := newID("cmq")
		ev := mustJSON(t, map[string]any{"Records": []any{map[string]any{"CMQ": map[string]any{
			"type": "topic", "topicOwner": 120, "topicName": "backup-requests", "subscriptionName": "backupfn",
			"publishTime": time.Now().UTC().Format(time.RFC3339), "msgId": msgID, "requestId": newID("cmq-req"),
			"msgBody": `{"groups":["nightly"]}`, "msgTag": "backup,nightly",
		}}}})
		first := decodeReport(t, "first delivery", f.invoke(t, ev))
		checkStarted(t, first.Results, c.since(n), 4)
		if len(first.Messages) != 1 || first.Messages[0].ID != msgID {
			t.Errorf("messages %+v, want one with id %s", first.Messages, msgID)
		}

		n2 := c.count()
		second := decodeReport(t, "second delivery", f.invoke(t, ev))
		if got := c.since(n2); len(got) != 0 {
			t.Errorf("the second delivery of msgId %s started %d more backups", msgID, len(got))
		}
		if len(second.Results) != 4 {
			t.Fatalf("second delivery: %d results, want 4", len(second.Results))
		}
		firstIDs := map[string]string{}
		for _, r := range first.Results {
			firstIDs[r.Target] = fmt.Sprint(r.TaskIDs)
		}
		for _, r := range second.Results {
			if r.Status != core.StatusAlreadyStarted {
				t.Errorf("second delivery, %s: status %s, want %s", r.Target, r.Status, core.StatusAlreadyStarted)
			}
			if got := fmt.Sprint(r.TaskIDs); got != firstIDs[r.Target] {
				t.Errorf("second delivery, %s: task IDs %s, want the first delivery's %s", r.Target, got, firstIDs[r.Target])
			}
		}
	})

	t.Run("api gateway base64 body", func(t *testing.T) {
		n := c.count()
		ev := mustJSON(t, map[string]any{
			"requestContext": map[string]any{"serviceId": "service-f94sy04v", "path": "/v1/backups",
				"httpMethod": "POST", "requestId": newID("apigw"), "sourceIp": "203.0.113.10", "stage": "release"},
			"headers": map[string]string{"content-type": "application/json",
				"x-backupfn-signature": handler.Sign([]byte(webhookSecret), signTime(), body)},
			"body": base64.StdEncoding.EncodeToString(body), "isBase64Encoded": true,
			"path": "/release/v1/backups", "httpMethod": "POST", "queryString": map[string]any{"dry": true, "tag": []string{"a", "b"}},
		})
		resp := decodeGateway(t, "api gateway", f.invoke(t, ev))
		if resp.StatusCode != 200 {
			t.Fatalf("statusCode %d, want 200 (the signature covers the decoded body): %s", resp.StatusCode, resp.Body)
		}
		checkStarted(t, decodeReport(t, "body", []byte(resp.Body)).Results, c.since(n), 4)
	})

	t.Run("deadline too near, then retried", func(t *testing.T) {
		// Too little time left to start anything: nothing starts, and the
		// function errs so that SCF retries; the retry starts all four.
		n := c.count()
		payload := mustJSON(t, map[string]string{"Type": "Timer", "TriggerName": newID("timer"),
			"Time": time.Now().UTC().Format(time.RFC3339), "Message": "nightly"})
		resp := f.call(t, scfRequest(payload, 2*time.Second, nil))
		if resp.Error == nil || !strings.Contains(resp.Error.Message, "deliver again") {
			t.Fatalf("want a function error asking for a retry, got error %+v, payload %s", resp.Error, resp.Payload)
		}
		if got := c.since(n); len(got) != 0 {
			t.Fatalf("started %d backups with no time left", len(got))
		}
		rep := decodeReport(t, "retry", f.invoke(t, payload))
		checkStarted(t, rep.Results, c.since(n), 4)
	})

	t.Run("direct invoke with a bad body", func(t *testing.T) {
		// Not a platform event and not a request: a function error.
		resp := f.call(t, scfRequest([]byte(`{"hello":"world"}`), time.Minute, nil))
		if resp.Error == nil || resp.Error.Message == "" {
			t.Fatalf("want a function error for an unrecognised payload, got payload %s", resp.Payload)
		}
	})
}

// TestSCFRoleCredentials: SCF hands the run role's temporary keys to the
// function in each invocation's environment (TENCENTCLOUD_SECRETID, ...),
// which the runtime applies with os.Setenv; the function must read them per
// invocation, not once at start.
func TestSCFRoleCredentials(t *testing.T) {
	t.Parallel()
	tokenA, tokenB := scfStaleToken, scfRoleToken
	tc := cloudemu.Credentials{ID: cloudemu.DefaultTencent.ID, Secret: cloudemu.DefaultTencent.Secret, Token: tokenB}
	c := newCloud(t, cloudemu.Options{Tencent: tc})
	f := startSCF(t, c.env(t, []string{"TENCENTCLOUD_"}))
	role := func(token string) map[string]string {
		return map[string]string{"TENCENTCLOUD_SECRETID": tc.ID, "TENCENTCLOUD_SECRETKEY": tc.Secret,
			"TENCENTCLOUD_SESSIONTOKEN": token, "SCF_RUNTIME": "Go1"}
	}
	timer := func() []byte {
		return mustJSON(t, map[string]string{"Type": "Timer", "TriggerName": newID("timer"),
			"Time": time.Now().UTC().Format(time.RFC3339), "Message": "target:orders-redis"})
	}

	// An expired role token (A) is refused ...
	n := c.count()
	resp := f.call(t, scfRequest(timer(), time.Minute, role(tokenA)))
	if resp.Error != nil {
		t.Fatalf("function error: %s", resp.Error.Message)
	}
	rep := decodeReport(t, "expired token", resp.Payload)
	if len(rep.Results) != 1 || rep.Results[0].Status != core.StatusFailed || rep.Results[0].Error == nil ||
		rep.Results[0].Error.Kind != errkind.Unauthenticated {
		t.Fatalf("with a stale token: want one failed Unauthenticated result, got %s", resp.Payload)
	}
	// ... and the next invocation's fresh one (B) is used.
	resp = f.call(t, scfRequest(timer(), time.Minute, role(tokenB)))
	if resp.Error != nil {
		t.Fatalf("function error: %s", resp.Error.Message)
	}
	rep = decodeReport(t, "fresh token", resp.Payload)
	checkStarted(t, rep.Results, c.since(n), 1)
	if got := instances(c.since(n)); !slices.Equal(got, []string{cloudemu.TencentInstance}) {
		t.Errorf("backed up %v, want %s", got, cloudemu.TencentInstance)
	}
}
