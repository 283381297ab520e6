package main

import (
	"context"
	"fmt"

	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/all"
	"github.com/backupfn/backupfn/sinks"
	sinkall "github.com/backupfn/backupfn/sinks/all"
)

func (a *app) cmdValidate(_ context.Context, args []string) int {
	fs := a.newFlags("validate", "--config FILE", `  backupfn validate --config backupfn.yaml
  BACKUPFN_CONFIG=backupfn.yaml backupfn validate`)
	cfgPath := fs.String("config", a.getenv("BACKUPFN_CONFIG"), "config file to check (default $BACKUPFN_CONFIG)")
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	if *cfgPath == "" {
		fmt.Fprintln(a.stderr, "backupfn validate: name the config file with --config FILE")
		return exitUsage
	}
	cfg, code := a.loadConfig(*cfgPath, all.New(providers.Config{Getenv: a.getenv}), "validate")
	if cfg == nil {
		return code
	}
	built, err := sinkall.Build(cfg, sinks.Options{})
	if err != nil {
		fmt.Fprintf(a.stderr, "backupfn validate: invalid config:\n%s\n", indent(err.Error()))
		return exitUsage
	}
	for _, s := range built {
		_ = s.Close()
	}
	fmt.Fprintf(a.stdout, "%s: ok: %d targets, %d groups, %d sinks\n", cfg.Path, len(cfg.Targets), len(cfg.Groups), len(cfg.Sinks))
	return exitOK
}
