package chat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
)

// feishu posts to a Feishu or Lark custom bot: {"msg_type": "post",
// "content": {"post": {"zh_cn": {"title", "content": paragraphs}}}}, with
// "timestamp" (unix seconds) and "sign" = base64(HMAC-SHA256(key =
// timestamp+"\n"+secret, empty message)) when there is a secret. It answers
// {"code": 0, "msg": "success"} (older bots: {"StatusCode": 0}).
type feishu struct{ secret string }

// feishuLimit keeps the body well under the bot's 20 KB.
const feishuLimit = 16 << 10

// feishuCodes classifies the bot's codes.
var feishuCodes = map[int]verdict{
	19021: permanentCode, // sign match fail or timestamp is not within one hour from current time
	19022: permanentCode, // ip not allowed
	19024: permanentCode, // key words not found
	19001: permanentCode, // param invalid: incoming webhook access token invalid
	9499:  retryableCode, // too many requests
	11232: retryableCode, // frequency limited (100/min, 5/s per bot)
}

type feishuPost struct {
	Timestamp string `json:"timestamp,omitempty"`
	Sign      string `json:"sign,omitempty"`
	MsgType   string `json:"msg_type"`
	Content   struct {
		Post map[string]feishuDoc `json:"post"`
	} `json:"content"`
}

type feishuDoc struct {
	Title   string         `json:"title"`
	Content [][]feishuSpan `json:"content"`
}

type feishuSpan struct {
	Tag  string `json:"tag"`
	Text string `json:"text"`
}

func (f feishu) encode(m message, now time.Time) (string, []byte, error) {
	p := feishuPost{MsgType: "post"}
	if f.secret != "" {
		p.Timestamp = strconv.FormatInt(now.Unix(), 10)
		p.Sign = feishuSign(f.secret, p.Timestamp)
	}
	m = shrink(m, feishuLimit, plain) // the post holds the same text
	doc := feishuDoc{Title: m.Title}
	para := func(s string) { doc.Content = append(doc.Content, []feishuSpan{{Tag: "text", Text: s}}) }
	if m.Trigger != "" {
		para(m.Trigger)
	}
	for _, l := range m.Lines {
		para("• " + l.Name + ": " + l.Text)
	}
	if m.More > 0 {
		para("… and " + strconv.Itoa(m.More) + " more")
	}
	p.Content.Post = map[string]feishuDoc{"zh_cn": doc}
	body, err := json.Marshal(p)
	return "", body, err
}

// feishuSign is base64(HMAC-SHA256(key = timestamp+"\n"+secret, "")).
func feishuSign(secret, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func (feishu) decode(answer []byte) (int, string, bool) {
	var a struct {
		Code          *int   `json:"code"`
		Msg           string `json:"msg"`
		StatusCode    *int   `json:"StatusCode"`
		StatusMessage string `json:"StatusMessage"`
	}
	switch {
	case json.Unmarshal(answer, &a) != nil:
		return 0, "", false
	case a.Code != nil && *a.Code != 0, a.Code != nil && a.StatusCode == nil:
		return *a.Code, a.Msg, true
	case a.StatusCode != nil:
		return *a.StatusCode, a.StatusMessage, true
	}
	return 0, "", false
}

func (feishu) class(code int) verdict { return feishuCodes[code] }
