package huaweidcs

import (
	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/providers/internal/huaweicommon"
)

// errorTable maps the DCS v2 error codes (DCS API reference, "Error Codes")
// to kinds. API Gateway codes (APIGW.*) come from huaweicommon; codes no
// table knows fall back to the HTTP status.
var errorTable = huaweicommon.Table{
	Codes: map[string]errkind.Kind{
		// Another flow holds the instance: retry later.
		"DCS.4096": errkind.Busy, // the instance is backing up
		"DCS.4097": errkind.Busy, // the instance is restoring
		"DCS.4017": errkind.Busy, // a background job of the instance is still running
		"DCS.4026": errkind.Busy, // not allowed in the instance's current state
		"DCS.4049": errkind.Busy, // the instance is not running
		"DCS.4069": errkind.Busy, // another user is changing the configuration
		"DCS.4111": errkind.Busy, // restarting
		"DCS.4113": errkind.Busy, // resizing
		"DCS.4114": errkind.Busy, // changing configuration
		"DCS.4115": errkind.Busy, // changing password
		"DCS.4116": errkind.Busy, // upgrading
		"DCS.4117": errkind.Busy, // rolling back
		"DCS.4118": errkind.Busy, // creating
		"DCS.4120": errkind.Busy, // frozen
		"DCS.4121": errkind.Busy, // resetting password
		"DCS.4975": errkind.Busy, // creating or restarting
		// The instance cannot be backed up this way.
		"DCS.4086": errkind.Unsupported, // only master/standby instances support this action
		"DCS.4094": errkind.Unsupported, // the system does not support background jobs
		"DCS.4095": errkind.Unsupported, // the system does not support backup and restore
		"DCS.4007": errkind.Unsupported, // the cache engine type is not supported
		"DCS.4027": errkind.Unsupported, // not supported on this node
		// The request is wrong.
		"DCS.4098": errkind.InvalidArgument, // remark longer than 128 characters
		"DCS.4062": errkind.InvalidArgument, // invalid parameter
		"DCS.4063": errkind.InvalidArgument, // invalid parameter
		"DCS.4002": errkind.InvalidArgument, // invalid project ID format
		"DCS.4004": errkind.InvalidArgument, // empty request body
		"DCS.4005": errkind.InvalidArgument, // body is not JSON
		"DCS.4061": errkind.InvalidArgument, // invalid instance ID format
		"DCS.4070": errkind.InvalidArgument, // invalid task ID format
		// Missing things.
		"DCS.4022":  errkind.NotFound, // the instance does not exist
		"DCS.4001":  errkind.NotFound, // the URL does not exist
		"DCS.3022":  errkind.NotFound, // not found (Open Telekom Cloud mirror)
		"111404022": errkind.NotFound, // the instance does not exist (v1 numbering)
		// Identity and permissions.
		"DCS.1001": errkind.Unauthenticated,  // invalid token
		"DCS.1002": errkind.Unauthenticated,  // token expired
		"DCS.1003": errkind.Unauthenticated,  // no token
		"DCS.1004": errkind.Unauthenticated,  // project ID does not match the credentials
		"DCS.2007": errkind.PermissionDenied, // policy does not allow the action
		"DCS.3002": errkind.PermissionDenied, // read-only tenant
		"DCS.3003": errkind.PermissionDenied, // the role may not do this
		// Server side, before anything was applied.
		"DCS.5000": errkind.Unavailable, // the system is busy, try again later
		"DCS.5006": errkind.Unavailable, // the job could not be submitted
		"DCS.5024": errkind.Unavailable, // querying the instance failed
	},
	Prefixes: map[string]errkind.Kind{
		"11140100": errkind.Unauthenticated, // v1 token errors 111401001–111401004
		"11140300": errkind.PermissionDenied,
	},
}
