package alibabaredis

import (
	"errors"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// Where the codes come from. CreateBackup's own page lists no error codes: it
// points to the R-kvstore error center ("For a list of error codes, visit the
// Service error codes").
//
//	[center]  R-kvstore error center, https://www.alibabacloud.com/help/doc-detail/61137.html
//	          (zh: https://help.aliyun.com/document_detail/601786.html)
//	[adc]     R-kvstore AllocateDirectConnection page, error-code table (2025-03-25),
//	          https://www.alibabacloud.com/help/en/redis/developer-reference/api-r-kvstore-2015-01-01-allocatedirectconnection-redis
//	[public]  Alibaba Cloud public (POP) errors, https://help.aliyun.com/document_detail/26313.html
//	[mongo]   ApsaraDB for MongoDB error-code table (a neighbouring ApsaraDB product)
//	[gpdb]    https://help.aliyun.com/zh/analyticdb-for-postgresql/developer-reference/api-gpdb-2016-05-03-errorcodes
//	[tf]      aliyun/terraform-provider-alicloud alicloud/errors.go (kv-store not-found code)
//	[sdk]     alibaba-cloud-sdk-go@v1.63.107 sdk/errors/signature_does_not_match_wrapper.go
//
// The SDK (sdk/errors/server_error.go) reads Code, Message, RequestId,
// HostId and Recommend from any non-2xx JSON body.

// errorKinds maps error codes to kinds.
var errorKinds = map[string]errkind.Kind{
	// Rejected before anything was done: flow control.
	"Throttling":      errkind.Throttled, // 400 [public]
	"Throttling.User": errkind.Throttled, // 400 "Request was denied due to user flow control." (POP gateway)
	"Throttling.Api":  errkind.Throttled, // 403 "Request was denied due to api flow control." [center]

	// Server-side failures are ambiguous: none of the pages says the request
	// was not applied, and a CreateBackup that timed out or failed behind the
	// gateway may still have started its job. Unknown makes the core look for
	// the backup (FindStarted) before calling CreateBackup again.
	//  - InternalError 500 "The request processing has failed due to some
	//    unknown error, exception or failure." [center]: "unknown error".
	//  - ServiceUnavailable 503 "The request has failed due to a temporary
	//    failure of the server." [mongo][gpdb]: not on the R-kvstore pages
	//    stored here; the gateway's 503 can follow a backend that received
	//    the request, so it proves nothing either.
	"InternalError":      errkind.Unknown,
	"ServiceUnavailable": errkind.Unknown,

	// The instance's state refuses the operation now: retry later.
	// 403 "Current DB instance state does not support this operation." —
	// "cannot be performed until the instance is in the running state" [center].
	"IncorrectDBInstanceState": errkind.Busy,
	// 403 "Instance status does not support this operation." — "not supported
	// while the instance is in the current state" [adc]: a state, not a type.
	"InstanceStatus.NotSupport": errkind.Busy,
	// 400 "A backup job already exists in the specified DB instance." [mongo]
	"BackupJobExists": errkind.Busy,
	// 400 "Current DB instance lock mode does not support this operation." [mongo]
	"IncorrectDBInstanceLockMode": errkind.Busy,

	// The instance does not exist.
	"InvalidInstanceId.NotFound":   errkind.NotFound, // 404 [tf] [mongo]
	"InvalidDbInstanceId.NotFound": errkind.NotFound, // 404 "Specified instance does not exist." [adc]
	"InvalidDBInstanceId.NotFound": errkind.NotFound, // spelling used by RDS
	"Forbidden.InstanceNotFound":   errkind.NotFound, // 404 "The specified DB instance does not exist." [public]

	// The instance cannot do this at all.
	"IncorrectDBInstanceType":  errkind.Unsupported, // "Current DB instance type does not support this operation." [mongo]
	"UnsupportedEngineVersion": errkind.Unsupported, // 403 [adc]
	"IncorrectMinorVersion":    errkind.Unsupported, // 403 [adc]
	"IncorrectEngineVersion":   errkind.Unsupported,

	// Credentials and permissions.
	"Forbidden.RAM":               errkind.PermissionDenied, // 403 [public]
	"Forbidden":                   errkind.PermissionDenied,
	"InvalidAccessKeyId.NotFound": errkind.Unauthenticated, // 404 [public]
	"InvalidAccessKeyId.Inactive": errkind.Unauthenticated,
	"SignatureDoesNotMatch":       errkind.Unauthenticated, // [sdk] SignatureDostNotMatchErrorCode
	"IncompleteSignature":         errkind.Unauthenticated, // 400 [public], [sdk]
	"InvalidTimeStamp.Expired":    errkind.Unauthenticated, // clock skew over 15 minutes
	"MissingSecurityToken":        errkind.Unauthenticated,
	// A reused nonce means this very signed request reached the cloud
	// before: it may have been applied.
	"SignatureNonceUsed": errkind.Unknown,

	// The request.
	"MissingParameter":        errkind.InvalidArgument, // 400 [public]
	"InvalidParameter":        errkind.InvalidArgument, // 400 [public]
	"IllegalTimestamp":        errkind.InvalidArgument, // 400 [public]
	"InvalidTimeStamp.Format": errkind.InvalidArgument,
	"InvalidRegionId":         errkind.InvalidArgument,
	"InvalidRegion.NotFound":  errkind.InvalidArgument,

	// backupfn's own bugs.
	"InvalidAction":          errkind.Internal, // 403 [public]
	"InvalidAction.NotFound": errkind.Internal,
	"InvalidVersion":         errkind.Internal,
	"UnsupportedHTTPMethod":  errkind.Internal, // 403 [public]
}

// errorTable reads the SDK's *ServerError (Code, Message, RequestId and
// Recommend of any non-2xx JSON body) and maps its code by errorKinds, then
// the documented code families (prefixes and suffixes). An unknown code is
// Unknown: the backup may have started. So is any 5xx without a code (a
// gateway's 502/503/504 says nothing about whether the backend applied the
// call); only a bare 429 is known to be flow control.
var errorTable = &providers.ErrorTable{
	Parts: func(err error) (providers.ErrorParts, bool) {
		var se *sdkerrors.ServerError
		if !errors.As(err, &se) {
			return providers.ErrorParts{}, false
		}
		msg := se.Message()
		// A signature error's Recommend holds the server's string to sign
		// (redacted by the mapper), which says what to fix.
		if r := se.Recommend(); r != "" && (se.ErrorCode() == "SignatureDoesNotMatch" || se.ErrorCode() == "IncompleteSignature") {
			msg += " (" + r + ")"
		}
		return providers.ErrorParts{Code: se.ErrorCode(), Status: se.HttpStatus(), RequestID: se.RequestId(), Message: msg}, true
	},
	Codes: errorKinds,
	Prefixes: map[string]errkind.Kind{
		"Throttling":           errkind.Throttled,
		"InvalidSecurityToken": errkind.Unauthenticated,
		"InvalidAccessKeyId":   errkind.Unauthenticated,
		"Forbidden":            errkind.PermissionDenied,
		"MissingParameter":     errkind.InvalidArgument,
		"InvalidParameter":     errkind.InvalidArgument,
	},
	Suffixes: map[string]errkind.Kind{
		".NotFound":  errkind.NotFound,
		".Malformed": errkind.InvalidArgument,
		".Format":    errkind.InvalidArgument,
	},
	CodelessStatuses: map[int]errkind.Kind{429: errkind.Throttled},
}

// kindOf classifies an error code, or the HTTP status when a proxy answered
// without one.
func kindOf(code string, status int) errkind.Kind { return errorTable.Kind(code, status) }
