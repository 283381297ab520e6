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

// Error is a failed check (an HTTP 401) with a reason that is safe to show the caller.
type Error struct{ reason string }

func (e *Error) Error() string { return "unauthenticated: " + e.reason }

// Verify checks an X-Backupfn-Signature header against any of the
// secrets. Comparison is constant-time.
func Verify(secrets [][]byte, header string, body []byte, now time.Time) error {
	if len(secrets) == 0 {
		return &Error{"no webhook secret is configured (set BACKUPFN_WEBHOOK_SECRET): every request is refused"}
	}
	if header == "" {
		return &Error{"missing " + Header + " header: want t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>"}
	}
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if err := checkTimestamp(ts, now); err != nil {
		return err
	}
	if len(sigs) == 0 {
		return &Error{Header + " has no v1= signature"}
	}
	for _, s := range secrets {
		want := hmacHex(s, ts+".", body)
		for _, got := range sigs {
			if hmac.Equal([]byte(got), []byte(want)) {
				return nil
			}
		}
	}
	return &Error{"signature does not match the body"}
}

func checkTimestamp(ts string, now time.Time) error {
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return &Error{"signature timestamp t=" + fmt.Sprintf("%.20q", ts) + " is not a unix time"}
	}
	d := now.Sub(time.Unix(n, 0))
	if d > Window || d < -Window {
		return &Error{fmt.Sprintf("signature timestamp is %s from now, outside the %s window", d.Round(time.Second), Window)}
	}
	return nil
}

// VerifySlack checks Slack's request signature:
// X-Slack-Signature: v0=hex(HMAC-SHA256(secret, "v0:"+X-Slack-Request-Timestamp+":"+body)).
func VerifySlack(secret []byte, h http.Header, body []byte, now time.Time) error {
	if len(secret) == 0 {
		return &Error{"no Slack signing secret is configured (set SLACK_SIGNING_SECRET): every request is refused"}
	}
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return &Error{"missing X-Slack-Signature or X-Slack-Request-Timestamp header"}
	}
	if err := checkTimestamp(ts, now); err != nil {
		return err
	}
	want := "v0=" + hmacHex(secret, "v0:"+ts+":", body)
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return &Error{"Slack signature does not match the body"}
	}
	return nil
}

// SignSlack returns the X-Slack-Signature for body at t (for tests and tools).
func SignSlack(secret []byte, t time.Time, body []byte) (timestamp, signature string) {
	ts := strconv.FormatInt(t.Unix(), 10)
	return ts, "v0=" + hmacHex(secret, "v0:"+ts+":", body)
}
