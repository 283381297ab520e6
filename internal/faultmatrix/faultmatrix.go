// Package faultmatrix is backupfn's reliability experiment: many targets on
// all four clouds, the emulator injecting throttling, 5xx, resets, lost
// responses and latency, and every trigger delivered several times at once
// to several service instances that share one idempotency store. It then
// counts, from the emulator's own record, that every target was backed up
// exactly once and that every report entry tells the truth.
//
// The test in this package runs it at 400 targets on every `make test`;
// `go run ./internal/faultmatrix/cmd` runs a larger one and prints the
// figures docs/RELIABILITY.md shows.
package faultmatrix

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/core/wrap"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/all"
	"github.com/backupfn/backupfn/store/redisstore"
)

// Options size the experiment.
type Options struct {
	PerProvider int    // targets per provider (4 providers)
	Triggers    int    // the targets are split over this many triggers
	Deliveries  int    // each trigger is delivered this many times, concurrently
	Instances   int    // service instances sharing the store
	Faults      string // cloudemu fault spec
	Seed        uint64
	// NewStore returns the shared idempotency store.
	NewStore func() (core.Store, error)
	// LocalPacing makes each instance pace alone even when the store can
	// share rate buckets (the Redis store): to measure what sharing saves.
	LocalPacing bool
	// LoseStore, when set, is the store-loss round (the three providers
	// that keep a marker; Alibaba is left out): each trigger's first
	// delivery runs alone, then LoseStore makes the store forget everything
	// (FlushPrefix: as a Redis restarted without persistence or flushed),
	// then the other deliveries run at once. Triggers carry their origin
	// time, as queue messages do.
	LoseStore func(ctx context.Context) error
}

// DefaultFaults fail or slow about 30% of all calls.
const DefaultFaults = "throttle=5%,5xx=5%,reset=5%,lost=5%,latency=50ms@10%"

// Result holds the figures.
type Result struct {
	Targets, Runs               int
	Backups                     int            // backups the emulator started
	Duplicates                  int            // targets backed up more than once
	Lost                        int            // targets never backed up
	Mismatched                  int            // report entries whose task IDs the emulator did not start for that target
	Failed                      int            // report entries failed in some delivery (another delivery may have started it)
	Unreported                  int            // targets no delivery reported started or already-started
	Started, AlreadyStarted     int            // report entries
	Retries                     int            // calls beyond the first, summed over all entries
	Requests                    int            // API calls the emulator received
	Faults                      map[string]int // faults injected, by kind
	Wall                        time.Duration
	FailureKinds                map[string]int
	ThrottledByCloudAfterPacing int
}

