// Package signature is backupfn's webhook signature scheme, shared by the
// inbound HTTP API (which verifies it) and the webhook sink (which signs):
//
//	X-Backupfn-Signature: t=<unix seconds>[,k=<key ID>],v2=<hex HMAC-SHA256(secret, V2String + body)>
//
// where the v2 string covers the route and the headers that decide how a
// request is deduplicated (SignedHeaders) besides the body; the older
//
//	X-Backupfn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// covers the body only (the webhook sink's outbound events, and callers
// that send no such header); and Slack's request signature for slash
// commands.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backupfn/backupfn/errkind"
)

// Header carries the HMAC of a webhook request:
//
//	X-Backupfn-Signature: t=<unix seconds>[,k=<key ID>],v2=<hex>   (see V2String)
//	X-Backupfn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// Several v2= (or v1=) values may be given (one per secret, while a secret
// rotates). Never send v1= with an Idempotency-Key or ce-* header: it
// covers the body only, and stripped of its v2= and those headers the
// request would still verify.
const Header = "X-Backupfn-Signature"

// Window is how far a signature's timestamp may be from now.
const Window = 5 * time.Minute

// Sign returns the X-Backupfn-Signature value for body at time t. The
// webhook sink and tests use it; callers in other languages do the same
// HMAC-SHA256 over "<t>.<body>".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hmacHex(secret, ts+".", body)
}

func hmacHex(secret []byte, prefix string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(prefix))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// refused is a failed check (an HTTP 401): an Unauthenticated error whose
// message is safe to show the caller.
func refused(reason string) error {
	return &errkind.Error{Kind: errkind.Unauthenticated, Message: reason}
}

// Key is one webhook signing key. Several may be live at once (rotation
// without downtime); a caller may name the one it used with k=<ID>.
type Key struct {
	ID     string
	Secret []byte
}

// Verify checks a v1 signature of body alone:
//
//	t=<unix>[,k=<key ID>],v1=<hex>[,v1=<hex>...]
//
// against the keys (only key k when the header names one) and returns the
// ID of the key that matched. Comparison is constant-time. The HTTP API
// uses VerifyRequest, which also takes v2 signatures and refuses a v1
// signature on a request whose unsigned headers would decide its
// deduplication.
func Verify(keys []Key, header string, body []byte, now time.Time) (string, error) {
	p, err := parse(keys, header, now)
	if err != nil {
		return "", err
	}
	if len(p.v1) == 0 {
		return "", refused(Header + " has no v1= signature")
	}
	for _, k := range p.candidates(keys) {
		if match(p.v1, hmacHex(k.Secret, p.ts+".", body)) {
			return k.ID, nil
		}
	}
	return "", refused("signature does not match the body")
}

// parsed is a syntactically valid X-Backupfn-Signature header whose
// timestamp is within the window and whose key ID, if any, is known.
type parsed struct {
	ts, keyID string
	v1, v2    []string
}

// parse reads the header and checks everything that needs no body: a key
// is configured, the header is there, the timestamp is a unix time within
// the window, there is a v1= or v2= value, a named key exists.
func parse(keys []Key, header string, now time.Time) (parsed, error) {
	var p parsed
	if len(usable(keys)) == 0 {
		return p, refused("no webhook secret is configured (set BACKUPFN_WEBHOOK_SECRET): every request is refused")
	}
	if header == "" {
		return p, refused("missing " + Header + " header: want t=<unix>,v2=<hex HMAC-SHA256(secret, the v2 string)> (see SECURITY.md)")
	}
	if len(header) > 4096 {
		return p, refused(Header + " is over 4096 bytes")
	}
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			p.ts = v
		case "k":
			p.keyID = v
		case "v1":
			p.v1 = append(p.v1, v)
		case "v2":
			p.v2 = append(p.v2, v)
		}
	}
	if err := checkTimestamp(p.ts, now); err != nil {
		return p, err
	}
	if len(p.v1)+len(p.v2) == 0 {
		return p, refused(Header + " has no v2= (or v1=) signature")
	}
	if len(p.candidates(keys)) == 0 {
		return p, refused(fmt.Sprintf("unknown key ID k=%.40q", p.keyID))
	}
	return p, nil
}

