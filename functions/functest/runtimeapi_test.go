package functest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// runtimeAPI fakes a pull-style runtime API (AWS Lambda's, Alibaba FC's):
// the function GETs <prefix>next, which blocks until an invocation is
// queued, and POSTs the answer to <prefix><id>/response or <prefix><id>/error.
// With huawei set it is FunctionGraph's custom runtime API instead (Huawei
// FunctionGraph user guide, "Custom Runtime"): GET <prefix>request, POST
// <prefix>response/<id> or <prefix>error/<id>.
type runtimeAPI struct {
	prefix string // e.g. "/2018-06-01/runtime/invocation/"
	ack    int    // the status the runtime answers a POST with
	addr   string // host:port, for AWS_LAMBDA_RUNTIME_API / FC_RUNTIME_API / RUNTIME_API_ADDR
	huawei bool

	queue chan *invocation
	done  chan struct{}

	mu      sync.Mutex
	waiting map[string]*invocation
	nexts   int // GET next requests received
}

type invocation struct {
	id      string
	payload []byte
	header  http.Header
	result  chan apiResult
}

// apiResult is what the function posted for an invocation.
type apiResult struct {
	errored bool // posted to /error rather than /response
	body    []byte
}

func newRuntimeAPI(t *testing.T, prefix string, ack int) *runtimeAPI {
	t.Helper()
	return startRuntimeAPI(t, &runtimeAPI{prefix: prefix, ack: ack})
}

// newFunctionGraphRuntimeAPI is FunctionGraph's custom runtime API.
func newFunctionGraphRuntimeAPI(t *testing.T) *runtimeAPI {
	t.Helper()
	return startRuntimeAPI(t, &runtimeAPI{prefix: "/v1/runtime/invocation/", ack: http.StatusOK, huawei: true})
}

func startRuntimeAPI(t *testing.T, api *runtimeAPI) *runtimeAPI {
	t.Helper()
	api.queue, api.done, api.waiting = make(chan *invocation, 16), make(chan struct{}), map[string]*invocation{}
	srv := httptest.NewServer(http.HandlerFunc(api.serve))
	// Cleanups run last-in first-out: this one runs after the child started
	// later is killed, so no GET next is left hanging.
	t.Cleanup(func() {
		close(api.done)
		srv.Close()
	})
	api.addr = strings.TrimPrefix(srv.URL, "http://")
	return api
}

func (api *runtimeAPI) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, api.prefix)
	if !ok {
		http.Error(w, "not a runtime API path", http.StatusNotFound)
		return
	}
	nextPath := "next"
	if api.huawei {
		nextPath = "request"
	}
	if rest == nextPath && r.Method == http.MethodGet {
		api.mu.Lock()
		api.nexts++
		api.mu.Unlock()
		select {
		case inv := <-api.queue:
			api.mu.Lock()
			api.waiting[inv.id] = inv
			api.mu.Unlock()
			for k, v := range inv.header {
				w.Header()[k] = v
			}
			if w.Header().Get("Content-Type") == "" {
				w.Header().Set("Content-Type", "application/json")
			}
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(inv.payload)
		case <-r.Context().Done():
		case <-api.done:
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
		}
		return
	}
	id, kind, ok := strings.Cut(rest, "/")
	if api.huawei {
		kind, id, ok = strings.Cut(rest, "/")
	}
	if !ok || r.Method != http.MethodPost || (kind != "response" && kind != "error") {
		http.Error(w, "unknown runtime API call "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	api.mu.Lock()
	inv := api.waiting[id]
	delete(api.waiting, id)
	api.mu.Unlock()
	if inv == nil {
		http.Error(w, "no invocation "+id+" in progress", http.StatusBadRequest)
		return
	}
	inv.result <- apiResult{errored: kind == "error", body: body}
	w.WriteHeader(api.ack)
}

// invoke queues an invocation and waits (at most 30s) for its answer.
func (api *runtimeAPI) invoke(t *testing.T, id string, header http.Header, payload []byte) apiResult {
	t.Helper()
	res, err := api.tryInvoke(id, header, payload)
	if err != nil {
		t.Fatal(err)
	}
	noSecrets(t, "invocation "+id+" response", res.body)
	return res
}

// tryInvoke is invoke for any goroutine.
func (api *runtimeAPI) tryInvoke(id string, header http.Header, payload []byte) (apiResult, error) {
	inv := &invocation{id: id, payload: payload, header: header, result: make(chan apiResult, 1)}
	select {
	case api.queue <- inv:
	case <-time.After(5 * time.Second):
		return apiResult{}, fmt.Errorf("invocation %s: the runtime API queue is full", id)
	}
	select {
	case res := <-inv.result:
		return res, nil
	case <-time.After(30 * time.Second):
		api.mu.Lock()
		n := api.nexts
		api.mu.Unlock()
		return apiResult{}, fmt.Errorf("invocation %s: no answer in 30s (the function asked for %d invocations)", id, n)
	}
}
