package events

import (
	"encoding/json"
	"strings"
)

// LambdaHTTPEvent is the payload of an AWS API Gateway v2 (HTTP API) or
// Lambda Function URL invocation (payload format 2.0).
type LambdaHTTPEvent struct {
	Version               string            `json:"version"` // "2.0"
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"` // repeated headers joined with commas
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
	RequestContext        LambdaHTTPContext `json:"requestContext"`
	Body                  string            `json:"body,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

// LambdaHTTPContext is the requestContext of a LambdaHTTPEvent.
type LambdaHTTPContext struct {
	AccountID      string          `json:"accountId"`
	APIID          string          `json:"apiId"`
	Authorizer     json.RawMessage `json:"authorizer,omitempty"`
	Authentication json.RawMessage `json:"authentication,omitempty"`
	DomainName     string          `json:"domainName"`
	DomainPrefix   string          `json:"domainPrefix"`
	HTTP           struct {
		Method    string `json:"method"`
		Path      string `json:"path"`
		Protocol  string `json:"protocol"`
		SourceIP  string `json:"sourceIp"`
		UserAgent string `json:"userAgent"`
	} `json:"http"`
	RequestID string `json:"requestId"`
	RouteKey  string `json:"routeKey,omitempty"`
	Stage     string `json:"stage,omitempty"`
	Time      string `json:"time"`
	TimeEpoch int64  `json:"timeEpoch"`
}

// LambdaHTTPResponse is the reply API Gateway v2 and Function URLs expect
// (see HTTPResponse).
type LambdaHTTPResponse struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

const formatLambdaHTTP = "lambda http event"

func decodeLambdaHTTP(payload []byte) (Event, error) {
	var e LambdaHTTPEvent
	if err := unmarshal(formatLambdaHTTP, "", payload, &e); err != nil {
		return Event{}, err
	}
	c := e.RequestContext
	if c.HTTP.Method == "" {
		return Event{}, fieldError(formatLambdaHTTP, "requestContext.http.method", "missing: want the request's method")
	}
	body, err := gatewayBody(formatLambdaHTTP, "body", e.Body, e.IsBase64Encoded)
	if err != nil {
		return Event{}, err
	}
	q, err := queryOf(formatLambdaHTTP, "rawQueryString", e.RawQueryString)
	if err != nil {
		return Event{}, err
	}
	h := headerOf(e.Headers)
	if len(e.Cookies) > 0 {
		h.Set("Cookie", strings.Join(e.Cookies, "; "))
	}
	return Event{Kind: KindLambdaHTTP, HTTP: &HTTPRequest{
		Method: c.HTTP.Method, Path: e.RawPath, Header: h, Query: q, Body: body,
		SourceIP: c.HTTP.SourceIP, RequestID: c.RequestID,
	}}, nil
}
