// Package errkind is backupfn's one error-kind enum.
//
// Every provider maps its cloud's error codes to a Kind with a lookup table and
// returns an *Error that keeps the SDK error reachable with errors.As. The core,
// the CLI and the entrypoints decide retries, exit codes and HTTP statuses from
// the Kind alone. The numbers never change: they appear in reports and events.
package errkind

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error. The zero value OK means "no error".
type Kind int

// The kinds. Numbers are stable; add new kinds at the end.
const (
	OK               Kind = 0
	Unknown          Kind = 1  // ambiguous: the request may or may not have been applied
	InvalidArgument  Kind = 2  // the request is wrong; retrying will not help
	NotFound         Kind = 3  // the instance (or task) does not exist
	PermissionDenied Kind = 4  // authenticated, but not allowed
	Unauthenticated  Kind = 5  // bad, unknown or expired credentials or signature
	Throttled        Kind = 6  // rate limit hit: retry later
	Unavailable      Kind = 7  // transient server or network failure before the request was applied
	Busy             Kind = 8  // the instance is locked, e.g. another backup is running
	Unsupported      Kind = 9  // the instance type cannot be backed up this way
	Canceled         Kind = 10 // the caller canceled
	DeadlineExceeded Kind = 11 // the caller's deadline passed
	Internal         Kind = 12 // a bug or misconfiguration in backupfn itself
)

var names = [...]string{
	OK:               "OK",
	Unknown:          "Unknown",
	InvalidArgument:  "InvalidArgument",
	NotFound:         "NotFound",
	PermissionDenied: "PermissionDenied",
	Unauthenticated:  "Unauthenticated",
	Throttled:        "Throttled",
	Unavailable:      "Unavailable",
	Busy:             "Busy",
	Unsupported:      "Unsupported",
	Canceled:         "Canceled",
	DeadlineExceeded: "DeadlineExceeded",
	Internal:         "Internal",
}

// String returns the kind's name, e.g. "NotFound".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Parse returns the Kind named s (as printed by String).
func Parse(s string) (Kind, error) {
	for i, n := range names {
		if strings.EqualFold(n, s) {
			return Kind(i), nil
		}
	}
	return Unknown, fmt.Errorf("unknown error kind %q (known: %s)", s, strings.Join(names[:], ", "))
}

// MarshalText encodes the kind as its name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes a kind name.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// Retryable reports whether an operation that failed with k may simply be
// tried again: the cloud said no before doing anything and may say yes later.
// Unknown and DeadlineExceeded are not retryable by this rule: the backup may
// have started, so a retry must first look for it (see Ambiguous).
func Retryable(k Kind) bool {
	return k == Throttled || k == Unavailable || k == Busy
}

// Ambiguous reports whether a failure of kind k leaves it unknown whether the
// request was applied (a timeout or a lost response).
func Ambiguous(k Kind) bool {
	return k == Unknown || k == DeadlineExceeded
}

// Error is a classified error. Message is safe to print: providers build it
// without credentials. Err, the original SDK or network error, is reachable
// with errors.As/Unwrap but is not part of Error().
type Error struct {
	Kind      Kind
	Code      string // the cloud's error code, e.g. "ResourceNotFound.InstanceNotExists"
	RequestID string // the cloud's request ID, when it answered
	Message   string
	Err       error
}

// Error renders "Kind: code: message (request id X)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the original error.
func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error of kind k with a formatted message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// KindOf classifies err: the Kind of the first *Error in its chain, Canceled
// or DeadlineExceeded for the context errors, OK for nil, else Unknown.
func KindOf(err error) Kind {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	switch {
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	}
	return Unknown
}

// CodeOf returns the cloud error code in err's chain, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// MessageOf returns err's message without its kind, as a report, an HTTP
// body or the CLI shows it: the Message of the first *Error in err's chain,
// or err.Error() when there is none (or its Message is empty); "" for nil.
func MessageOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return err.Error()
}

// MessagesOf returns one message per error of an errors.Join (each as
// MessagesOf gives it, so nested joins are flattened), or MessageOf(err)
// alone for any other error; nil for nil.
func MessagesOf(err error) []string {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok && isJoin(err, j.Unwrap()) {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, MessagesOf(e)...)
		}
		return out
	}
	return []string{MessageOf(err)}
}

// isJoin reports whether err, with the errors errs, prints as errors.Join
// documents: the texts of errs, one per line. Other errors with several
// causes (e.g. a decoding error that also carries its kind) print as one.
func isJoin(err error, errs []error) bool {
	texts := make([]string, 0, len(errs))
	for _, e := range errs {
		if e != nil {
			texts = append(texts, e.Error())
		}
	}
	return len(texts) > 0 && err.Error() == strings.Join(texts, "\n")
}
