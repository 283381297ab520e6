package functest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
)

// bins holds the built function binaries, by name: scf, fc, lambda, http,
// functiongraph.
var bins = map[string]string{}

// The secrets handed to the children: none may appear in their output.
var (
	webhookSecret = "whsec-" + randHex(16)
	slackSecret   = "slack-" + randHex(16)
	alibabaToken  = "emu-alibaba-sts-token-" + randHex(8)
	huaweiToken   = "emu-huawei-security-token-" + randHex(8)
	scfRoleToken  = "scf-role-token-" + randHex(8)
	scfStaleToken = "scf-stale-role-token-" + randHex(8)
	// wrongSecret is a key secret the clouds refuse: the refusal must not
	// echo it either.
	wrongSecret = "wrong-secret-" + randHex(12)
)

// secrets lists every value that must never reach a child's output.
func secrets() map[string]string {
	return map[string]string{
		"BACKUPFN_WEBHOOK_SECRET":      webhookSecret,
		"SLACK_SIGNING_SECRET":         slackSecret,
		"tencent secret key":           cloudemu.DefaultTencent.Secret,
		"alibaba access key secret":    cloudemu.DefaultAlibaba.Secret,
		"huawei secret key":            cloudemu.DefaultHuawei.Secret,
		"alibaba STS token":            alibabaToken,
		"huawei security token":        huaweiToken,
		"refused key secret":           wrongSecret,
		"SCF role session token":       scfRoleToken,
		"stale SCF role session token": scfStaleToken,
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "backupfn-functest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "functest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := build(dir); err != nil {
		fmt.Fprintln(os.Stderr, "functest: building the functions:", err)
		return 1
	}
	return m.Run()
}

// build compiles the entrypoints into dir, as they are deployed:
// CGO_ENABLED=0, and -tags lambda.norpc for Lambda.
func build(dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return fmt.Errorf("not in a module (go env GOMOD = %q)", gomod)
	}
	root := filepath.Dir(gomod)
	type job struct {
		name string
		args []string
	}
	var jobs []job
	for _, name := range []string{"scf", "fc", "lambda", "http", "functiongraph"} {
		bin := filepath.Join(dir, name)
		args := []string{"build", "-o", bin}
		if name == "lambda" {
			args = append(args, "-tags", "lambda.norpc")
		}
		args = append(args, "./functions/"+name)
		bins[name] = bin
		jobs = append(jobs, job{name, args})
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, "go", j.args...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("go %s: %v\n%s", strings.Join(j.args, " "), err, out)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// configYAML is the config every child gets in BACKUPFN_CONFIG_INLINE: one
// target on each cloud API, the nightly group of all four, and a group per
// cloud.
var configYAML = fmt.Sprintf(`targets:
  orders-redis: tencent-redis://ap-guangzhou/%s
  sessions-redis: alibaba-redis://cn-hangzhou/%s
  cart-cache:
    url: huawei-dcs://cn-north-4/%s
    project_id: %s
  billing-db:
    url: huawei-rds://cn-north-4/%s
    project_id: %s
    description: nightly backup of billing
groups:
  nightly: [orders-redis, sessions-redis, cart-cache, billing-db]
  alibaba: [sessions-redis]
  huawei: [cart-cache, billing-db]
`, cloudemu.TencentInstance, cloudemu.AlibabaInstance, cloudemu.DCSInstance, cloudemu.HuaweiProject,
	cloudemu.RDSInstance, cloudemu.HuaweiProject)

// cloud is an in-process cloudemu server for one test.
type cloud struct {
	emu *cloudemu.Emulator
	url string
}

func newCloud(t *testing.T, o cloudemu.Options) *cloud {
	t.Helper()
	if o.BackupDuration == 0 {
		o.BackupDuration = -1 // done at once: every test may back up the same instances again
	}
	emu := cloudemu.New(o)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &cloud{emu: emu, url: srv.URL}
}

// count is how many backups the emulator has started so far.
func (c *cloud) count() int { return len(c.emu.Backups()) }

// since returns the backups started after the first n.
func (c *cloud) since(n int) []cloudemu.Backup { return c.emu.Backups()[n:] }

// waitBackups polls until at least want backups were started after the
// first n, and returns them.
func (c *cloud) waitBackups(t *testing.T, n, want int, timeout time.Duration) []cloudemu.Backup {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := c.since(n)
		if len(got) >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// env is a child's whole environment: PATH, a fresh HOME (so no credentials
// file of the parent's user is read), the emulator's endpoint and
// credentials (minus those whose name starts with one of drop), the config,
// the webhook and Slack secrets, and extra.
func (c *cloud) env(t *testing.T, drop []string, extra ...string) []string {
	t.Helper()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for _, kv := range c.emu.Env(c.url) {
		if !slices.ContainsFunc(drop, func(p string) bool { return strings.HasPrefix(kv, p) }) {
			env = append(env, kv)
		}
	}
	env = append(env,
		"BACKUPFN_CONFIG_INLINE="+configYAML,
		"BACKUPFN_WEBHOOK_SECRET="+webhookSecret,
		"SLACK_SIGNING_SECRET="+slackSecret,
	)
	return append(env, extra...)
}

// setEnv returns env with kv ("NAME=value") replacing any NAME=.
func setEnv(env []string, kv string) []string {
	name, _, _ := strings.Cut(kv, "=")
	out := slices.DeleteFunc(slices.Clone(env), func(e string) bool { return strings.HasPrefix(e, name+"=") })
	return append(out, kv)
}

// badConfig is a config that does not validate: the unknown scheme and the
// unknown group member are both errors.
const badConfig = "targets:\n  orders: nosuch-cloud://ap-guangzhou/crs-1\ngroups:\n  nightly: [orders, missing]\n"

var signs atomic.Int64

// signTime is a distinct, recent second for each signature: the function
// refuses a signature it has seen (replay), and two requests signed in the
// same second with the same body would share one.
func signTime() time.Time {
	return time.Now().Add(-time.Duration(signs.Add(1)%240) * time.Second)
}
