package providers

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/backupfn/backupfn/errkind"
)

// ErrorParts are the parts of a cloud's error answer, as a provider reads
// them out of its SDK's error.
type ErrorParts struct {
	Code      string // the cloud's error code, e.g. "ResourceNotFound.InstanceNotExists"; "" when it sent none
	Status    int    // the HTTP status; 0 when the SDK does not report it
	RequestID string
	Message   string // the cloud's message, as it sent it (the mapper redacts it)
	// Unreadable is true when the cloud answered success but the SDK could
	// not read the answer: the call may have been applied (Unknown).
	Unreadable bool
}

// ErrorTable is one cloud API's error mapping, in the shape of go-cloud's
// gcerrors and its drivers' ErrorCode: the provider says how to read its
// SDK's error (Parts) and which kind each code means; ErrorTable.Error is the
// one place where a cloud's answer becomes an *errkind.Error, and where
// credentials are redacted from it, the same way for every cloud.
//
// A code is looked up in this order, the first match winning: ServerErrors
// (any 5xx, when set), Codes (exact), Families (the part before the first
// '.', e.g. every RequestLimitExceeded.*), Prefixes (the longest that
// matches), Suffixes (the longest that matches), Statuses (the HTTP status,
// whatever the code), CodelessStatuses (the HTTP status of an answer with no
// code, e.g. a proxy's), and last Default.
type ErrorTable struct {
	// Parts reads the cloud's answer out of an SDK error; ok is false when
	// err is not the cloud's answer (a network or SDK failure), which
	// TransportError then classifies.
	Parts func(err error) (p ErrorParts, ok bool)

	// ServerErrors, when not OK, is the kind of every 5xx answer whatever
	// its code (Huawei: Unknown, the call may have been applied).
	ServerErrors errkind.Kind
	Codes        map[string]errkind.Kind
	Families     map[string]errkind.Kind
	Prefixes     map[string]errkind.Kind
	Suffixes     map[string]errkind.Kind
	Statuses     map[int]errkind.Kind
	// CodelessStatuses apply only to answers without a code.
	CodelessStatuses map[int]errkind.Kind
	// Default is the kind of an answer nothing above matched; OK (the zero
	// value) means Unknown: the request may have been applied.
	Default errkind.Kind
}

// maxMessage bounds a cloud message kept in an error (Alibaba's
// SignatureDoesNotMatch echoes the whole string to sign).
const maxMessage = 2000

// Kind classifies an error code and HTTP status (0: not known) by tb.
func (tb *ErrorTable) Kind(code string, status int) errkind.Kind {
	if tb.ServerErrors != errkind.OK && status >= 500 {
		return tb.ServerErrors
	}
	if k, ok := tb.Codes[code]; ok {
		return k
	}
	family, _, _ := strings.Cut(code, ".")
	if k, ok := tb.Families[family]; ok {
		return k
	}
	if k, ok := longest(tb.Prefixes, code, strings.HasPrefix); ok {
		return k
	}
	if k, ok := longest(tb.Suffixes, code, strings.HasSuffix); ok {
		return k
	}
	if k, ok := tb.Statuses[status]; ok {
		return k
	}
	if k, ok := tb.CodelessStatuses[status]; ok && code == "" {
		return k
	}
	if tb.Default == errkind.OK {
		return errkind.Unknown
	}
	return tb.Default
}

// longest returns the kind of the longest key of m that match(code, key).
func longest(m map[string]errkind.Kind, code string, match func(s, affix string) bool) (errkind.Kind, bool) {
	best, found := "", false
	for a := range m {
		if a != "" && match(code, a) && len(a) > len(best) {
			best, found = a, true
		}
	}
	return m[best], found
}

// Error classifies err, returned by the SDK call op (e.g. "CopyInstance")
// made with creds under ctx: the cloud's answer through tb, anything else
// through TransportError. The message is "op: " and the cloud's message (or
// the error's text), with every form of creds redacted and a request URL's
// query (signed parameters) dropped; the SDK error stays reachable with
// errors.As, behind a wrapper that prints the same redacted text.
func (tb *ErrorTable) Error(ctx context.Context, op string, err error, creds Credentials) error {
	hidden := Hide(err, creds)
	var p ErrorParts
	ok := false
	if tb.Parts != nil {
		p, ok = tb.Parts(err)
	}
	if !ok {
		return TransportError(ctx, hidden, op+": "+hidden.Error())
	}
	msg := clip(Redact(p.Message, creds))
	if p.Unreadable {
		return &errkind.Error{Kind: errkind.Unknown, RequestID: p.RequestID,
			Message: op + ": unreadable response: " + msg, Err: hidden}
	}
	return &errkind.Error{Kind: tb.Kind(p.Code, p.Status), Code: p.Code, RequestID: p.RequestID,
		Message: op + ": " + msg, Err: hidden}
}

// clip cuts s to maxMessage bytes, on a character boundary.
func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	n := maxMessage
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// Hide wraps err so that printing it shows no credentials of creds and no
// request URL's query; errors.Is and errors.As still reach err.
func Hide(err error, creds Credentials) error {
	if err == nil {
		return nil
	}
	return &redactedError{err: err, text: Redact(withoutQuery(err), creds)}
}

type redactedError struct {
	err  error
	text string
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// withoutQuery is err's text with the query of each *url.Error's URL in its
// chain dropped: a signed request (Alibaba's RPC style) carries the key ID,
// the STS token and the signature there.
func withoutQuery(err error) string {
	s := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if ue, ok := e.(*url.Error); ok {
			if u, _, cut := strings.Cut(ue.URL, "?"); cut {
				s = strings.ReplaceAll(s, ue.URL, u)
			}
		}
	}
	return s
}