// usable drops keys with an empty secret, which would make every
// signature valid.
func usable(keys []Key) []Key {
	var out []Key
	for _, k := range keys {
		if len(k.Secret) > 0 {
			out = append(out, k)
		}
	}
	return out
}

// candidates are the keys the signature may be by: key k when named.
func (p parsed) candidates(keys []Key) []Key {
	var out []Key
	for _, k := range usable(keys) {
		if p.keyID == "" || k.ID == p.keyID {
			out = append(out, k)
		}
	}
	return out
}

// match reports whether any of got is want, in constant time for each.
func match(got []string, want string) bool {
	ok := false
	for _, g := range got {
		ok = hmac.Equal([]byte(g), []byte(want)) || ok
	}
	return ok
}

// Precheck checks what of a webhook signature needs no body (see parse),
// so a server can refuse a missing, garbled or stale signature before it
// reads the body.
func Precheck(keys []Key, header string, now time.Time) error {
	_, err := parse(keys, header, now)
	return err
}

// SignedHeaders are the request headers a v2 signature covers besides the
// route and the body, in the order the v2 string lists them: they decide
// how a request is deduplicated (Idempotency-Key; a binary-mode
// CloudEvent's id and source) and the trigger's time (ce-time). A header
// the request does not carry is signed as the empty string, so adding,
// changing or removing any of them breaks the signature.
var SignedHeaders = []string{"Idempotency-Key", "Ce-Id", "Ce-Source", "Ce-Time"}

// V2String is what a v2 signature is the HMAC-SHA256 of, before the body:
// lines ending in "\n", then the body:
//
//	v2
//	<t>
//	<route>            /v1/backups or /v1/events (no stage prefix, no trailing slash)
//	<Idempotency-Key>  each header's value, or an empty line when absent
//	<ce-id>
//	<ce-source>
//	<ce-time>
//	<body>
func V2String(ts, route string, h http.Header) string {
	var b strings.Builder
	b.WriteString("v2\n" + ts + "\n" + route + "\n")
	for _, k := range SignedHeaders {
		b.WriteString(h.Get(k) + "\n")
	}
	return b.String()
}

// SignRequest returns the v2 X-Backupfn-Signature value of a request to
// route (e.g. "/v1/backups") with header h and body at time t: it covers
// the route, the SignedHeaders and the body. Set the headers before signing.
func SignRequest(secret []byte, t time.Time, route string, h http.Header, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v2=" + hmacHex(secret, V2String(ts, route, h), body)
}

// SignRequestWithKey is SignRequest naming the key: t=<unix>,k=<ID>,v2=<hex>.
func SignRequestWithKey(k Key, t time.Time, route string, h http.Header, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",k=" + k.ID + ",v2=" + hmacHex(k.Secret, V2String(ts, route, h), body)
}

// Verified is what a verified request's signature says.
type Verified struct {
	Key     string    // the ID of the key that matched
	Version int       // 2, or 1 (the body only: the request carries none of the SignedHeaders nor any ce-* header)
	Time    time.Time // the signature's timestamp
	// ID identifies the signed request however its header is spelt (order,
	// spaces, extra values, v1 and v2 both or either): the key, the
	// timestamp and the v2 HMAC of the request as received. The replay
	// cache keys on it, and DedupeKey derives from it.
	ID string
}

// DedupeKey is the dedupe key of a verified request that names none: a
// hash of its ID (never the HMAC itself, which is its signature). Every
// delivery of the same signed request, on any instance, has the same key,
// so with a shared idempotency store a replay elsewhere starts nothing new.
func (v Verified) DedupeKey() string {
	h := sha256.Sum256([]byte("backupfn-dedupe\n" + v.ID))
	return "sig:" + hex.EncodeToString(h[:16])
}

