package events

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/backupfn/backupfn/core"
)

func TestParseSlashCommand(t *testing.T) {
	c, err := ParseSlashCommand(mustRead(t, "slack.txt"))
	want := SlashCommand{TeamID: "T0001", TeamDomain: "example", ChannelID: "C2147483705", ChannelName: "ops",
		UserID: "U2147483697", UserName: "steve", Command: "/backup", Text: "orders-redis sessions",
		ResponseURL: "https://hooks.slack.com/commands/1234/5678", TriggerID: "13345224609.738474920.8088930838d88f008e0", APIAppID: "A123456"}
	if err != nil || !reflect.DeepEqual(c, want) {
		t.Fatalf("%+v, %v", c, err)
	}
	if c.Requester() != "slack:T0001/U2147483697 (steve)" {
		t.Errorf("requester %q", c.Requester())
	}
	errs := []struct{ form, err string }{
		{"team_id=T1&command=%2Fbackup&text=x", `slack command: field "user_id": missing: a slash command has team_id, user_id and command`},
		{"team_id=T1&user_id=U1&command=%2Fbackup&response_url=http%3A%2F%2Fevil.example%2F",
			`slack command: field "response_url": want an https URL, got "http://evil.example/"`},
		{"team_id=T1&user_id=U1%0A&command=%2Fbackup", `slack command: field "user_id": "U1\n" contains a control character`},
		{"team_id=%zz", `slack command: want a form-encoded body: invalid URL escape "%zz"`},
	}
	for _, tc := range errs {
		if _, err := ParseSlashCommand([]byte(tc.form)); err == nil || err.Error() != tc.err {
			t.Errorf("%s:\n got %v\nwant %s", tc.form, err, tc.err)
		}
	}
}

// The grammar of the package doc, through POST /v1/slack/command.
func TestSlackCommand(t *testing.T) {
	tests := []struct {
		text            string
		targets, groups []string
	}{
		{"nightly", nil, strs("nightly")},
		{"orders-redis sessions", nil, strs("orders-redis", "sessions")},
		{"group nightly", nil, strs("nightly")},
		{"target:orders-redis nightly", strs("orders-redis"), strs("nightly")},
		{"targets orders-redis sessions", strs("orders-redis", "sessions"), nil},
		{"target:tencent-redis://ap-guangzhou/crs-1?remark=a&amp;name=b", strs("tencent-redis://ap-guangzhou/crs-1?remark=a&name=b"), nil},
	}
	for _, tc := range tests {
		form := url.Values{"team_id": {"T1"}, "user_id": {"U1"}, "command": {"/backup"}, "text": {tc.text}, "trigger_id": {"tr1"}}
		ev, err := DecodeHTTP(post("/prod/v1/slack/command", "application/x-www-form-urlencoded", form.Encode()), PlatformLambda)
		if err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		checkMessages(t, ev.Messages, []want{{id: "tr1", trig: core.Trigger{Platform: PlatformLambda, Source: core.SourceChat,
			DedupeKey: "slack:T1:tr1", Requester: "slack:T1/U1", Targets: tc.targets, Groups: tc.groups}}})
	}

	// No trigger_id: the request ID names the message, and there is no dedupe key.
	ev, _ := DecodeHTTP(post("/v1/slack/command", "", "team_id=T1&user_id=U1&command=%2Fbackup&text=nightly"), "")
	checkMessages(t, ev.Messages, []want{{id: "req-1", trig: core.Trigger{Platform: PlatformHTTP, Source: core.SourceChat,
		Requester: "slack:T1/U1", Groups: strs("nightly")}}})

	// An empty command gets the usage.
	ev, _ = DecodeHTTP(post("/v1/slack/command", "", "team_id=T1&user_id=U1&command=%2Fbackup&text=+"), "")
	if err := ev.Err(); err == nil || !strings.HasPrefix(err.Error(), `slack command: field "text": empty: usage: /backup GROUP...`) {
		t.Errorf("empty text: %v", err)
	}

	// Slack's certificate check decodes to no messages.
	ev, err := DecodeHTTP(post("/v1/slack/command", "", "ssl_check=1&token=x"), "")
	if err != nil || ev.Kind != KindSlack || len(ev.Messages) != 0 {
		t.Errorf("ssl_check: %+v, %v", ev, err)
	}
}
