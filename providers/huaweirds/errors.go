package huaweirds

import (
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers/internal/huaweicommon"
)

// errorTable maps the RDS v3 error codes to kinds. Source: the RDS API
// reference's "Error Codes" page (https://support.huaweicloud.com/intl/en-us/api-rds/rds_10_0201.html,
// the rows up to DBS.200043 seen there) and its mirror
// opentelekomcloud-docs/relational-database-service
// api-ref/source/appendix/error_codes.rst@03eecfd0 (every row below, with
// the status listed there). API Gateway codes (APIGW.*) come from
// huaweicommon; any 5xx answer is Unknown (the backup may have started)
// whatever its code; other codes fall back to the status.
var errorTable = huaweicommon.Table{
	Codes: map[string]errkind.Kind{
		// Another operation holds the instance: retry later.
		"DBS.200011": errkind.Busy, // 409 another operation is being performed, or the instance is faulty
		"DBS.200019": errkind.Busy, // 409 idem
		"DBS.200047": errkind.Busy, // 409 idem
		"DBS.201202": errkind.Busy, // 409 idem
		"DBS.212006": errkind.Busy, // 409 idem
		"DBS.201205": errkind.Busy, // 409 Backup is in progress, please wait.
		"DBS.200086": errkind.Busy, // 400 This operation is not allowed by the DB instance status.
		"DBS.200316": errkind.Busy, // 409 the DB instance status is Storage full
		// The instance cannot be backed up this way.
		"DBS.201014": errkind.Unsupported, // 400 not allowed by the DB instance status (e.g. a read replica)
		// The request is wrong. A backup name is unique: a name in use is
		// permanent for this request.
		"DBS.201201": errkind.InvalidArgument, // 409 The object already exists.
		"DBS.200001": errkind.InvalidArgument, // 400 Parameter error.
		"DBS.200004": errkind.InvalidArgument, // 400 Parameter error.
		"DBS.200006": errkind.InvalidArgument, // 400 The request is null.
		"DBS.200405": errkind.InvalidArgument, // 400 Parameter error.
		"DBS.200461": errkind.InvalidArgument, // 400 The parameter value is out of range.
		"DBS.201207": errkind.InvalidArgument, // 400 The DB engine or version is not supported.
		"DBS.280001": errkind.InvalidArgument, // 400 Parameter error.
		"DBS.280127": errkind.InvalidArgument, // 400 Invalid backup description.
		"DBS.280128": errkind.InvalidArgument, // 400 The database name does not exist.
		"DBS.280204": errkind.InvalidArgument, // 400 Invalid parameter.
		"DBS.280277": errkind.InvalidArgument, // 400 Invalid object name.
		"DBS.280404": errkind.InvalidArgument, // 400 Invalid DB instance ID or node ID format.
		"DBS.290000": errkind.InvalidArgument, // 400 Parameter error.
		"DBS.290001": errkind.InvalidArgument, // 400 Invalid parameter letter case.
		// Missing things.
		"DBS.200002": errkind.NotFound, // 404 The DB instance does not exist.
		"DBS.200045": errkind.NotFound, // 404 idem
		"DBS.200408": errkind.NotFound, // 404 idem
		"DBS.200602": errkind.NotFound, // 404 idem
		"DBS.201028": errkind.NotFound, // 404 idem
		"DBS.290005": errkind.NotFound, // 404 idem
		"DBS.290011": errkind.NotFound, // 404 idem
		"DBS.201010": errkind.NotFound, // 404 The backup information does not exist.
		"DBS.280214": errkind.NotFound, // 400 The backup does not exist.
		// Identity and permissions.
		"DBS.200010": errkind.PermissionDenied, // 403 the DB instance ID or user ID may be null, or not authorized
		"DBS.200044": errkind.PermissionDenied, // 403 Resource not found or permission denied.
		"DBS.200604": errkind.PermissionDenied, // 403 not authorized
		"DBS.201003": errkind.PermissionDenied, // 403 Resource not found or permission denied.
		"DBS.280015": errkind.PermissionDenied, // 403 idem
		"DBS.280449": errkind.PermissionDenied, // 400 Operation not allowed on frozen objects.
		"DBS.280056": errkind.Unauthenticated,  // 403 Invalid token.
		// DBS.108000, DBS.108002, DBS.108005 and DBS.200005 ("Server
		// failure.", 500) are Unknown by the 5xx rule: the backup may have
		// been created.
	},
}.Errors()
