package alibabaredis

import (
	"net/http"
	"strings"

	"github.com/backupfn/backupfn/core/errkind"
)

// errorKinds maps the codes R-kvstore and the Alibaba Cloud API gateway
// document (R-kvstore error codes, common POP errors) to kinds.
var errorKinds = map[string]errkind.Kind{
	// transient
	"Throttling":               errkind.Throttled,
	"Throttling.User":          errkind.Throttled,
	"Throttling.Api":           errkind.Throttled,
	"ServiceUnavailable":       errkind.Unavailable,
	"InternalError":            errkind.Unavailable,
	"IncorrectDBInstanceState": errkind.Busy, // e.g. a backup is running
	// the instance
	"InvalidInstanceId.NotFound":   errkind.NotFound,
	"InvalidDbInstanceId.NotFound": errkind.NotFound,
	"InvalidDBInstanceId.NotFound": errkind.NotFound,
	"InstanceStatus.NotSupport":    errkind.Unsupported,
	"IncorrectDBInstanceType":      errkind.Unsupported,
	"IncorrectEngineVersion":       errkind.Unsupported,
	"UnsupportedEngineVersion":     errkind.Unsupported,
	"IncorrectMinorVersion":        errkind.Unsupported,
	// credentials and permissions
	"Forbidden.RAM":               errkind.PermissionDenied,
	"Forbidden":                   errkind.PermissionDenied,
	"InvalidAccessKeyId.NotFound": errkind.Unauthenticated,
	"InvalidAccessKeyId.Inactive": errkind.Unauthenticated,
	"SignatureDoesNotMatch":       errkind.Unauthenticated,
	"IncompleteSignature":         errkind.Unauthenticated,
	"InvalidTimeStamp.Expired":    errkind.Unauthenticated, // clock skew over 15 minutes
	"MissingSecurityToken":        errkind.Unauthenticated,
	// A reused nonce means this very signed request reached the cloud
	// before: it may have been applied.
	"SignatureNonceUsed": errkind.Unknown,
	// the request
	"MissingParameter":        errkind.InvalidArgument,
	"InvalidParameter":        errkind.InvalidArgument,
	"InvalidTimeStamp.Format": errkind.InvalidArgument,
	"InvalidRegionId":         errkind.InvalidArgument,
	"InvalidRegion.NotFound":  errkind.InvalidArgument,
	// backupfn's own bugs
	"InvalidAction.NotFound": errkind.Internal,
	"InvalidVersion":         errkind.Internal,
	"UnsupportedHTTPMethod":  errkind.Internal,
}

// prefixKinds and suffixKinds cover the documented code families.
var (
	prefixKinds = []struct {
		prefix string
		kind   errkind.Kind
	}{
		{"Throttling", errkind.Throttled},
		{"InvalidSecurityToken", errkind.Unauthenticated},
		{"InvalidAccessKeyId", errkind.Unauthenticated},
		{"Forbidden", errkind.PermissionDenied},
		{"MissingParameter", errkind.InvalidArgument},
		{"InvalidParameter", errkind.InvalidArgument},
	}
	suffixKinds = []struct {
		suffix string
		kind   errkind.Kind
	}{
		{".NotFound", errkind.NotFound},
		{".Malformed", errkind.InvalidArgument},
		{".Format", errkind.InvalidArgument},
	}
)

// kindOf classifies an error code, or the HTTP status when a proxy answered
// without one. An unknown code is Unknown: the backup may have started.
func kindOf(code string, status int) errkind.Kind {
	if k, ok := errorKinds[code]; ok {
		return k
	}
	for _, p := range prefixKinds {
		if strings.HasPrefix(code, p.prefix) {
			return p.kind
		}
	}
	for _, s := range suffixKinds {
		if strings.HasSuffix(code, s.suffix) {
			return s.kind
		}
	}
	switch {
	case code != "":
	case status == http.StatusTooManyRequests:
		return errkind.Throttled
	case status == http.StatusServiceUnavailable:
		return errkind.Unavailable
	}
	return errkind.Unknown
}
