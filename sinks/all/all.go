// Package all is the explicit list of sink types: the only package that
// imports every sink, so each binary's set is visible in one place.
package all

import (
	"fmt"
	"sort"
	"strings"

	"github.com/backupfn/backupfn/sinks"
	"github.com/backupfn/backupfn/sinks/chat"
	"github.com/backupfn/backupfn/sinks/kafka"
	"github.com/backupfn/backupfn/sinks/webhook"
)

type constructor func(sinks.Spec, sinks.Options) (sinks.Sink, error)

// constructors maps each sink type to its constructor: the explicit list.
func constructors() map[string]constructor {
	m := map[string]constructor{
		"webhook": func(s sinks.Spec, o sinks.Options) (sinks.Sink, error) { return webhook.New(s, o) },
		"kafka":   func(s sinks.Spec, o sinks.Options) (sinks.Sink, error) { return kafka.New(s, o) },
	}
	for _, t := range chat.Types { // slack, dingtalk, feishu, lark, wecom
		m[t] = chat.New
	}
	return m
}

// Types returns the sink types, sorted.
func Types() []string {
	var ts []string
	for t := range constructors() {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// New builds the sink spec names, or an error: a *sinks.ConfigError naming
// the spec's key at fault, or an *UnknownTypeError. Mapping those to the
// config's file and line is setup.BuildSinks': the sinks never import the
// config (which imports them).
func New(spec sinks.Spec, o sinks.Options) (sinks.Sink, error) {
	newSink, ok := constructors()[spec.Type]
	if !ok {
		return nil, &UnknownTypeError{Type: spec.Type}
	}
	return newSink(spec, o)
}

// UnknownTypeError is a spec whose type no sink has.
type UnknownTypeError struct{ Type string }

func (e *UnknownTypeError) Error() string {
	return fmt.Sprintf("unknown sink type %q (known: %s)", e.Type, strings.Join(Types(), ", "))
}
