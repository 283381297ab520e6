// Package all is the explicit list of sink types: the only package that
// imports every sink, so each binary's set is visible in one place.
package all

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/backupfn/backupfn/config"
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

// Build returns the configured sinks (not the log sink: entrypoints add it). A bad
// entry is reported as config.Errors naming the file, line and key; no
// sink connects anywhere until it publishes.
func Build(cfg *config.Config, o sinks.Options) ([]sinks.Sink, error) {
	var out []sinks.Sink
	var errs config.Errors
	known := constructors()
	for i, spec := range cfg.Sinks {
		path := fmt.Sprintf("sinks[%d]", i)
		newSink, ok := known[spec.Type]
		if !ok {
			errs = append(errs, config.Error{File: cfg.Path, Line: spec.Line, Key: path + ".type",
				Msg: fmt.Sprintf("unknown sink type %q (known: %s)", spec.Type, strings.Join(Types(), ", "))})
			continue
		}
		s, err := newSink(spec, o)
		if err != nil {
			line, key := spec.Line, path
			var ce *sinks.ConfigError
			if errors.As(err, &ce) {
				key, err = path+"."+ce.Key, errors.New(ce.Msg)
				if l, ok := spec.KeyLines[ce.Key]; ok {
					line = l
				}
			}
			errs = append(errs, config.Error{File: cfg.Path, Line: line, Key: key, Msg: err.Error()})
			continue
		}
		out = append(out, s)
	}
	if len(errs) > 0 {
		for _, s := range out {
			_ = s.Close()
		}
		return nil, errs
	}
	return out, nil
}
