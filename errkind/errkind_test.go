package errkind

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// multi has several causes but prints as one error (like events.Error).
type multi struct{ errs []error }

func (m multi) Error() string   { return "decoding: bad" }
func (m multi) Unwrap() []error { return m.errs }

func TestMessageOf(t *testing.T) {
	denied := New(PermissionDenied, "chat may not back up x")
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{denied, "chat may not back up x"},
		{fmt.Errorf("run: %w", denied), "chat may not back up x"},
		{&Error{Kind: NotFound, Code: "ResourceNotFound", RequestID: "r"}, "NotFound: ResourceNotFound (request id r)"},
		{errors.New("plain"), "plain"},
	} {
		if got := MessageOf(c.err); got != c.want {
			t.Errorf("MessageOf(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestMessagesOf(t *testing.T) {
	a, b, c := New(InvalidArgument, "unknown target %q", "a"), New(InvalidArgument, "unknown group %q", "b"), errors.New("plain")
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{nil, nil},
		{a, []string{`unknown target "a"`}},
		{errors.Join(a, b), []string{`unknown target "a"`, `unknown group "b"`}},
		{errors.Join(errors.Join(a, c), b), []string{`unknown target "a"`, "plain", `unknown group "b"`}},
		{multi{[]error{New(InvalidArgument, "decoding: bad"), c}}, []string{"decoding: bad"}},
	} {
		if got := MessagesOf(tc.err); !slices.Equal(got, tc.want) {
			t.Errorf("MessagesOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
