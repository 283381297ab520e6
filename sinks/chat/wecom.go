package chat

import (
	"encoding/json"
	"strings"
	"time"
)

// wecom posts to a WeCom (企业微信) group robot: {"msgtype": "markdown",
// "markdown": {"content"}}, the key in the URL's query. It answers
// {"errcode": 0, "errmsg": "ok"}.
type wecom struct{}

// wecomLimit is the most markdown content WeCom takes, in bytes.
const wecomLimit = 4096

// wecomCodes classifies the robot's errcodes.
var wecomCodes = map[int]verdict{
	93000: permanentCode, // invalid webhook url
	45009: retryableCode, // api freq out of limit (20 messages/minute per robot)
	-1:    retryableCode, // system busy
}

func (wecom) encode(m message, _ time.Time) (string, []byte, error) {
	body, err := json.Marshal(map[string]any{
		"msgtype":  "markdown",
		"markdown": map[string]string{"content": fit(m, wecomLimit, wecomMarkdown)},
	})
	return "", body, err
}

func (wecom) decode(answer []byte) (int, string, bool) { return errcode(answer) }

func (wecom) class(code int) verdict { return wecomCodes[code] }

// wecomMarkdown renders m in WeCom's markdown, failures in its warning colour.
func wecomMarkdown(m message) string {
	var b strings.Builder
	b.WriteString("**" + m.Title + "**")
	if m.Trigger != "" {
		b.WriteString("\n<font color=\"comment\">" + m.Trigger + "</font>")
	}
	for _, l := range m.Lines {
		text := l.Text
		if l.Bad {
			text = "<font color=\"warning\">" + text + "</font>"
		}
		b.WriteString("\n> **" + l.Name + "**: " + text)
	}
	more(&b, "\n> ", m.More)
	return b.String()
}
