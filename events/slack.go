package events

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/backupfn/backupfn/core"
)

// SlashCommand is the form a Slack slash command posts. The token field
// (a deprecated verification token) is not kept: verify the request's
// X-Slack-Signature instead.
type SlashCommand struct {
	TeamID       string // "T0001"
	TeamDomain   string
	EnterpriseID string
	ChannelID    string
	ChannelName  string
	UserID       string // "U2147483697"
	UserName     string // deprecated by Slack, but still sent
	Command      string // "/backup"
	Text         string // what follows the command: words, see the package doc
	ResponseURL  string // where later results go; https
	TriggerID    string // unique per invocation: makes the dedupe key
	APIAppID     string
	SSLCheck     bool // a ping Slack sends to check the certificate: answer 200, do nothing
}

const formatSlack = "slack command"

// SlackUsage explains the command's text, for a reply to a bad command.
const SlackUsage = "usage: /backup GROUP... | target:NAME-OR-URL... (words are group names unless prefixed target:), " +
	"e.g. /backup nightly, /backup orders-redis sessions, /backup target:orders-redis"

// ParseSlashCommand parses a slash command's form body and checks the
// fields backupfn relies on: team_id, user_id, command, and an https
// response_url. It does not check the signature.
func ParseSlashCommand(body []byte) (SlashCommand, error) {
	if err := checkSize(formatSlack, len(body), MaxBodySize); err != nil {
		return SlashCommand{}, err
	}
	f, err := url.ParseQuery(string(body))
	if err != nil {
		return SlashCommand{}, &Error{Format: formatSlack, Msg: "want a form-encoded body: " + err.Error(), Err: err}
	}
	c := SlashCommand{TeamID: f.Get("team_id"), TeamDomain: f.Get("team_domain"), EnterpriseID: f.Get("enterprise_id"),
		ChannelID: f.Get("channel_id"), ChannelName: f.Get("channel_name"), UserID: f.Get("user_id"),
		UserName: f.Get("user_name"), Command: f.Get("command"), Text: f.Get("text"), ResponseURL: f.Get("response_url"),
		TriggerID: f.Get("trigger_id"), APIAppID: f.Get("api_app_id"), SSLCheck: f.Get("ssl_check") == "1"}
	if c.SSLCheck {
		return c, nil
	}
	for _, kv := range [][2]string{{"team_id", c.TeamID}, {"user_id", c.UserID}, {"command", c.Command}} {
		if kv[1] == "" {
			return SlashCommand{}, fieldError(formatSlack, kv[0], "missing: a slash command has team_id, user_id and command")
		}
	}
	for _, kv := range [][2]string{{"team_id", c.TeamID}, {"user_id", c.UserID}, {"user_name", c.UserName},
		{"command", c.Command}, {"trigger_id", c.TriggerID}, {"response_url", c.ResponseURL}} {
		if msg := badString(kv[1]); msg != "" {
			return SlashCommand{}, fieldError(formatSlack, kv[0], "%s", msg)
		}
	}
	if c.ResponseURL != "" {
		if u, err := url.Parse(c.ResponseURL); err != nil || u.Scheme != "https" || u.Host == "" {
			return SlashCommand{}, fieldError(formatSlack, "response_url", "want an https URL, got %s", quote(c.ResponseURL))
		}
	}
	return c, nil
}

// Requester names who sent the command: "slack:T0001/U2147483697 (steve)".
func (c SlashCommand) Requester() string {
	s := "slack:" + c.TeamID + "/" + c.UserID
	if c.UserName != "" {
		s += " (" + c.UserName + ")"
	}
	return s
}

// slackEscapes undoes the escaping Slack applies to a command's text.
var slackEscapes = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// decodeSlackHTTP reads POST /v1/slack/command.
func decodeSlackHTTP(r *HTTPRequest, o origin) (Event, error) {
	if mt := mediaType(r.Header); mt != "" && mt != "application/x-www-form-urlencoded" {
		return Event{}, &Error{Format: formatHTTP, Err: ErrMediaType,
			Msg: fmt.Sprintf("Content-Type %s: want application/x-www-form-urlencoded", quote(r.Header.Get("Content-Type")))}
	}
	c, err := ParseSlashCommand(r.Body)
	if err != nil {
		return Event{}, err
	}
	if c.SSLCheck {
		return Event{Kind: KindSlack}, nil
	}
	o.source, o.requester = core.SourceChat, c.Requester()
	if c.TriggerID != "" {
		o.key = "slack:" + c.TeamID + ":" + c.TriggerID
	}
	id := c.TriggerID
	if id == "" {
		id = r.RequestID
	}
	text := strings.TrimSpace(slackEscapes.Replace(c.Text))
	if text == "" {
		return Event{Kind: KindSlack, Messages: []Message{o.fail(id, fieldError(formatSlack, "text", "empty: %s", SlackUsage))}}, nil
	}
	req, err := parseWords(text)
	return Event{Kind: KindSlack, Messages: []Message{o.message(id, formatSlack, "text", req, err)}}, nil
}
