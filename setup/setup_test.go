package setup_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backupfn/backupfn/config"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/setup"
	"github.com/backupfn/backupfn/store/redisstore"
)

const yaml = `
targets:
  a: tencent-redis://ap-guangzhou/crs-aaaaaaaa
  b: tencent-redis://ap-guangzhou/crs-bbbbbbbb
groups:
  both: [a, b]
policy:
  cli: {targets: [a]}
`

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// New wires the config in as the service's resolver and policy, the sinks
// as its publisher, and the store the config names.
func TestNew(t *testing.T) {
	var logged bytes.Buffer
	b, err := setup.New(context.Background(), setup.Options{Getenv: env(nil), ConfigYAML: []byte(yaml), ConfigName: "t.yaml", Log: &logged, Source: "backupfn/test"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	svc := b.Service
	if svc.Registry != b.Registry || svc.Resolver == nil || svc.Policy == nil || svc.Publisher == nil || svc.Store == nil {
		t.Fatalf("service %+v: want registry, resolver, policy, publisher and store set", svc)
	}
	if _, ok := svc.Store.(*core.MemoryStore); !ok || b.Config.Path != "t.yaml" {
		t.Fatalf("store %T, config %s: want the memory store of t.yaml", svc.Store, b.Config.Path)
	}
	// The config's cli policy decides, before anything resolves or runs.
	rep, err := svc.Handle(context.Background(), core.Trigger{Source: core.SourceCLI, Groups: []string{"both"}}, core.HandleOptions{DryRun: true})
	if errkind.KindOf(err) != errkind.PermissionDenied || !strings.Contains(rep.Results[0].Error.Message, "policy.cli (t.yaml:") {
		t.Fatalf("Handle = %+v, %v; want the cli rule to refuse the group", rep, err)
	}
	rep, err = svc.Handle(context.Background(), core.Trigger{Source: core.SourceCLI, Targets: []string{"a"}}, core.HandleOptions{DryRun: true})
	if err != nil || len(rep.Results) != 1 || rep.Results[0].Status != core.StatusSkipped || rep.Results[0].Name != "a" {
		t.Fatalf("dry run of a = %+v, %v", rep, err)
	}
	// The refusal of a real run is published, to the log sink when asked for.
	_, _ = svc.Handle(context.Background(), core.Trigger{Source: core.SourceCLI, Targets: []string{"b"}}, core.HandleOptions{})
	if !strings.Contains(logged.String(), "PolicyDenied") || !strings.Contains(logged.String(), "backupfn/test") {
		t.Fatalf("log sink got:\n%s", logged.String())
	}
	if len(b.Publisher.Sinks) != 1 {
		t.Fatalf("%d sinks, want the log sink only", len(b.Publisher.Sinks))
	}
}

func TestNewOptions(t *testing.T) {
	// NoStore, no Log: no store, no sinks at all.
	b, err := setup.New(context.Background(), setup.Options{Getenv: env(nil), NoStore: true})
	if err != nil {
		t.Fatal(err)
	}
	if b.Service.Store != nil || len(b.Publisher.Sinks) != 0 || b.Config.Path != "(no config)" {
		t.Fatalf("store %v, %d sinks, config %s", b.Service.Store, len(b.Publisher.Sinks), b.Config.Path)
	}
	// With Search, BACKUPFN_CONFIG_INLINE is the config.
	b, err = setup.New(context.Background(), setup.Options{Getenv: env(map[string]string{"BACKUPFN_CONFIG_INLINE": yaml}), Search: true, NoStore: true})
	if err != nil || b.Config.Path != "BACKUPFN_CONFIG_INLINE" || len(b.Config.Targets) != 2 {
		t.Fatalf("inline config: %v, %+v", err, b)
	}
	// A path, from BACKUPFN_CONFIG with Search, or ConfigPath.
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, o := range []setup.Options{{Getenv: env(map[string]string{"BACKUPFN_CONFIG": p}), Search: true}, {Getenv: env(nil), ConfigPath: p}} {
		o.NoStore = true
		if b, err := setup.New(context.Background(), o); err != nil || b.Config.Path != p {
			t.Fatalf("%+v: %v", o, err)
		}
	}
	// Without Search, the environment names no config.
	if b, err := setup.New(context.Background(), setup.Options{Getenv: env(map[string]string{"BACKUPFN_CONFIG_INLINE": yaml}), NoStore: true}); err != nil || len(b.Config.Targets) != 0 {
		t.Fatalf("no search: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	var ce config.Errors
	for name, src := range map[string]string{
		"bad key":  "targest: {}\n",
		"bad sink": yaml + "sinks:\n  - {type: pager}\n",
	} {
		_, err := setup.New(context.Background(), setup.Options{Getenv: env(nil), ConfigYAML: []byte(src), NoStore: true})
		if !errors.As(err, &ce) {
			t.Errorf("%s: err %v (%T), want config.Errors", name, err, err)
		}
	}
	// A store that cannot be reached is not a config error; NoStore does not connect.
	withRedis := yaml + "idempotency: {store: redis, url: \"redis://127.0.0.1:1\"}\n"
	if _, err := setup.New(context.Background(), setup.Options{Getenv: env(nil), ConfigYAML: []byte(withRedis)}); err == nil || errors.As(err, &ce) {
		t.Fatalf("unreachable Redis: err %v, want a non-config error", err)
	}
	if _, err := setup.New(context.Background(), setup.Options{Getenv: env(nil), ConfigYAML: []byte(withRedis), NoStore: true}); err != nil {
		t.Fatalf("NoStore with a Redis store configured: %v", err)
	}
}

// TestRedisStoreSharesRateBuckets: with the Redis store, the service's rate
// buckets live in Redis too, so instances sharing it pace together (needs
// Redis on 127.0.0.1:6379: fails, not skips, without it).
func TestRedisStoreSharesRateBuckets(t *testing.T) {
	url := os.Getenv("BACKUPFN_TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	cfg := yaml + "idempotency: {store: redis, url: \"" + url + "\"}\n"
	b, err := setup.New(context.Background(), setup.Options{Getenv: env(nil), ConfigYAML: []byte(cfg)})
	if err != nil {
		t.Fatalf("%v (start Redis with: redis-server --daemonize yes --port 6379 --save \"\")", err)
	}
	defer b.Close()
	if _, ok := b.Service.Store.(*redisstore.Store); !ok || b.Service.Buckets == nil {
		t.Fatalf("store %T, buckets %v: want the Redis store and its shared buckets", b.Service.Store, b.Service.Buckets)
	}
	b2, err := setup.New(context.Background(), setup.Options{Getenv: env(nil), ConfigYAML: []byte(yaml)})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if b2.Service.Buckets != nil {
		t.Fatal("the memory store got shared buckets: each process paces alone without Redis")
	}
}
