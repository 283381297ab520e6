package faultmatrix

import (
	"context"
	"testing"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/store/redisstore"
)

// 400 targets on four clouds, ~30% of calls faulted, each trigger delivered
// three times at once to three services sharing Redis: every target is
// backed up exactly once and every report entry matches the emulator.
func TestFaultMatrix(t *testing.T) {
	o := Options{PerProvider: 100, Triggers: 8, Deliveries: 3, Instances: 3, Faults: DefaultFaults, Seed: 42,
		NewStore: func() (core.Store, error) {
			s, err := redisstore.Open(context.Background(), redisURL(), "backupfn-faultmatrix:"+core.NewToken()+":")
			if err == nil {
				t.Cleanup(func() { _ = s.Close() })
			}
			return s, err
		}}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%v (the fault matrix needs Redis: redis-server --daemonize yes --port 6379 --save \"\")", err)
	}
	t.Logf("%+v", res)
	if res.Targets != 400 || res.Runs != 24 {
		t.Fatalf("ran %d targets in %d runs, want 400 in 24", res.Targets, res.Runs)
	}
	if res.Duplicates != 0 || res.Lost != 0 || res.Mismatched != 0 || res.Backups != 400 {
		t.Fatalf("duplicates %d, lost %d, mismatched entries %d, backups %d (want 0, 0, 0, 400)", res.Duplicates, res.Lost, res.Mismatched, res.Backups)
	}
	// Every target is reported started by some delivery; "started" at most
	// once per target (a delivery that takes over may find the backup and
	// say already-started).
	if res.Unreported != 0 || res.Started > 400 || res.Started+res.AlreadyStarted+res.Failed != 1200 {
		t.Fatalf("unreported %d, started %d, already-started %d, failed %d of 1200 entries", res.Unreported, res.Started, res.AlreadyStarted, res.Failed)
	}
	if res.Faults["lost"] == 0 || res.Faults["reset"] == 0 || res.Faults["throttle"] == 0 || res.Faults["5xx"] == 0 || res.Faults["latency"] == 0 {
		t.Fatalf("faults injected %v: every kind must occur for the test to mean anything", res.Faults)
	}
}

// The store-loss round (issue #13; Tencent, DCS, RDS: Alibaba keeps no marker
// and is left out): each trigger's first delivery runs, then
// the shared Redis loses everything (as a restart without persistence or a
// FLUSHDB would), then two more deliveries run at once on other instances:
// still every target backed up exactly once, because a redelivery the store
// forgot looks for the backup's marker in the cloud first.
func TestFaultMatrixStoreLoss(t *testing.T) {
	prefix := "backupfn-faultmatrix:" + core.NewToken() + ":"
	o := Options{PerProvider: 50, Triggers: 4, Deliveries: 3, Instances: 3, Faults: DefaultFaults, Seed: 43,
		NewStore: func() (core.Store, error) {
			s, err := redisstore.Open(context.Background(), redisURL(), prefix)
			if err == nil {
				t.Cleanup(func() { _ = s.Close() })
			}
			return s, err
		},
		LoseStore: func(ctx context.Context) error { return FlushPrefix(ctx, redisURL(), prefix) },
	}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%v (the fault matrix needs Redis: redis-server --daemonize yes --port 6379 --save \"\")", err)
	}
	t.Logf("%+v", res)
	if res.Duplicates != 0 || res.Lost != 0 || res.Mismatched != 0 || res.Backups != 150 || res.Runs != 12 || res.Started != 150 {
		t.Fatalf("after the store was lost: duplicates %d, lost %d, mismatched %d, backups %d, runs %d, started %d (want 0, 0, 0, 150, 12, 150: a found backup is already-started)",
			res.Duplicates, res.Lost, res.Mismatched, res.Backups, res.Runs, res.Started)
	}
}

// The cross-instance replay round (issue #13): captured signed requests
// replayed to every instance of a fleet sharing Redis, unchanged and with
// their dedupe headers altered, removed or added, under faults: every
// altered replay is refused, and every target is backed up exactly once.
func TestReplayRound(t *testing.T) {
	res, err := RunReplay(context.Background(), ReplayOptions{PerProvider: 40, Requests: 8, Instances: 3, Faults: DefaultFaults, RedisURL: redisURL(), Seed: 44})
	if err != nil {
		t.Fatalf("%v (the replay round needs Redis: redis-server --daemonize yes --port 6379 --save \"\")", err)
	}
	t.Logf("%+v", res)
	if res.Duplicates != 0 || res.Lost != 0 || res.Backups != 160 || res.Refused != res.Altered || res.Altered == 0 {
		t.Fatalf("duplicates %d, lost %d, backups %d (want 0, 0, 160); refused %d of %d altered replays", res.Duplicates, res.Lost, res.Backups, res.Refused, res.Altered)
	}
}
