package events

import (
	"encoding/json"
	"net/url"
)

// SCFAPIGatewayEvent is the payload of a Tencent SCF API Gateway trigger.
type SCFAPIGatewayEvent struct {
	RequestContext SCFAPIGatewayContext `json:"requestContext"`
	Headers        map[string]string    `json:"headers"`
	Body           string               `json:"body,omitempty"`
	// IsBase64Encoded says Body is base64 (newer gateways send it).
	IsBase64Encoded bool   `json:"isBase64Encoded"`
	Path            string `json:"path"`       // the request path
	HTTPMethod      string `json:"httpMethod"` // the request method
	// QueryString values are a string, an array of strings, or true for a
	// key without a value.
	QueryString           map[string]json.RawMessage `json:"queryString"`
	PathParameters        json.RawMessage            `json:"pathParameters,omitempty"`
	QueryStringParameters json.RawMessage            `json:"queryStringParameters,omitempty"`
	HeaderParameters      json.RawMessage            `json:"headerParameters,omitempty"`
	StageVariables        json.RawMessage            `json:"stageVariables,omitempty"`
}

// SCFAPIGatewayContext is the requestContext of an SCFAPIGatewayEvent.
type SCFAPIGatewayContext struct {
	ServiceID       string          `json:"serviceId"`
	Path            string          `json:"path"`       // the API's path, as configured
	HTTPMethod      string          `json:"httpMethod"` // the API's method, e.g. "ANY"
	RequestID       string          `json:"requestId"`
	SourceIP        string          `json:"sourceIp"`
	Stage           string          `json:"stage"`
	Identity        json.RawMessage `json:"identity,omitempty"`
	WebsocketEnable bool            `json:"websocketEnable,omitempty"`
}

// SCFAPIGatewayResponse is the reply an SCF API Gateway trigger expects (see
// HTTPResponse).
type SCFAPIGatewayResponse struct {
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
}

const formatSCFAPIGateway = "scf api gateway event"

func decodeSCFAPIGateway(payload []byte) (Event, error) {
	var e SCFAPIGatewayEvent
	if err := unmarshal(formatSCFAPIGateway, "", payload, &e); err != nil {
		return Event{}, err
	}
	if e.HTTPMethod == "" {
		return Event{}, fieldError(formatSCFAPIGateway, "httpMethod", "missing: want the request's method")
	}
	body, err := gatewayBody(formatSCFAPIGateway, "body", e.Body, e.IsBase64Encoded)
	if err != nil {
		return Event{}, err
	}
	q := url.Values{}
	if err := multiValues(formatSCFAPIGateway, "queryString", e.QueryString, q.Add); err != nil {
		return Event{}, err
	}
	return Event{Kind: KindSCFAPIGateway, HTTP: &HTTPRequest{
		Method: e.HTTPMethod, Path: e.Path, Header: headerOf(e.Headers), Query: q, Body: body,
		SourceIP: e.RequestContext.SourceIP, RequestID: e.RequestContext.RequestID,
	}}, nil
}
