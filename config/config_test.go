package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/backupfn/backupfn/config"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/all"
)

var reg = all.New(providers.Config{Getenv: func(string) string { return "" }})

func noenv(string) string { return "" }

const pid = "0b8f3a2c5e7d4f6a9c1b2d3e4f5a6b7c"

func TestExampleConfig(t *testing.T) {
	c, err := config.Load("../examples/backupfn.yaml", reg, noenv)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.TargetNames(), ","); got != "orders-redis,sessions-redis,cart-cache,billing-db" {
		t.Fatalf("targets = %s", got)
	}
	if got := strings.Join(c.Groups["nightly"], ","); got != "orders-redis,sessions-redis,cart-cache,billing-db" {
		t.Fatalf("nightly = %s", got)
	}
	cart, _ := c.Lookup("cart-cache")
	if cart.Target.Option("project_id") != pid || cart.Target.Option("remark") != "backupfn {trigger} {date}" {
		t.Fatalf("cart-cache = %s: want the ${HUAWEI_PROJECT_ID:-...} default and the default remark", cart.Target)
	}
	db, _ := c.Lookup("billing-db")
	if db.Target.Option("name") != "backupfn-{trigger}-{datetime}" || db.Target.Option("remark") != "" {
		t.Fatalf("billing-db = %s: want the default name and no remark (RDS has none)", db.Target)
	}
	sess, _ := c.Lookup("sessions-redis")
	if sess.Target.Option("remark") != "" || sess.Target.Option("retention_days") != "7" {
		t.Fatalf("sessions-redis = %s: Alibaba has no remark option", sess.Target)
	}
}

func TestDemoConfigIsTheExample(t *testing.T) {
	a, _ := os.ReadFile("../examples/backupfn.yaml")
	b, _ := os.ReadFile("../cmd/backupfn/demo.yaml")
	if len(a) == 0 || string(a) != string(b) {
		t.Fatal("cmd/backupfn/demo.yaml differs from examples/backupfn.yaml: copy the example over it")
	}
}

func TestEnvExpansion(t *testing.T) {
	env := map[string]string{"PID": pid}
	src := "targets:\n  db:\n    url: huawei-dcs://cn-north-4/dcs-1?project_id=${PID}\n"
	c, err := config.Parse("c.yaml", []byte(src), reg, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if db, _ := c.Lookup("db"); db.Target.Option("project_id") != pid {
		t.Fatalf("db = %s", db.Target)
	}
	_, err = config.Parse("c.yaml", []byte(src), reg, noenv)
	wantErrors(t, err, "c.yaml:3: targets.db.url: environment variable PID is not set")
}

// Each bad config names the file, the line and the key.
func TestInvalidConfigs(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"typo in a top-level key", "targest:\n  a: tencent-redis://ap-guangzhou/crs-1\n",
			[]string{`bad.yaml:1: targest: unknown key "targest" (did you mean "targets"?)`}},
		{"typo in a target key", "targets:\n  a:\n    url: tencent-redis://ap-guangzhou/crs-1\n    remak: x\n",
			[]string{`bad.yaml:4: targets.a.remak: unknown key "remak" for tencent-redis (did you mean "remark"?)`}},
		{"unknown provider scheme", "targets:\n  a: mongo-atlas://us-east-1/c1\n",
			[]string{`bad.yaml:2: targets.a: unknown provider scheme "mongo-atlas" (known: alibaba-redis, huawei-dcs, huawei-rds, tencent-redis)`}},
		{"group names a missing target", "targets:\n  a: tencent-redis://ap-guangzhou/crs-1\ngroups:\n  nightly: [a, b]\n",
			[]string{`bad.yaml:4: groups.nightly[1]: unknown target "b"`}},
		{"bad RDS name", "targets:\n  db:\n    url: huawei-rds://cn-north-4/i1?project_id=" + pid + "\n    name: 1nightly\n",
			[]string{"bad.yaml:2: targets.db:", "name"}},
		{"credentials in the file", "targets:\n  a:\n    url: tencent-redis://ap-guangzhou/crs-1\n    secret_key: abc\n",
			[]string{"bad.yaml:4: targets.a.secret_key: credentials do not belong in the config file"}},
		{"wrong shape", "targets:\n  - tencent-redis://ap-guangzhou/crs-1\n",
			[]string{"bad.yaml:2: targets: want a mapping of keys, got a list"}},
		{"not YAML", "targets: [\n", []string{"bad.yaml:", "not valid YAML"}},
		{"url and parts", "targets:\n  a:\n    url: tencent-redis://ap-guangzhou/crs-1\n    region: ap-guangzhou\n",
			[]string{"bad.yaml:3: targets.a: give either url: or provider:, region: and instance:, not both"}},
		{"bad option value", "targets:\n  a: tencent-redis://ap-guangzhou/crs-1?storage_days=4000\n",
			[]string{"bad.yaml:2: targets.a:", "storage_days"}},
		{"every error at once", "targest: 1\ntargets:\n  a: nope\ngroups:\n  g: [zz]\n",
			[]string{"bad.yaml:1: targest:", "bad.yaml:3: targets.a:", "bad.yaml:5: groups.g[0]:"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("bad.yaml", []byte(tc.src), reg, noenv)
			wantErrors(t, err, tc.want...)
		})
	}
}

