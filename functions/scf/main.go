// Command scf is backupfn on Tencent Cloud SCF (Go1 runtime). One function
// takes every SCF trigger: timer, CMQ topic, CKafka and API Gateway.
//
// Credentials: the run role's TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN,
// which the runtime sets before each invocation and the providers read per
// call. Config: BACKUPFN_CONFIG_INLINE, BACKUPFN_CONFIG, or config.yaml in
// the zip. See deploy/README.md.
package main

import (
	"context"
	"encoding/json"

	"github.com/tencentyun/scf-go-lib/cloudfunction"

	"github.com/backupfn/backupfn/handler"
)

func main() {
	h, err := handler.New(context.Background(), handler.Options{Platform: "scf"})
	cloudfunction.Start(func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		if err != nil {
			return nil, err // a bad config: every invocation says why
		}
		return h.Invoke(ctx, payload)
	})
}
