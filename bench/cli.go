package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/backupfn/backupfn/bench/fanout"
	"github.com/backupfn/backupfn/config"
	"github.com/backupfn/backupfn/core"
)

// CLIRun is one `backupfn run --config FILE --group all` over a generated
// config, the CLI as `make build` builds it, against `backupfn emulator` in
// another process (unthrottled), measured from outside by bench/rsswrap.
type CLIRun struct {
	Targets     int // in the config, all in group "all"
	Profiles    int // credentials profiles the targets are spread over
	ConfigBytes int
	Exit        int
	Wall, CPU   time.Duration
	// MaxRSSKB is wait4's ru_maxrss (the peak resident set, exact);
	// PolledHWMKB is VmHWM as last polled, a cross-check. AnonKB and FileKB
	// are RssAnon and RssFile when the polled VmRSS was highest.
	MaxRSSKB, PolledHWMKB, AnonKB, FileKB int64
	WrapperKB                             int64 // rsswrap's own peak (the most ru_maxrss can over-count)
	// From GODEBUG=gctrace=1: the heap's peak at a collection's end, the
	// most live after one, the highest goal, and the number of collections
	// (the runtime prints MiB; these are bytes).
	HeapPeak, HeapLive, HeapGoal int64
	NumGC                        int
	Started, Failed              int // from the CLI's summary line
	// Measured in the bench process: the config file's YAML node tree,
	// what config.Parse keeps, and the jobs group "all" resolves to.
	YAMLTree, ConfigKept, Jobs int64
	// Floor is the same binary backing up one target per cloud.
	Floor *CLIRun `json:",omitempty"`
	// Limited is the same run with GOMEMLIMIT=MemLimit (a what-if: what
	// the collector's headroom over the live heap costs).
	Limited  *CLIRun `json:",omitempty"`
	MemLimit string  `json:",omitempty"`
}

// ConfigBytes64 is ConfigBytes for the report's mb.
func (c CLIRun) ConfigBytes64() int64 { return int64(c.ConfigBytes) }

// PeakKB is the run's peak resident set.
func (c CLIRun) PeakKB() int64 { return max(c.MaxRSSKB, c.PolledHWMKB) }

// CLIOptions size RunCLI.
type CLIOptions struct {
	PerProvider int // targets per provider (10,000 in all: 2500)
	// Profiles spread the targets over this many credentials profiles (all
	// holding the emulator's keys), so that the per-(region, profile) token
	// buckets' bursts cover the run: the published limits (Huawei RDS
	// 60/min) would otherwise make it a 40-minute test of pacing.
	Profiles int
	Log      io.Writer
}

