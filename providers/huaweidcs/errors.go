package huaweidcs

import (
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers/internal/huaweicommon"
)

// errorTable maps the DCS v2 error codes to kinds. Source: the DCS API
// reference's "Error Codes" page (https://support.huaweicloud.com/intl/en-us/api-dcs/ErrorCode.html),
// read through its mirror opentelekomcloud-docs/distributed-cache-service
// api-ref/source/appendix/error_codes.rst@69c114d7 (":original_name:
// ErrorCode.html"); status codes as listed there. API Gateway codes
// (APIGW.*) come from huaweicommon; any 5xx answer is Unknown (the backup
// may have started) whatever its code; other codes fall back to the status.
var errorTable = huaweicommon.Table{
	Codes: map[string]errkind.Kind{
		// Another flow holds the instance: retry later (all 400).
		"DCS.4096": errkind.Busy, // the instance is backuping.
		"DCS.4097": errkind.Busy, // the instance is restoring.
		"DCS.4017": errkind.Busy, // This DCS instance job task is still running.
		"DCS.4026": errkind.Busy, // not allowed when the DCS instance is in the current state
		"DCS.4049": errkind.Busy, // The instance status is not running.
		"DCS.4111": errkind.Busy, // the instance is restarting.
		"DCS.4113": errkind.Busy, // the instance is extending.
		"DCS.4114": errkind.Busy, // the instance is configuring.
		"DCS.4115": errkind.Busy, // the instance is changing the password.
		"DCS.4116": errkind.Busy, // the instance is upgrading.
		"DCS.4117": errkind.Busy, // the instance is rollbacking the version.
		"DCS.4118": errkind.Busy, // the instance is creating.
		"DCS.4120": errkind.Busy, // the instance is Freezing.
		"DCS.4121": errkind.Busy, // resetting password
		"DCS.4975": errkind.Busy, // creating or restarting
		// The instance cannot be backed up this way (400).
		"DCS.4086": errkind.Unsupported, // only master standby instance is support this action
		"DCS.4094": errkind.Unsupported, // the system is not support dcs job.
		"DCS.4095": errkind.Unsupported, // the system is not support backup and restore.
		"DCS.4007": errkind.Unsupported, // Instance type is not supported.
		"DCS.4027": errkind.Unsupported, // This operation is not supported on this node.
		// The request is wrong (400).
		"DCS.4098": errkind.InvalidArgument, // remark must be 0 to 128 characters
		"DCS.4062": errkind.InvalidArgument, // Invalid {0} parameter in the request.
		"DCS.4063": errkind.InvalidArgument, // Invalid {0} parameter in the request.
		"DCS.4002": errkind.InvalidArgument, // Invalid project ID format.
		"DCS.4004": errkind.InvalidArgument, // Empty request body.
		"DCS.4005": errkind.InvalidArgument, // not in JSON format
		"DCS.4061": errkind.InvalidArgument, // Invalid instance ID format.
		"DCS.4070": errkind.InvalidArgument, // Invalid task ID format.
		"DCS.4022": errkind.InvalidArgument, // Engine does not match the product id. (400; not "no such instance")
		// Missing things (404).
		"DCS.3022":  errkind.NotFound, // This DCS instance does not exist.
		"DCS.4001":  errkind.NotFound, // The requested URL does not exist.
		"111404022": errkind.NotFound, // This DCS instance does not exist. (v1 numbering)
		// Identity and permissions.
		"DCS.1001": errkind.Unauthenticated,  // 401 Invalid token.
		"DCS.1002": errkind.Unauthenticated,  // 401 Token expired.
		"DCS.1003": errkind.Unauthenticated,  // 401 No token in the request.
		"DCS.1004": errkind.Unauthenticated,  // 401 Project ID does not match the token.
		"DCS.2003": errkind.PermissionDenied, // 403 the role does not have the permission
		"DCS.2007": errkind.PermissionDenied, // 403 Policy does not allow {} to be performed.
		"DCS.3002": errkind.PermissionDenied, // 403 read permission only
		"DCS.3003": errkind.PermissionDenied, // 403 the role does not have the permission
		// DCS.4069 (another user is modifying the configuration) is listed
		// with status 500: Unknown by the 5xx rule, like DCS.5000 "Internal
		// service error.", DCS.5006 "Submit job failed." and the rest of the
		// DCS.5xxx family.
	},
	Prefixes: map[string]errkind.Kind{
		"DCS.5":    errkind.Unknown,          // DCS.5xxx: server side (500), or listed with a 4xx but unrecognised
		"11140100": errkind.Unauthenticated,  // v1 token errors 111401001–111401004 (401)
		"11140300": errkind.PermissionDenied, // v1 111403002–111403003 (403)
	},
}.Errors()