// VerifyRequest checks the X-Backupfn-Signature of a request to route
// (/v1/backups, /v1/events) with header h and body. A v2 signature covers
// the route, the SignedHeaders and the body; a v1 signature the body only,
// so it is accepted only when the request carries none of the SignedHeaders
// and no ce-* header: then nothing unsigned decides what is backed up or
// how it is deduplicated. A signed header's value with a control character
// is refused (the v2 string is made of lines).
func VerifyRequest(keys []Key, route string, h http.Header, body []byte, now time.Time) (Verified, error) {
	p, err := parse(keys, h.Get(Header), now)
	if err != nil {
		return Verified{}, err
	}
	for _, k := range SignedHeaders {
		if strings.ContainsFunc(h.Get(k), func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return Verified{}, refused(k + " header contains a control character")
		}
	}
	n, _ := strconv.ParseInt(p.ts, 10, 64)
	v := Verified{Time: time.Unix(n, 0)}
	v2 := V2String(p.ts, route, h)
	for _, k := range p.candidates(keys) {
		want2 := hmacHex(k.Secret, v2, body)
		switch {
		case match(p.v2, want2):
			v.Version = 2
		case match(p.v1, hmacHex(k.Secret, p.ts+".", body)):
			v.Version = 1
		default:
			continue
		}
		v.Key, v.ID = k.ID, k.ID+":"+p.ts+":"+want2
		if names := unsignedByV1(h); v.Version == 1 && len(names) > 0 {
			return Verified{}, refused(fmt.Sprintf("a v1 signature covers the body only, and this request carries %s, which decide what it backs up or how it is deduplicated: "+
				"sign with v2= over the route, those headers and the body (see SECURITY.md), or put idempotency_key in the body",
				strings.Join(names, ", ")))
		}
		return v, nil
	}
	if len(p.v2) == 0 {
		return Verified{}, refused("signature does not match the body")
	}
	return Verified{}, refused("signature does not match the request (v2 covers the route, the " + strings.Join(SignedHeaders, ", ") + " headers and the body)")
}

// unsignedByV1 lists the headers of h a v1 signature leaves unsigned that
// the decoder reads: the SignedHeaders and every ce-* header.
func unsignedByV1(h http.Header) []string {
	var names []string
	for k := range h {
		ck := http.CanonicalHeaderKey(k)
		if strings.HasPrefix(ck, "Ce-") || slices.Contains(SignedHeaders, ck) {
			names = append(names, ck)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// SignWithKey is Sign naming the key: t=<unix>,k=<ID>,v1=<hex>.
func SignWithKey(k Key, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",k=" + k.ID + ",v1=" + hmacHex(k.Secret, ts+".", body)
}

func checkTimestamp(ts string, now time.Time) error {
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return refused("signature timestamp t=" + fmt.Sprintf("%.20q", ts) + " is not a unix time")
	}
	d := now.Sub(time.Unix(n, 0))
	if d > Window || d < -Window {
		return refused(fmt.Sprintf("signature timestamp is %s from now, outside the %s window", d.Round(time.Second), Window))
	}
	return nil
}

// VerifySlack checks Slack's request signature:
// X-Slack-Signature: v0=hex(HMAC-SHA256(secret, "v0:"+X-Slack-Request-Timestamp+":"+body)).
func VerifySlack(secret []byte, h http.Header, body []byte, now time.Time) error {
	if err := PrecheckSlack(secret, h, now); err != nil {
		return err
	}
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	want := "v0=" + hmacHex(secret, "v0:"+ts+":", body)
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return refused("Slack signature does not match the body")
	}
	return nil
}

// PrecheckSlack checks what of Slack's signature needs no body: a secret is
// configured, both headers are there, the timestamp is within the window.
func PrecheckSlack(secret []byte, h http.Header, now time.Time) error {
	if len(secret) == 0 {
		return refused("no Slack signing secret is configured (set SLACK_SIGNING_SECRET): every request is refused")
	}
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return refused("missing X-Slack-Signature or X-Slack-Request-Timestamp header")
	}
	return checkTimestamp(ts, now)
}

// SignSlack returns the X-Slack-Signature for body at t (for tests and tools).
func SignSlack(secret []byte, t time.Time, body []byte) (timestamp, signature string) {
	ts := strconv.FormatInt(t.Unix(), 10)
	return ts, "v0=" + hmacHex(secret, "v0:"+ts+":", body)
}
