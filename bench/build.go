package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// Function is one deployable function package, built as `make dist` builds it.
type Function struct {
	Name    string // scf, fc, lambda-amd64, lambda-arm64, http
	Pkg     string // ./functions/...
	GOARCH  string
	Tags    string
	BinSize int64
	ZipSize int64
	Bin     string // the built binary
}

// Functions are the packages of `make dist`.
func Functions() []Function {
	return []Function{
		{Name: "scf", Pkg: "./functions/scf", GOARCH: "amd64"},
		{Name: "fc", Pkg: "./functions/fc", GOARCH: "amd64"},
		{Name: "lambda-amd64", Pkg: "./functions/lambda", GOARCH: "amd64", Tags: "lambda.norpc"},
		{Name: "lambda-arm64", Pkg: "./functions/lambda", GOARCH: "arm64", Tags: "lambda.norpc"},
		{Name: "http", Pkg: "./functions/http", GOARCH: "amd64"},
	}
}

// ModuleRoot returns the directory of the main module's go.mod.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not in a module (go env GOMOD = %q)", gomod)
	}
	return filepath.Dir(gomod), nil
}

// GoBuild builds pkg (relative to root) into out for linux/goarch as `make
// dist` does: CGO_ENABLED=0, -trimpath, -ldflags "-s -w". extra are more
// arguments before the package (e.g. -overlay).
func GoBuild(ctx context.Context, root, out, pkg, goarch, tags string, extra ...string) error {
	args := []string{"build", "-trimpath", "-ldflags=-s -w -X main.version=bench", "-o", out}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	args = append(append(args, extra...), pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return nil
}

// BuildFunctions builds every function and its zip into dir (two builds at
// a time) and fills in their sizes. The zips are made by internal/mkzip
// with the entries `make dist` gives them.
func BuildFunctions(ctx context.Context, root, dir string) ([]Function, error) {
	mkzip := filepath.Join(dir, "mkzip")
	if err := exec.CommandContext(ctx, "go", "build", "-C", root, "-o", mkzip, "./internal/mkzip").Run(); err != nil {
		return nil, fmt.Errorf("building internal/mkzip: %v", err)
	}
	bootstrap := filepath.Join(dir, "bootstrap")
	scfBootstrap := filepath.Join(dir, "scf_bootstrap")
	_ = os.WriteFile(bootstrap, []byte("#!/bin/sh\nexec \"$(dirname \"$0\")/backupfn-http\"\n"), 0o755)
	_ = os.WriteFile(scfBootstrap, []byte("#!/bin/sh\nPORT=9000 exec \"$(dirname \"$0\")/backupfn-http\"\n"), 0o755)
	fns := Functions()
	errs := make([]error, len(fns))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			f := &fns[i]
			f.Bin = filepath.Join(dir, f.Name)
			if errs[i] = GoBuild(ctx, root, f.Bin, f.Pkg, f.GOARCH, f.Tags); errs[i] != nil {
				return
			}
			entries := []string{"main=" + f.Bin + ":0755"}
			switch {
			case strings.HasPrefix(f.Name, "lambda"):
				entries = []string{"bootstrap=" + f.Bin + ":0755"}
			case f.Name == "http":
				entries = []string{"bootstrap=" + bootstrap + ":0755", "scf_bootstrap=" + scfBootstrap + ":0755", "backupfn-http=" + f.Bin + ":0755"}
			}
			zip := filepath.Join(dir, f.Name+".zip")
			if b, err := exec.CommandContext(ctx, mkzip, append([]string{"-o", zip}, entries...)...).CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("mkzip %s: %v\n%s", f.Name, err, b)
				return
			}
			f.BinSize, f.ZipSize = fileSize(f.Bin), fileSize(zip)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return fns, nil
}

// HostBin returns the binary of fns named name built for this machine's
// architecture: lambda-amd64 on amd64 for "lambda".
func HostBin(fns []Function, name string) (string, bool) {
	for _, f := range fns {
		if (f.Name == name || f.Name == name+"-"+runtime.GOARCH) && f.GOARCH == runtime.GOARCH && runtime.GOOS == "linux" {
			return f.Bin, true
		}
	}
	return "", false
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// helloServer is the floor for the HTTP cold start: a net/http server that
// answers /healthz and does nothing else.
const helloServer = `package main

import (
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{\"status\":\"ok\"}\n"))
	})
	http.ListenAndServe(":"+os.Getenv("PORT"), nil)
}
`

// BuildHello builds the floor server (a module of its own in dir/hello, no
// dependencies) for this machine, as the functions are built.
func BuildHello(ctx context.Context, dir string) (string, error) {
	src := filepath.Join(dir, "hello")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	mod := "module hello\n"
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte(mod), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(helloServer), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "hello-http")
	return bin, GoBuild(ctx, src, bin, ".", runtime.GOARCH, "")
}

// BuildChild builds the fan-out child (bench/fanout/child) into dir for
// this machine, as the functions are built.
func BuildChild(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "fanout-child")
	return bin, GoBuild(ctx, root, bin, "./bench/fanout/child", runtime.GOARCH, "")
}
