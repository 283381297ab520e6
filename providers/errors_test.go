package providers

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/backupfn/backupfn/errkind"
)

// sdkError stands for a cloud SDK's error type.
type sdkError struct{ p ErrorParts }

func (e *sdkError) Error() string { return "sdk: " + e.p.Code + ": " + e.p.Message }

var testTable = &ErrorTable{
	Parts: func(err error) (ErrorParts, bool) {
		var se *sdkError
		if !errors.As(err, &se) {
			return ErrorParts{}, false
		}
		return se.p, true
	},
	Codes:            map[string]errkind.Kind{"Busy.Now": errkind.Busy, "Limit": errkind.Throttled},
	Families:         map[string]errkind.Kind{"Limit": errkind.Throttled, "Auth": errkind.Unauthenticated},
	Prefixes:         map[string]errkind.Kind{"X.1": errkind.NotFound, "X.10": errkind.PermissionDenied},
	Suffixes:         map[string]errkind.Kind{".Missing": errkind.NotFound, "Bad.Missing": errkind.InvalidArgument},
	Statuses:         map[int]errkind.Kind{409: errkind.Busy},
	CodelessStatuses: map[int]errkind.Kind{429: errkind.Throttled},
}

func TestErrorTableKind(t *testing.T) {
	server := *testTable
	server.ServerErrors = errkind.Unknown
	server.Default = errkind.Internal
	for _, c := range []struct {
		tb     *ErrorTable
		code   string
		status int
		want   errkind.Kind
	}{
		{testTable, "Busy.Now", 400, errkind.Busy},
		{testTable, "Limit", 0, errkind.Throttled},
		{testTable, "Limit.Api", 0, errkind.Throttled}, // family
		{testTable, "Auth.Expired", 0, errkind.Unauthenticated},
		{testTable, "AuthX", 0, errkind.Unknown}, // a family is the part before '.', not a prefix
		{testTable, "X.1999", 0, errkind.NotFound},
		{testTable, "X.1004", 0, errkind.PermissionDenied}, // the longest prefix wins
		{testTable, "Thing.Missing", 0, errkind.NotFound},
		{testTable, "Bad.Missing", 0, errkind.InvalidArgument},
		{testTable, "New", 409, errkind.Busy},    // status, whatever the code
		{testTable, "New", 429, errkind.Unknown}, // a codeless status needs no code
		{testTable, "", 429, errkind.Throttled},
		{testTable, "New", 400, errkind.Unknown},    // the default default
		{&server, "Busy.Now", 503, errkind.Unknown}, // any 5xx first
		{&server, "New", 400, errkind.Internal},
	} {
		if got := c.tb.Kind(c.code, c.status); got != c.want {
			t.Errorf("Kind(%q, %d) = %v, want %v", c.code, c.status, got, c.want)
		}
	}
}

func TestErrorTableError(t *testing.T) {
	creds := Credentials{ID: "AKIDexample0001", Secret: "s3cr3t/value+x", Token: "tok-0123456789"}
	ctx := context.Background()
	se := &sdkError{ErrorParts{Code: "Busy.Now", Status: 400, RequestID: "r-1",
		Message: "key AKIDexample0001 token " + url.QueryEscape(url.QueryEscape(creds.Token)) + " busy"}}
	err := testTable.Error(ctx, "Backup", se, creds)
	var ke *errkind.Error
	if !errors.As(err, &ke) || ke.Kind != errkind.Busy || ke.Code != "Busy.Now" || ke.RequestID != "r-1" ||
		ke.Message != "Backup: key [redacted] token [redacted] busy" {
		t.Fatalf("Error = %#v", err)
	}
	var got *sdkError
	if !errors.As(err, &got) || got != se {
		t.Fatal("the SDK error is not reachable with errors.As")
	}
	if s := errors.Unwrap(ke).Error(); strings.Contains(s, creds.ID) {
		t.Fatalf("the kept SDK error prints the key ID: %s", s)
	}

	long := &sdkError{ErrorParts{Code: "New", Message: strings.Repeat("é", 1500)}}
	if m := testTable.Error(ctx, "Op", long, creds).(*errkind.Error).Message; len(m) > maxMessage+len("Op: ...") || !strings.HasSuffix(m, "é...") {
		t.Fatalf("a long message is not clipped on a character boundary: %d bytes, ends %q", len(m), m[len(m)-8:])
	}

	unread := &sdkError{ErrorParts{Status: 200, RequestID: "r-2", Message: "bad json", Unreadable: true}}
	if ke := testTable.Error(ctx, "Op", unread, creds).(*errkind.Error); ke.Kind != errkind.Unknown || ke.Message != "Op: unreadable response: bad json" {
		t.Fatalf("unreadable answer: %#v", ke)
	}

	// Not the cloud's answer: TransportError, with the URL's query dropped.
	ue := &url.Error{Op: "Get", URL: "http://h/?AccessKeyId=" + creds.ID + "&Signature=abc", Err: syscall.ECONNREFUSED}
	err = testTable.Error(ctx, "Op", ue, creds)
	if errkind.KindOf(err) != errkind.Unavailable || strings.Contains(err.Error(), "Signature") || strings.Contains(err.Error(), creds.ID) ||
		!errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("transport error: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := testTable.Error(canceled, "Op", errors.New("reset"), creds); errkind.KindOf(err) != errkind.Canceled {
		t.Fatalf("canceled: %v", err)
	}
}
