// Command fc is backupfn on Alibaba Cloud Function Compute (go1 runtime). One
// function takes timer, MNS topic, HTTP and EventBridge (Kafka) triggers.
//
// Credentials: the function role's temporary keys from the invocation
// context (fccontext) when present, else ALIBABA_CLOUD_* variables.
// Invocations run concurrently; the handler is safe for that.
//
// The handler takes []byte: fc-runtime-go-sdk passes the raw payload only
// to a []byte parameter (fc/handler.go@v0.3.1) and json.Unmarshals it into
// anything else, so a plain-text MNS STREAM message ("nightly") would fail
// in the SDK. The result stays json.RawMessage: the SDK json.Marshals the
// result, which would turn a []byte into a base64 string.
package main

import (
	"context"
	"encoding/json"

	"github.com/aliyun/fc-runtime-go-sdk/fc"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"github.com/backupfn/backupfn/handler"
	"github.com/backupfn/backupfn/providers"
)

func main() {
	h, err := handler.New(context.Background(), handler.Options{Platform: "fc"})
	fc.Start(func(ctx context.Context, payload []byte) (json.RawMessage, error) {
		if err != nil {
			return nil, err // a bad config: every invocation says why
		}
		if fctx, ok := fccontext.FromContext(ctx); ok && fctx.Credentials.AccessKeyId != "" {
			ctx = providers.WithCredentials(ctx, providers.Alibaba, providers.Credentials{
				ID:     fctx.Credentials.AccessKeyId,
				Secret: fctx.Credentials.AccessKeySecret,
				Token:  fctx.Credentials.SecurityToken,
			})
		}
		return h.Invoke(ctx, payload)
	})
}
