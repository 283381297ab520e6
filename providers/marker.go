package providers

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/backupfn/backupfn/errkind"
)

// markerTag prefixes a marker inside a free-text field (remark, description).
const markerTag = "bfn:"

// WithMarker appends marker to a free-text field such as a remark:
// "nightly" + "m1234567890ab" → "nightly bfn:m1234567890ab". An empty marker
// leaves text as it is.
func WithMarker(text, marker string) string {
	if marker == "" {
		return text
	}
	if text == "" {
		return markerTag + marker
	}
	return text + " " + markerTag + marker
}

// HasMarker reports whether text carries marker (as written by WithMarker).
func HasMarker(text, marker string) bool {
	return marker != "" && strings.Contains(text, markerTag+marker)
}

// NameWithMarker returns name with "-"+marker appended, cut so the result is
// at most max characters (for RDS backup names, which are unique and so
// carry the marker themselves).
func NameWithMarker(name, marker string, max int) string {
	if marker == "" {
		return name
	}
	suffix := "-" + marker
	if len(name)+len(suffix) > max {
		name = name[:max-len(suffix)]
	}
	return name + suffix
}

// TransportError classifies an error that is not the cloud's answer: the
// caller's context, a connection that could not be made (Unavailable: nothing
// was sent), or anything else after the request may have been sent
// (Unknown: the backup may have started). msg must hold no credentials.
func TransportError(ctx context.Context, err error, msg string) error {
	k := errkind.Unknown
	var op *net.OpError
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		k = errkind.Canceled
	case ctx.Err() != nil:
		k = errkind.DeadlineExceeded
	case errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &op) && op.Op == "dial":
		k = errkind.Unavailable
	case errors.Is(err, context.DeadlineExceeded):
		k = errkind.DeadlineExceeded
	}
	return &errkind.Error{Kind: k, Message: msg, Err: err}
}
