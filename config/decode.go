package config

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/backupfn/backupfn/providers"
)

// decoder walks YAML nodes, collecting every error with its line.
type decoder struct {
	file   string
	getenv func(string) string
	errs   Errors
	// options interns targets' option sets (by their encoding): targets
	// with the same options share one url.Values, as most of a large
	// config's do (a project_id, or none). Nothing modifies a Target's
	// Options in place (Target.With and Expand copy them).
	options map[string]url.Values
}

// intern returns t with its Options shared with an earlier target's equal
// ones.
func (d *decoder) intern(t providers.Target) providers.Target {
	key := t.Options.Encode()
	if o, ok := d.options[key]; ok {
		t.Options = o
		return t
	}
	if d.options == nil {
		d.options = map[string]url.Values{}
	}
	if len(t.Options) == 0 {
		t.Options = url.Values{} // not the parsed map, which may hold a deleted key's space
	}
	d.options[key] = t.Options
	return t
}

func (d *decoder) errorf(n *yaml.Node, key, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, Error{File: d.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// field is one key of a mapping with its handler.
type field func(key, val *yaml.Node, path string)

// mapping calls fields[key] for each key of n; unknown keys, duplicate keys
// and non-mappings are errors. A nil fields["*"] is not allowed; a non-nil
// one takes every key not listed.
func (d *decoder) mapping(n *yaml.Node, path string, fields map[string]field) {
	d.mappingDrop(n, path, fields, false)
}

// mappingDrop is mapping; with drop, each key's nodes are let go of once
// its field has run, so a large section's YAML tree is garbage as it is
// decoded rather than after the whole file (the targets: of a 10,000-target
// config hold most of its nodes).
func (d *decoder) mappingDrop(n *yaml.Node, path string, fields map[string]field, drop bool) {
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return
		}
		d.errorf(n, path, "want a mapping of keys, got %s", kindName(n))
		return
	}
	var known []string
	for k := range fields {
		if k != "*" {
			known = append(known, k)
		}
	}
	sort.Strings(known)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if seen[k.Value] {
			d.errorf(k, p, "key given twice")
			continue
		}
		seen[k.Value] = true
		f, ok := fields[k.Value]
		if !ok {
			f = fields["*"]
		}
		if f == nil {
			d.errorf(k, p, "unknown key %q%s", k.Value, suggest(k.Value, known))
			continue
		}
		f(k, v, p)
		if drop {
			n.Content[i], n.Content[i+1] = nil, nil
		}
	}
	if drop {
		n.Content = nil
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("%q", n.Value)
}

// str returns a scalar's value with ${ENV} references expanded.
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "want a single value, got %s", kindName(n))
		return "", false
	}
	return d.expand(n, path, n.Value)
}

// list returns a sequence of scalars (a single scalar is a one-item list).
func (d *decoder) list(n *yaml.Node, path string) ([]string, []*yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		s, ok := d.str(n, path)
		if !ok {
			return nil, nil
		}
		return []string{s}, []*yaml.Node{n}
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "want a list, got %s", kindName(n))
		return nil, nil
	}
	var out []string
	var nodes []*yaml.Node
	for i, c := range n.Content {
		if s, ok := d.str(c, fmt.Sprintf("%s[%d]", path, i)); ok {
			out = append(out, s)
			nodes = append(nodes, c)
		}
	}
	return out, nodes
}

var envRE = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expand replaces ${NAME} and ${NAME:-default} from the environment; "$$" is
// a literal "$". An unset variable with no default is an error.
func (d *decoder) expand(n *yaml.Node, path, s string) (string, bool) {
	if !strings.Contains(s, "$") { // nothing to expand: not a copy of every value
		return s, true
	}
	ok := true
	out := envRE.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		sub := envRE.FindStringSubmatch(m)
		if v := d.getenv(sub[1]); v != "" {
			return v
		}
		if sub[2] != "" {
			return sub[3]
		}
		d.errorf(n, path, "environment variable %s is not set (write ${%s:-default} for a default)", sub[1], sub[1])
		ok = false
		return m
	})
	if ok && strings.Contains(out, "${") {
		d.errorf(n, path, "malformed ${...} reference in %q: want ${NAME} or ${NAME:-default}", s)
		return out, false
	}
	return out, ok
}
