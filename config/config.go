// Package config loads and validates backupfn's YAML config file: named
// targets, groups of targets, defaults for remarks and backup names, and the
// sinks, policy and idempotency sections.
//
// Decoding is strict: an unknown key, a value of the wrong shape, a bad
// target URL or option, a group naming a missing target, and an unset
// ${ENV} reference are all errors that name the file, line and key. Every
// error in a file is reported at once (see Errors).
//
// Credentials never go in the file. A target may name a credentials profile
// (credentials: prod), read from PROD_<standard variable> at call time.
package config

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/policy"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/signature"
	"github.com/backupfn/backupfn/sinks"
)

// Config is a loaded, validated config file.
type Config struct {
	Path        string
	Targets     []Target            // in file order
	Groups      map[string][]string // group name -> target names
	Defaults    Defaults
	Idempotency Idempotency
	// Sinks are the sinks: entries, decoded; sinks/all checks each against
	// its type. Secrets in them must be ${ENV} references (Spec.FromEnv).
	Sinks []sinks.Spec
	// Policy says which trigger sources may back up what (see package policy).
	Policy policy.Policy
	// WebhookKeys sign inbound webhooks (webhook: {keys: {ID: ${ENV}}}),
	// besides BACKUPFN_WEBHOOK_SECRET; callers name theirs with k=ID.
	WebhookKeys []signature.Key

	reg    *providers.Registry
	byName map[string]int
}

// Target is a named target.
type Target struct {
	Name   string
	Target providers.Target
	Line   int
}

// Defaults are option templates applied to targets that do not set them,
// where the target's provider has that option. Templates may use {date},
// {time}, {datetime}, {trigger} and {name}.
type Defaults struct {
	Remark      string // Tencent and DCS backup remark
	Name        string // RDS backup name, e.g. "backupfn-{trigger}-{date}"
	Description string // RDS backup description
}

func (c *Config) decodeWebhookKeys(d *decoder, v *yaml.Node, p string) {
	d.mapping(v, p, map[string]field{"*": func(k, v *yaml.Node, p string) {
		if !nameRE.MatchString(k.Value) {
			d.errorf(k, p, "key ID %q: want letters, digits, '-', '_' or '.'", k.Value)
			return
		}
		if v.Kind != yaml.ScalarNode || !wholeEnvRE.MatchString(v.Value) {
			d.errorf(v, p, "a secret: write it as ${ENV_VAR} (no default), never in the file")
			return
		}
		if s, ok := d.str(v, p); ok && len(s) < 16 {
			d.errorf(v, p, "the secret in %s is %d characters: want at least 16", v.Value, len(s))
		} else if ok {
			c.WebhookKeys = append(c.WebhookKeys, signature.Key{ID: k.Value, Secret: []byte(s)})
		}
	}})
}

// Idempotency chooses where started backups are remembered, so a trigger
// delivered twice starts each backup once: `store: memory` (one process, the
// default) or `store: redis` with `url: ${REDIS_URL}` (several instances).
type Idempotency struct {
	Store string        // "memory" or "redis"
	URL   string        // redis://[:password@]host:port[/db]; never printed
	TTL   time.Duration // how long a started backup is remembered; default 24h
}

func (c *Config) decodeIdempotency(d *decoder, v *yaml.Node, p string) {
	d.mapping(v, p, map[string]field{
		"store": func(_, v *yaml.Node, p string) {
			if s, ok := d.str(v, p); ok && s != "memory" && s != "redis" {
				d.errorf(v, p, "unknown store %q: want memory or redis", s)
			} else {
				c.Idempotency.Store = s
			}
		},
		"url": func(_, v *yaml.Node, p string) {
			if s, ok := d.str(v, p); ok && !strings.HasPrefix(s, "redis://") && !strings.HasPrefix(s, "rediss://") {
				d.errorf(v, p, "want a redis:// or rediss:// URL (write it as ${REDIS_URL} to keep its password out of the file)")
			} else {
				c.Idempotency.URL = s
			}
		},
		"ttl": func(_, v *yaml.Node, p string) {
			s, ok := d.str(v, p)
			ttl, err := time.ParseDuration(s)
			if ok && (err != nil || ttl < time.Minute) {
				d.errorf(v, p, "ttl %q: want a duration of at least 1m, e.g. 24h", s)
			}
			c.Idempotency.TTL = ttl
		},
	})
	if c.Idempotency.Store == "redis" && c.Idempotency.URL == "" {
		d.errorf(v, p, "store: redis needs url: ${REDIS_URL}")
	}
}

// Load reads and validates the config file at path. getenv expands ${ENV}
// references (nil means os.Getenv).
func Load(path string, reg *providers.Registry, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: "cannot read config: " + strings.TrimPrefix(err.Error(), "open "+path+": ")}}
	}
	return Parse(path, data, reg, getenv)
}

