package main

import (
	"context"
	"fmt"

	"github.com/backupfn/backupfn/setup"
)

func (a *app) cmdValidate(ctx context.Context, args []string) int {
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
	// Built as run would build it (config, policy, sinks), connecting nowhere.
	b, code := a.setup(ctx, "validate", setup.Options{Getenv: a.getenv, ConfigPath: *cfgPath, NoStore: true})
	if b == nil {
		return code
	}
	_ = b.Close()
	cfg := b.Config
	fmt.Fprintf(a.stdout, "%s: ok: %d targets, %d groups, %d sinks\n", cfg.Path, len(cfg.Targets), len(cfg.Groups), len(cfg.Sinks))
	return exitOK
}
