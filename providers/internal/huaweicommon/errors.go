package huaweicommon

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"

	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/providers"
)

// GatewayKinds are the API Gateway (APIGW) codes every Huawei Cloud API may
// answer with before the service sees the request. Source: API Gateway
// error codes, https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-errorcode.html
// (0101 404, 0201 400/413 seen there) and the IAM authentication FAQ,
// https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html
// (0301: signature, AK, token). 0302, 0307, 0310 and 0802 come from the
// first research and could not be checked against the page here (only its
// beginning is stored). Any 5xx answer is Unknown whatever its code (Kind).
var GatewayKinds = map[string]errkind.Kind{
	"APIGW.0101": errkind.NotFound,         // the API does not exist or is not published (404)
	"APIGW.0201": errkind.InvalidArgument,  // API request error (400), request entity too large (413); 5xx forms are Unknown
	"APIGW.0301": errkind.Unauthenticated,  // incorrect IAM authentication information: signature, AK, token, date (401)
	"APIGW.0302": errkind.PermissionDenied, // the IAM user may not call this API (403)
	"APIGW.0307": errkind.Unauthenticated,  // the token must be refreshed (401)
	"APIGW.0308": errkind.Throttled,        // the throttling threshold has been reached (429)
	"APIGW.0310": errkind.PermissionDenied, // the project is unavailable (403)
	"APIGW.0802": errkind.PermissionDenied, // the IAM user is forbidden in this region (403)
}

// Table maps error codes to kinds: exact codes first, then the longest
// matching prefix (for code families), then the HTTP status. Whatever the
// code, a 5xx answer is Unknown: a server-side failure does not prove that
// nothing was applied, so the caller must look the backup up before any
// second call.
type Table struct {
	Codes    map[string]errkind.Kind
	Prefixes map[string]errkind.Kind
}

// Kind classifies a service error code and its HTTP status.
func (tb Table) Kind(code string, status int) errkind.Kind {
	if status >= 500 {
		return errkind.Unknown
	}
	if k, ok := tb.Codes[code]; ok {
		return k
	}
	if k, ok := GatewayKinds[code]; ok {
		return k
	}
	best := ""
	for p := range tb.Prefixes {
		if strings.HasPrefix(code, p) && len(p) > len(best) {
			best = p
		}
	}
	if best != "" {
		return tb.Prefixes[best]
	}
	return statusKind(status)
}

// statusKind is the fallback for codes no table knows.
func statusKind(status int) errkind.Kind {
	switch {
	case status >= 500:
		return errkind.Unknown // the request may have been applied
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity,
		status == http.StatusRequestEntityTooLarge, status == http.StatusRequestURITooLong:
		return errkind.InvalidArgument
	case status == http.StatusUnauthorized:
		return errkind.Unauthenticated
	case status == http.StatusForbidden:
		return errkind.PermissionDenied
	case status == http.StatusNotFound:
		return errkind.NotFound
	case status == http.StatusConflict:
		return errkind.Busy
	case status == http.StatusTooManyRequests:
		return errkind.Throttled
	}
	return errkind.Unknown
}

// Error classifies err, returned by an SDK call of c for operation op (e.g.
// "CopyInstance"), with tb. The SDK error stays reachable with errors.As;
// the message carries no credentials.
func (c *Client) Error(ctx context.Context, err error, tb Table, op string) error {
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		msg := op + ": " + providers.Redact(err.Error(), c.Creds)
		return providers.TransportError(ctx, err, msg)
	}
	msg := providers.Redact(se.ErrorMessage, c.Creds)
	if se.ErrorCode == "" && se.StatusCode < 400 {
		// A 2xx the SDK could not decode: the call may have been applied.
		return &errkind.Error{Kind: errkind.Unknown, RequestID: se.RequestId,
			Message: op + ": unreadable response: " + msg, Err: se}
	}
	return &errkind.Error{Kind: tb.Kind(se.ErrorCode, se.StatusCode), Code: se.ErrorCode,
		RequestID: se.RequestId, Message: op + ": " + msg, Err: se}
}

// Canceled returns the caller's context error, classified, if ctx is done:
// a call is not started for a caller that has gone.
func Canceled(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return providers.TransportError(ctx, ctx.Err(), "not sent: "+ctx.Err().Error())
}
