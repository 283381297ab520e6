// Package signature is backupfn's webhook signature scheme, shared by the
// inbound HTTP API (which verifies it) and the webhook sink (which signs):
//
//	X-Backupfn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// and Slack's request signature for slash commands.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/backupfn/backupfn/core/errkind"
)

// Header carries the HMAC of a webhook body:
//
//	X-Backupfn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// Several v1= values may be given (one per secret, while a secret rotates).
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

// Verify checks an X-Backupfn-Signature header:
//
//	t=<unix>[,k=<key ID>],v1=<hex>[,v1=<hex>...]
//
// against the keys (only key k when the header names one) and returns the
// ID of the key that matched. Comparison is constant-time.
func Verify(keys []Key, header string, body []byte, now time.Time) (string, error) {
	if len(keys) == 0 {
		return "", refused("no webhook secret is configured (set BACKUPFN_WEBHOOK_SECRET): every request is refused")
	}
	if header == "" {
		return "", refused("missing " + Header + " header: want t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>")
	}
	var ts, keyID string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "k":
			keyID = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if err := checkTimestamp(ts, now); err != nil {
		return "", err
	}
	if len(sigs) == 0 {
		return "", refused(Header + " has no v1= signature")
	}
	found := false
	for _, k := range keys {
		if (keyID != "" && k.ID != keyID) || len(k.Secret) == 0 {
			continue // an empty secret would make every signature valid
		}
		found = true
		want := hmacHex(k.Secret, ts+".", body)
		for _, got := range sigs {
			if hmac.Equal([]byte(got), []byte(want)) {
				return k.ID, nil
			}
		}
	}
	if !found {
		return "", refused(fmt.Sprintf("unknown key ID k=%.40q", keyID))
	}
	return "", refused("signature does not match the body")
}

// ReplayKey is what identifies a verified request for the replay cache: the
// timestamp and the body's HMAC under the key that matched, however the
// header was spelt (order, spaces, extra v1= values).
func ReplayKey(k Key, header string, body []byte) string {
	var ts string
	for _, part := range strings.Split(header, ",") {
		if n, v, _ := strings.Cut(strings.TrimSpace(part), "="); n == "t" {
			ts = v
		}
	}
	return k.ID + ":" + ts + ":" + hmacHex(k.Secret, ts+".", body)
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
	if len(secret) == 0 {
		return refused("no Slack signing secret is configured (set SLACK_SIGNING_SECRET): every request is refused")
	}
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return refused("missing X-Slack-Signature or X-Slack-Request-Timestamp header")
	}
	if err := checkTimestamp(ts, now); err != nil {
		return err
	}
	want := "v0=" + hmacHex(secret, "v0:"+ts+":", body)
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return refused("Slack signature does not match the body")
	}
	return nil
}

// SignSlack returns the X-Slack-Signature for body at t (for tests and tools).
func SignSlack(secret []byte, t time.Time, body []byte) (timestamp, signature string) {
	ts := strconv.FormatInt(t.Unix(), 10)
	return ts, "v0=" + hmacHex(secret, "v0:"+ts+":", body)
}
