package cloudemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tcParams decodes the action's parameters: a JSON body (a v3 POST), the
// query (a v3 GET), or the v1 parameters without the common ones (Action,
// Version, Region, Timestamp, Nonce, SecretId, Signature, SignatureMethod,
// Token, Language, RequestClient: the common request parameters of
// https://cloud.tencent.com/document/api/239/20005 and the SDK's
// common/http/request.go CompleteCommonParams and common/sign.go
// signRequest). Numbers stay json.Number; list items of a query or form
// arrive as Name.N.
func tcParams(r *http.Request, body []byte, v1 url.Values) (map[string]any, *tcErr) {
	p := map[string]any{}
	if v1 == nil && r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if len(body) == 0 {
			return p, nil
		}
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.UseNumber()
		if err := dec.Decode(&p); err != nil {
			return nil, tcBad("InvalidParameter", "The request body is not a JSON object: %v", err)
		}
		return p, nil
	}
	vals := v1
	if vals == nil {
		vals = r.URL.Query()
	}
	for k, v := range vals {
		switch k {
		case "Action", "Version", "Region", "Timestamp", "Nonce", "RequestClient", "Language", "Token",
			"SecretId", "Signature", "SignatureMethod":
		default:
			p[k] = v[0]
		}
	}
	return p, nil
}

func tcKnown(p map[string]any, names ...string) *tcErr {
	for k := range p {
		base, _, _ := strings.Cut(k, ".")
		if !slices.Contains(names, base) {
			return tcBad("UnknownParameter", "The parameter `%s` is not recognized.", k)
		}
	}
	return nil
}

func tcString(p map[string]any, name string, required bool) (string, *tcErr) {
	v, ok := p[name]
	if !ok {
		if required {
			return "", tcBad("MissingParameter", "The request is missing the required parameter `%s`.", name)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", tcBad("InvalidParameter", "The parameter `%s` must be a string.", name)
	}
	return s, nil
}

// tcInt reads an integer (a JSON number or a decimal string) in [lo, hi].
func tcInt(p map[string]any, name string, def, lo, hi int64) (int64, *tcErr) {
	v, ok := p[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
	if err != nil {
		return 0, tcBad("InvalidParameter", "The parameter `%s` must be an integer.", name)
	}
	if n < lo || n > hi {
		return 0, tcBad("InvalidParameterValue", "The parameter `%s` must be in [%d, %d].", name, lo, hi)
	}
	return n, nil
}

func tcTimeParam(p map[string]any, name string, def time.Time) (time.Time, *tcErr) {
	s, te := tcString(p, name, false)
	if te != nil || s == "" {
		return def, te
	}
	t, err := time.ParseInLocation(tcLayout, s, tcCST)
	if err != nil {
		return def, tcBad("InvalidParameterValue", "The parameter `%s` must look like 2017-02-08 16:46:34.", name)
	}
	return t, nil
}

// tcList reads a list parameter: a JSON array or Name.0, Name.1, ...
func tcList(p map[string]any, name string) []string {
	var out []string
	if a, ok := p[name].([]any); ok {
		for _, v := range a {
			out = append(out, fmt.Sprint(v))
		}
	}
	for i := 0; ; i++ {
		v, ok := p[fmt.Sprintf("%s.%d", name, i)]
		if !ok {
			return out
		}
		out = append(out, fmt.Sprint(v))
	}
}

func tcFirst(es ...*tcErr) *tcErr {
	for _, e := range es {
		if e != nil {
			return e
		}
	}
	return nil
}

func tcWrite(w http.ResponseWriter, rid string, fields map[string]any) {
	fields["RequestId"] = rid
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": fields})
}

func tcRequestID() string {
	a, b := rand.Uint64(), rand.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>48&0x3fff|0x8000, b&0xffffffffffff)
}

// tcBackupStatus is a backup's Status in DescribeInstanceBackups: 1 while in
// its flow ("备份在流程中" / "备份被其它流程锁定"), 2 done ("备份正常")
// (tencentcloud-sdk-go tencentcloud/redis/v20180412/models.go@144f6c8d
// DescribeInstanceBackupsRequestParams.Status, RedisBackupSet.Status).
func tcBackupStatus(b Backup) int {
	if b.Status == "done" {
		return 2
	}
	return 1
}

func tcTime(t time.Time) string { return t.In(tcCST).Format(tcLayout) }
func tcHex(b []byte) string     { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
func tcHMAC(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
