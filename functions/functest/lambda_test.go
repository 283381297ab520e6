package functest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/handler"
)

// lambdaFunction is the Lambda runtime API a provided.al2023 function polls.
type lambdaFunction struct {
	api *runtimeAPI
}

func startLambda(t *testing.T, c *cloud) *lambdaFunction {
	t.Helper()
	api := newRuntimeAPI(t, "/2018-06-01/runtime/invocation/", http.StatusAccepted)
	startChild(t, "lambda", bins["lambda"], c.env(t, nil,
		"AWS_LAMBDA_RUNTIME_API="+api.addr,
		"AWS_LAMBDA_FUNCTION_NAME=backupfn",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=us-east-1",
	))
	return &lambdaFunction{api: api}
}

// invoke runs one invocation with a deadline a minute ahead.
func (f *lambdaFunction) invoke(t *testing.T, payload []byte) apiResult {
	t.Helper()
	id := newID("aws-req")
	h := http.Header{}
	h.Set("Lambda-Runtime-Aws-Request-Id", id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:backupfn")
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	return f.api.invoke(t, id, h, payload)
}

// ok fails t unless the function answered on /response.
func (r apiResult) ok(t *testing.T, what string) []byte {
	t.Helper()
	if r.errored {
		t.Fatalf("%s: the function reported an error: %s", what, r.body)
	}
	return r.body
}

func lambdaHTTP(t *testing.T, headers map[string]string, body []byte) []byte {
	return mustJSON(t, map[string]any{
		"version": "2.0", "routeKey": "POST /v1/backups", "rawPath": "/prod/v1/backups", "rawQueryString": "",
		"headers": headers,
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "abcdefghij", "domainName": "abcdefghij.execute-api.us-east-1.amazonaws.com",
			"http": map[string]any{"method": "POST", "path": "/prod/v1/backups", "protocol": "HTTP/1.1",
				"sourceIp": "192.0.2.44", "userAgent": "functest"},
			"requestId": newID("apigw"), "routeKey": "POST /v1/backups", "stage": "prod",
			"time": time.Now().UTC().Format("02/Jan/2006:15:04:05 -0700"), "timeEpoch": time.Now().UnixMilli(),
		},
		"body": string(body), "isBase64Encoded": false,
	})
}

