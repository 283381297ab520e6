package all_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/backupfn/backupfn/sinks"
	"github.com/backupfn/backupfn/sinks/all"
)

// New builds every listed type from its spec alone (no config: the sinks
// never import it) and names an unknown type with the known ones.
func TestNew(t *testing.T) {
	s, err := all.New(sinks.Spec{Type: "slack", Values: map[string][]string{"url": {"https://hooks.slack.com/services/T/B/X"}},
		FromEnv: map[string]bool{"url": true}}, sinks.Options{})
	if err != nil {
		t.Fatalf("slack: %v", err)
	}
	_ = s.Close()
	var ce *sinks.ConfigError
	if _, err := all.New(sinks.Spec{Type: "webhook", Values: map[string][]string{"url": {"https://ci.example.com/hook"}}}, sinks.Options{}); !errors.As(err, &ce) || ce.Key != "secret" {
		t.Fatalf("webhook without its secret: %v; want a ConfigError on secret", err)
	}
	_, err = all.New(sinks.Spec{Type: "pager"}, sinks.Options{})
	var ut *all.UnknownTypeError
	if !errors.As(err, &ut) || !strings.Contains(err.Error(), `unknown sink type "pager" (known: dingtalk, feishu, kafka, lark, slack, webhook, wecom)`) {
		t.Fatalf("unknown type: %v", err)
	}
	if got := strings.Join(all.Types(), ","); got != "dingtalk,feishu,kafka,lark,slack,webhook,wecom" {
		t.Fatalf("Types = %s", got)
	}
}
