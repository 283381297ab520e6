package core_test

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The import rule of ARCHITECTURE.md: only providers/* import cloud SDKs and
// only functions/* import platform runtime libraries; core, events, config
// and the sinks depend on neither, even indirectly; errkind is a
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
	clean := []string{"errkind", "core", "events", "config", "sinks", "cloudemu", "providers", "providers/providertest"}
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
		// core is the bottom of the pipeline: the packages that adapt to it
		// (config, policy, sinks, events, handler, setup) import core, never
		// the other way; core reaches them through its small interfaces.
		if pkg == "core" || strings.HasPrefix(pkg, "core/") {
			for _, d := range deps {
				for _, above := range []string{"config", "policy", "sinks", "events", "handler", "setup", "store"} {
					if d == mod+above || strings.HasPrefix(d, mod+above+"/") {
						t.Errorf("%s depends on %s: core must not import the packages built on it", pkg, d)
					}
				}
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
				if pkg == "errkind" && strings.Contains(strings.Split(d, "/")[0], ".") {
					t.Errorf("errkind depends on %s: it must stay a stdlib-only leaf", d)
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

// Issue #12: one pipeline. Every trigger goes through core.Service.Handle,
// so policy checking, resolution and publishing each have one call site,
// in core; the entrypoints (handler, the CLI and its demo, the functions)
// only adapt input and output, and the service is assembled in one place
// (package setup). bench/ and internal/faultmatrix measure core.Service.Run
// itself and may build their own.
func TestOnePipeline(t *testing.T) {
	calls := map[string]*regexp.Regexp{
		"policy check": regexp.MustCompile(`\.(Allow|Check)\(`),
		"resolution":   regexp.MustCompile(`\.Resolve\(`),
		"publishing":   regexp.MustCompile(`\.(PublishRun|Publish)\(`),
		"orchestration (Service.Run/Wait; call Handle)":   regexp.MustCompile(`\b(Service|svc|s)\.(Run|Wait)\(`),
		"assembly (build the service with package setup)": regexp.MustCompile(`core\.Service\{|\ball\.New\(`),
	}
	// Where each may be called, besides tests.
	allowed := map[string][]string{
		"policy check": {"core/pipeline.go", "policy/policy.go"}, // policy.Allow adapts Trigger to Check
		"resolution":   {"core/pipeline.go"},
		"publishing":   {"core/pipeline.go", "sinks/publisher.go", "sinks/sinktest/"}, // PublishRun -> Publish -> each Sink
		"orchestration (Service.Run/Wait; call Handle)":   {"core/", "bench/", "internal/faultmatrix/"},
		"assembly (build the service with package setup)": {"setup/setup.go", "bench/", "internal/faultmatrix/"},
	}
	found := map[string][]string{}
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			// cloudemu, providers and store are backends (their rate limiters
			// have Allow methods of their own), not the pipeline.
			if (rel != "." && strings.HasPrefix(d.Name(), ".")) || rel == "cloudemu" || rel == "providers" || rel == "store" || rel == "docs" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if l := strings.TrimSpace(line); strings.HasPrefix(l, "//") {
				continue
			}
			for what, re := range calls {
				if re.MatchString(line) {
					found[what] = append(found[what], fmt.Sprintf("%s:%d", rel, i+1))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for what, sites := range found {
		for _, site := range sites {
			ok := false
			for _, a := range allowed[what] {
				ok = ok || strings.HasPrefix(site, a)
			}
			if !ok {
				t.Errorf("%s at %s: only %v may do it", what, site, allowed[what])
			}
		}
	}
	for _, what := range []string{"policy check", "resolution", "publishing"} {
		n := 0
		for _, site := range found[what] {
			if strings.HasPrefix(site, "core/") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d call sites in core (%v), want exactly one", what, n, found[what])
		}
	}
}

// layers are the module's packages from the bottom up, as
// docs/ARCHITECTURE.md draws them ("Imports point one way"). A package may
// import only packages of lower layers (or its own package family, e.g.
// providers/huaweidcs -> providers/internal/huaweicommon). A back-edge fails
// TestImportDirection, e.g. if sinks/all imported config again:
//
//	sinks/all (layer 6: sinks) imports config (layer 7): a back-edge; config
//	imports sinks, so the sinks must not import config
//
// Test-support and tools (bench, internal/*, cmd, functions' tests) are on
// top; cloudemu (the emulator, which imports nothing of the module) sits
// below the providers whose suite (providers/providertest) drives it.
var layers = [][]string{
	{"errkind"},
	{"signature", "cloudemu"},
	{"providers"},
	{"providers/all"},
	{"core/wrap"},
	{"core"},
	{"policy", "sinks", "store", "events"},
	{"config"},
	{"setup"},
	{"handler"},
	{"functions", "cmd", "bench", "internal"},
}

// layerOf returns pkg's layer and the family (layer entry) it belongs to.
func layerOf(pkg string) (int, string) {
	best, fam := -1, ""
	for i, l := range layers {
		for _, p := range l {
			if (pkg == p || strings.HasPrefix(pkg, p+"/")) && len(p) > len(fam) {
				best, fam = i, p
			}
		}
	}
	return best, fam
}

// TestImportDirection checks every import edge between the module's own
// packages (their non-test code) against layers.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports " "}}`, "github.com/backupfn/backupfn/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/backupfn/backupfn/"
	edges := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		pkg := strings.TrimPrefix(f[0], mod)
		from, fromFam := layerOf(pkg)
		if from < 0 {
			t.Errorf("%s is in no layer of the import rule: add it to layers (and to docs/ARCHITECTURE.md)", pkg)
			continue
		}
		for _, d := range strings.Fields(f[1]) {
			if !strings.HasPrefix(d, mod) {
				continue
			}
			dep := strings.TrimPrefix(d, mod)
			to, toFam := layerOf(dep)
			edges++
			if to > from || (to == from && toFam != fromFam) {
				t.Errorf("%s (layer %d: %s) imports %s (layer %d: %s): a back-edge against docs/ARCHITECTURE.md's import rule", pkg, from, fromFam, dep, to, toFam)
			}
		}
	}
	if edges < 30 {
		t.Fatalf("only %d import edges checked: the test looked at nothing", edges)
	}
}