// RunCLI builds the CLI and bench/rsswrap into dir, starts `backupfn
// emulator` with every provider unthrottled and generated instances, writes
// a config of o.PerProvider targets per provider into dir and measures
// `backupfn run --config FILE --group all` (and a one-target-per-cloud run
// of the same binary, the floor).
func RunCLI(ctx context.Context, root, dir string, o CLIOptions) (CLIRun, error) {
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	cli, wrap := filepath.Join(dir, "backupfn"), filepath.Join(dir, "rsswrap")
	if err := GoBuild(ctx, root, cli, "./cmd/backupfn", runtime.GOARCH, ""); err != nil {
		return CLIRun{}, err
	}
	if err := GoBuild(ctx, root, wrap, "./bench/rsswrap", runtime.GOARCH, ""); err != nil {
		return CLIRun{}, err
	}
	emuEnv, stop, err := startEmulator(ctx, cli, dir, o.PerProvider)
	if err != nil {
		return CLIRun{}, err
	}
	defer stop()
	env := cliEnv(emuEnv, o.Profiles)
	floorCfg := filepath.Join(dir, "floor.yaml")
	if err := os.WriteFile(floorCfg, GenConfig(1, 1), 0o644); err != nil {
		return CLIRun{}, err
	}
	floor, err := measureCLI(ctx, wrap, cli, floorCfg, dir, env)
	if err != nil {
		return CLIRun{}, err
	}
	floor.Targets, floor.Profiles = 4, 1
	data := GenConfig(o.PerProvider, o.Profiles)
	cfgPath := filepath.Join(dir, "targets.yaml")
	if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
		return CLIRun{}, err
	}
	r, err := measureCLI(ctx, wrap, cli, cfgPath, dir, env)
	if err != nil {
		return CLIRun{}, err
	}
	const memLimit = "16MiB"
	limited, err := measureCLI(ctx, wrap, cli, cfgPath, dir, append(env, "GOMEMLIMIT="+memLimit))
	if err != nil {
		return CLIRun{}, err
	}
	r.Targets, r.Profiles, r.ConfigBytes, r.Floor = 4*o.PerProvider, o.Profiles, len(data), &floor
	limited.Targets, limited.Profiles = r.Targets, r.Profiles
	r.Limited, r.MemLimit = &limited, memLimit
	r.YAMLTree, r.ConfigKept, r.Jobs = configHeap(data, EnvFunc(env))
	logf("cli run, %d targets: peak RSS %.1f MB (anon %.1f, file %.1f), %d started, %d failed, in %v; floor %.1f MB",
		r.Targets, float64(r.PeakKB())*1024/1e6, float64(r.AnonKB)*1024/1e6, float64(r.FileKB)*1024/1e6, r.Started, r.Failed, r.Wall.Round(time.Millisecond), float64(floor.PeakKB())*1024/1e6)
	logf("cli run, %d targets, GOMEMLIMIT=%s: peak RSS %.1f MB, %d GCs (%d without), CPU %v (%v without)",
		r.Targets, memLimit, float64(limited.PeakKB())*1024/1e6, limited.NumGC, r.NumGC, limited.CPU.Round(time.Millisecond), r.CPU.Round(time.Millisecond))
	if r.Exit != 0 || r.Failed > 0 || r.Started != r.Targets {
		return r, fmt.Errorf("cli run: exit %d, %d of %d targets started, %d failed", r.Exit, r.Started, r.Targets, r.Failed)
	}
	return r, nil
}

// GenConfig is a config of perProvider of the emulator's generated
// instances on each cloud, round-robin over profiles credentials profiles
// p00, p01, ... (none when profiles <= 1), all in group "all".
func GenConfig(perProvider, profiles int) []byte {
	var b, g bytes.Buffer
	b.WriteString("# generated by bench (RunCLI)\ntargets:\n")
	g.WriteString("groups:\n  all:\n")
	for _, s := range Schemes {
		for i := range perProvider {
			name := fmt.Sprintf("%s-%05d", s, i)
			u := fanout.TargetURL(s, i)
			if profiles > 1 {
				sep := "?"
				if strings.Contains(u, "?") {
					sep = "&"
				}
				u += fmt.Sprintf("%scredentials=p%02d", sep, i%profiles)
			}
			fmt.Fprintf(&b, "  %s: %s\n", name, u)
			fmt.Fprintf(&g, "    - %s\n", name)
		}
	}
	b.Write(g.Bytes())
	return b.Bytes()
}

// cliEnv is the emulator's environment, its credentials repeated for each
// profile (P00_TENCENTCLOUD_SECRET_ID, ...), and GODEBUG=gctrace=1.
func cliEnv(emu []string, profiles int) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "GODEBUG=gctrace=1"}
	for _, kv := range emu {
		env = append(env, kv)
		if strings.HasPrefix(kv, "BACKUPFN_") {
			continue
		}
		for p := range profiles {
			env = append(env, fmt.Sprintf("P%02d_%s", p, kv))
		}
	}
	return env
}

// startEmulator starts `backupfn emulator` on a free loopback port with n
// generated instances per provider, backups done at once and no rate
// limit, and returns its environment (NAME=value) and how to stop it.
func startEmulator(ctx context.Context, cli, dir string, n int) ([]string, func(), error) {
	envFile := filepath.Join(dir, "emulator.env")
	args := []string{"emulator", "--listen", "127.0.0.1:0", "--env-file", envFile, "--generate", strconv.Itoa(n), "--backup-duration", "0"}
	for _, s := range Schemes {
		args = append(args, "--rate", s+"=0")
	}
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Stdout = io.Discard
	errOut, err := cmd.StderrPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	// It writes the env file, then says it is serving on stderr.
	sc := bufio.NewScanner(errOut)
	serving := false
	for !serving && sc.Scan() {
		serving = strings.HasPrefix(sc.Text(), "cloudemu: serving")
	}
	go func() { _, _ = io.Copy(io.Discard, errOut) }()
	b, err := os.ReadFile(envFile)
	if !serving || err != nil {
		stop()
		return nil, nil, fmt.Errorf("backupfn emulator did not start (%v)", err)
	}
	var env []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		env = append(env, strings.TrimPrefix(l, "export "))
	}
	return env, stop, nil
}

