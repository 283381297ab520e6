package core_test

import (
	"testing"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/core/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) core.Store { return &core.MemoryStore{} })
}

func TestMemoryStoreBounded(t *testing.T) {
	s := &core.MemoryStore{Max: 10}
	for i := 0; i < 50; i++ {
		c, _ := s.Claim(t.Context(), string(rune('a'+i)), time.Minute)
		_ = s.Complete(t.Context(), string(rune('a'+i)), c.Token, core.Result{Status: core.StatusStarted}, time.Hour)
	}
	// The oldest completed keys were evicted: claiming the first again gets a lease.
	if c, _ := s.Claim(t.Context(), "a", time.Minute); c.Token == "" {
		t.Fatalf("claim of an evicted key = %+v, want a new lease", c)
	}
	// The newest is still remembered.
	if c, _ := s.Claim(t.Context(), string(rune('a'+49)), time.Minute); c.Done == nil {
		t.Fatalf("the newest key was evicted: %+v", c)
	}
}
