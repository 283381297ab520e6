package chat

import (
	"errors"
	"strings"
	"testing"

	"github.com/backupfn/backupfn/sinks"
)

func TestConfigErrors(t *testing.T) {
	const hook = "https://oapi.dingtalk.com/robot/send?access_token=" + token
	env := map[string]bool{"url": true, "secret": true}
	for _, c := range []struct {
		name    string
		spec    sinks.Spec
		key     string
		message string
	}{
		{"missing url", sinks.Spec{Type: "slack", Values: map[string][]string{}}, "url", "needs url"},
		{"url in the file", sinks.Spec{Type: "dingtalk", Values: map[string][]string{"url": {hook}}}, "url", "${ENV_VAR}"},
		{"secret in the file", sinks.Spec{Type: "dingtalk", Values: map[string][]string{"url": {hook}, "secret": {secret}}, FromEnv: map[string]bool{"url": true}}, "secret", "${ENV_VAR}"},
		{"unknown key", sinks.Spec{Type: "wecom", Values: map[string][]string{"url": {hook}, "channel": {"#ops"}}, FromEnv: env}, "channel", "unknown key"},
		{"secret for slack", sinks.Spec{Type: "slack", Values: map[string][]string{"url": {hook}, "secret": {secret}}, FromEnv: env}, "secret", "unknown key"},
		{"http to a remote host", sinks.Spec{Type: "dingtalk", Values: map[string][]string{"url": {"http://oapi.dingtalk.com/robot/send?access_token=" + token}}, FromEnv: env}, "url", "https"},
		{"not a URL", sinks.Spec{Type: "feishu", Values: map[string][]string{"url": {"open.feishu.cn/open-apis/bot/v2/hook/" + token}}, FromEnv: env}, "url", "https://"},
		{"other scheme", sinks.Spec{Type: "lark", Values: map[string][]string{"url": {"ftp://open.larksuite.com/" + token}}, FromEnv: env}, "url", "https://"},
		{"unknown type", sinks.Spec{Type: "teams", Values: map[string][]string{"url": {hook}}, FromEnv: env}, "type", "slack, dingtalk, feishu, lark, wecom"},
	} {
		_, err := New(c.spec, sinks.Options{})
		var ce *sinks.ConfigError
		if !errors.As(err, &ce) || ce.Key != c.key || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s: got %v, want a config error on %s saying %q", c.name, err, c.key, c.message)
			continue
		}
		if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error %q quotes a secret", c.name, err)
		}
	}
}

func TestConfigAccepts(t *testing.T) {
	for _, c := range []struct{ typ, url, name string }{
		{"slack", "https://hooks.slack.com/services/T0001/B0002/" + token, "slack hooks.slack.com"},
		{"dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=" + token, "dingtalk oapi.dingtalk.com"},
		{"feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/" + token, "feishu open.feishu.cn"},
		{"lark", "https://open.larksuite.com/open-apis/bot/v2/hook/" + token, "lark open.larksuite.com"},
		{"wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + token, "wecom qyapi.weixin.qq.com"},
		{"wecom", "http://localhost:8080/cgi-bin/webhook/send?key=" + token, "wecom localhost:8080"},
		{"slack", "http://127.0.0.1:9/services/" + token, "slack 127.0.0.1:9"},
		{"slack", "http://[::1]:9/services/" + token, "slack [::1]:9"},
	} {
		s, err := New(sinks.Spec{Type: c.typ, Values: map[string][]string{"url": {c.url}}, FromEnv: map[string]bool{"url": true}}, sinks.Options{})
		if err != nil {
			t.Errorf("%s %s: %v", c.typ, c.url, err)
			continue
		}
		if s.Name() != c.name {
			t.Errorf("Name() = %q, want %q", s.Name(), c.name)
		}
	}
}

func TestTypesArePlatforms(t *testing.T) {
	if len(Types) != len(platforms) {
		t.Fatalf("Types %v and platforms (%d) differ", Types, len(platforms))
	}
	for _, typ := range Types {
		if platforms[typ] == nil {
			t.Errorf("type %s has no platform", typ)
		}
	}
}
