package huaweirds

import (
	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/providers/internal/huaweicommon"
)

// errorTable maps the RDS v3 error codes (RDS API reference, "Error Codes")
// to kinds. API Gateway codes (APIGW.*) come from huaweicommon; codes no
// table knows fall back to the HTTP status.
var errorTable = huaweicommon.Table{
	Codes: map[string]errkind.Kind{
		// Another operation holds the instance: retry later.
		"DBS.200011": errkind.Busy, // 409 another operation is running, or the instance is faulty
		"DBS.200019": errkind.Busy, // 409 idem
		"DBS.200047": errkind.Busy, // 409 idem
		"DBS.201202": errkind.Busy, // 409 idem
		"DBS.212006": errkind.Busy, // 409 idem
		"DBS.201205": errkind.Busy, // 409 a backup is in progress
		"DBS.200086": errkind.Busy, // 400 not allowed in the instance's current status
		"DBS.200316": errkind.Busy, // 409 the instance's storage is full
		// The instance cannot be backed up this way.
		"DBS.201014": errkind.Unsupported, // 400 not allowed for this instance (e.g. a read replica)
		// The request is wrong. A backup name is unique per project: a name
		// in use is permanent for this request.
		"DBS.201201": errkind.InvalidArgument, // 409 the object (backup name) already exists
		"DBS.200001": errkind.InvalidArgument, // 400 parameter error
		"DBS.200004": errkind.InvalidArgument, // 400 parameter error
		"DBS.200006": errkind.InvalidArgument, // 400 empty request
		"DBS.200405": errkind.InvalidArgument, // 400 parameter error
		"DBS.200461": errkind.InvalidArgument, // 400 value out of range
		"DBS.201207": errkind.InvalidArgument, // 400 engine or version does not support this (e.g. databases on MySQL)
		"DBS.280001": errkind.InvalidArgument, // 400 parameter error
		"DBS.280127": errkind.InvalidArgument, // 400 invalid backup description
		"DBS.280128": errkind.InvalidArgument, // 400 the database does not exist
		"DBS.280204": errkind.InvalidArgument, // 400 invalid parameter
		"DBS.280277": errkind.InvalidArgument, // 400 invalid object name
		"DBS.280404": errkind.InvalidArgument, // 400 invalid instance ID format
		"DBS.290000": errkind.InvalidArgument, // 400 parameter error
		"DBS.290001": errkind.InvalidArgument, // 400 invalid parameter letter case
		// Missing things.
		"DBS.200002": errkind.NotFound, // 404 the instance does not exist
		"DBS.200045": errkind.NotFound, // 404 idem
		"DBS.200408": errkind.NotFound, // 404 idem
		"DBS.200602": errkind.NotFound, // 404 idem
		"DBS.201028": errkind.NotFound, // 404 idem
		"DBS.290005": errkind.NotFound, // 404 idem
		"DBS.290011": errkind.NotFound, // 404 idem
		"DBS.201010": errkind.NotFound, // 404 the backup does not exist
		"DBS.280214": errkind.NotFound, // 400 the backup does not exist
		// Identity and permissions.
		"DBS.200010": errkind.PermissionDenied, // 403 not authorized (or project mismatch)
		"DBS.200044": errkind.PermissionDenied, // 403 resource not found or permission denied
		"DBS.200604": errkind.PermissionDenied, // 403 not authorized
		"DBS.201003": errkind.PermissionDenied, // 403 resource not found or permission denied
		"DBS.280015": errkind.PermissionDenied, // 403 idem
		"DBS.280449": errkind.PermissionDenied, // 400 the instance is frozen
		"DBS.280056": errkind.Unauthenticated,  // 403 invalid token
		// Server side, before anything was applied.
		"DBS.108000": errkind.Unavailable, // 500 server failure
		"DBS.108002": errkind.Unavailable, // 500 server failure
		"DBS.108005": errkind.Unavailable, // 500 server failure
		"DBS.200005": errkind.Unavailable, // 500 server failure
	},
}