func wantErrors(t *testing.T, err error, want ...string) {
	t.Helper()
	var es config.Errors
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	es, ok := err.(config.Errors)
	if !ok {
		t.Fatalf("error %T %v, want config.Errors", err, err)
	}
	msg := es.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Fatalf("errors:\n%s\nwant them to contain %q", msg, w)
		}
	}
}

func TestResolve(t *testing.T) {
	c, err := config.Load("../examples/backupfn.yaml", reg, noenv)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := c.Resolve([]string{"orders-redis", "tencent-redis://ap-guangzhou/crs-other", "tencent-redis://ap-guangzhou/crs-5a4py64p"}, []string{"redis"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range jobs {
		names = append(names, j.Name+"="+j.Target.Instance)
	}
	// The group comes first; orders-redis and its URL are the same instance, kept once.
	if got := strings.Join(names, " "); got != "orders-redis=crs-5a4py64p sessions-redis=r-bp1zxszhcgatnx cart-cache=dcs-ms-3f2a6c1e =crs-other" {
		t.Fatalf("jobs = %s", got)
	}
	if jobs[3].Target.Option("remark") != "backupfn {trigger} {date}" {
		t.Fatalf("a URL target gets the default remark: %s", jobs[3].Target)
	}
	for _, bad := range [][2][]string{
		{{"order-redis"}, nil}, {nil, {"nightlly"}}, {{"tencent-redis://ap-guangzhou/"}, nil}, {nil, nil},
	} {
		_, err := c.Resolve(bad[0], bad[1])
		if errkind.KindOf(err) != errkind.InvalidArgument {
			t.Fatalf("Resolve(%v, %v) = %v, want InvalidArgument", bad[0], bad[1], err)
		}
	}
	_, err = c.Resolve([]string{"order-redis"}, nil)
	if !strings.Contains(err.Error(), `did you mean "orders-redis"`) {
		t.Fatalf("error %v: want a suggestion", err)
	}
}

func TestIdempotencySection(t *testing.T) {
	env := map[string]string{"REDIS_URL": "redis://:pw@127.0.0.1:6379/0"}
	src := "targets:\n  a: tencent-redis://ap-guangzhou/crs-1\nidempotency:\n  store: redis\n  url: ${REDIS_URL}\n  ttl: 12h\n"
	c, err := config.Parse("c.yaml", []byte(src), reg, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Idempotency.Store != "redis" || c.Idempotency.URL != env["REDIS_URL"] || c.Idempotency.TTL.Hours() != 12 {
		t.Fatalf("idempotency = %+v", c.Idempotency)
	}
	bad := "targets:\n  a: tencent-redis://ap-guangzhou/crs-1\nidempotency:\n  store: etcd\n  ttl: soon\n  url: http://x\n"
	_, err = config.Parse("c.yaml", []byte(bad), reg, noenv)
	wantErrors(t, err, `c.yaml:4: idempotency.store: unknown store "etcd"`, `c.yaml:5: idempotency.ttl:`, "c.yaml:6: idempotency.url: want a redis://")
	_, err = config.Parse("c.yaml", []byte("targets: {}\nidempotency: {store: redis}\n"), reg, noenv)
	wantErrors(t, err, "c.yaml:2: idempotency: store: redis needs url")
}

func TestPolicySection(t *testing.T) {
	src := `targets:
  orders: tencent-redis://ap-guangzhou/crs-1
groups:
  nightly: [orders]
policy:
  http: {groups: [nightly], targets: [orders, url]}
  rules:
    - {source: chat, channel: C1, groups: ["*"], targets: ["*"]}
`
	c, err := config.Parse("c.yaml", []byte(src), reg, noenv)
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Policy.PerSource["http"]; len(r.Groups) != 1 || r.Targets[1] != "url" || len(c.Policy.Rules) != 1 || c.Policy.Rules[0].Channel != "C1" {
		t.Fatalf("policy = %+v", c.Policy)
	}
	if !strings.Contains(c.Policy.Rules[0].Name, "c.yaml:8") {
		t.Fatalf("rule name %q should say where it is written", c.Policy.Rules[0].Name)
	}
	bad := `targets:
  orders: tencent-redis://ap-guangzhou/crs-1
policy:
  http: {groups: [nightly]}
  chats: {groups: ["*"]}
  rules:
    - {source: email, targets: [order]}
`
	_, err = config.Parse("c.yaml", []byte(bad), reg, noenv)
	wantErrors(t, err, `c.yaml:4: policy.http.groups[0]: unknown name "nightly"`, `c.yaml:5: policy.chats: unknown key "chats" (did you mean "chat"?)`,
		`c.yaml:7: policy.rules[0].source: unknown source "email"`, `c.yaml:7: policy.rules[0].targets[0]: unknown name "order" (did you mean "orders"?)`)
}
