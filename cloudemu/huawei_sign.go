package cloudemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Huawei Cloud API Gateway AK/SK signature, SDK-HMAC-SHA256, checked the way
// the gateway does: from what the request says (the signed header list, the
// X-Sdk-Date it carries), not from how one SDK builds it.
//
// Sources: the SDK's signer (huaweicloud-sdk-go-v3 core/auth/signer/signer.go@v0.1.207:
// canonical request, string to sign, "SDK-HMAC-SHA256 Access=, SignedHeaders=,
// Signature=", X-Sdk-Date in 20060102T150405Z); the API signing guide
// (https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-algorithm-002.html,
// and .../devg-apisign/api-sign-exclude-header.html: "only X-Sdk-Date is
// required" among the signed headers; .../devg-apisign/api-sign-0001.html:
// x-sdk-date within 15 minutes of the server's time). Every failure is
// answered 401 APIGW.0301 "Incorrect IAM authentication information: ..."
// (api-sign-0001.html, and .../devg-apisign/api-sign-errorcode.html).

const (
	hwAlgorithm  = "SDK-HMAC-SHA256"
	hwDateFormat = "20060102T150405Z"
	hwDateWindow = 15 * time.Minute
	hwUnsigned   = "UNSIGNED-PAYLOAD"
)

// hwAuth is a parsed Authorization header.
type hwAuth struct {
	access, signature string
	signedHeaders     []string
}

// verifyHuawei checks r's signature and returns "" when it is good, else the
// gateway's reason (as it follows "Incorrect IAM authentication information: ").
func (e *Emulator) verifyHuawei(r *http.Request, body []byte) string {
	a, msg := parseHuaweiAuth(r.Header.Get("Authorization"))
	if msg != "" {
		return msg
	}
	if !slices.Contains(a.signedHeaders, "x-sdk-date") {
		// The one header that must be signed (api-sign-exclude-header.html):
		// unsigned, the date, and so the replay window, could be altered.
		return "verify aksk signature fail, x-sdk-date is not among the SignedHeaders"
	}
	creds := e.opts.Huawei
	if subtle.ConstantTimeCompare([]byte(a.access), []byte(creds.ID)) != 1 {
		return "Get secretKey failed,ak:" + a.access + ",err:ak not exist"
	}
	date, err := time.Parse(hwDateFormat, r.Header.Get("X-Sdk-Date"))
	if err != nil {
		return "verify aksk signature fail, x-sdk-date is missing or not in the form yyyyMMddTHHmmssZ"
	}
	if d := e.now().Sub(date); d > hwDateWindow || d < -hwDateWindow {
		return "verify aksk signature fail, the request has expired: x-sdk-date is more than 15 minutes from the server time"
	}
	if creds.Token != "" {
		tok := r.Header.Get("X-Security-Token")
		if subtle.ConstantTimeCompare([]byte(tok), []byte(creds.Token)) != 1 || !slices.Contains(a.signedHeaders, "x-security-token") {
			return "decrypt token fail"
		}
	}
	hash, ok := hwPayloadHash(r, body)
	if !ok {
		return "verify aksk signature fail, x-sdk-content-sha256 does not match the body"
	}
	got, err := hex.DecodeString(a.signature)
	if err != nil {
		return "verify aksk signature fail"
	}
	hosts := []string{r.Host}
	if h, _, err := net.SplitHostPort(r.Host); err == nil && slices.Contains(a.signedHeaders, "host") {
		hosts = append(hosts, h) // some SDKs sign the host without its port
	}
	for _, host := range hosts {
		want := hwSign(creds.Secret, r.Header.Get("X-Sdk-Date"), hwCanonical(r, host, a.signedHeaders, hash))
		if hmac.Equal(got, want) {
			return ""
		}
	}
	return "verify aksk signature fail"
}

// parseHuaweiAuth parses "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b,
// Signature=hex" (spaces after the commas are optional).
func parseHuaweiAuth(h string) (hwAuth, string) {
	var a hwAuth
	if h == "" {
		return a, "the Authorization header is missing"
	}
	alg, rest, _ := strings.Cut(h, " ")
	if alg != hwAlgorithm {
		return a, "unsupported signing algorithm " + strconv.Quote(alg)
	}
	for _, kv := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch k {
		case "Access":
			a.access = v
		case "SignedHeaders":
			a.signedHeaders = strings.Split(strings.ToLower(v), ";")
		case "Signature":
			a.signature = v
		}
	}
	if a.access == "" || a.signature == "" || len(a.signedHeaders) == 0 || a.signedHeaders[0] == "" {
		return a, "the Authorization header lacks Access, SignedHeaders or Signature"
	}
	return a, ""
}

// hwPayloadHash is X-Sdk-Content-Sha256 when sent (UNSIGNED-PAYLOAD, or a
// hash that must match the body), else the hex SHA-256 of the raw body.
func hwPayloadHash(r *http.Request, body []byte) (string, bool) {
	sum := sha256.Sum256(body)
	actual := hex.EncodeToString(sum[:])
	h := r.Header.Get("X-Sdk-Content-Sha256")
	switch {
	case h == "":
		return actual, true
	case h == hwUnsigned:
		return h, true
	}
	return h, strings.EqualFold(h, actual)
}

// hwCanonical builds the canonical request from exactly the signed headers.
func hwCanonical(r *http.Request, host string, signed []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n" + hwCanonicalURI(r.URL.Path) + "\n" + hwCanonicalQuery(r.URL.RawQuery) + "\n")
	for _, name := range signed {
		for _, v := range hwHeaderValues(r, host, name) {
			b.WriteString(name + ":" + v + "\n")
		}
	}
	b.WriteString("\n" + strings.Join(signed, ";") + "\n" + payloadHash)
	return b.String()
}

// hwHeaderValues returns a signed header's values, trimmed and sorted.
func hwHeaderValues(r *http.Request, host, name string) []string {
	var vs []string
	switch name {
	case "host":
		vs = []string{host}
	case "content-length":
		vs = r.Header.Values("Content-Length")
		if len(vs) == 0 && r.ContentLength >= 0 {
			vs = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		vs = append(vs, r.Header.Values(name)...)
	}
	for i := range vs {
		vs[i] = strings.TrimSpace(vs[i])
	}
	sort.Strings(vs)
	return vs
}

// hwCanonicalURI escapes each path segment and ends the path with "/".
func hwCanonicalURI(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = hwEscape(s)
	}
	u := strings.Join(segs, "/")
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

// hwCanonicalQuery sorts the query by key, then value, each escaped.
func hwCanonicalQuery(raw string) string {
	q, _ := url.ParseQuery(raw)
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, hwEscape(k)+"="+hwEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// hwEscape percent-encodes all but RFC 3986 unreserved characters.
func hwEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

// hwSign returns HMAC-SHA256(secret, "SDK-HMAC-SHA256\n<date>\n<hex sha256(canonical)>").
func hwSign(secret, date, canonical string) []byte {
	sum := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(hwAlgorithm + "\n" + date + "\n" + hex.EncodeToString(sum[:])))
	return mac.Sum(nil)
}
