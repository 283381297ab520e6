package setup

import (
	"errors"
	"fmt"

	"github.com/backupfn/backupfn/config"
	"github.com/backupfn/backupfn/sinks"
	sinkall "github.com/backupfn/backupfn/sinks/all"
)

// BuildSinks returns the config's sinks (not the log sink: entrypoints add
// it). A bad entry is reported as config.Errors naming the file, line and
// key; no sink connects anywhere until it publishes. It lives here, not in
// sinks/all, so that the sinks never import the config (which imports them).
func BuildSinks(cfg *config.Config, o sinks.Options) ([]sinks.Sink, error) {
	var out []sinks.Sink
	var errs config.Errors
	for i, spec := range cfg.Sinks {
		path := fmt.Sprintf("sinks[%d]", i)
		s, err := sinkall.New(spec, o)
		if err != nil {
			line, key := spec.Line, path
			var ce *sinks.ConfigError
			var ut *sinkall.UnknownTypeError
			switch {
			case errors.As(err, &ut):
				key = path + ".type"
			case errors.As(err, &ce):
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
