// Package policy decides which trigger sources may back up which targets
// and groups. It is the config's policy: section:
//
//	policy:
//	  http: {groups: [nightly], targets: [orders-redis]}   # any webhook caller
//	  chat: {groups: [nightly, redis]}                      # slash commands
//	  rules:                                                # finer rules, first match wins
//	    - {source: chat, team: T0001, channel: C0DBA, groups: ["*"], targets: ["*"]}
//	    - {source: http, key: ci, groups: [nightly]}
//
// groups and targets list names; "*" means every name, and "url" in
// targets also allows target URLs not named in the config. A request is
// allowed when every group and target it names is allowed by the first
// rule that matches it (rules:, then the source's entry, then the default).
// Defaults: timer, queue, http and cli may back up anything; chat may name
// groups only. A denied request starts nothing.
package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
)

// Rule allows some groups and targets to the requests it matches.
type Rule struct {
	Name   string // where it is written, e.g. "policy.rules[0] (config.yaml:14)"
	Source core.Source
	// Matchers: empty matches anything.
	Team, Channel, User string // Slack team, channel and user IDs
	Key                 string // the webhook key ID that signed the request
	Groups, Targets     []string
}

// Subject is who asks.
type Subject struct {
	Source              core.Source
	Team, Channel, User string
	Key                 string
}

// Policy is the ordered rules plus per-source entries.
type Policy struct {
	Rules     []Rule
	PerSource map[core.Source]Rule
}

// defaults apply to sources the config says nothing about.
func defaultRule(s core.Source) Rule {
	if s == core.SourceChat {
		return Rule{Name: "the default for chat (groups only)", Source: s, Groups: []string{"*"}}
	}
	return Rule{Name: "the default for " + string(s), Source: s, Groups: []string{"*"}, Targets: []string{"*", "url"}}
}

func (r Rule) matches(s Subject) bool {
	ok := func(want, got string) bool { return want == "" || want == got }
	return (r.Source == "" || r.Source == s.Source) && ok(r.Team, s.Team) && ok(r.Channel, s.Channel) && ok(r.User, s.User) && ok(r.Key, s.Key)
}

// RuleFor returns the rule that decides for s.
func (p Policy) RuleFor(s Subject) Rule {
	for _, r := range p.Rules {
		if r.matches(s) {
			return r
		}
	}
	if r, ok := p.PerSource[s.Source]; ok {
		return r
	}
	return defaultRule(s.Source)
}

// Allow implements core.Policy: Check for the trigger's source and caller,
// and the targets and groups it names.
func (p Policy) Allow(trig core.Trigger) error {
	c := trig.Caller
	return p.Check(Subject{Source: trig.Source, Team: c.Team, Channel: c.Channel, User: c.User, Key: c.Key}, trig.Targets, trig.Groups)
}

var _ core.Policy = Policy{}

// Check returns a PermissionDenied error naming the rule when s may not
// back up every one of targets and groups.
func (p Policy) Check(s Subject, targets, groups []string) error {
	r := p.RuleFor(s)
	var denied []string
	for _, g := range groups {
		if !allows(r.Groups, g) {
			denied = append(denied, "group "+g)
		}
	}
	for _, t := range targets {
		switch {
		case strings.Contains(t, "://") && !slices.Contains(r.Targets, "url"):
			denied = append(denied, "target URL "+t)
		case !strings.Contains(t, "://") && !allows(r.Targets, t):
			denied = append(denied, "target "+t)
		}
	}
	if len(denied) == 0 {
		return nil
	}
	return errkind.New(errkind.PermissionDenied, "%s may not back up %s (rule: %s, which allows %s)",
		who(s), strings.Join(denied, ", "), r.Name, describe(r))
}

func allows(list []string, name string) bool {
	return slices.Contains(list, "*") || slices.Contains(list, name)
}

func who(s Subject) string {
	parts := []string{string(s.Source)}
	for _, kv := range [][2]string{{"team", s.Team}, {"channel", s.Channel}, {"user", s.User}, {"key", s.Key}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	return strings.Join(parts, " ")
}

func describe(r Rule) string {
	g, t := "no groups", "no targets"
	if len(r.Groups) > 0 {
		g = "groups " + strings.Join(r.Groups, ", ")
	}
	if len(r.Targets) > 0 {
		t = "targets " + strings.Join(r.Targets, ", ")
	}
	return fmt.Sprintf("%s; %s", g, t)
}
