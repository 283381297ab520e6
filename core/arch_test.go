package core_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The import rule of ARCHITECTURE.md: only providers/* import cloud SDKs and
// only functions/* import platform runtime libraries; core, events, config
// and the sinks depend on neither, even indirectly; core/errkind is a
// stdlib-only leaf.
func TestImportRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports " "}}|{{join .Deps " "}}`, "github.com/backupfn/backupfn/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/backupfn/backupfn/"
	sdks := []string{"github.com/tencentcloud/", "github.com/aliyun/alibaba-cloud-sdk-go", "github.com/huaweicloud/"}
	platforms := []string{"github.com/aws/aws-lambda-go", "github.com/aliyun/fc-runtime-go-sdk", "github.com/tencentyun/scf-go-lib"}
	// Each with its subpackages, but "providers" alone (and its suite).
	clean := []string{"core", "events", "config", "sinks", "cloudemu", "providers", "providers/providertest"}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		pkg, imports, deps := strings.TrimPrefix(f[0], mod), strings.Fields(f[1]), strings.Fields(f[2])
		checked++
		for _, d := range imports {
			if hasAny(d, sdks) && !strings.HasPrefix(pkg, "providers/") {
				t.Errorf("%s imports the cloud SDK %s: only providers/* may", pkg, d)
			}
			// bench/ speaks the platforms' protocols to measure cold starts.
			if hasAny(d, platforms) && !strings.HasPrefix(pkg, "functions/") && !strings.HasPrefix(pkg, "bench") {
				t.Errorf("%s imports the platform library %s: only functions/* (and bench) may", pkg, d)
			}
		}
		for _, c := range clean {
			if pkg != c && (!strings.HasPrefix(pkg, c+"/") || strings.HasPrefix(c, "providers")) {
				continue
			}
			for _, d := range deps {
				if hasAny(d, sdks) || hasAny(d, platforms) {
					t.Errorf("%s depends on %s: it must stay free of cloud SDKs and platform libraries", pkg, d)
				}
				if pkg == "core/errkind" && strings.Contains(strings.Split(d, "/")[0], ".") {
					t.Errorf("core/errkind depends on %s: it must stay a stdlib-only leaf", d)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("go list found %d packages; the check looked at nothing", checked)
	}
}

func hasAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
