package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
)

// Startup holds the cold-start and size figures.
type Startup struct {
	Runs      int
	Functions []Function // sizes
	// Cold starts, exec → first complete response: functions/http's GET
	// /healthz and signed POST /v1/backups (the nightly group, four
	// clouds), functions/lambda's first invocation (an EventBridge
	// schedule of the nightly group), and the floor: a bare net/http
	// server's GET /healthz.
	Healthz, Post, Lambda, Hello Cold
	// SCF is functions/scf's first Function.Invoke (an SCF timer of the
	// nightly group) over the SCF Go1 protocol; SCFNoRPC the same for
	// bench/scfnorpc (functions/scf serving that protocol without
	// net/rpc), whose size is NoRPCSize (0 if it did not build).
	SCF, SCFNoRPC       Cold
	NoRPCSize, NoRPCZip int64
	Init                InitTrace // functions/http's package initialisation
	HelloInit           InitTrace // the floor's
	// Text is functions/http's machine code by module, TextTotal its sum.
	Text      []ModuleSize
	TextTotal int64
}

// RunStartup builds the functions into a temporary directory (as `make
// dist` does) and measures their sizes and cold starts, runs times each.
func RunStartup(ctx context.Context, root string, runs int, log io.Writer) (Startup, error) {
	st := Startup{Runs: runs}
	dir, err := os.MkdirTemp("", "backupfn-bench-")
	if err != nil {
		return st, err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	if st.Functions, err = BuildFunctions(ctx, root, dir); err != nil {
		return st, err
	}
	hello, err := BuildHello(ctx, dir)
	if err != nil {
		return st, err
	}
	noRPC := buildNoRPC(ctx, root, dir)
	st.NoRPCSize, st.NoRPCZip = fileSize(noRPC), fileSize(noRPC+".zip")
	if st.Text, st.TextTotal, err = TextByModule(ctx, root, dir, "./functions/http"); err != nil {
		return st, err
	}
	fmt.Fprintf(log, "built the functions in %v\n", time.Since(start).Round(time.Millisecond))
	httpBin, ok1 := HostBin(st.Functions, "http")
	lambdaBin, ok2 := HostBin(st.Functions, "lambda")
	if !ok1 || !ok2 {
		return st, fmt.Errorf("no functions built for this machine (cold starts need linux/amd64 or linux/arm64)")
	}
	c := NewCloud(CloudOptions{}) // seeded instances, no limits, no latency
	defer c.Close()
	env := FunctionEnv(c)
	if st.Hello, err = ColdHTTP(ctx, hello, nil, Healthz, http.StatusOK, runs); err != nil {
		return st, fmt.Errorf("cold start of the bare server: %v", err)
	}
	if st.Healthz, err = ColdHTTP(ctx, httpBin, env, Healthz, http.StatusOK, runs); err != nil {
		return st, fmt.Errorf("cold start of functions/http, GET /healthz: %v", err)
	}
	if st.Post, err = ColdHTTP(ctx, httpBin, env, PostBackups, http.StatusOK, runs); err != nil {
		return st, fmt.Errorf("cold start of functions/http, POST /v1/backups: %v", err)
	}
	if st.Lambda, err = ColdLambda(ctx, lambdaBin, env, ScheduleEvent, runs); err != nil {
		return st, fmt.Errorf("cold start of functions/lambda: %v", err)
	}
	if scfBin, ok := HostBin(st.Functions, "scf"); ok {
		if st.SCF, err = ColdSCF(ctx, scfBin, env, SCFTimer, runs); err != nil {
			return st, fmt.Errorf("cold start of functions/scf: %v", err)
		}
	}
	if noRPC != "" {
		if st.SCFNoRPC, err = ColdSCF(ctx, noRPC, env, SCFTimer, runs); err != nil {
			return st, fmt.Errorf("cold start of functions/scf without net/rpc: %v", err)
		}
	}
	if st.Init, err = TraceInit(httpBin, env, 300*time.Millisecond); err != nil {
		return st, err
	}
	if st.HelloInit, err = TraceInit(hello, nil, 100*time.Millisecond); err != nil {
		return st, err
	}
	r := func(c Cold) time.Duration { return c.Median().Round(10 * time.Microsecond) }
	fmt.Fprintf(log, "cold starts (median of %d): bare server %v, http GET /healthz %v, POST /v1/backups %v, lambda %v, scf %v, scf without net/rpc %v\n",
		runs, r(st.Hello), r(st.Healthz), r(st.Post), r(st.Lambda), r(st.SCF), r(st.SCFNoRPC))
	return st, nil
}

// buildNoRPC builds bench/scfnorpc (functions/scf without net/rpc) into
// dir/scf-norpc for this machine, and its zip as scf's, or returns "" when
// it cannot be built.
func buildNoRPC(ctx context.Context, root, dir string) string {
	bin := filepath.Join(dir, "scf-norpc")
	if GoBuild(ctx, root, bin, "./bench/scfnorpc", runtime.GOARCH, "") != nil {
		return ""
	}
	_ = exec.CommandContext(ctx, filepath.Join(dir, "mkzip"), "-o", bin+".zip", "main="+bin+":0755").Run()
	return bin
}
