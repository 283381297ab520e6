package setup_test

import (
	"strings"
	"testing"

	"github.com/backupfn/backupfn/config"
	"github.com/backupfn/backupfn/providers"
	provall "github.com/backupfn/backupfn/providers/all"
	"github.com/backupfn/backupfn/setup"
	"github.com/backupfn/backupfn/sinks"
)

func TestBuildSinks(t *testing.T) {
	env := map[string]string{"HOOK": "s3cr3t-hook", "SLACK_URL": "https://hooks.slack.com/services/T/B/XYZ", "KPW": "kafka-pw"}
	src := `targets: {}
sinks:
  - {type: webhook, url: https://ci.example.com/hook, secret: "${HOOK}"}
  - {type: slack, url: "${SLACK_URL}"}
  - {type: kafka, brokers: [127.0.0.1:9092], topic: backup-results, sasl: plain, username: u, password: "${KPW}"}
`
	reg := provall.New(providers.Config{})
	cfg, err := config.Parse("c.yaml", []byte(src), reg, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ss, err := setup.BuildSinks(cfg, sinks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range ss {
		names = append(names, s.Name())
		_ = s.Close()
	}
	got := strings.Join(names, "; ")
	if len(ss) != 3 || strings.Contains(got, "XYZ") || strings.Contains(got, "s3cr3t") {
		t.Fatalf("sinks = %s", got)
	}
	bad := "targets: {}\nsinks:\n  - {type: slack, url: https://hooks.slack.com/services/T/B/XYZ}\n  - type: kafka\n    topic: t\n"
	cfg, _ = config.Parse("c.yaml", []byte(bad), reg, func(string) string { return "" })
	_, err = setup.BuildSinks(cfg, sinks.Options{})
	if err == nil || !strings.Contains(err.Error(), "c.yaml:3: sinks[0].url:") || !strings.Contains(err.Error(), "c.yaml:4: sinks[1].brokers") || strings.Contains(err.Error(), "XYZ") {
		t.Fatalf("err = %v", err)
	}
}
