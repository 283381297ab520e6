package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/providers"
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// secretKeys are keys that would put a credential in the file.
var secretKeys = []string{"secret", "secret_id", "secret_key", "secretid", "secretkey", "access_key", "access_key_id",
	"access_key_secret", "ak", "sk", "password", "token", "security_token", "session_token"}

// targetOption is one spelled-out option of a target, with its key node.
type targetOption struct {
	key, value string
	node       *yaml.Node
}

func (c *Config) decodeTargets(d *decoder, v *yaml.Node, p string) {
	if v.Kind == yaml.MappingNode {
		c.Targets = slices.Grow(c.Targets, len(v.Content)/2)
	}
	d.mappingDrop(v, p, map[string]field{"*": func(k, v *yaml.Node, p string) {
		if !nameRE.MatchString(k.Value) || strings.Contains(k.Value, "://") {
			d.errorf(k, p, "target name %q: want letters, digits, '-', '_' or '.' (up to 64)", k.Value)
			return
		}
		t, ok := c.decodeTarget(d, v, p)
		if !ok {
			return
		}
		c.byName[k.Value] = len(c.Targets)
		c.Targets = append(c.Targets, Target{Name: k.Value, Target: t, Line: k.Line})
	}}, true)
}

// decodeTarget reads `name: URL` or `name: {url: URL, key: value...}` or
// `name: {provider: P, region: R, instance: I, key: value...}`.
func (c *Config) decodeTarget(d *decoder, v *yaml.Node, p string) (providers.Target, bool) {
	var rawURL, scheme, region, instance, profile string
	var opts []targetOption
	if v.Kind == yaml.ScalarNode {
		s, ok := d.str(v, p)
		if !ok {
			return providers.Target{}, false
		}
		rawURL = s
	} else {
		set := func(dst *string) field {
			return func(_, v *yaml.Node, p string) { *dst, _ = d.str(v, p) }
		}
		d.mapping(v, p, map[string]field{
			"url": set(&rawURL), "provider": set(&scheme), "region": set(&region),
			"instance": set(&instance), "credentials": set(&profile),
			"*": func(k, v *yaml.Node, p string) {
				if slices.Contains(secretKeys, strings.ToLower(k.Value)) {
					d.errorf(k, p, "credentials do not belong in the config file: write credentials: PROFILE and set PROFILE_<variable> in the environment")
					return
				}
				vals, _ := d.list(v, p)
				opts = append(opts, targetOption{key: k.Value, value: strings.Join(vals, ","), node: k})
			},
		})
	}
	switch {
	case rawURL != "" && (scheme != "" || region != "" || instance != ""):
		d.errorf(v, p, "give either url: or provider:, region: and instance:, not both")
		return providers.Target{}, false
	case rawURL == "" && (scheme == "" || region == "" || instance == ""):
		d.errorf(v, p, "want url: SCHEME://REGION/INSTANCE, or all of provider:, region: and instance:")
		return providers.Target{}, false
	case rawURL == "":
		rawURL = scheme + "://" + region + "/" + instance
	}
	t, err := providers.ParseUnchecked(rawURL)
	if err != nil {
		d.errorf(v, p, "%s", messageOf(err))
		return providers.Target{}, false
	}
	prov, err := c.reg.Lookup(t.Scheme)
	if err != nil {
		d.errorf(v, p, "%s", messageOf(err))
		return providers.Target{}, false
	}
	if profile != "" {
		t.Profile = profile
	}
	for _, o := range opts {
		if known := optionsOf(prov); known != nil && !slices.Contains(known, o.key) {
			d.errorf(o.node, join(p, o.key), "unknown key %q for %s%s", o.key, t.Scheme, suggest(o.key, append(known, "url", "provider", "region", "instance", "credentials")))
			continue
		}
		t = t.With(o.key, o.value)
	}
	if t.Profile != "" {
		// Parse the profile name through the URL form so its rules hold here too.
		if _, err := providers.ParseUnchecked(t.String()); err != nil {
			d.errorf(v, join(p, "credentials"), "%s", messageOf(err))
			return providers.Target{}, false
		}
	}
	return d.intern(t), true
}

// optionsOf returns the provider's option keys, or nil when it cannot say.
func optionsOf(p providers.Provider) []string {
	if l, ok := p.(providers.OptionLister); ok {
		return l.Options()
	}
	return nil
}

// applyDefaults fills default templates into targets that lack them and
// validates every target with its provider.
func (c *Config) applyDefaults(d *decoder) {
	for i, t := range c.Targets {
		j := c.withDefaults(core.Job{Name: t.Name, Target: t.Target})
		c.Targets[i].Target = d.intern(j.Target)
		prov, err := c.reg.Lookup(j.Target.Scheme)
		if err != nil {
			continue // reported while decoding
		}
		if err := prov.Validate(j.Target.Expand(providers.SampleVars)); err != nil {
			d.errs = append(d.errs, Error{File: d.file, Line: t.Line, Key: "targets." + t.Name, Msg: messageOf(err)})
		}
	}
}

// withDefaults adds the default remark, name and description to a job's
// target where its provider has that option and the target does not set it.
func (c *Config) withDefaults(j core.Job) core.Job {
	prov, err := c.reg.Lookup(j.Target.Scheme)
	if err != nil {
		return j
	}
	known := optionsOf(prov)
	for _, kv := range [][2]string{{"remark", c.Defaults.Remark}, {"name", c.Defaults.Name}, {"description", c.Defaults.Description}} {
		if kv[1] != "" && slices.Contains(known, kv[0]) && j.Target.Option(kv[0]) == "" {
			j.Target = j.Target.With(kv[0], kv[1])
		}
	}
	return j
}

// messageOf returns an error's message without its kind prefix.
func messageOf(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": "); i > 0 && !strings.Contains(s[:i], " ") {
		return s[i+2:]
	}
	return fmt.Sprint(s)
}
