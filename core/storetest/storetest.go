// Package storetest is the conformance suite for core.Store implementations.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/backupfn/backupfn/core"
)

// Run runs the suite; newStore returns a fresh, empty store for each test.
func Run(t *testing.T, newStore func(t *testing.T) core.Store) {
	ctx := context.Background()
	started := core.Result{Target: "tencent-redis://ap-guangzhou/crs-1", Status: core.StatusStarted, TaskIDs: []string{"42"}, RequestID: "r1"}

	// Since: a store says since when it remembers, so core can tell a
	// first delivery from one it may have forgotten.
	t.Run("Since", func(t *testing.T) {
		s := newStore(t)
		before := time.Now().Add(-time.Second)
		c, err := s.Claim(ctx, "since-a", time.Minute)
		if err != nil || c.Since.IsZero() || c.Since.Before(before) || c.Since.After(time.Now().Add(time.Second)) {
			t.Fatalf("first claim of a new store: Since %v, %v; want about now", c.Since, err)
		}
		time.Sleep(20 * time.Millisecond)
		c2, err := s.Claim(ctx, "since-b", time.Minute)
		if err != nil || !c2.Since.Equal(c.Since) {
			t.Fatalf("a later claim: Since %v, %v; want the store's start %v unchanged", c2.Since, err, c.Since)
		}
	})

	t.Run("Renew", func(t *testing.T) {
		s := newStore(t)
		c, err := s.Claim(ctx, "renew", 200*time.Millisecond)
		if err != nil || c.Token == "" {
			t.Fatalf("claim = %+v, %v", c, err)
		}
		for i := 0; i < 4; i++ { // renewed past its first lease
			time.Sleep(100 * time.Millisecond)
			if ok, err := s.Renew(ctx, "renew", c.Token, 200*time.Millisecond); err != nil || !ok {
				t.Fatalf("renew %d = %v, %v; want held", i, ok, err)
			}
		}
		if c2, _ := s.Claim(ctx, "renew", time.Minute); !c2.Held {
			t.Fatalf("claim of a renewed lease = %+v, want Held", c2)
		}
		if ok, _ := s.Renew(ctx, "renew", "not-the-token", time.Minute); ok {
			t.Fatal("renewed with another token")
		}
		if err := s.Complete(ctx, "renew", c.Token, started, time.Hour); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.Renew(ctx, "renew", c.Token, time.Minute); ok {
			t.Fatal("renewed a completed key")
		}
		c3, _ := s.Claim(ctx, "lapse", 50*time.Millisecond)
		time.Sleep(120 * time.Millisecond)
		if ok, _ := s.Renew(ctx, "lapse", c3.Token, time.Minute); ok {
			t.Fatal("renewed a lease that had lapsed")
		}
	})

	t.Run("ClaimCompleteReplay", func(t *testing.T) {
		s := newStore(t)
		c, err := s.Claim(ctx, "k", time.Minute)
		if err != nil || c.Token == "" || c.TakenOver || c.Held || c.Done != nil {
			t.Fatalf("first claim = %+v, %v; want a fresh lease", c, err)
		}
		if c2, _ := s.Claim(ctx, "k", time.Minute); !c2.Held {
			t.Fatalf("claim while held = %+v, want Held", c2)
		}
		if err := s.Complete(ctx, "k", c.Token, started, time.Hour); err != nil {
			t.Fatal(err)
		}
		c3, err := s.Claim(ctx, "k", time.Minute)
		if err != nil || c3.Done == nil || c3.Done.TaskIDs[0] != "42" || c3.Token != "" {
			t.Fatalf("claim after complete = %+v, %v; want the stored result", c3, err)
		}
	})
	t.Run("ReleaseThenTakeOver", func(t *testing.T) {
		s := newStore(t)
		c, _ := s.Claim(ctx, "k", time.Minute)
		if err := s.Release(ctx, "k", c.Token); err != nil {
			t.Fatal(err)
		}
		c2, err := s.Claim(ctx, "k", time.Minute)
		if err != nil || c2.Token == "" || !c2.TakenOver {
			t.Fatalf("claim after release = %+v, %v; want a lease flagged TakenOver", c2, err)
		}
		if d := time.Since(c2.TriedAt); d < 0 || d > time.Minute {
			t.Fatalf("TriedAt = %v: want the first claim's time", c2.TriedAt)
		}
		_ = s.Release(ctx, "k", c2.Token)
		if c3, _ := s.Claim(ctx, "k", time.Minute); !c3.TriedAt.Equal(c2.TriedAt) {
			t.Fatalf("TriedAt moved from %v to %v: it must stay the first try", c2.TriedAt, c3.TriedAt)
		}
	})
	t.Run("CrashedHolderLeaseLapses", func(t *testing.T) {
		s := newStore(t)
		c, _ := s.Claim(ctx, "k", 50*time.Millisecond)
		time.Sleep(120 * time.Millisecond)
		c2, err := s.Claim(ctx, "k", time.Minute)
		if err != nil || c2.Token == "" || !c2.TakenOver {
			t.Fatalf("claim after the lease lapsed = %+v, %v; want a TakenOver lease", c2, err)
		}
		// The crashed holder comes back late: it must not overwrite the new lease.
		_ = s.Complete(ctx, "k", c.Token, started, time.Hour)
		if c3, _ := s.Claim(ctx, "k", time.Minute); !c3.Held {
			t.Fatalf("a stale token completed the key: %+v", c3)
		}
	})
	t.Run("ResultExpires", func(t *testing.T) {
		s := newStore(t)
		c, _ := s.Claim(ctx, "k", time.Minute)
		_ = s.Complete(ctx, "k", c.Token, started, 50*time.Millisecond)
		time.Sleep(120 * time.Millisecond)
		if c2, _ := s.Claim(ctx, "k", time.Minute); c2.Token == "" {
			t.Fatalf("claim after the result's TTL = %+v, want a new lease", c2)
		}
	})
	t.Run("OneWinnerUnderContention", func(t *testing.T) {
		s := newStore(t)
		var mu sync.Mutex
		winners := 0
		var wg sync.WaitGroup
		for i := 0; i < 24; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := s.Claim(ctx, "hot", time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if c.Token != "" {
					mu.Lock()
					winners++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if winners != 1 {
			t.Fatalf("%d concurrent claims won the lease, want exactly 1", winners)
		}
	})
	t.Run("KeysAreIndependent", func(t *testing.T) {
		s := newStore(t)
		for i := 0; i < 3; i++ {
			if c, _ := s.Claim(ctx, fmt.Sprint("k", i), time.Minute); c.Token == "" {
				t.Fatalf("key %d: %+v", i, c)
			}
		}
	})
}
