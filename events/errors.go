package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/backupfn/backupfn/errkind"
)

// Error is a payload, record or request that could not be decoded. Its
// message says which format was expected and what was wrong, e.g.
//
//	scf timer event: field "Time": want RFC 3339 time, got "yesterday"
//
// Every *Error is an errkind.InvalidArgument to errkind.KindOf, and
// errors.Is finds the sentinel (ErrTooLarge, ErrNotFound, ErrMethod,
// ErrMediaType) it carries, if any.
type Error struct {
	Format string // the expected format, e.g. "scf timer event"
	Field  string // the offending field as the payload spells it, or ""
	Msg    string // what was wrong; when empty, Err says it
	Err    error  // the cause: a nested *Error, a sentinel, a JSON error, or nil
}

// Sentinels carried by an *Error, for HTTPStatus and errors.Is.
var (
	ErrTooLarge  = errors.New("too large")
	ErrNotFound  = errors.New("no such endpoint")
	ErrMethod    = errors.New("method not allowed")
	ErrMediaType = errors.New("unsupported media type")
)

// Error renders "format: field "F": message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Format)
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg == "" {
		msg = "invalid"
	}
	b.WriteString(": ")
	b.WriteString(msg)
	return b.String()
}

// Unwrap returns an errkind.InvalidArgument error with the same message,
// then the cause.
func (e *Error) Unwrap() []error {
	errs := []error{&errkind.Error{Kind: errkind.InvalidArgument, Message: e.Error()}}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// HTTPStatus returns the HTTP status to answer a decoding error with: 200
// for nil, 413, 404, 405 or 415 for the sentinels, else 400.
func HTTPStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrMediaType):
		return http.StatusUnsupportedMediaType
	}
	return http.StatusBadRequest
}

// wrap puts err in the context of format and field.
func wrap(format, field string, err error) *Error {
	return &Error{Format: format, Field: field, Err: err}
}

// fieldError is a field-level problem.
func fieldError(format, field, msg string, args ...any) *Error {
	return &Error{Format: format, Field: field, Msg: fmt.Sprintf(msg, args...)}
}

// checkSize rejects more than limit bytes.
func checkSize(format string, n, limit int) error {
	if n > limit {
		return &Error{Format: format, Msg: fmt.Sprintf("%d bytes: the limit is %d", n, limit), Err: ErrTooLarge}
	}
	return nil
}

// unmarshal decodes JSON into v, describing a failure in format's terms;
// prefix is prepended to the field path of a type error.
func unmarshal(format, prefix string, data []byte, v any) error {
	if len(strings.TrimSpace(string(data))) == 0 {
		return &Error{Format: format, Field: strings.TrimSuffix(prefix, "."), Msg: "empty: want JSON"}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return jsonError(format, prefix, err)
	}
	return nil
}

// jsonError describes a json.Unmarshal error.
func jsonError(format, prefix string, err error) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &Error{Format: format, Field: strings.TrimSuffix(prefix, "."),
			Msg: fmt.Sprintf("invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: ")), Err: err}
	case errors.As(err, &typ):
		field := strings.TrimSuffix(prefix+typ.Field, ".")
		return &Error{Format: format, Field: field, Msg: fmt.Sprintf("want %s, got a JSON %s", describe(typ.Type), typ.Value), Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Format: format, Msg: "truncated JSON", Err: err}
	}
	var e *Error
	if errors.As(err, &e) {
		return wrap(format, strings.TrimSuffix(prefix, "."), err)
	}
	return &Error{Format: format, Field: strings.TrimSuffix(prefix, "."), Msg: strings.TrimPrefix(err.Error(), "json: "), Err: err}
}

// describe names a Go type the way a payload's author thinks of it.
func describe(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

// quote renders s for an error message, shortened to 64 characters.
func quote(s string) string {
	if utf8.RuneCountInString(s) > 64 {
		r := []rune(s)
		return fmt.Sprintf("%q…", string(r[:64]))
	}
	return fmt.Sprintf("%q", s)
}

// snippet renders raw JSON for an error message, shortened.
func snippet(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	if utf8.RuneCountInString(s) > 64 {
		s = string([]rune(s)[:64]) + "…"
	}
	if s == "" {
		return "nothing"
	}
	return s
}
