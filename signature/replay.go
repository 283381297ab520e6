package signature

import (
	"crypto/sha256"
	"sync"
	"time"
)

// ReplayCache remembers signatures seen within the window, so a captured
// request cannot be sent again while its timestamp is still valid. It is
// per process: with several instances, a replay could land on another
// (each still within the 5-minute window only).
type ReplayCache struct {
	Max int // entries kept; 0 means 100000 (the oldest go first)

	mu   sync.Mutex
	seen map[[32]byte]time.Time
}

// Seen records sig at now and reports whether it was already recorded
// within 2×Window (the span a timestamp can be valid in).
func (c *ReplayCache) Seen(sig string, now time.Time) bool {
	h := sha256.Sum256([]byte(sig))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[[32]byte]time.Time{}
	}
	if t, ok := c.seen[h]; ok && now.Sub(t) < 2*Window {
		return true
	}
	max := c.Max
	if max <= 0 {
		max = 100000
	}
	if len(c.seen) >= max {
		c.evict(now)
	}
	c.seen[h] = now
	return false
}

// evict drops expired entries, or the oldest when none has expired.
func (c *ReplayCache) evict(now time.Time) {
	var oldestK [32]byte
	var oldest time.Time
	for k, t := range c.seen {
		if now.Sub(t) >= 2*Window {
			delete(c.seen, k)
		} else if oldest.IsZero() || t.Before(oldest) {
			oldestK, oldest = k, t
		}
	}
	if len(c.seen) >= max(c.Max, 1) && !oldest.IsZero() {
		delete(c.seen, oldestK)
	}
}
