package events

import (
	"fmt"
	"strings"

	"github.com/backupfn/backupfn/core"
)

const formatWebhook = "webhook body"

// decodeWebhook reads a payload that is itself a request body: a direct
// invocation (SCF/FC/Lambda invoke, FunctionGraph test event, an
// EventBridge Scheduler target's input).
func decodeWebhook(platform string, payload []byte) Event {
	o := origin{platform: platform, source: core.SourceHTTP, requester: "invoke"}
	req, err := DecodeRequest(payload)
	return Event{Kind: KindWebhook, Messages: []Message{o.message("", formatWebhook, "", req, err)}}
}

// decodeBackups reads POST /v1/backups: a JSON request body.
func decodeBackups(r *HTTPRequest, o origin) (Event, error) {
	if mt := mediaType(r.Header); !isJSONType(mt) {
		return Event{}, &Error{Format: formatHTTP, Err: ErrMediaType,
			Msg: fmt.Sprintf("Content-Type %s: want application/json", quote(r.Header.Get("Content-Type")))}
	}
	req, err := DecodeRequest(r.Body)
	return Event{Kind: KindWebhook, Messages: []Message{o.message(r.RequestID, formatWebhook, "", req, err)}}, nil
}

// isJSONType reports whether a media type is JSON; no type counts as JSON.
func isJSONType(mt string) bool {
	return mt == "" || mt == "application/json" || strings.HasSuffix(mt, "+json")
}
