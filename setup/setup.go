// Package setup builds the backup service from a config and the
// environment: the one place that assembles a core.Service with its
// providers (providers/all), config (the Resolver), policy, idempotency
// store and sinks (the Publisher). The handler (so every platform
// function), and the CLI's run, invoke, serve, demo, status and validate
// commands all build through it.
//
// It sits above core, config, policy and sinks in the import graph
// (functions, cmd -> handler -> setup -> core, config, providers/all,
// sinks/all), so core keeps importing none of them.
package setup

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/backupfn/backupfn/config"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/all"
	"github.com/backupfn/backupfn/sinks"
	"github.com/backupfn/backupfn/store/redisstore"
)

// Options say where the config and the environment come from.
type Options struct {
	// Getenv reads the environment (credentials, ${ENV} in the config,
	// endpoints); nil means os.Getenv.
	Getenv func(string) string
	// The config: ConfigYAML (named ConfigName in errors), else the file
	// ConfigPath. With Search (what a function does), BACKUPFN_CONFIG_INLINE
	// (the YAML) comes before ConfigPath, and BACKUPFN_CONFIG (a path) and
	// config.yaml beside the binary after it. With none, an empty config:
	// target URLs only.
	ConfigYAML []byte
	ConfigName string
	ConfigPath string
	Search     bool
	// NoStore leaves the service without an idempotency store, so nothing
	// connects to Redis (the CLI without --idempotency-key).
	NoStore bool
	// Source is the published events' source, e.g. "backupfn/scf/fn".
	Source string
	// Log, when set, receives the log sink's JSON lines (functions log every
	// run); nil means no log sink (the CLI prints its report instead).
	Log io.Writer
	// HTTPClient is the sinks' client; nil means defaults.
	HTTPClient *http.Client
	Now        func() time.Time
}

// Built is an assembled service and what it was built from.
type Built struct {
	Config    *config.Config
	Registry  *providers.Registry
	Service   *core.Service
	Publisher *sinks.Publisher
}

// Close closes the sinks' connections.
func (b *Built) Close() error { return b.Publisher.Close() }

// New loads the config and builds the service: the providers, the config as
// its Resolver, the config's policy, the idempotency store the config names
// (unless NoStore) and the log and configured sinks as its Publisher.
// A bad config (or sinks: entry) is a config.Errors naming file, line and
// key; a store that cannot be reached is any other error.
func New(ctx context.Context, o Options) (*Built, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	reg := Registry(getenv)
	cfg, err := LoadConfig(o, reg)
	if err != nil {
		return nil, err
	}
	configured, err := BuildSinks(cfg, sinks.Options{HTTPClient: o.HTTPClient, Now: o.Now})
	if err != nil {
		return nil, err
	}
	if o.Log != nil {
		configured = append([]sinks.Sink{sinks.NewLog(o.Log)}, configured...)
	}
	pub := &sinks.Publisher{Sinks: configured, Source: o.Source, Now: o.Now}
	svc := &core.Service{Registry: reg, Resolver: cfg, Policy: cfg.Policy, Publisher: pub, Now: o.Now}
	if !o.NoStore {
		store, err := OpenStore(ctx, cfg.Idempotency)
		if err != nil {
			_ = pub.Close()
			return nil, err
		}
		svc.Store, svc.StoreTTL = store, cfg.Idempotency.TTL
		if rs, ok := store.(*redisstore.Store); ok {
			// Instances sharing Redis share their rate buckets too: together
			// they stay under each account's limit.
			svc.Buckets = rs.Buckets()
		}
	}
	return &Built{Config: cfg, Registry: reg, Service: svc, Publisher: pub}, nil
}

// Registry is every provider, reading credentials and endpoints through
// getenv: providers/all.New, called here only.
func Registry(getenv func(string) string) *providers.Registry {
	return all.New(providers.Config{Getenv: getenv})
}

// LoadConfig loads the config o names (see Options), checked against reg.
func LoadConfig(o Options, reg *providers.Registry) (*config.Config, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if o.ConfigYAML != nil {
		name := o.ConfigName
		if name == "" {
			name = "config"
		}
		return config.Parse(name, o.ConfigYAML, reg, getenv)
	}
	if !o.Search {
		if o.ConfigPath != "" {
			return config.Load(o.ConfigPath, reg, getenv)
		}
		return config.Empty(reg), nil
	}
	if inline := getenv("BACKUPFN_CONFIG_INLINE"); inline != "" {
		return config.Parse("BACKUPFN_CONFIG_INLINE", []byte(inline), reg, getenv)
	}
	path := o.ConfigPath
	if path == "" {
		path = getenv("BACKUPFN_CONFIG")
	}
	if path != "" {
		return config.Load(path, reg, getenv)
	}
	if exe, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(exe), "config.yaml")
		if _, err := os.Stat(beside); err == nil {
			return config.Load(beside, reg, getenv)
		}
	}
	return config.Empty(reg), nil
}

// OpenStore returns the idempotency store the config names: Redis, or an
// in-memory store (one process) by default.
func OpenStore(ctx context.Context, c config.Idempotency) (core.Store, error) {
	if c.Store != "redis" {
		return &core.MemoryStore{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// The hash tag keeps every key in one slot on Redis Cluster (the claim
	// script touches three keys at once).
	s, err := redisstore.Open(ctx, c.URL, "{backupfn}:")
	if err != nil {
		return nil, err
	}
	// A first-try mark must outlast the results it guards.
	s.TriedTTL = max(48*time.Hour, cmp.Or(c.TTL, 24*time.Hour)+time.Hour)
	return s, nil
}
