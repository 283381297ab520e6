package main

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every command, given recognisable secret values for every kind of
// credential (cloud keys, STS tokens, webhook and Slack secrets, a Kafka
// password, chat webhook tokens, a Redis password), prints none of them:
// not in --help, validate, run (cloud and sink failures), status or invoke.
func TestNoSecretInAnyOutput(t *testing.T) {
	h := newHarness(t)
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	secrets := map[string]string{
		"TENCENTCLOUD_SECRET_KEY":         "SECRETtencentkey0001",
		"TENCENTCLOUD_SESSION_TOKEN":      "SECRETtencenttoken0002",
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "SECRETalibabakey0003",
		"ALIBABA_CLOUD_SECURITY_TOKEN":    "SECRETalibabatoken0004",
		"HUAWEICLOUD_SDK_SK":              "SECREThuaweisk0005",
		"HUAWEICLOUD_SDK_SECURITY_TOKEN":  "SECREThuaweitoken0006",
		"BACKUPFN_WEBHOOK_SECRET":         "SECRETwebhook0007",
		"SLACK_SIGNING_SECRET":            "SECRETslacksigning0008",
		"HOOK_SECRET":                     "SECREThooksink0009",
		"KAFKA_PASSWORD":                  "SECRETkafkapw0010",
		"SLACK_WEBHOOK_URL":               "http://" + deadAddr + "/services/T000/B000/SECRETslacktoken0011",
		"DINGTALK_URL":                    "http://" + deadAddr + "/robot/send?access_token=SECRETdingtoken0012",
		"DINGTALK_SECRET":                 "SECRETdingsign0013",
		"REDIS_URL":                       "redis://:SECRETredispw0014@" + deadAddr + "/0",
	}
	for k, v := range secrets {
		h.env[k] = v
	}
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte(`targets:
  orders: tencent-redis://ap-guangzhou/crs-5a4py64p
  sessions: alibaba-redis://cn-hangzhou/r-bp1zxszhcgatnx
  cart: huawei-dcs://cn-north-4/dcs-ms-3f2a6c1e?project_id=0b8f3a2c5e7d4f6a9c1b2d3e4f5a6b7c
groups:
  all: [orders, sessions, cart]
sinks:
  - {type: webhook, url: "http://`+deadAddr+`/hook", secret: "${HOOK_SECRET}", timeout: 1s}
  - {type: kafka, brokers: ["`+deadAddr+`"], topic: results, sasl: plain, username: u, password: "${KAFKA_PASSWORD}", timeout: 1s}
  - {type: slack, url: "${SLACK_WEBHOOK_URL}"}
  - {type: dingtalk, url: "${DINGTALK_URL}", secret: "${DINGTALK_SECRET}"}
`), 0o600)
	badStore := filepath.Join(t.TempDir(), "store.yaml")
	os.WriteFile(badStore, []byte("targets:\n  orders: tencent-redis://ap-guangzhou/crs-5a4py64p\nidempotency: {store: redis, url: \"${REDIS_URL}\"}\n"), 0o600)
	event := filepath.Join(t.TempDir(), "body.json")
	os.WriteFile(event, []byte(`{"groups":["all"]}`), 0o600)

	var all strings.Builder
	runs := [][]string{
		{"validate", "--config", cfg},
		{"run", "--config", cfg, "--group", "all", "--json"},
		{"run", "--config", cfg, "--group", "all"},
		{"run", "--config", badStore, "--target", "orders", "--idempotency-key", "k1"},
		{"status", "--config", cfg, "--target", "orders", "123"},
		{"invoke", "--platform", "http", "--config", cfg, "--event", event},
	}
	for _, c := range commands() {
		runs = append(runs, []string{c.name, "--help"})
	}
	for _, args := range runs {
		_, out, errOut := h.run(args...)
		all.WriteString(out + errOut)
	}
	// Wrong cloud credentials make every provider's error path run too.
	h.env["TENCENTCLOUD_SECRET_KEY"] = "SECRETwrongkey0015"
	_, out, errOut := h.run("run", "--config", cfg, "--group", "all", "--json")
	all.WriteString(out + errOut)
	secrets["wrong"] = "SECRETwrongkey0015"
	got := all.String()
	if !strings.Contains(got, "Unauthenticated") || !strings.Contains(got, "publishing to") {
		t.Fatalf("the runs did not reach the error paths they should have:\n%s", got)
	}
	for name, v := range secrets {
		if strings.Contains(got, v) {
			t.Errorf("%s's value appears in the output", name)
		}
	}
	// Every secret value here has the form SECRET<lower-case>…: none may
	// appear in any form (a URL's token alone, a percent-encoded copy).
	if loc := regexp.MustCompile(`SECRET[a-z]`).FindStringIndex(got); loc != nil {
		t.Fatalf("a secret value appears: …%s…", got[max(0, loc[0]-80):min(len(got), loc[1]+40)])
	}
}
