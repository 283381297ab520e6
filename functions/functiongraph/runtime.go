package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"
)

// runtimeAPI is FunctionGraph's custom runtime API (Huawei FunctionGraph
// user guide, "Custom Runtime"; huaweicloudDocs/functiongraph
// cn.zh-cn/用户指南/自定义运行时.md@b1c63651).
type runtimeAPI struct {
	base   string // http://$RUNTIME_API_ADDR/v1/runtime/invocation/
	client http.Client
}

type invokeFunc func(ctx context.Context, h http.Header, payload []byte) ([]byte, error)

// serve handles invocations one at a time, for ever: the runtime API hands
// out the next one when the previous one is answered.
func serve(api *runtimeAPI, invoke invokeFunc) {
	for {
		id, hd, payload, err := api.next()
		if err != nil {
			slog.Error("backupfn: getting the next invocation", "error", err.Error())
			time.Sleep(50 * time.Millisecond)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout())
		out, ierr := invoke(ctx, hd, payload)
		cancel()
		if ierr != nil {
			// The shape of the Go runtime library's InvokeErrorMessage.
			out, _ = json.Marshal(map[string]string{"errorMessage": ierr.Error(), "errorType": "FunctionReturnError"})
			err = api.post("error/"+id, out)
		} else {
			err = api.post("response/"+id, out)
		}
		if err != nil {
			slog.Error("backupfn: answering an invocation", "request_id", id, "error", err.Error())
		}
	}
}

// timeout is the function's execution timeout, RUNTIME_TIMEOUT seconds
// (the Go runtime library's default is 3).
func timeout() time.Duration {
	s, err := strconv.Atoi(os.Getenv("RUNTIME_TIMEOUT"))
	if err != nil || s <= 0 {
		s = 3
	}
	return time.Duration(s) * time.Second
}

// next blocks until FunctionGraph has an invocation: its request ID (the
// X-Cff-Request-Id header), headers and payload.
func (api *runtimeAPI) next() (string, http.Header, []byte, error) {
	resp, err := api.client.Get(api.base + "request")
	if err != nil {
		return "", nil, nil, err
	}
	defer resp.Body.Close()
	payload, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", nil, nil, fmt.Errorf("status %d: %.200s", resp.StatusCode, payload)
	}
	id := resp.Header.Get("X-Cff-Request-Id")
	if id == "" {
		return "", nil, nil, fmt.Errorf("no X-Cff-Request-Id header")
	}
	return id, resp.Header, payload, nil
}

func (api *runtimeAPI) post(path string, body []byte) error {
	resp, err := api.client.Post(api.base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, msg)
	}
	return nil
}
