// Command fc is backupfn on Alibaba Cloud Function Compute (go1 runtime). One
// function takes timer, MNS topic, HTTP and EventBridge (Kafka) triggers.
//
// Credentials: the function role's temporary keys from the invocation
// context (fccontext) when present, else ALIBABA_CLOUD_* variables.
// Invocations run concurrently; the handler is safe for that.
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
	fc.Start(func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
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
