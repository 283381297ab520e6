// Package events decodes the trigger payloads of the platforms backupfn runs
// on (Tencent SCF, Alibaba FC, AWS Lambda, Huawei FunctionGraph and plain
// HTTP) into core.Trigger values. It uses only the standard library: the
// platform runtime libraries stay in functions/*.
//
// # Entry points
//
// DecodeSCF, DecodeFC, DecodeLambda and DecodeFunctionGraph take a raw
// invocation payload, detect which of the platform's payload kinds it is
// (an unrecognised payload's error lists the kinds tried) and return an
// Event with one Message per record. A bad record does not lose the others:
// its Message.Err says what was wrong, and the error returned by the
// decoder is reserved for a payload that cannot be read at all.
//
// API gateway and HTTP trigger events come back as Event.HTTP, with no
// Messages: the entrypoint authenticates the raw body first, then calls
// DecodeHTTP, which routes by path (any stage or prefix may come before
// /v1/):
//
//	POST /v1/backups        a JSON request body (below)
//	POST /v1/events         a CloudEvent: structured, batch or binary mode
//	POST /v1/slack/command  a Slack slash command, form-encoded
//
// HTTPResponse shapes the reply each gateway expects, and HTTPStatus maps a
// decoding error to the status to answer with.
//
// # Request body
//
// Wherever a body appears (a queue message, a webhook, a timer's text, a
// CloudEvent's data) it is
//
//	{"targets":["orders-redis","tencent-redis://ap-guangzhou/crs-5a4py64p"],
//	 "groups":["nightly"],"remark":"before the migration","idempotency_key":"deploy-4711"}
//
// Targets are names from the config or target URLs; groups are names from
// the config. Decoding is strict: an unknown field is an error naming it,
// and a request with no targets and no groups is an error. A body may be at
// most MaxBodySize bytes, name at most MaxItems targets and groups together,
// and no string may exceed MaxStringLen characters or hold control
// characters.
//
// # Words
//
// Text that is not a JSON object (a timer's message, a plain queue message,
// the text of a Slack command) is read as words, separated by spaces or
// commas (a target URL keeps its commas). A word is a group name unless it
// is prefixed "target:" (a target name or URL) or "group:"; the bare words
// "targets" and "groups" (or "target", "group") say what the bare words
// after them are. So, for "/backup <text>":
//
//	nightly                            groups nightly
//	orders-redis sessions              groups orders-redis, sessions
//	nightly,weekly                     groups nightly, weekly
//	group nightly                      groups nightly
//	target:orders-redis nightly        target orders-redis, group nightly
//	targets orders-redis sessions      targets orders-redis, sessions
//	target:tencent-redis://ap-guangzhou/crs-5a4py64p
//
// A timer with no text backs up the group named like the timer (SCF
// TriggerName, FC triggerName, FunctionGraph trigger_name, the EventBridge
// rule's name); a timer's text may not set idempotency_key, as every run
// after the first would then be a duplicate.
//
// # Dedupe keys
//
// Trigger.DedupeKey is what makes a redelivery start no second backup. It is
// "idem:" + the body's idempotency_key or the HTTP Idempotency-Key header
// when either is present (they win; if both are present they must agree);
// otherwise it is derived from the platform:
//
//	timers          <kind>:<timer name>:<scheduled time, RFC 3339 UTC>, e.g. scf-timer:EveryDay:2019-02-21T11:49:00Z
//	SCF CMQ         scf-cmq:<topicName>:<msgId>
//	SCF CKafka      scf-ckafka:<topic>/<partition>/<offset>
//	FC MNS (JSON)   fc-mns:<TopicName>:<MessageId>
//	FC Kafka        fc-kafka:<topic>/<partition>/<offset>
//	Lambda SQS      lambda-sqs:<messageId>
//	EventBridge     eventbridge:<id>
//	CloudEvents     ce:<source>:<id>
//	Slack           slack:<team_id>:<trigger_id>
//
// A plain HTTP body or an FC MNS STREAM message carries no ID: without an
// idempotency key its DedupeKey is empty and each delivery is a new backup.
//
// # Sources and requesters
//
// Timers are core.SourceTimer, requested by "timer:<name>" at the scheduled
// time. Queue, Kafka, MNS and EventBridge records are core.SourceQueue,
// requested by "cmq:<topic>", "ckafka:<topic>", "mns:<topic>",
// "kafka:<topic>", "sqs:<queue>" or "eventbridge:<source>" at the publish
// time. Webhooks, API gateways and CloudEvents over HTTP are
// core.SourceHTTP, requested by "http:<source IP>" (or "ce:<source>" for a
// CloudEvent, "invoke" for a direct invocation). Slack commands are
// core.SourceChat, requested by "slack:<team_id>/<user_id> (<user_name>)".
package events

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/backupfn/backupfn/core"
)

