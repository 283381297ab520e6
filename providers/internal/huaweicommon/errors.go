package huaweicommon

import (
	"context"
	"errors"
	"maps"
	"net/http"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"

	"github.com/backupfn/backupfn/errkind"
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

// Table is one Huawei service's error codes: exact codes first (beside
// GatewayKinds), then the longest matching prefix (for code families), then
// the HTTP status. Whatever the code, a 5xx answer is Unknown: a server-side
// failure does not prove that nothing was applied, so the caller must look
// the backup up before any second call. Errors turns it into the table
// providers.ErrorTable.Error maps with.
type Table struct {
	Codes    map[string]errkind.Kind
	Prefixes map[string]errkind.Kind
}

// statusKinds is the fallback for codes no table knows (5xx: ServerErrors).
var statusKinds = map[int]errkind.Kind{
	http.StatusBadRequest:            errkind.InvalidArgument,
	http.StatusUnprocessableEntity:   errkind.InvalidArgument,
	http.StatusRequestEntityTooLarge: errkind.InvalidArgument,
	http.StatusRequestURITooLong:     errkind.InvalidArgument,
	http.StatusUnauthorized:          errkind.Unauthenticated,
	http.StatusForbidden:             errkind.PermissionDenied,
	http.StatusNotFound:              errkind.NotFound,
	http.StatusConflict:              errkind.Busy,
	http.StatusTooManyRequests:       errkind.Throttled,
}

// Errors returns tb as a providers.ErrorTable reading the SDK's
// *sdkerr.ServiceResponseError. Build it once per service.
func (tb Table) Errors() *providers.ErrorTable {
	codes := maps.Clone(GatewayKinds)
	maps.Copy(codes, tb.Codes) // the service's own codes first
	return &providers.ErrorTable{
		Parts:        parts,
		ServerErrors: errkind.Unknown,
		Codes:        codes,
		Prefixes:     tb.Prefixes,
		Statuses:     statusKinds,
	}
}

// Kind classifies a service error code and its HTTP status.
func (tb Table) Kind(code string, status int) errkind.Kind { return tb.Errors().Kind(code, status) }

// parts reads the cloud's answer out of an SDK error. A 2xx answer the SDK
// could not decode comes back as a ServiceResponseError with no code: the
// call may have been applied.
func parts(err error) (providers.ErrorParts, bool) {
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		return providers.ErrorParts{}, false
	}
	return providers.ErrorParts{Code: se.ErrorCode, Status: se.StatusCode, RequestID: se.RequestId,
		Message: se.ErrorMessage, Unreadable: se.ErrorCode == "" && se.StatusCode < 400}, true
}

// Error classifies err, returned by an SDK call of c for operation op (e.g.
// "CopyInstance"), with tb (from Table.Errors). The SDK error stays
// reachable with errors.As; the message carries no credentials.
func (c *Client) Error(ctx context.Context, err error, tb *providers.ErrorTable, op string) error {
	return tb.Error(ctx, op, err, c.Creds)
}

// Canceled returns the caller's context error, classified, if ctx is done:
// a call is not started for a caller that has gone.
func Canceled(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return providers.TransportError(ctx, ctx.Err(), "not sent: "+ctx.Err().Error())
}
