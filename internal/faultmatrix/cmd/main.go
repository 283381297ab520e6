// Command faultmatrix runs the reliability experiment at a chosen size and
// prints its figures as Markdown (docs/RELIABILITY.md is its output).
//
//	go run ./internal/faultmatrix/cmd -per-provider 500 > docs/RELIABILITY.md
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/internal/faultmatrix"
	"github.com/backupfn/backupfn/store/redisstore"
)

func main() { os.Exit(run()) }

func run() int {
	o := faultmatrix.Options{Seed: uint64(time.Now().UnixNano())}
	flag.IntVar(&o.PerProvider, "per-provider", 500, "targets per provider (four providers)")
	flag.IntVar(&o.Triggers, "triggers", 20, "triggers the targets are split over")
	flag.IntVar(&o.Deliveries, "deliveries", 3, "concurrent deliveries of each trigger")
	flag.IntVar(&o.Instances, "instances", 3, "service instances sharing the Redis store")
	flag.StringVar(&o.Faults, "faults", faultmatrix.DefaultFaults, "cloudemu fault spec")
	flag.BoolVar(&o.LocalPacing, "local-pacing", false, "each instance paces alone (no rate buckets shared in Redis)")
	loseStore := flag.Bool("lose-store", false, "the store-loss round: after each trigger's first delivery, Redis loses every key of the run")
	replay := flag.Bool("replay", false, "the cross-instance replay round: captured signed webhook requests replayed to every handler instance, unchanged and with their dedupe headers altered")
	redisURL := flag.String("redis", "redis://127.0.0.1:6379/0", "the shared idempotency store")
	flag.Parse()
	prefix := "backupfn-faultmatrix:" + core.NewToken() + ":"
	o.NewStore = func() (core.Store, error) {
		return redisstore.Open(context.Background(), *redisURL, prefix)
	}
	if *loseStore {
		o.LoseStore = func(ctx context.Context) error { return faultmatrix.FlushPrefix(ctx, *redisURL, prefix) }
	}
	if *replay {
		return replayRound(o, *redisURL)
	}
	res, err := faultmatrix.Run(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultmatrix:", err)
		return 1
	}
	markdown(o, res)
	if res.Duplicates+res.Lost+res.Mismatched+res.Unreported > 0 {
		return 1
	}
	return 0
}

// replayRound runs and prints the cross-instance replay round.
func replayRound(o faultmatrix.Options, redisURL string) int {
	r, err := faultmatrix.RunReplay(context.Background(), faultmatrix.ReplayOptions{PerProvider: o.PerProvider, Requests: o.Triggers,
		Instances: o.Instances, Faults: o.Faults, RedisURL: redisURL, Seed: o.Seed})
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultmatrix -replay:", err)
		return 1
	}
	var faults []string
	total := 0
	for k, v := range r.Faults {
		faults = append(faults, fmt.Sprintf("%s %d", k, v))
		total += v
	}
	sort.Strings(faults)
	fmt.Printf(`| figure | value |
| --- | --- |
| round | cross-instance replay: captured signed requests replayed to every instance, unchanged and altered |
| targets (4 providers × %d) | %d |
| signed requests captured (half with an Idempotency-Key and signature v2, half old v1 clients without one) × handler instances sharing Redis | %d × %d |
| requests sent (replays included) | %d |
| faults injected (%s) | %d: %s |
| answered 200 (the captured requests, to every instance) | %d |
| replays with a dedupe header altered, removed or added / refused with 401 | %d / %d |
| answered otherwise | %d |
| backups started (counted by the emulator) | %d |
| **duplicates** (targets backed up twice) | **%d** |
| **lost** (targets never backed up) | **%d** |
| wall time | %s |

Run on %s, %s, %d CPUs, %s.
`, o.PerProvider, r.Targets, r.Requests, o.Instances, r.Sent, o.Faults, total, strings.Join(faults, ", "), r.Accepted, r.Altered, r.Refused, r.Other,
		r.Backups, r.Duplicates, r.Lost, r.Wall.Round(time.Millisecond), time.Now().UTC().Format("2006-01-02"), runtime.Version(), runtime.NumCPU(), runtime.GOOS+"/"+runtime.GOARCH)
	if r.Duplicates+r.Lost > 0 || r.Refused != r.Altered {
		return 1
	}
	return 0
}

func markdown(o faultmatrix.Options, r faultmatrix.Result) {
	var faults []string
	total := 0
	for k, v := range r.Faults {
		faults = append(faults, fmt.Sprintf("%s %d", k, v))
		total += v
	}
	sort.Strings(faults)
	round := "every delivery of a trigger at once"
	if o.LoseStore != nil {
		round = "store loss: each trigger's first delivery, then Redis loses every key, then the other deliveries at once"
	}
	fmt.Printf(`| figure | value |
| --- | --- |
| round | %s |
| targets (%s × %d) | %d |
| triggers × concurrent deliveries × service instances | %d × %d × %d (%d runs) |
| API calls the emulator received | %d |
| faults injected (%s) | %d: %s |
| calls the cloud throttled despite pacing (%d instances, %s) | %d |
| backups started (counted by the emulator) | %d |
| **duplicates** (targets backed up twice) | **%d** |
| **lost** (targets never backed up) | **%d** |
| **report entries that do not match the emulator** | **%d** |
| targets no delivery reported started | %d |
| entries started / already-started / failed in a delivery | %d / %d / %d |
| why entries failed (another delivery then started the target) | %s |
| retries (calls beyond the first, all entries) | %d |
| wall time | %s |

Run on %s, %s, %d CPUs, %s.
`, round, map[bool]string{false: "4 providers", true: "3 providers that keep a marker; Alibaba left out"}[o.LoseStore != nil], o.PerProvider, r.Targets, o.Triggers, o.Deliveries, o.Instances, r.Runs, r.Requests, o.Faults, total, strings.Join(faults, ", "),
		o.Instances, map[bool]string{false: "rate buckets shared in Redis", true: "each paces alone"}[o.LocalPacing], r.ThrottledByCloudAfterPacing, r.Backups, r.Duplicates, r.Lost, r.Mismatched, r.Unreported, r.Started, r.AlreadyStarted, r.Failed, kinds(r.FailureKinds),
		r.Retries, r.Wall.Round(time.Millisecond), time.Now().UTC().Format("2006-01-02"), runtime.Version(), runtime.NumCPU(), runtime.GOOS+"/"+runtime.GOARCH)
}

func kinds(m map[string]int) string {
	var s []string
	for k, v := range m {
		s = append(s, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(s)
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
