package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/backupfn/backupfn/sinks"
)

// slack posts to an incoming webhook: {"text", "blocks": [a mrkdwn
// section]}. It answers "ok", or an HTTP error with a word such as
// no_service (404) or invalid_payload (400); 429 when rate limited.
type slack struct{}

// slackSectionLimit is the most text a section block takes.
const slackSectionLimit = 3000

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type string    `json:"type"`
	Text slackText `json:"text"`
}

type slackMessage struct {
	Text   string       `json:"text"` // the notification's text
	Blocks []slackBlock `json:"blocks"`
}

func (slack) encode(m message, _ time.Time) (string, []byte, error) {
	body, err := json.Marshal(slackMessage{
		Text:   slackEscape(m.Title),
		Blocks: []slackBlock{{Type: "section", Text: slackText{Type: "mrkdwn", Text: fit(m, slackSectionLimit, slackMrkdwn)}}},
	})
	return "", body, err
}

// decode: Slack answers in plain text and HTTP statuses, never a code.
func (slack) decode([]byte) (int, string, bool) { return 0, "", true }

func (slack) class(int) verdict { return unknownCode }

// slackMrkdwn renders m in Slack's mrkdwn.
func slackMrkdwn(m message) string {
	var b strings.Builder
	b.WriteString("*" + slackEscape(m.Title) + "*")
	if m.Trigger != "" {
		b.WriteString("\n_" + slackEscape(m.Trigger) + "_")
	}
	for _, l := range m.Lines {
		mark := ":white_check_mark:"
		if l.Bad {
			mark = ":x:"
		}
		b.WriteString("\n" + mark + " *" + slackEscape(l.Name) + "*: " + slackEscape(l.Text))
	}
	more(&b, "\n", m.More)
	return b.String()
}

// slackEscape escapes the three characters Slack's text treats as markup.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// PostSlackResponse posts text to a slash command's response_url, visible
// to the whole channel (response_type in_channel). client nil means a
// client with a 10s timeout. Errors follow the sinks' rules (a 4xx answer,
// e.g. an expired URL, is permanent) and never quote the URL.
func PostSlackResponse(ctx context.Context, client *http.Client, responseURL string, text string) error {
	u, err := checkURL(responseURL)
	if err != nil {
		return sinks.Permanent(fmt.Errorf("slack response_url: %v", err))
	}
	if client == nil {
		client = sinks.Options{}.HTTP()
	}
	body, err := json.Marshal(map[string]string{"response_type": "in_channel", "text": text})
	if err != nil {
		return sinks.Permanent(err)
	}
	return post(ctx, client, "slack response_url "+u.Host, responseURL, body, slack{}, redactor(u, ""))
}
