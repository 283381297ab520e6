package tencentredis

import (
	"context"
	"errors"
	"strings"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"

	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/providers"
)

// errorKinds maps Tencent Cloud error codes to kinds: first the exact code,
// then its family (the part before the first '.'), e.g. every
// RequestLimitExceeded.* is Throttled. Codes are from the ManualBackupInstance
// and DescribeTaskInfo pages, the redis 2018-04-12 error list and the API 3.0
// common error codes.
var errorKinds = map[string]errkind.Kind{
	// The instance is held by another flow (e.g. a running backup) or is in
	// a state that refuses the flow now: retry later.
	"ResourceUnavailable.InstanceLockedError":    errkind.Busy,
	"ResourceUnavailable.InstanceStatusAbnormal": errkind.Busy,
	"ResourceUnavailable.InstanceStateError":     errkind.Busy,
	"ResourceUnavailable.InstanceStatusError":    errkind.Busy,
	"ResourceInUse.InstanceBeenLocked":           errkind.Busy,

	"ResourceNotFound":                    errkind.NotFound,
	"ResourceNotFound.InstanceNotExists":  errkind.NotFound,
	"ResourceNotFound.InstanceNotFound":   errkind.NotFound,
	"ResourceUnavailable.InstanceDeleted": errkind.NotFound,
	"FailedOperation.FlowNotExists":       errkind.NotFound, // an unknown task ("flow")

	"UnsupportedOperation":                            errkind.Unsupported,
	"FailedOperation.UnSupportError":                  errkind.Unsupported,
	"ResourceUnavailable.InstanceNotSupportOperation": errkind.Unsupported,

	"RequestLimitExceeded":        errkind.Throttled,
	"InternalError":               errkind.Unavailable,
	"FailedOperation.SystemError": errkind.Unavailable,
	"ServiceUnavailable":          errkind.Unavailable,

	"AuthFailure":                       errkind.Unauthenticated,
	"AuthFailure.UnauthorizedOperation": errkind.PermissionDenied,
	"UnauthorizedOperation":             errkind.PermissionDenied,
	"InvalidParameter.PermissionDenied": errkind.PermissionDenied,

	"InvalidParameter":      errkind.InvalidArgument,
	"InvalidParameterValue": errkind.InvalidArgument,
	"MissingParameter":      errkind.InvalidArgument,
	"UnknownParameter":      errkind.InvalidArgument,
	"InvalidAction":         errkind.InvalidArgument,
	"NoSuchVersion":         errkind.InvalidArgument,
	"UnsupportedRegion":     errkind.InvalidArgument,
	"UnsupportedProtocol":   errkind.InvalidArgument,
}

// kindOf classifies a cloud error code; an unknown code is Unknown (the
// request may have been applied).
func kindOf(code string) errkind.Kind {
	if k, ok := errorKinds[code]; ok {
		return k
	}
	family, _, _ := strings.Cut(code, ".")
	if k, ok := errorKinds[family]; ok {
		return k
	}
	return errkind.Unknown
}

// classify turns an SDK error into an *errkind.Error. The SDK reports its own
// failures (network, unreadable answer) as ClientError.* codes: those are not
// the cloud's answer and go through providers.TransportError.
func classify(ctx context.Context, action string, err error, creds providers.Credentials) error {
	var se *tcerr.TencentCloudSDKError
	if !errors.As(err, &se) || strings.HasPrefix(se.Code, "ClientError") {
		return providers.TransportError(ctx, err, action+": "+providers.Redact(err.Error(), creds))
	}
	return &errkind.Error{
		Kind:      kindOf(se.Code),
		Code:      se.Code,
		RequestID: se.RequestId,
		Message:   action + ": " + providers.Redact(se.Message, creds),
		Err:       se,
	}
}
