package config

import (
	"fmt"
	"regexp"

	"go.yaml.in/yaml/v3"

	"github.com/backupfn/backupfn/sinks"
)

// wholeEnvRE matches a value that is one ${ENV} reference and nothing else,
// without a default: a secret's default would be a secret written in the file.
var wholeEnvRE = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*\}$`)

// sinks decodes the sinks: list: mappings with a type: key and scalar or
// list values. Each type's own keys are checked by sinks/all.
func (d *decoder) sinks(v *yaml.Node, p string) []sinks.Spec {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		d.errorf(v, p, "want a list of sinks, e.g. - {type: webhook, url: ..., secret: ${HOOK_SECRET}}, got %s", kindName(v))
		return nil
	}
	var out []sinks.Spec
	for i, n := range v.Content {
		ip := fmt.Sprintf("%s[%d]", p, i)
		spec := sinks.Spec{Values: map[string][]string{}, FromEnv: map[string]bool{}, Line: n.Line, KeyLines: map[string]int{}}
		d.mapping(n, ip, map[string]field{"*": func(k, v *yaml.Node, p string) {
			vals, nodes := d.list(v, p)
			fromEnv := len(nodes) > 0
			for _, x := range nodes {
				fromEnv = fromEnv && wholeEnvRE.MatchString(x.Value)
			}
			if k.Value == "type" {
				if len(vals) == 1 {
					spec.Type = vals[0]
				}
				return
			}
			spec.Values[k.Value], spec.FromEnv[k.Value], spec.KeyLines[k.Value] = vals, fromEnv, k.Line
		}})
		if n.Kind == yaml.MappingNode && spec.Type == "" {
			d.errorf(n, ip, "a sink needs type: (webhook, kafka, slack, dingtalk, feishu, lark or wecom)")
			continue
		}
		out = append(out, spec)
	}
	return out
}
