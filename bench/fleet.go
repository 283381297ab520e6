package bench

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/all"
	"github.com/backupfn/backupfn/store/redisstore"
)

// Fleet is the "several instances on one account" section (issue #13):
// three service instances (each with its own pacer, as three processes
// have) back up their share of one Tencent account's instances at once,
// against the emulator's 20/s limit on ManualBackupInstance, with their
// rate buckets each in its own process or shared in Redis; and what a
// store-loss lookup costs per target.
type Fleet struct {
	Instances, PerInstance int
	Local, Shared          FleetRun
	Lookup                 LookupCost
	RedisURL               string
}

// FleetRun is one run of the fleet.
type FleetRun struct {
	Wall      time.Duration
	Throttled int // answers the emulator throttled (its rate limit, not injected)
	Failed    int // targets that failed in the end
	Started   int
}

// LookupCost compares a trigger's first delivery on a store that remembers
// since before the trigger (no lookup) with one on a store that may have
// forgotten it (a fresh or lost store: a lookup per target before the call).
type LookupCost struct {
	Targets                  int // per marker provider (Tencent, DCS, RDS)
	WarmCalls, FreshCalls    int // API calls the emulator received
	WarmWall, FreshWall      time.Duration
	ExtraCallsPerTarget      float64
	ExtraWallPerTargetMicros float64
}

// FleetOptions size the section.
type FleetOptions struct {
	Instances, PerInstance, LookupTargets int
	RedisURL                              string
}

// RunFleet runs the fleet section. It needs Redis (RedisURL).
func RunFleet(ctx context.Context, o FleetOptions) (Fleet, error) {
	f := Fleet{Instances: o.Instances, PerInstance: o.PerInstance, RedisURL: o.RedisURL}
	var err error
	for _, shared := range []bool{false, true} {
		var r FleetRun
		if r, err = fleetRun(ctx, o, shared); err != nil {
			return f, err
		}
		if shared {
			f.Shared = r
		} else {
			f.Local = r
		}
	}
	f.Lookup, err = lookupCost(ctx, o)
	return f, err
}

type emuEnv struct {
	emu *cloudemu.Emulator
	reg *providers.Registry
	srv *httptest.Server
}

func newEmuEnv(o cloudemu.Options) emuEnv {
	emu := cloudemu.New(o)
	srv := httptest.NewServer(emu)
	env := emu.EnvMap(srv.URL)
	reg := all.New(providers.Config{Getenv: func(k string) string { return env[k] }, Timeout: 10 * time.Second})
	return emuEnv{emu: emu, reg: reg, srv: srv}
}

func (e emuEnv) jobs(urls []string) []core.Job {
	var jobs []core.Job
	for _, u := range urls {
		tg, _ := e.reg.Parse(u)
		jobs = append(jobs, core.Job{Target: tg})
	}
	return jobs
}

func fleetRun(ctx context.Context, o FleetOptions, shared bool) (FleetRun, error) {
	n := o.Instances * o.PerInstance
	e := newEmuEnv(cloudemu.Options{Generate: n, BackupDuration: -1})
	defer e.srv.Close()
	store, err := redisstore.Open(ctx, o.RedisURL, "backupfn-bench-fleet:"+core.NewToken()+":")
	if err != nil {
		return FleetRun{}, fmt.Errorf("fleet: %w (start Redis: redis-server --daemonize yes --port 6379 --save \"\")", err)
	}
	defer store.Close()
	var urls []string
	for i := 0; i < n; i++ {
		urls = append(urls, fmt.Sprintf("tencent-redis://ap-guangzhou/crs-gen%05d", i))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var r FleetRun
	start := time.Now()
	for i := 0; i < o.Instances; i++ {
		svc := &core.Service{Registry: e.reg, Store: store}
		if shared {
			svc.Buckets = store.Buckets()
		}
		part := e.jobs(urls[i*o.PerInstance : (i+1)*o.PerInstance])
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep := svc.Run(ctx, core.Trigger{Source: core.SourceTimer, DedupeKey: fmt.Sprintf("bench-fleet:%d", i)}, part)
			c := rep.Counts()
			mu.Lock()
			r.Failed += c[core.StatusFailed]
			r.Started += c[core.StatusStarted]
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.Wall = time.Since(start)
	for k, v := range e.emu.Stats() {
		if strings.HasPrefix(k, "ratelimited.") {
			r.Throttled += v
		}
	}
	return r, nil
}

func lookupCost(ctx context.Context, o FleetOptions) (LookupCost, error) {
	c := LookupCost{Targets: o.LookupTargets}
	for _, fresh := range []bool{false, true} {
		e := newEmuEnv(cloudemu.Options{Generate: o.LookupTargets, BackupDuration: -1, Rates: map[string]float64{cloudemu.TencentRedis: 0, cloudemu.HuaweiRDS: 0}})
		var urls []string
		for i := 0; i < o.LookupTargets; i++ {
			urls = append(urls, fmt.Sprintf("tencent-redis://ap-guangzhou/crs-gen%05d", i),
				fmt.Sprintf("huawei-dcs://cn-north-4/dcs-gen-%05d?project_id=%s", i, cloudemu.HuaweiProject),
				fmt.Sprintf("huawei-rds://cn-north-4/%028xin01?project_id=%s", i, cloudemu.HuaweiProject))
		}
		store := &core.MemoryStore{}
		trig := core.Trigger{Source: core.SourceQueue, DedupeKey: "bench-lookup", Time: time.Now()}
		if !fresh {
			// A store that remembers since before the trigger fired.
			if _, err := store.Claim(ctx, "warm-up", time.Second); err != nil {
				e.srv.Close()
				return c, err
			}
			trig.Time = time.Now().Add(2 * time.Minute)
		}
		svc := &core.Service{Registry: e.reg, Store: store, Limits: map[string]float64{cloudemu.TencentRedis: 0, cloudemu.HuaweiRDS: 0, cloudemu.HuaweiDCS: 0}}
		start := time.Now()
		rep := svc.Run(ctx, trig, e.jobs(urls))
		wall := time.Since(start)
		calls := len(e.emu.Requests())
		e.srv.Close()
		if got := rep.Counts()[core.StatusStarted]; got != len(urls) {
			return c, fmt.Errorf("lookup cost: %d of %d targets started", got, len(urls))
		}
		if fresh {
			c.FreshCalls, c.FreshWall = calls, wall
		} else {
			c.WarmCalls, c.WarmWall = calls, wall
		}
	}
	n := float64(3 * o.LookupTargets)
	c.ExtraCallsPerTarget = float64(c.FreshCalls-c.WarmCalls) / n
	c.ExtraWallPerTargetMicros = float64((c.FreshWall - c.WarmWall).Microseconds()) / n
	return c, nil
}
