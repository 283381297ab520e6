package events

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/backupfn/backupfn/core"
)

const formatHTTP = "http request"

// route is one endpoint of DecodeHTTP.
type route struct {
	path   string // after /v1/
	decode func(r *HTTPRequest, o origin) (Event, error)
}

var routes = []route{
	{"backups", decodeBackups},
	{"events", decodeCloudEventsHTTP},
	{"slack/command", decodeSlackHTTP},
}

// DecodeHTTP decodes an authenticated HTTP request into an Event, routing by
// path: POST /v1/backups (a JSON request body), POST /v1/events (a
// CloudEvent, structured, batch or binary mode) and POST /v1/slack/command
// (a Slack slash command); any stage or prefix may come before /v1/.
// platform is the Trigger.Platform to record ("" means PlatformHTTP). An
// Idempotency-Key header becomes the dedupe key, as do a binary-mode
// CloudEvent's ce-id and ce-source headers: the caller must have checked a
// signature that covers them (package signature's v2, as the handler
// does). Use HTTPStatus to turn the error into a status.
func DecodeHTTP(r *HTTPRequest, platform string) (Event, error) {
	if r == nil {
		return Event{}, &Error{Format: formatHTTP, Msg: "no request"}
	}
	if platform == "" {
		platform = PlatformHTTP
	}
	rt, err := findRoute(r.Method, r.Path)
	if err != nil {
		return Event{}, err
	}
	if err := checkSize(formatHTTP, len(r.Body), MaxBodySize); err != nil {
		return Event{}, err
	}
	o := origin{platform: platform, source: core.SourceHTTP, requester: "http", idem: r.Header.Get("Idempotency-Key")}
	if r.SourceIP != "" {
		o.requester = "http:" + r.SourceIP
	}
	if msg := badString(o.idem); msg != "" {
		return Event{}, fieldError(formatHTTP, "Idempotency-Key", "%s", msg)
	}
	return rt.decode(r, o)
}

// findRoute picks the endpoint for a method and path.
func findRoute(method, path string) (route, error) {
	path, _, _ = strings.Cut(path, "?")
	if i := strings.LastIndex(path, "/v1/"); i >= 0 {
		p := strings.TrimSuffix(path[i+len("/v1/"):], "/")
		for _, rt := range routes {
			if rt.path != p {
				continue
			}
			if method != http.MethodPost {
				return route{}, &Error{Format: formatHTTP, Msg: fmt.Sprintf("%s %s: want POST", quote(method), quote(path)), Err: ErrMethod}
			}
			return rt, nil
		}
	}
	known := make([]string, len(routes))
	for i, rt := range routes {
		known[i] = "POST /v1/" + rt.path
	}
	return route{}, &Error{Format: formatHTTP, Msg: fmt.Sprintf("no endpoint at %s (known: %s)", quote(path), strings.Join(known, ", ")), Err: ErrNotFound}
}

// mediaType returns the request's media type, lower case, without parameters.
func mediaType(h http.Header) string {
	ct := h.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// NewHTTPRequest reads a server's request, with its body limited to
// MaxBodySize: for HTTP functions (FunctionGraph, SCF web functions, FC
// custom runtimes, Cloud Run). The request ID comes from the platform's
// header, when there is one.
func NewHTTPRequest(r *http.Request) (*HTTPRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodySize+1))
	if err != nil {
		return nil, &Error{Format: formatHTTP, Msg: "reading the body: " + err.Error(), Err: err}
	}
	if err := checkSize(formatHTTP, len(body), MaxBodySize); err != nil {
		return nil, err
	}
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	out := &HTTPRequest{Method: r.Method, Path: r.URL.Path, Header: h, Query: r.URL.Query(), Body: body}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		out.SourceIP = host
	}
	for _, k := range []string{"X-Fc-Request-Id", "X-Cff-Request-Id", "X-Scf-Request-Id", "X-Request-Id"} {
		if v := h.Get(k); v != "" {
			out.RequestID = v
			break
		}
	}
	return out, nil
}

// HTTPResponse encodes an HTTP reply in the shape the gateway of an
// HTTP-shaped Event.Kind expects: KindSCFAPIGateway, KindFCHTTP or
// KindLambdaHTTP. A body that is not UTF-8 text is base64-encoded.
func HTTPResponse(kind string, status int, body []byte, contentType string) ([]byte, error) {
	if status < 100 || status > 599 {
		return nil, fmt.Errorf("http response: status %d: want 100 to 599", status)
	}
	headers := map[string]string{}
	if contentType != "" {
		headers["Content-Type"] = contentType
	}
	text, b64 := string(body), false
	if !isText(contentType) || !utf8.Valid(body) {
		text, b64 = base64.StdEncoding.EncodeToString(body), true
	}
	switch kind {
	case KindSCFAPIGateway:
		return json.Marshal(SCFAPIGatewayResponse{IsBase64Encoded: b64, StatusCode: status, Headers: headers, Body: text})
	case KindFCHTTP:
		return json.Marshal(FCHTTPResponse{StatusCode: status, Headers: headers, IsBase64Encoded: b64, Body: text})
	case KindLambdaHTTP:
		return json.Marshal(LambdaHTTPResponse{StatusCode: status, Headers: headers, Body: text, IsBase64Encoded: b64})
	}
	return nil, fmt.Errorf("http response: kind %s has no gateway response (want %s, %s or %s)",
		quote(kind), KindSCFAPIGateway, KindFCHTTP, KindLambdaHTTP)
}

// isText reports whether a content type is text a gateway can carry as is.
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		return true
	}
	return err == nil && (strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml") ||
		mt == "application/json" || mt == "application/xml" || mt == "application/x-www-form-urlencoded")
}

// headerOf builds a canonical header from a gateway's map.
func headerOf(m map[string]string) http.Header {
	h := make(http.Header, len(m))
	for k, v := range m {
		h.Add(k, v)
	}
	return h
}

// multiValues reads a gateway's header or query map whose values are a
// string, an array of strings, or (a query flag) true.
func multiValues(format, field string, m map[string]json.RawMessage, add func(k, v string)) error {
	for k, raw := range m {
		var s string
		var list []string
		switch {
		case json.Unmarshal(raw, &s) == nil:
			add(k, s)
		case json.Unmarshal(raw, &list) == nil:
			for _, v := range list {
				add(k, v)
			}
		case string(raw) == "true":
			add(k, "")
		case string(raw) == "false" || string(raw) == "null":
		default:
			return fieldError(format, field+"."+k, "want a string or an array of strings, got %s", snippet(raw))
		}
	}
	return nil
}

// gatewayBody decodes a gateway's body field.
func gatewayBody(format, field, body string, isBase64 bool) ([]byte, error) {
	if !isBase64 {
		return []byte(body), nil
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fieldError(format, field, "isBase64Encoded is true but the body is not base64 (bad byte at %d)", int64(ce))
		}
		return nil, fieldError(format, field, "not base64: %v", err)
	}
	return b, nil
}

// queryOf parses a raw query string.
func queryOf(format, field, raw string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fieldError(format, field, "bad query string: %v", err)
	}
	return q, nil
}