// Parse validates config data; name is used in error messages.
func Parse(name string, data []byte, reg *providers.Registry, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	d := &decoder{file: name, getenv: getenv}
	c := &Config{Path: name, Groups: map[string][]string{}, reg: reg, byName: map[string]int{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Errors{yamlError(name, err)}
	}
	if len(doc.Content) == 0 {
		return nil, Errors{{File: name, Msg: "the config is empty: want at least a targets: section"}}
	}
	var groupsNode, policyNode *yaml.Node
	d.mapping(doc.Content[0], "", map[string]field{
		"targets":     func(_, v *yaml.Node, p string) { c.decodeTargets(d, v, p) },
		"groups":      func(_, v *yaml.Node, _ string) { groupsNode = v },
		"defaults":    func(_, v *yaml.Node, p string) { c.decodeDefaults(d, v, p) },
		"sinks":       func(_, v *yaml.Node, p string) { c.Sinks = d.sinks(v, p) },
		"policy":      func(_, v *yaml.Node, _ string) { policyNode = v },
		"idempotency": func(_, v *yaml.Node, p string) { c.decodeIdempotency(d, v, p) },
		"webhook": func(_, v *yaml.Node, p string) {
			d.mapping(v, p, map[string]field{"keys": func(_, v *yaml.Node, p string) { c.decodeWebhookKeys(d, v, p) }})
		},
	})
	if groupsNode != nil {
		c.decodeGroups(d, groupsNode, "groups")
		groupsNode.Content = nil // decoded: its nodes need not outlive the rest
	}
	if policyNode != nil {
		c.decodePolicy(d, policyNode, "policy")
	}
	c.applyDefaults(d)
	if len(d.errs) > 0 {
		return nil, d.errs.sorted()
	}
	return c, nil
}

func yamlError(name string, err error) Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return Error{File: name, Line: line, Msg: "not valid YAML: " + msg}
}

func (c *Config) decodeDefaults(d *decoder, v *yaml.Node, p string) {
	set := func(dst *string) field {
		return func(_, v *yaml.Node, p string) {
			if s, ok := d.str(v, p); ok {
				*dst = s
			}
		}
	}
	d.mapping(v, p, map[string]field{
		"remark":      set(&c.Defaults.Remark),
		"name":        set(&c.Defaults.Name),
		"description": set(&c.Defaults.Description),
	})
}

func (c *Config) decodeGroups(d *decoder, v *yaml.Node, p string) {
	d.mapping(v, p, map[string]field{"*": func(k, v *yaml.Node, p string) {
		if !nameRE.MatchString(k.Value) {
			d.errorf(k, p, "group name %q: want letters, digits, '-', '_' or '.'", k.Value)
			return
		}
		if _, clash := c.byName[k.Value]; clash {
			d.errorf(k, p, "%q is both a target and a group name", k.Value)
		}
		names, nodes := d.list(v, p)
		for i, n := range names {
			if _, ok := c.byName[n]; !ok {
				d.errorf(nodes[i], fmt.Sprintf("%s[%d]", p, i), "unknown target %q%s", n, suggest(n, c.TargetNames()))
			}
		}
		if len(names) == 0 && len(nodes) == 0 && v.Kind == yaml.SequenceNode {
			d.errorf(v, p, "group %q is empty", k.Value)
		}
		c.Groups[k.Value] = names
	}})
}

// TargetNames returns the target names in file order.
func (c *Config) TargetNames() []string {
	s := make([]string, len(c.Targets))
	for i, t := range c.Targets {
		s[i] = t.Name
	}
	return s
}

// GroupNames returns the group names, sorted.
func (c *Config) GroupNames() []string {
	s := make([]string, 0, len(c.Groups))
	for g := range c.Groups {
		s = append(s, g)
	}
	sort.Strings(s)
	return s
}

// Lookup returns the named target.
func (c *Config) Lookup(name string) (Target, bool) {
	i, ok := c.byName[name]
	if !ok {
		return Target{}, false
	}
	return c.Targets[i], true
}

var _ core.Resolver = (*Config)(nil)

// Resolve turns target names or URLs and group names into jobs, each
// instance once, in request order. Unknown names are InvalidArgument errors
// listing the known ones.
func (c *Config) Resolve(targets, groups []string) ([]core.Job, error) {
	n := len(targets)
	for _, g := range groups {
		n += len(c.Groups[g])
	}
	jobs := make([]core.Job, 0, n)
	seen := make(map[string]bool, n)
	add := func(j core.Job) {
		if k := j.Target.Key(); !seen[k] {
			seen[k] = true
			jobs = append(jobs, c.withDefaults(j))
		}
	}
	var errs []error
	for _, g := range groups {
		names, ok := c.Groups[g]
		if !ok {
			errs = append(errs, errkind.New(errkind.InvalidArgument, "unknown group %q%s", g, suggest(g, c.GroupNames())))
			continue
		}
		for _, n := range names {
			t, _ := c.Lookup(n)
			add(core.Job{Name: t.Name, Target: t.Target})
		}
	}
	for _, s := range targets {
		if strings.Contains(s, "://") {
			t, err := c.reg.Parse(s)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			add(core.Job{Target: t})
			continue
		}
		t, ok := c.Lookup(s)
		if !ok {
			errs = append(errs, errkind.New(errkind.InvalidArgument, "unknown target %q: not a name in %s%s, nor a URL (SCHEME://REGION/INSTANCE)", s, c.Path, suggest(s, c.TargetNames())))
			continue
		}
		add(core.Job{Name: t.Name, Target: t.Target})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(jobs) == 0 {
		return nil, errkind.New(errkind.InvalidArgument, "nothing to back up: name at least one target or group")
	}
	return jobs, nil
}

// Empty returns a config with no targets, for runs that name URLs only.
func Empty(reg *providers.Registry) *Config {
	return &Config{Path: "(no config)", Groups: map[string][]string{}, reg: reg, byName: map[string]int{}}
}
