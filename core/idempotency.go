package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Store remembers, per (trigger dedupe key, target), that a backup was
// started, so a redelivered trigger replays the result instead of starting
// another backup. Implementations: MemoryStore here (one process), and
// store/redisstore (several function instances).
//
// Claim semantics: one caller at a time holds a key's lease. A completed key
// returns its stored Result. A lease that expired without completion (a
// crashed holder) is taken over, flagged TakenOver: the new holder must look
// for a backup the old one may have started before starting one.
type Store interface {
	Claim(ctx context.Context, key string, lease time.Duration) (Claim, error)
	// Complete stores r under key for ttl and ends the lease held by token.
	Complete(ctx context.Context, key, token string, r Result, ttl time.Duration) error
	// Release ends the lease held by token without a result, so a later
	// delivery may try again.
	Release(ctx context.Context, key, token string) error
	// Renew extends the lease held by token to lease from now, and reports
	// whether token still held it (false: it lapsed and another delivery
	// may have taken the key over).
	Renew(ctx context.Context, key, token string, lease time.Duration) (bool, error)
}

// Claim is the outcome of Store.Claim.
type Claim struct {
	Token     string // set when this caller now holds the lease
	TakenOver bool   // an earlier holder tried and did not complete
	// TriedAt is when the key was first claimed, for a TakenOver claim: the
	// backup an earlier holder may have started began no earlier.
	TriedAt time.Time
	Done    *Result // the stored result of a completed key
	// Held is true when another caller holds a live lease: wait and claim again.
	Held bool
	// Since is when the store's memory begins: it knows of no claim made
	// before then (a Redis that restarted without persistence or was
	// flushed, a fresh process's MemoryStore, one that dropped entries to
	// stay under its Max). Zero means the store cannot tell. A first claim
	// of a trigger that may be older than Since may be a redelivery the
	// store has forgotten: core then looks for the backup's marker in the
	// cloud before starting one (the store is a cache; the cloud is the
	// truth).
	Since time.Time
}

// NewToken returns a random lease token.
func NewToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// MemoryStore is a Store for one process: entries expire after their TTL
// and at most Max are kept (the oldest completed ones go first).
type MemoryStore struct {
	Max int // 0 means 100000
	Now func() time.Time

	mu    sync.Mutex
	m     map[string]*memEntry
	since time.Time // when this store's memory begins (first use, or last forced eviction)
}

type memEntry struct {
	token   string
	expires time.Time
	tried   time.Time // first claim; zero: never tried
	done    *Result
}

var _ Store = (*MemoryStore)(nil)

func (s *MemoryStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Claim implements Store.
func (s *MemoryStore) Claim(_ context.Context, key string, lease time.Duration) (Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.m == nil {
		s.m, s.since = map[string]*memEntry{}, now
	}
	e, ok := s.m[key]
	switch {
	case ok && e.done != nil && now.Before(e.expires):
		r := *e.done
		return Claim{Done: &r}, nil
	case ok && e.token != "" && now.Before(e.expires):
		return Claim{Held: true}, nil
	}
	s.evict(now)
	tok := NewToken()
	if ok && !e.tried.IsZero() {
		s.m[key] = &memEntry{token: tok, expires: now.Add(lease), tried: e.tried}
		return Claim{Token: tok, TakenOver: true, TriedAt: e.tried, Since: s.since}, nil
	}
	s.m[key] = &memEntry{token: tok, expires: now.Add(lease), tried: now}
	return Claim{Token: tok, Since: s.since}, nil
}

// Complete implements Store.
func (s *MemoryStore) Complete(_ context.Context, key, token string, r Result, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[key]; ok && e.token == token {
		s.m[key] = &memEntry{expires: s.now().Add(ttl), tried: e.tried, done: &r}
	}
	return nil
}

// Renew implements Store.
func (s *MemoryStore) Renew(_ context.Context, key, token string, lease time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	e, ok := s.m[key]
	if !ok || e.token != token || e.done != nil || !now.Before(e.expires) {
		return false, nil
	}
	e.expires = now.Add(lease)
	return true, nil
}

// Release implements Store.
func (s *MemoryStore) Release(_ context.Context, key, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[key]; ok && e.token == token {
		e.token = ""
		e.expires = s.now().Add(24 * time.Hour) // keep "tried" for a while
	}
	return nil
}

// evict drops expired entries, then the oldest, while over Max. s.mu held.
func (s *MemoryStore) evict(now time.Time) {
	max := s.Max
	if max <= 0 {
		max = 100000
	}
	if len(s.m) < max {
		return
	}
	var oldestK string
	var oldest time.Time
	for k, e := range s.m {
		if !now.Before(e.expires) {
			delete(s.m, k)
			continue
		}
		if e.token == "" && (oldestK == "" || e.expires.Before(oldest)) {
			oldestK, oldest = k, e.expires
		}
	}
	if len(s.m) >= max && oldestK != "" {
		delete(s.m, oldestK)
		s.since = now // a live entry is forgotten: the store no longer knows everything since its start
	}
}
