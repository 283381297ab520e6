package functest

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/core"
)

// invokeResult is the JSON answer of a non-HTTP invocation (handler.Invoke).
type invokeResult struct {
	Results  []core.Result `json:"results"`
	Messages []struct {
		ID    string            `json:"id"`
		Error map[string]string `json:"error"`
		Retry bool              `json:"retry"`
	} `json:"messages"`
}

func decodeReport(t *testing.T, what string, b []byte) invokeResult {
	t.Helper()
	var r invokeResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: not a report: %v\n%s", what, err, b)
	}
	if r.Results == nil {
		t.Fatalf("%s: no results array: %s", what, b)
	}
	return r
}

// checkStarted checks that every result was started and that the
// backups the emulator started are exactly the results' task IDs.
func checkStarted(t *testing.T, results []core.Result, backups []cloudemu.Backup, want int) {
	t.Helper()
	if len(results) != want {
		t.Fatalf("got %d results, want %d: %+v", len(results), want, results)
	}
	var ids []string
	for _, r := range results {
		if r.Status != core.StatusStarted || len(r.TaskIDs) == 0 {
			t.Errorf("%s (%s): status %s, task IDs %v, error %+v; want started", r.Name, r.Target, r.Status, r.TaskIDs, r.Error)
		}
		ids = append(ids, r.TaskIDs...)
	}
	var got []string
	for _, b := range backups {
		got = append(got, b.TaskID)
	}
	slices.Sort(ids)
	slices.Sort(got)
	if !slices.Equal(ids, got) {
		t.Errorf("the report's task IDs %v are not the backups the cloud started %v", ids, got)
	}
}

// instances returns the instance IDs of backups, sorted.
func instances(backups []cloudemu.Backup) []string {
	var s []string
	for _, b := range backups {
		s = append(s, b.Instance)
	}
	slices.Sort(s)
	return s
}

// nightlyInstances are the instances of the nightly group, sorted.
var nightlyInstances = func() []string {
	s := []string{cloudemu.TencentInstance, cloudemu.AlibabaInstance, cloudemu.DCSInstance, cloudemu.RDSInstance}
	slices.Sort(s)
	return s
}()

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gatewayResponse is the API gateway reply shape the SCF, FC and Lambda
// HTTP events expect.
type gatewayResponse struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

func decodeGateway(t *testing.T, what string, b []byte) gatewayResponse {
	t.Helper()
	var r gatewayResponse
	if err := json.Unmarshal(b, &r); err != nil || r.StatusCode == 0 {
		t.Fatalf("%s: not a gateway response (%v): %s", what, err, b)
	}
	if r.IsBase64Encoded {
		t.Fatalf("%s: a JSON body came back base64-encoded: %s", what, b)
	}
	return r
}

// errorBody is the JSON error of every HTTP-facing entrypoint.
type errorBody struct {
	Error struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"error"`
}

func decodeError(t *testing.T, what string, b []byte) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(b, &e); err != nil || e.Error.Kind == "" || e.Error.Message == "" {
		t.Fatalf("%s: want {\"error\":{\"kind\",\"message\"}} (%v), got %s", what, err, b)
	}
	return e
}

// newID returns a unique ID for requests and messages.
func newID(prefix string) string { return prefix + "-" + randHex(8) }
