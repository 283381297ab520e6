package policy

import (
	"strings"
	"testing"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
)

func TestCheck(t *testing.T) {
	p := Policy{
		Rules: []Rule{
			{Name: "ops channel", Source: core.SourceChat, Team: "T1", Channel: "C-ops", Groups: []string{"*"}, Targets: []string{"*"}},
			{Name: "ci key", Source: core.SourceHTTP, Key: "ci", Groups: []string{"nightly"}},
		},
		PerSource: map[core.Source]Rule{
			core.SourceHTTP: {Name: "policy.http", Groups: []string{"nightly", "redis"}, Targets: []string{"orders"}},
		},
	}
	cases := []struct {
		s               Subject
		targets, groups []string
		deny            string // "" = allowed
	}{
		{Subject{Source: core.SourceTimer}, []string{"orders", "redis://x/y"}, []string{"all"}, ""},
		{Subject{Source: core.SourceChat, Team: "T1", User: "U9"}, nil, []string{"nightly"}, ""},
		{Subject{Source: core.SourceChat, Team: "T1", User: "U9"}, []string{"orders"}, nil, "target orders (rule: the default for chat"},
		{Subject{Source: core.SourceChat, Team: "T1", Channel: "C-ops"}, []string{"orders"}, nil, ""},
		{Subject{Source: core.SourceChat, Team: "T1", Channel: "C-ops"}, []string{"tencent-redis://r/i"}, nil, "target URL"},
		{Subject{Source: core.SourceHTTP, Key: "ci"}, nil, []string{"nightly"}, ""},
		{Subject{Source: core.SourceHTTP, Key: "ci"}, nil, []string{"redis"}, "group redis (rule: ci key"},
		{Subject{Source: core.SourceHTTP, Key: "default"}, []string{"orders"}, []string{"redis"}, ""},
		{Subject{Source: core.SourceHTTP}, []string{"billing"}, nil, "target billing (rule: policy.http"},
	}
	for i, c := range cases {
		err := p.Check(c.s, c.targets, c.groups)
		if c.deny == "" && err != nil {
			t.Errorf("case %d: denied: %v", i, err)
		}
		if c.deny != "" && (err == nil || !strings.Contains(err.Error(), c.deny) || errkind.KindOf(err) != errkind.PermissionDenied) {
			t.Errorf("case %d: err = %v, want PermissionDenied containing %q", i, err, c.deny)
		}
	}
}
