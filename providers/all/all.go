// Package all is the explicit list of providers: the only package that
// imports every provider, so each binary's set is visible in one place.
package all

import (
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/alibabaredis"
	"github.com/backupfn/backupfn/providers/huaweidcs"
	"github.com/backupfn/backupfn/providers/huaweirds"
	"github.com/backupfn/backupfn/providers/tencentredis"
)

// New returns a registry of every provider, configured with cfg.
func New(cfg providers.Config) *providers.Registry {
	return providers.NewRegistry(
		tencentredis.New(cfg),
		alibabaredis.New(cfg),
		huaweidcs.New(cfg),
		huaweirds.New(cfg),
	)
}