// Run runs the experiment.
func Run(ctx context.Context, o Options) (Result, error) {
	faults, err := cloudemu.ParseFaults(o.Faults)
	if err != nil {
		return Result{}, err
	}
	// RDS's published 60/min would make a large run take minutes; the
	// experiment raises the emulator's limit and the service's pace together.
	emu := cloudemu.New(cloudemu.Options{Generate: o.PerProvider, BackupDuration: 30 * time.Second, Seed: o.Seed,
		Rates: map[string]float64{cloudemu.HuaweiRDS: 50}})
	for _, f := range faults {
		emu.Inject(f)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	env := map[string]string{}
	for k, v := range emu.EnvMap(srv.URL) {
		env[k] = v
	}
	reg := all.New(providers.Config{Getenv: func(k string) string { return env[k] }, Timeout: 5 * time.Second})
	targets := generated(emu)
	if o.LoseStore != nil {
		// Alibaba keeps no marker: after a store loss its redelivery starts a
		// second backup by design (core.Service.forgotten), so it is left out
		// of the store-loss round.
		targets = slices.DeleteFunc(targets, func(u string) bool { return strings.HasPrefix(u, cloudemu.AlibabaRedis+"://") })
	}
	store, err := o.NewStore()
	if err != nil {
		return Result{}, err
	}
	var buckets wrap.Buckets
	if rs, ok := store.(*redisstore.Store); ok && !o.LocalPacing {
		buckets = rs.Buckets() // as setup.New wires a Redis store
	}
	svcs := make([]*core.Service, o.Instances)
	for i := range svcs {
		svcs[i] = &core.Service{Registry: reg, Store: store, Buckets: buckets, Limits: map[string]float64{cloudemu.HuaweiRDS: 50},
			Retry: core.RetryPolicy{Attempts: 8, Base: 20 * time.Millisecond, Max: 500 * time.Millisecond}}
	}
	start := time.Now()
	var reports []core.Report
	if o.LoseStore != nil {
		first := o
		first.Deliveries = 1
		reports = deliver(ctx, first, svcs, reg, targets, 0)
		if err := o.LoseStore(ctx); err != nil {
			return Result{}, fmt.Errorf("losing the store: %w", err)
		}
		rest := o
		rest.Deliveries = o.Deliveries - 1
		reports = append(reports, deliver(ctx, rest, svcs, reg, targets, 1)...)
	} else {
		reports = deliver(ctx, o, svcs, reg, targets, 0)
	}
	res := count(emu, targets, reports)
	res.Wall = time.Since(start)
	res.Runs = len(reports)
	return res, nil
}

// generated returns the URLs of the emulator's generated instances.
func generated(emu *cloudemu.Emulator) []string {
	var urls []string
	for _, in := range emu.Instances() {
		if !strings.Contains(in.ID, "gen") && !strings.HasSuffix(in.ID, "in01") {
			continue
		}
		if in.Provider == cloudemu.HuaweiRDS && !strings.HasPrefix(in.ID, "0000") {
			continue // the seeded RDS instances are not generated ones
		}
		u := in.Provider + "://" + in.Region + "/" + in.ID
		if in.ProjectID != "" {
			u += "?project_id=" + in.ProjectID
		}
		urls = append(urls, u)
	}
	return urls
}

// deliver splits the targets over o.Triggers triggers and delivers each
// o.Deliveries times at once, round-robin over the service instances.
func deliver(ctx context.Context, o Options, svcs []*core.Service, reg *providers.Registry, urls []string, firstDelivery int) []core.Report {
	var mu sync.Mutex
	var reports []core.Report
	var wg sync.WaitGroup
	per := (len(urls) + o.Triggers - 1) / o.Triggers
	for t := 0; t < o.Triggers; t++ {
		var jobs []core.Job
		for _, u := range urls[min(t*per, len(urls)):min((t+1)*per, len(urls))] {
			tg, _ := reg.Parse(u)
			jobs = append(jobs, core.Job{Target: tg})
		}
		trig := core.Trigger{Platform: "test", Source: core.SourceQueue, DedupeKey: fmt.Sprintf("fault-matrix:%d:%d", o.Seed, t),
			Time: origin}
		for d := firstDelivery; d < firstDelivery+o.Deliveries; d++ {
			svc := svcs[(t+d)%len(svcs)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				rep := svc.Run(ctx, trig, jobs)
				mu.Lock()
				reports = append(reports, rep)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return reports
}

// origin is every trigger's origin time (a queue message's publish time):
// the same on every delivery.
var origin = time.Now().UTC().Truncate(time.Second)

// FlushPrefix deletes every key under prefix in the Redis at url, as a
// restart without persistence or a FLUSHDB would lose them (only this
// prefix: other users of the same Redis are left alone).
func FlushPrefix(ctx context.Context, url, prefix string) error {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	c := redis.NewClient(opt)
	defer c.Close()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		if err := c.Del(ctx, keys[:n]...).Err(); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// count checks the reports against what the emulator started.
func count(emu *cloudemu.Emulator, urls []string, reports []core.Report) Result {
	res := Result{Targets: len(urls), Faults: map[string]int{}, FailureKinds: map[string]int{}}
	started := map[string][]string{} // provider/instance -> task IDs
	for _, b := range emu.Backups() {
		k := b.Provider + "/" + b.Instance
		started[k] = append(started[k], b.TaskID)
		res.Backups++
	}
	for _, u := range urls {
		t, _ := providers.ParseUnchecked(u)
		switch n := len(started[t.Scheme+"/"+t.Instance]); {
		case n == 0:
			res.Lost++
		case n > 1:
			res.Duplicates++
		}
	}
	reported := map[string]bool{}
	for _, rep := range reports {
		for _, r := range rep.Results {
			res.Retries += max(r.Attempts-1, 0)
			if r.Status == core.StatusStarted || r.Status == core.StatusAlreadyStarted {
				reported[r.Provider+"/"+r.Instance] = true
			}
			switch r.Status {
			case core.StatusStarted, core.StatusAlreadyStarted:
				if r.Status == core.StatusStarted {
					res.Started++
				} else {
					res.AlreadyStarted++
				}
				if got := started[r.Provider+"/"+r.Instance]; len(got) != 1 || len(r.TaskIDs) != 1 || r.TaskIDs[0] != got[0] {
					res.Mismatched++
				}
			default:
				res.Failed++
				if r.Error != nil {
					res.FailureKinds[r.Error.Kind.String()]++
				}
			}
		}
	}
	res.Unreported = len(urls) - len(reported)
	for k, v := range emu.Stats() {
		switch {
		case strings.HasPrefix(k, "faults."):
			res.Faults[strings.TrimPrefix(k, "faults.")] = v
		case k == "requests":
			res.Requests = v
		case strings.HasPrefix(k, "ratelimited."):
			res.ThrottledByCloudAfterPacing += v
		}
	}
	return res
}
