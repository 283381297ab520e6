// Package fanout is the part of bench that runs in the fan-out child
// process: core.Service over the emulator's generated instances, and the
// process's memory figures. It imports what a function binary imports for
// a run (core, the providers and their SDKs) and not the emulator, the
// handler or bench's other tools, so the child's memory is backupfn's.
package fanout

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/all"
)

// The emulator's provider schemes and its Huawei project (cloudemu's
// constants, repeated so that this package does not link the emulator).
const (
	TencentRedis  = "tencent-redis"
	AlibabaRedis  = "alibaba-redis"
	HuaweiDCS     = "huawei-dcs"
	HuaweiRDS     = "huawei-rds"
	HuaweiProject = "0b8f3a2c5e7d4f6a9c1b2d3e4f5a6b7c"
)

// Schemes are the four providers, in report order.
var Schemes = []string{TencentRedis, AlibabaRedis, HuaweiDCS, HuaweiRDS}

// CoreRun is the outcome of one core.Service run over generated targets.
type CoreRun struct {
	Wall      time.Duration           `json:"wall"`
	Providers map[string]*ProviderRun `json:"providers"`
	// HWMKB is the process's peak resident set (VmHWM) after the run, in KiB.
	HWMKB int64 `json:"hwm_kb"`
	// Midway is the memory when half the results were in.
	Midway MemSnapshot `json:"midway"`
}

// MemSnapshot is the Go runtime's view of the process's memory.
type MemSnapshot struct {
	Goroutines int    `json:"goroutines"`
	HeapInuse  uint64 `json:"heap_inuse"`  // bytes in in-use heap spans
	HeapLive   uint64 `json:"heap_live"`   // bytes of reachable-or-not-yet-swept objects
	StackInuse uint64 `json:"stack_inuse"` // goroutine stacks
	Sys        uint64 `json:"sys"`         // everything the runtime got from the OS
	NextGC     uint64 `json:"next_gc"`
	NumGC      uint32 `json:"num_gc"`
	// The resident set, from /proc/self/status: anonymous memory (heap,
	// stacks) and file pages (the binary's code and data), in KiB.
	RssAnonKB int64 `json:"rss_anon_kb"`
	RssFileKB int64 `json:"rss_file_kb"`
}

// TakeMemSnapshot reads runtime.MemStats (it stops the world briefly).
func TakeMemSnapshot() MemSnapshot {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return MemSnapshot{Goroutines: runtime.NumGoroutine(), HeapInuse: m.HeapInuse, HeapLive: m.HeapAlloc,
		StackInuse: m.StackInuse, Sys: m.Sys, NextGC: m.NextGC, NumGC: m.NumGC,
		RssAnonKB: procStatus("RssAnon"), RssFileKB: procStatus("RssFile")}
}

// CoreOptions select a RunCore.
type CoreOptions struct {
	Schemes     []string // providers, N generated targets each
	N           int
	Rate        float64 // core.Service.Limits for each provider, per second
	PerProvider int     // the service's concurrency bound; 0: its default (16)
	// Midway, if set, is called once when half the results are in.
	Midway func()
	// Pool, instead of one Run of every job (a goroutine per target, most
	// of them waiting for the provider's semaphore), feeds PerProvider
	// workers per provider that each Run one job at a time: a what-if for
	// the core's memory, with the same pacing and concurrency.
	Pool bool
}

// ProviderRun is one provider's part of a CoreRun.
type ProviderRun struct {
	Targets  int            `json:"targets"`
	Last     time.Duration  `json:"last"` // from the run's start to this provider's last result
	Started  int            `json:"started"`
	Failed   int            `json:"failed"`
	Attempts int            `json:"attempts"` // calls, summed over the targets
	Kinds    map[string]int `json:"kinds,omitempty"`
}

// RunCore backs up o.N generated targets of each scheme with one
// core.Service.Run, pacing each provider at o.Rate.
func RunCore(ctx context.Context, reg *providers.Registry, o CoreOptions) (CoreRun, error) {
	limits := map[string]float64{}
	var jobs []core.Job
	for _, s := range o.Schemes {
		limits[s] = o.Rate
		ts, err := Targets(reg, s, o.N)
		if err != nil {
			return CoreRun{}, err
		}
		for _, t := range ts {
			jobs = append(jobs, core.Job{Target: t})
		}
	}
	res := CoreRun{Providers: map[string]*ProviderRun{}}
	for _, s := range o.Schemes {
		res.Providers[s] = &ProviderRun{Targets: o.N, Kinds: map[string]int{}}
	}
	var mu sync.Mutex
	done := 0
	start := time.Now()
	svc := &core.Service{Registry: reg, Limits: limits, PerProvider: o.PerProvider,
		OnResult: func(_ int, r core.Result) {
			at := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			if done++; done == len(jobs)/2 && o.Midway != nil {
				o.Midway()
			}
			p := res.Providers[r.Provider]
			p.Last = max(p.Last, at)
			p.Attempts += r.Attempts
			if r.Status == core.StatusStarted {
				p.Started++
				return
			}
			p.Failed++
			if r.Error != nil {
				p.Kinds[r.Error.Kind.String()]++
			}
		}}
	trig := core.Trigger{Platform: "bench", Source: core.SourceCLI}
	if o.Pool {
		runPool(ctx, svc, trig, jobs, cmp.Or(o.PerProvider, 16))
	} else {
		svc.Run(ctx, trig, jobs)
	}
	res.Wall = time.Since(start)
	return res, nil
}

