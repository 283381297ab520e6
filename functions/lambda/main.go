// Command lambda is backupfn on AWS Lambda (provided.al2023, built with
// -tags lambda.norpc). It takes EventBridge schedules, SQS batches (with
// ReportBatchItemFailures) and API Gateway v2 / Function URL requests, and
// calls the Tencent, Alibaba and Huawei APIs with credentials from the
// environment (e.g. injected from Secrets Manager).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/backupfn/backupfn/handler"
)

func main() {
	h, err := handler.New(context.Background(), handler.Options{Platform: "lambda"})
	lambda.Start(func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		if err != nil {
			return nil, err // a bad config: every invocation says why
		}
		return h.Invoke(ctx, payload)
	})
}
