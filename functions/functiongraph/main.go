// Command functiongraph is backupfn as a Huawei FunctionGraph event function
// (custom runtime): the binary is the zip's bootstrap, and it takes timer
// triggers (and direct invocations with a request body). HTTP functions
// use functions/http instead.
//
// FunctionGraph publishes no Go library for custom runtimes (its Go SDK is
// a download for the Go runtime), so runtime.go speaks the runtime API of
// Huawei's "Custom Runtime" page itself: GET
// http://$RUNTIME_API_ADDR/v1/runtime/invocation/request, then POST
// .../response/$REQUEST_ID or .../error/$REQUEST_ID.
//
// Credentials: the agency's temporary keys from the invocation headers
// (X-CFF-Security-Access-Key, -Secret-Key, -Token) for Huawei targets, else
// HUAWEICLOUD_SDK_* variables. See deploy/functiongraph/README.md.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/backupfn/backupfn/handler"
	"github.com/backupfn/backupfn/providers"
)

func main() {
	addr := os.Getenv("RUNTIME_API_ADDR")
	if addr == "" {
		slog.Error("backupfn: RUNTIME_API_ADDR is not set: run this binary as a FunctionGraph custom runtime's bootstrap")
		os.Exit(1)
	}
	h, err := handler.New(context.Background(), handler.Options{Platform: "functiongraph"})
	if err != nil {
		slog.Error("backupfn: bad config; every invocation fails with it", "error", err.Error())
	}
	serve(&runtimeAPI{base: "http://" + addr + "/v1/runtime/invocation/"}, func(ctx context.Context, hd http.Header, payload []byte) ([]byte, error) {
		if err != nil {
			return nil, err // a bad config: every invocation says why
		}
		if c, ok := agencyKeys(hd); ok {
			ctx = providers.WithCredentials(ctx, providers.Huawei, c)
		}
		return h.Invoke(ctx, payload)
	})
}

// agencyKeys reads the agency's temporary keys from an invocation's
// headers: X-CFF-Security-* (the Go runtime library reads these; the older
// X-CFF-Access-Key / X-CFF-Secret-Key of the custom runtime page are read
// when they are absent).
func agencyKeys(h http.Header) (providers.Credentials, bool) {
	ak, sk := h.Get("X-CFF-Security-Access-Key"), h.Get("X-CFF-Security-Secret-Key")
	if ak == "" || sk == "" {
		ak, sk = h.Get("X-CFF-Access-Key"), h.Get("X-CFF-Secret-Key")
	}
	if ak == "" || sk == "" {
		return providers.Credentials{}, false
	}
	return providers.Credentials{ID: ak, Secret: sk, Token: h.Get("X-CFF-Security-Token")}, true
}