var (
	gcLine  = regexp.MustCompile(`(\d+)->(\d+)->(\d+) MB, (\d+) MB goal`)
	summary = regexp.MustCompile(`(?m)^(\d+) started, (\d+) already started, (\d+) failed, (\d+) pending$`)
)

// measureCLI runs `backupfn run --config cfg --group all` under rsswrap.
func measureCLI(ctx context.Context, wrap, cli, cfg, dir string, env []string) (CLIRun, error) {
	report := filepath.Join(dir, "rsswrap.txt")
	cmd := exec.CommandContext(ctx, wrap, "-report", report, "--", cli, "run", "--config", cfg, "--group", "all")
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr // the table: written, not kept
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			return CLIRun{}, fmt.Errorf("rsswrap backupfn run: %v", err)
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		return CLIRun{}, fmt.Errorf("rsswrap backupfn run: %v\n%s", err, tail(stderr.String()))
	}
	f := map[string]int64{}
	for _, kv := range strings.Fields(string(b)) {
		k, v, _ := strings.Cut(kv, "=")
		f[k], _ = strconv.ParseInt(v, 10, 64)
	}
	r := CLIRun{Exit: int(f["exit"]), Wall: time.Duration(f["wall_ns"]), CPU: time.Duration(f["cpu_ns"]),
		MaxRSSKB: f["maxrss_kb"], PolledHWMKB: f["polled_VmHWM_kb"], AnonKB: f["polled_RssAnon_kb"], FileKB: f["polled_RssFile_kb"],
		WrapperKB: f["self_hwm_kb"]}
	const mib = 1 << 20
	for _, m := range gcLine.FindAllStringSubmatch(stderr.String(), -1) {
		end, _ := strconv.ParseInt(m[2], 10, 64)
		live, _ := strconv.ParseInt(m[3], 10, 64)
		goal, _ := strconv.ParseInt(m[4], 10, 64)
		r.HeapPeak, r.HeapLive, r.HeapGoal = max(r.HeapPeak, end*mib), max(r.HeapLive, live*mib), max(r.HeapGoal, goal*mib)
		r.NumGC++
	}
	if m := summary.FindStringSubmatch(stderr.String()); m != nil {
		r.Started, _ = strconv.Atoi(m[1])
		r.Failed, _ = strconv.Atoi(m[3])
	} else {
		return r, fmt.Errorf("backupfn run: no summary line (exit %d)\n%s", r.Exit, tail(stderr.String()))
	}
	return r, nil
}

// configHeap measures, in this process, the heap that data's YAML node tree
// takes, what config.Parse keeps of it, and the jobs of group "all".
func configHeap(data []byte, getenv func(string) string) (tree, kept, jobs int64) {
	reg := NewRegistry(getenv)
	h0 := heapAlloc()
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return 0, 0, 0
	}
	tree = heapAlloc() - h0
	runtime.KeepAlive(&doc)
	doc = yaml.Node{}
	h0 = heapAlloc()
	cfg, err := config.Parse("targets.yaml", data, reg, getenv)
	if err != nil {
		return tree, 0, 0
	}
	kept = heapAlloc() - h0
	// The jobs Resolve returns for group "all" (built here: resolving is
	// the pipeline's, core/arch_test.go).
	js := make([]core.Job, 0, len(cfg.Targets))
	for _, t := range cfg.Targets {
		js = append(js, core.Job{Name: t.Name, Target: t.Target})
	}
	jobs = heapAlloc() - h0 - kept
	runtime.KeepAlive(cfg)
	runtime.KeepAlive(js)
	return tree, kept, jobs
}

func heapAlloc() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// tail is the last lines of s.
func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-10):], "\n")
}