func TestLambda(t *testing.T) {
	t.Parallel()
	c := newCloud(t, cloudemu.Options{})
	f := startLambda(t, c)

	t.Run("eventbridge schedule", func(t *testing.T) {
		n := c.count()
		ev := mustJSON(t, map[string]any{
			"version": "0", "id": newID("eb"), "detail-type": "Scheduled Event", "source": "aws.events",
			"account": "123456789012", "time": time.Now().UTC().Format(time.RFC3339), "region": "us-east-1",
			"resources": []string{"arn:aws:events:us-east-1:123456789012:rule/nightly"}, "detail": map[string]any{},
		})
		rep := decodeReport(t, "schedule", f.invoke(t, ev).ok(t, "schedule"))
		checkStarted(t, rep.Results, c.since(n), 4)
		if got := instances(c.since(n)); !slices.Equal(got, nightlyInstances) {
			t.Errorf("backed up %v, want %v", got, nightlyInstances)
		}
	})

	t.Run("sqs batch with partial failures", func(t *testing.T) {
		n := c.count()
		good, malformed, unknown := newID("sqs-good"), newID("sqs-malformed"), newID("sqs-unknown")
		rec := func(id, body string) map[string]any {
			return map[string]any{
				"messageId": id, "receiptHandle": "AQEB" + id, "body": body,
				"attributes": map[string]string{"ApproximateReceiveCount": "1",
					"SentTimestamp": strconv.FormatInt(time.Now().UnixMilli(), 10)},
				"messageAttributes": map[string]any{}, "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
				"eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:backup-requests",
				"awsRegion": "us-east-1",
			}
		}
		ev := mustJSON(t, map[string]any{"Records": []any{
			rec(good, `{"groups":["nightly"]}`),
			rec(malformed, `{"groups":["nightly"`),
			rec(unknown, `{"targets":["no-such-target"]}`),
		}})
		body := f.invoke(t, ev).ok(t, "sqs")
		var resp struct {
			BatchItemFailures []struct {
				ItemIdentifier string `json:"itemIdentifier"`
			} `json:"batchItemFailures"`
		}
		if err := json.Unmarshal(body, &resp); err != nil || resp.BatchItemFailures == nil {
			t.Fatalf("want {\"batchItemFailures\":[...]} (%v), got %s", err, body)
		}
		var failed []string
		for _, f := range resp.BatchItemFailures {
			failed = append(failed, f.ItemIdentifier)
		}
		want := []string{malformed, unknown}
		slices.Sort(failed)
		slices.Sort(want)
		if !slices.Equal(failed, want) {
			t.Errorf("batchItemFailures %v, want exactly the malformed and the unknown-target messages %v", failed, want)
		}
		got := c.since(n)
		if inst := instances(got); !slices.Equal(inst, nightlyInstances) {
			t.Errorf("the good message backed up %v, want %v", inst, nightlyInstances)
		}
	})

	body := []byte(`{"groups":["nightly"]}`)

	t.Run("api gateway v2 signed", func(t *testing.T) {
		n := c.count()
		ev := lambdaHTTP(t, map[string]string{
			"content-type":         "application/json",
			"x-backupfn-signature": handler.Sign([]byte(webhookSecret), signTime(), body),
		}, body)
		resp := decodeGateway(t, "api gateway v2", f.invoke(t, ev).ok(t, "api gateway v2"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("statusCode %d, want 200: %s", resp.StatusCode, resp.Body)
		}
		rep := decodeReport(t, "api gateway v2 body", []byte(resp.Body))
		checkStarted(t, rep.Results, c.since(n), 4)
	})

	t.Run("api gateway v2 unsigned", func(t *testing.T) {
		n := c.count()
		ev := lambdaHTTP(t, map[string]string{"content-type": "application/json"}, body)
		resp := decodeGateway(t, "api gateway v2", f.invoke(t, ev).ok(t, "api gateway v2"))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("statusCode %d, want 401: %s", resp.StatusCode, resp.Body)
		}
		if e := decodeError(t, "401 body", []byte(resp.Body)); e.Error.Kind != "Unauthenticated" {
			t.Errorf("error kind %s, want Unauthenticated", e.Error.Kind)
		}
		if got := c.since(n); len(got) != 0 {
			t.Errorf("an unsigned request started %d backups", len(got))
		}
	})

	t.Run("slack command via function url", func(t *testing.T) {
		// Function URLs base64-encode form bodies; the Slack signature covers
		// the decoded body. Serverless, the result is the answer itself.
		n := c.count()
		form := []byte("team_id=T0001&user_id=U2147483697&user_name=steve&command=%2Fbackup&text=nightly" +
			"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678&trigger_id=" + newID("1334"))
		ts, sig := handler.SignSlack([]byte(slackSecret), time.Now(), form)
		ev := mustJSON(t, map[string]any{
			"version": "2.0", "routeKey": "$default", "rawPath": "/v1/slack/command", "rawQueryString": "",
			"headers": map[string]string{"content-type": "application/x-www-form-urlencoded",
				"x-slack-request-timestamp": ts, "x-slack-signature": sig},
			"requestContext": map[string]any{"http": map[string]any{"method": "POST", "path": "/v1/slack/command",
				"sourceIp": "3.80.0.1"}, "requestId": newID("url")},
			"body": base64.StdEncoding.EncodeToString(form), "isBase64Encoded": true,
		})
		resp := decodeGateway(t, "function url", f.invoke(t, ev).ok(t, "function url"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("statusCode %d, want 200: %s", resp.StatusCode, resp.Body)
		}
		var msg struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &msg); err != nil || !strings.Contains(msg.Text, "4 started") {
			t.Errorf("want a Slack message saying 4 started (%v), got %s", err, resp.Body)
		}
		if got := instances(c.since(n)); !slices.Equal(got, nightlyInstances) {
			t.Errorf("backed up %v, want %v", got, nightlyInstances)
		}
	})

	t.Run("unrecognised payload is a function error", func(t *testing.T) {
		res := f.invoke(t, []byte(`{"hello":"world"}`))
		if !res.errored {
			t.Fatalf("want the answer on /error, got /response: %s", res.body)
		}
		var e struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		if err := json.Unmarshal(res.body, &e); err != nil || e.ErrorMessage == "" {
			t.Errorf("want {\"errorMessage\",\"errorType\"} (%v), got %s", err, res.body)
		}
	})
}

// TestLambdaBadConfig: a config error does not crash the function into a
// restart loop; every invocation fails and says why.
func TestLambdaBadConfig(t *testing.T) {
	t.Parallel()
	c := newCloud(t, cloudemu.Options{})
	api := newRuntimeAPI(t, "/2018-06-01/runtime/invocation/", http.StatusAccepted)
	startChild(t, "lambda-bad-config", bins["lambda"], setEnv(c.env(t, nil, "AWS_LAMBDA_RUNTIME_API="+api.addr),
		"BACKUPFN_CONFIG_INLINE="+badConfig))
	f := &lambdaFunction{api: api}
	for i := 0; i < 2; i++ {
		res := f.invoke(t, []byte(`{"groups":["nightly"]}`))
		if !res.errored {
			t.Fatalf("invocation %d: want an error, got %s", i, res.body)
		}
		if !strings.Contains(string(res.body), "nosuch-cloud") {
			t.Errorf("invocation %d: the error does not name the config problem: %s", i, res.body)
		}
	}
	if n := c.count(); n != 0 {
		t.Errorf("started %d backups with a bad config", n)
	}
}
