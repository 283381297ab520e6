package config

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/policy"
)

var policySources = []core.Source{core.SourceTimer, core.SourceQueue, core.SourceHTTP, core.SourceChat, core.SourceCLI}

// decodePolicy reads the policy: section (see package policy) once targets
// and groups are known, so every name it lists is checked.
func (c *Config) decodePolicy(d *decoder, v *yaml.Node, p string) {
	c.Policy = policy.Policy{PerSource: map[core.Source]policy.Rule{}}
	fields := map[string]field{
		"rules": func(_, v *yaml.Node, p string) {
			if v.Kind != yaml.SequenceNode {
				d.errorf(v, p, "want a list of rules, e.g. - {source: chat, channel: C0DBA, groups: [nightly]}")
				return
			}
			for i, n := range v.Content {
				if r, ok := c.decodeRule(d, n, fmt.Sprintf("%s[%d]", p, i), true); ok {
					c.Policy.Rules = append(c.Policy.Rules, r)
				}
			}
		},
	}
	for _, s := range policySources {
		fields[string(s)] = func(_, v *yaml.Node, p string) {
			if r, ok := c.decodeRule(d, v, p, false); ok {
				r.Source = s
				c.Policy.PerSource[s] = r
			}
		}
	}
	d.mapping(v, p, fields)
}

func (c *Config) decodeRule(d *decoder, n *yaml.Node, p string, matchers bool) (policy.Rule, bool) {
	r := policy.Rule{Name: fmt.Sprintf("%s (%s:%d)", p, d.file, n.Line)}
	str := func(dst *string) field { return func(_, v *yaml.Node, p string) { *dst, _ = d.str(v, p) } }
	fields := map[string]field{
		"groups":  func(_, v *yaml.Node, p string) { r.Groups = c.policyNames(d, v, p, c.GroupNames(), "*") },
		"targets": func(_, v *yaml.Node, p string) { r.Targets = c.policyNames(d, v, p, c.TargetNames(), "*", "url") },
	}
	if matchers {
		var src string
		fields["source"] = func(_, v *yaml.Node, p string) {
			str(&src)(nil, v, p)
			if !slices.Contains(policySources, core.Source(src)) {
				d.errorf(v, p, "unknown source %q (known: timer, queue, http, chat, cli)", src)
			}
			r.Source = core.Source(src)
		}
		fields["team"], fields["channel"], fields["user"], fields["key"] = str(&r.Team), str(&r.Channel), str(&r.User), str(&r.Key)
	}
	before := len(d.errs)
	d.mapping(n, p, fields)
	return r, len(d.errs) == before
}

// policyNames reads a list of names that must exist, or be one of special.
func (c *Config) policyNames(d *decoder, v *yaml.Node, p string, known []string, special ...string) []string {
	names, nodes := d.list(v, p)
	for i, n := range names {
		if !slices.Contains(known, n) && !slices.Contains(special, n) {
			d.errorf(nodes[i], fmt.Sprintf("%s[%d]", p, i), "unknown name %q%s", n, suggest(n, append(known, special...)))
		}
	}
	return names
}