// Platform names, as they appear in core.Trigger.Platform.
const (
	PlatformSCF           = "scf"
	PlatformFC            = "fc"
	PlatformLambda        = "lambda"
	PlatformFunctionGraph = "functiongraph"
	PlatformHTTP          = "http"
)

// Payload kinds, as they appear in Event.Kind.
const (
	KindSCFTimer           = "scf-timer"           // SCF timer trigger
	KindSCFCMQ             = "scf-cmq"             // SCF CMQ topic trigger
	KindSCFCKafka          = "scf-ckafka"          // SCF CKafka trigger
	KindSCFAPIGateway      = "scf-apigw"           // SCF API Gateway trigger (Event.HTTP)
	KindFCTimer            = "fc-timer"            // FC timer trigger
	KindFCMNS              = "fc-mns"              // FC MNS topic trigger, JSON format
	KindFCMNSStream        = "fc-mns-stream"       // FC MNS topic trigger, STREAM format (the raw body)
	KindFCHTTP             = "fc-http"             // FC3 HTTP trigger (Event.HTTP)
	KindFCEventBridge      = "fc-eventbridge"      // FC EventBridge trigger: a batch of CloudEvents (Kafka, ...)
	KindLambdaSchedule     = "lambda-schedule"     // EventBridge "Scheduled Event"
	KindLambdaEventBridge  = "lambda-eventbridge"  // any other EventBridge event; detail is the body
	KindLambdaSQS          = "lambda-sqs"          // Lambda SQS batch
	KindLambdaHTTP         = "lambda-http"         // API Gateway v2 (HTTP API) or Function URL (Event.HTTP)
	KindFunctionGraphTimer = "functiongraph-timer" // FunctionGraph timer trigger
	KindWebhook            = "webhook"             // a plain request body: direct invoke or POST /v1/backups
	KindCloudEvent         = "cloudevent"          // POST /v1/events
	KindSlack              = "slack"               // POST /v1/slack/command
)

// Event is one decoded invocation payload.
type Event struct {
	// Kind is the payload kind that was detected, one of the Kind constants.
	Kind string
	// Messages holds one entry per record, in the payload's order. It is
	// empty for an HTTP-shaped event and for a Slack ssl_check ping.
	Messages []Message
	// HTTP is the request carried by an API gateway or HTTP trigger event;
	// pass it to DecodeHTTP once it is authenticated.
	HTTP *HTTPRequest
}

// Message is one record of an Event.
type Message struct {
	// ID is the record's ID as the platform names it (SQS messageId, CMQ
	// msgId, MNS MessageId, "topic/partition/offset" for Kafka, the
	// CloudEvent id, the timer's name, the HTTP request ID): the value to
	// report back for a partial batch failure. It may be empty.
	ID string
	// Trigger is the decoded trigger. When Err is set it still holds what
	// could be read (platform, source, requester, dedupe key).
	Trigger core.Trigger
	// Err says why the record could not be decoded; it is an *Error.
	Err error
}

// HTTPRequest is an HTTP request as an API gateway or HTTP trigger
// delivered it, or as NewHTTPRequest read it from a server.
type HTTPRequest struct {
	Method    string
	Path      string      // the request path, with any stage prefix
	Header    http.Header // canonical keys: Header.Get is case-insensitive
	Query     url.Values
	Body      []byte // already base64-decoded when the gateway encoded it
	SourceIP  string
	RequestID string
}

// Err returns the messages' errors joined, or nil when every message
// decoded: a shortcut for entrypoints that handle one message at a time.
func (e Event) Err() error {
	var errs []error
	for _, m := range e.Messages {
		if m.Err != nil {
			errs = append(errs, m.Err)
		}
	}
	return errors.Join(errs...)
}
