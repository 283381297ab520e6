package chat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// dingtalk posts to a custom robot: {"msgtype": "markdown", "markdown":
// {"title", "text"}}. With a secret ("加签") the URL gets &timestamp=<ms>
// &sign=<urlencoded base64 HMAC-SHA256(secret, timestamp+"\n"+secret)>.
// It answers {"errcode": 0, "errmsg": "ok"}.
type dingtalk struct{ secret string }

// dingtalkLimit keeps the markdown text well inside DingTalk's limit.
const dingtalkLimit = 4000

// dingtalkCodes classifies the robot's errcodes.
var dingtalkCodes = map[int]verdict{
	310000: permanentCode, // keywords not in content / invalid timestamp / sign not match / ip not in whitelist
	300001: permanentCode, // token is not exist
	400101: permanentCode, // access_token does not exist
	400102: permanentCode, // the robot is disabled
	400106: permanentCode, // the robot does not exist
	130101: retryableCode, // send too fast, exceed 20 times per minute
	410100: retryableCode, // sending too fast: rate limited
	660026: retryableCode, // rate limited
	-1:     retryableCode, // system busy
}

func (d dingtalk) encode(m message, now time.Time) (string, []byte, error) {
	var query string
	if d.secret != "" {
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		query = "timestamp=" + ts + "&sign=" + url.QueryEscape(dingtalkSign(d.secret, ts))
	}
	body, err := json.Marshal(map[string]any{
		"msgtype":  "markdown",
		"markdown": map[string]string{"title": m.Title, "text": fit(m, dingtalkLimit, dingtalkMarkdown)},
	})
	return query, body, err
}

// dingtalkSign is base64(HMAC-SHA256(key = secret, timestamp+"\n"+secret)),
// before URL encoding.
func dingtalkSign(secret, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func (dingtalk) decode(answer []byte) (int, string, bool) { return errcode(answer) }

func (dingtalk) class(code int) verdict { return dingtalkCodes[code] }

// errcode reads DingTalk's and WeCom's {"errcode": n, "errmsg": "..."}.
func errcode(answer []byte) (int, string, bool) {
	var a struct {
		Code *int   `json:"errcode"`
		Msg  string `json:"errmsg"`
	}
	if json.Unmarshal(answer, &a) != nil || a.Code == nil {
		return 0, "", false
	}
	return *a.Code, a.Msg, true
}

// dingtalkMarkdown renders m in DingTalk's markdown subset.
func dingtalkMarkdown(m message) string {
	var b strings.Builder
	b.WriteString("#### " + m.Title + "\n")
	if m.Trigger != "" {
		b.WriteString("\n" + m.Trigger + "\n")
	}
	b.WriteString("\n")
	for _, l := range m.Lines {
		b.WriteString("- **" + l.Name + "**: " + l.Text + "\n")
	}
	more(&b, "- ", m.More)
	return strings.TrimSuffix(b.String(), "\n")
}
