package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what one payload or request may carry.
const (
	MaxPayloadSize = 6 << 20 // a whole platform payload (a batch, an API gateway event)
	MaxBodySize    = 1 << 20 // one request body, message body or HTTP body
	MaxItems       = 100     // targets and groups together, in one request
	MaxStringLen   = 256     // characters in one target, group, remark or key
)

const (
	formatBody = "request body"
	formatText = "request text"
)

// Request is what to back up, as a body or a timer's text gives it.
type Request struct {
	Targets        []string `json:"targets,omitempty"`         // target names from the config, or target URLs
	Groups         []string `json:"groups,omitempty"`          // group names from the config
	Remark         string   `json:"remark,omitempty"`          // overrides the targets' remark
	IdempotencyKey string   `json:"idempotency_key,omitempty"` // becomes the dedupe key, "idem:" + key
}

var requestFields = []string{"targets", "groups", "remark", "idempotency_key"}

// DecodeRequest decodes a JSON request body strictly: an unknown field, a
// value of the wrong type, an empty request and a limit exceeded (see
// MaxBodySize, MaxItems, MaxStringLen) are errors naming what was wrong.
func DecodeRequest(b []byte) (Request, error) {
	if err := checkSize(formatBody, len(b), MaxBodySize); err != nil {
		return Request{}, err
	}
	var fields map[string]json.RawMessage
	if err := unmarshal(formatBody, "", b, &fields); err != nil {
		return Request{}, err
	}
	if fields == nil {
		return Request{}, &Error{Format: formatBody, Msg: "want a JSON object, got null"}
	}
	var r Request
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if err := r.set(k, fields[k]); err != nil {
			return Request{}, err
		}
	}
	return r, r.validate(formatBody)
}

// set decodes one field, spelled exactly as documented.
func (r *Request) set(k string, v json.RawMessage) error {
	var dst any
	want := "an array of strings"
	switch k {
	case "targets":
		dst = &r.Targets
	case "groups":
		dst = &r.Groups
	case "remark":
		dst, want = &r.Remark, "a string"
	case "idempotency_key":
		dst, want = &r.IdempotencyKey, "a string"
	default:
		return fieldError(formatBody, k, "unknown field (known: %s)", strings.Join(requestFields, ", "))
	}
	if json.Unmarshal(v, dst) != nil {
		return fieldError(formatBody, k, "want %s, got %s", want, snippet(v))
	}
	return nil
}

// validate applies the limits and the name rules.
func (r Request) validate(format string) error {
	switch n := len(r.Targets) + len(r.Groups); {
	case n == 0:
		return &Error{Format: format, Msg: "nothing to back up: want at least one target or group"}
	case n > MaxItems:
		return &Error{Format: format, Msg: fmt.Sprintf("%d targets and groups: the limit is %d", n, MaxItems)}
	}
	for i, t := range r.Targets {
		if msg := badTarget(t); msg != "" {
			return fieldError(format, fmt.Sprintf("targets[%d]", i), "%s", msg)
		}
	}
	for i, g := range r.Groups {
		if msg := badName(g); msg != "" {
			return fieldError(format, fmt.Sprintf("groups[%d]", i), "%s", msg)
		}
	}
	if msg := badString(r.Remark); msg != "" {
		return fieldError(format, "remark", "%s", msg)
	}
	if msg := badString(r.IdempotencyKey); msg != "" {
		return fieldError(format, "idempotency_key", "%s", msg)
	}
	return nil
}

// badString says what is wrong with a string value, or "".
func badString(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	case utf8.RuneCountInString(s) > MaxStringLen:
		return fmt.Sprintf("%d characters: the limit is %d", utf8.RuneCountInString(s), MaxStringLen)
	case strings.ContainsFunc(s, unicode.IsControl):
		return fmt.Sprintf("%s contains a control character", quote(s))
	}
	return ""
}

// badName says what is wrong with a target or group name, or "".
func badName(s string) string {
	if msg := badString(s); msg != "" {
		return msg
	}
	if !isName(s) {
		return fmt.Sprintf("%s is not a name: want letters, digits, '-', '_' or '.', starting with a letter or digit", quote(s))
	}
	return ""
}

// badTarget says what is wrong with a target name or URL, or "".
func badTarget(s string) string {
	if msg := badString(s); msg != "" || isName(s) {
		return msg
	}
	if i := strings.Index(s, "://"); i > 0 && i+3 < len(s) && !strings.ContainsFunc(s, unicode.IsSpace) {
		return ""
	}
	return fmt.Sprintf("%s is neither a target name nor a target URL (scheme://region/instance)", quote(s))
}

func isName(s string) bool {
	if s == "" || !isAlnum(rune(s[0])) {
		return false
	}
	return !strings.ContainsFunc(s, func(c rune) bool { return !isAlnum(c) && c != '-' && c != '_' && c != '.' })
}

func isAlnum(c rune) bool {
	return c < utf8.RuneSelf && (unicode.IsLetter(c) || unicode.IsDigit(c))
}

// parseText reads a request from a body that may be JSON or words (see the
// package doc).
func parseText(b []byte) (Request, error) {
	if err := checkSize(formatText, len(b), MaxBodySize); err != nil {
		return Request{}, err
	}
	t := bytes.TrimSpace(b)
	switch {
	case len(t) == 0:
		return Request{}, &Error{Format: formatText, Msg: "empty: want a JSON request body or group names"}
	case t[0] == '{':
		return DecodeRequest(t)
	}
	return parseWords(string(t))
}

// parseWords reads the word grammar of the package doc.
func parseWords(s string) (Request, error) {
	var r Request
	bare := &r.Groups
	for _, w := range words(s) {
		switch lw := strings.ToLower(w); {
		case lw == "group" || lw == "groups":
			bare = &r.Groups
		case lw == "target" || lw == "targets":
			bare = &r.Targets
		case strings.HasPrefix(lw, "target:"):
			r.Targets = append(r.Targets, w[len("target:"):])
		case strings.HasPrefix(lw, "group:"):
			r.Groups = append(r.Groups, w[len("group:"):])
		default:
			*bare = append(*bare, w)
		}
		if n := len(r.Targets) + len(r.Groups); n > MaxItems {
			return Request{}, &Error{Format: formatText, Msg: fmt.Sprintf("more than %d targets and groups", MaxItems)}
		}
	}
	return r, r.validate(formatText)
}

// words splits on spaces, and on commas outside URLs.
func words(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if strings.Contains(f, "://") {
			out = append(out, strings.TrimSuffix(f, ","))
			continue
		}
		for w := range strings.SplitSeq(f, ",") {
			if w != "" {
				out = append(out, w)
			}
		}
	}
	return out
}

// timerRequest reads a timer's text; empty text names the timer's group.
func timerRequest(text, name string) (Request, error) {
	if strings.TrimSpace(text) == "" {
		if badName(name) != "" {
			return Request{}, &Error{Format: formatText, Msg: fmt.Sprintf("empty, and the timer's name %s is no group name to default to", quote(name))}
		}
		return Request{Groups: []string{name}}, nil
	}
	r, err := parseText([]byte(text))
	if err == nil && r.IdempotencyKey != "" {
		err = fieldError(formatBody, "idempotency_key", "not allowed in a timer's text: every run after the first would be a duplicate")
	}
	return r, err
}
