package events

import (
	"encoding/json"
	"net/http"
	"net/url"
)

// FCHTTPTriggerEvent is the payload of an Alibaba FC3 HTTP trigger.
type FCHTTPTriggerEvent struct {
	Version         string `json:"version"` // "v1"
	RawPath         string `json:"rawPath"`
	Body            string `json:"body"`
	IsBase64Encoded bool   `json:"isBase64Encoded"`
	// Headers and QueryParameters values are a string or an array of strings.
	Headers         map[string]json.RawMessage `json:"headers"`
	QueryParameters map[string]json.RawMessage `json:"queryParameters"`
	RequestContext  FCHTTPTriggerContext       `json:"requestContext"`
}

// FCHTTPTriggerContext is the requestContext of an FCHTTPTriggerEvent.
type FCHTTPTriggerContext struct {
	AccountID    string `json:"accountId"`
	DomainName   string `json:"domainName"`
	DomainPrefix string `json:"domainPrefix"`
	HTTP         struct {
		Method    string `json:"method"`
		Path      string `json:"path"`
		Protocol  string `json:"protocol"`
		SourceIP  string `json:"sourceIp"`
		UserAgent string `json:"userAgent"`
	} `json:"http"`
	RequestID string `json:"requestId"`
	Time      string `json:"time"`
	TimeEpoch string `json:"timeEpoch"`
}

// FCHTTPResponse is the reply an FC3 HTTP trigger expects (see
// HTTPResponse).
type FCHTTPResponse struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	Body            string            `json:"body"`
}

const formatFCHTTP = "fc http trigger event"

func decodeFCHTTP(payload []byte) (Event, error) {
	var e FCHTTPTriggerEvent
	if err := unmarshal(formatFCHTTP, "", payload, &e); err != nil {
		return Event{}, err
	}
	c := e.RequestContext
	if c.HTTP.Method == "" {
		return Event{}, fieldError(formatFCHTTP, "requestContext.http.method", "missing: want the request's method")
	}
	body, err := gatewayBody(formatFCHTTP, "body", e.Body, e.IsBase64Encoded)
	if err != nil {
		return Event{}, err
	}
	h, q := http.Header{}, url.Values{}
	if err := multiValues(formatFCHTTP, "headers", e.Headers, h.Add); err != nil {
		return Event{}, err
	}
	if err := multiValues(formatFCHTTP, "queryParameters", e.QueryParameters, q.Add); err != nil {
		return Event{}, err
	}
	path := e.RawPath
	if path == "" {
		path = c.HTTP.Path
	}
	return Event{Kind: KindFCHTTP, HTTP: &HTTPRequest{
		Method: c.HTTP.Method, Path: path, Header: h, Query: q, Body: body,
		SourceIP: c.HTTP.SourceIP, RequestID: c.RequestID,
	}}, nil
}
