package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/backupfn/backupfn/config"
)

// FuzzParse: any bytes load or fail with errors that each name the file.
func FuzzParse(f *testing.F) {
	example, _ := os.ReadFile("../examples/backupfn.yaml")
	f.Add(example)
	f.Add([]byte("targets:\n  a: tencent-redis://ap-guangzhou/crs-1\ngroups:\n  g: [a]\npolicy:\n  chat: {groups: [g]}\n"))
	f.Add([]byte("sinks:\n  - {type: webhook, url: https://x, secret: ${S}}\nidempotency: {store: redis, url: ${R}}\n"))
	f.Add([]byte("targets: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := config.Parse("fuzz.yaml", data, reg, func(string) string { return "" })
		if err == nil {
			return
		}
		es, ok := err.(config.Errors)
		if !ok || len(es) == 0 {
			t.Fatalf("error %T %v is not config.Errors", err, err)
		}
		for _, e := range es {
			if !strings.HasPrefix(e.Error(), "fuzz.yaml") || e.Msg == "" {
				t.Fatalf("error %q does not name the file or says nothing", e.Error())
			}
		}
	})
}