// runPool runs jobs with workers goroutines per provider scheme, each
// running one job at a time.
func runPool(ctx context.Context, svc *core.Service, trig core.Trigger, jobs []core.Job, workers int) {
	queues := map[string]chan core.Job{}
	var wg sync.WaitGroup
	for _, j := range jobs {
		if queues[j.Target.Scheme] != nil {
			continue
		}
		q := make(chan core.Job)
		queues[j.Target.Scheme] = q
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range q {
					svc.Run(ctx, trig, []core.Job{j})
				}
			}()
		}
	}
	var feeders sync.WaitGroup
	for scheme, q := range queues {
		feeders.Add(1)
		go func() {
			defer feeders.Done()
			defer close(q)
			for _, j := range jobs {
				if j.Target.Scheme == scheme {
					q <- j
				}
			}
		}()
	}
	feeders.Wait()
	wg.Wait()
}

// ChildMain runs a core fan-out in this process, against the emulator that
// the environment points at (BACKUPFN_ENDPOINT and the clouds' credentials),
// and prints its CoreRun as JSON. The parent runs the emulator, so the
// emulator's memory is not counted.
func ChildMain(args []string) int {
	fs := flag.NewFlagSet("child", flag.ContinueOnError)
	schemes := fs.String("schemes", strings.Join(Schemes, ","), "comma-separated provider schemes")
	n := fs.Int("n", 1000, "targets per provider")
	rate := fs.Float64("rate", 100, "core.Service.Limits for each provider, per second")
	timeout := fs.Duration("timeout", 4*time.Minute, "bound on the run")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run here")
	pool := fs.Bool("pool", false, "run the jobs on a worker pool (a what-if, see CoreOptions.Pool)")
	memProfile := fs.String("memprofile", "", "write a heap profile (midway through the run) here")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if *memProfile != "" {
		runtime.MemProfileRate = 4 << 10 // finer than the default 512 KiB, for a small heap
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer f.Close()
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	var list []string
	if *schemes != "" {
		list = strings.Split(*schemes, ",")
	}
	var mid MemSnapshot
	var profErr error
	res, err := RunCore(ctx, NewRegistry(os.Getenv), CoreOptions{Schemes: list, N: *n, Rate: *rate, Pool: *pool, Midway: func() {
		mid = TakeMemSnapshot()
		if *memProfile != "" {
			profErr = writeHeapProfile(*memProfile)
		}
	}})
	if err == nil {
		err = profErr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if mid.Sys == 0 { // no jobs: the floor
		mid = TakeMemSnapshot()
	}
	res.HWMKB, res.Midway = VmHWM(), mid
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 1
	}
	return 0
}

// writeHeapProfile collects garbage and writes the heap profile: what the
// run holds live at that moment.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	return pprof.Lookup("heap").WriteTo(f, 0)
}

// VmHWM returns this process's peak resident set in KiB, from
// /proc/self/status, else getrusage's ru_maxrss.
func VmHWM() int64 {
	if kb := procStatus("VmHWM"); kb > 0 {
		return kb
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		return ru.Maxrss
	}
	return 0
}

// procStatus returns a field of /proc/self/status in KiB, or 0.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// NewRegistry returns every provider reading getenv, with a 30s call timeout.
func NewRegistry(getenv func(string) string) *providers.Registry {
	return all.New(providers.Config{Getenv: getenv, Timeout: 30 * time.Second})
}

// TargetURL is the URL of the emulator's i-th generated instance of scheme
// (cloudemu.Options.Generate names them so).
func TargetURL(scheme string, i int) string {
	switch scheme {
	case TencentRedis:
		return fmt.Sprintf("tencent-redis://ap-guangzhou/crs-gen%05d", i)
	case AlibabaRedis:
		return fmt.Sprintf("alibaba-redis://cn-hangzhou/r-bp1gen%08d", i)
	case HuaweiDCS:
		return fmt.Sprintf("huawei-dcs://cn-north-4/dcs-gen-%05d?project_id=%s", i, HuaweiProject)
	case HuaweiRDS:
		return fmt.Sprintf("huawei-rds://cn-north-4/%028xin01?project_id=%s", i, HuaweiProject)
	}
	panic("bench: unknown scheme " + scheme)
}

// Targets parses the first n generated targets of scheme.
func Targets(reg *providers.Registry, scheme string, n int) ([]providers.Target, error) {
	out := make([]providers.Target, n)
	for i := range out {
		t, err := reg.Parse(TargetURL(scheme, i))
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}
