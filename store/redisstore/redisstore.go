// Package redisstore is a core.Store on Redis, for several function
// instances that must agree on which backups a trigger already started.
//
// Each key is a Redis string: "lease:<token>" while a delivery holds it
// (SET NX with an expiry, so a crashed holder's lease lapses), and
// "done:<result JSON>" once the backup started. A companion "<key>:tried"
// key remembers that some delivery tried, so a lapsed lease is reported as
// TakenOver and the next holder looks for the backup before starting one.
// An "epoch" key says since when this Redis remembers (core.Claim.Since):
// after a restart without persistence or a flush it is set anew, and core
// looks in the cloud for what the store may have forgotten. Eviction of
// single keys cannot be seen that way: run Redis with
// maxmemory-policy noeviction (or enough memory).
package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backupfn/backupfn/core"
)

// Store is a core.Store backed by Redis.
type Store struct {
	c      redis.UniversalClient
	prefix string
	// TriedTTL is how long a key's first-try mark is kept (so a lapsed
	// lease is taken over with a lookup); it must outlast the results'
	// TTL. 0 means 48h.
	TriedTTL time.Duration
}

var _ core.Store = (*Store)(nil)

// New returns a Store using client c; keys are prefixed with prefix. The
// claim script touches three keys at once (the key, its first-try mark, the
// epoch): on Redis Cluster (or a cloud's cluster proxy) they must share a
// slot, so give the prefix a hash tag, e.g. "{backupfn}:" as setup does.
func New(c redis.UniversalClient, prefix string) *Store {
	return &Store{c: c, prefix: prefix}
}

// Open connects to a redis:// or rediss:// URL and checks it with PING.
// Errors never include the URL's password.
func Open(ctx context.Context, url, prefix string) (*Store, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("idempotency store: bad Redis URL (want redis://[:password@]host:port[/db]): %s", redactURL(err.Error(), url))
	}
	c := redis.NewClient(opt)
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("idempotency store: cannot reach Redis at %s: %s", opt.Addr, redactURL(err.Error(), url))
	}
	return New(c, prefix), nil
}

func redactURL(msg, url string) string { return strings.ReplaceAll(msg, url, "[redis url]") }

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }

// claimScript: if the key is free, take the lease and remember when the
// key was first tried (ARGV[4], unix ms, kept if already set); return
// {status, value, first-try ms or "" when this is the first try, epoch}.
//
// The epoch key (KEYS[3], no expiry) holds when this Redis began to
// remember: set on the first claim ever, and again after Redis lost it
// (restarted without persistence, FLUSHALL/FLUSHDB, or evicted it), so every
// claim learns, in the same round trip, since when the store can vouch that
// a missing key was never claimed (core.Claim.Since).
var claimScript = redis.NewScript(`
redis.call("SET", KEYS[3], ARGV[4], "NX")
local epoch = redis.call("GET", KEYS[3])
local v = redis.call("GET", KEYS[1])
if v then return {"busy", v, "", epoch} end
local tried = redis.call("GET", KEYS[2])
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
if tried then return {"claimed", "", tried, epoch} end
redis.call("SET", KEYS[2], ARGV[4], "PX", ARGV[3])
return {"claimed", "", "", epoch}
`)

// Claim implements core.Store.
func (s *Store) Claim(ctx context.Context, key string, lease time.Duration) (core.Claim, error) {
	tok := core.NewToken()
	k := s.prefix + key
	res, err := claimScript.Run(ctx, s.c, []string{k, k + ":tried", s.prefix + "epoch"},
		"lease:"+tok, lease.Milliseconds(), cmp.Or(s.TriedTTL, 48*time.Hour).Milliseconds(), time.Now().UnixMilli()).Slice()
	if err != nil {
		return core.Claim{}, err
	}
	status, _ := res[0].(string)
	val, _ := res[1].(string)
	tried, _ := res[2].(string)
	var since time.Time
	if epoch, _ := res[3].(string); epoch != "" {
		if ms, err := strconv.ParseInt(epoch, 10, 64); err == nil {
			since = time.UnixMilli(ms)
		}
	}
	if status == "claimed" {
		c := core.Claim{Token: tok, Since: since}
		if ms, err := strconv.ParseInt(tried, 10, 64); err == nil {
			c.TakenOver, c.TriedAt = true, time.UnixMilli(ms)
		}
		return c, nil
	}
	if data, ok := strings.CutPrefix(val, "done:"); ok {
		var r core.Result
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return core.Claim{}, fmt.Errorf("stored result for %s is not valid JSON: %v", key, err)
		}
		return core.Claim{Done: &r}, nil
	}
	return core.Claim{Held: true}, nil
}

// finishScript replaces the value only while the caller's lease holds it.
var finishScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == "" then redis.call("DEL", KEYS[1]) return 1 end
redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
return 1
`)

// renewScript extends the lease only while the caller's token holds it.
var renewScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return 0 end
redis.call("PEXPIRE", KEYS[1], ARGV[2])
return 1
`)

// Renew implements core.Store.
func (s *Store) Renew(ctx context.Context, key, token string, lease time.Duration) (bool, error) {
	n, err := renewScript.Run(ctx, s.c, []string{s.prefix + key}, "lease:"+token, max(lease.Milliseconds(), 1)).Int()
	return n == 1, err
}

// Complete implements core.Store.
func (s *Store) Complete(ctx context.Context, key, token string, r core.Result, ttl time.Duration) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.finish(ctx, key, token, "done:"+string(b), ttl)
}

// Release implements core.Store.
func (s *Store) Release(ctx context.Context, key, token string) error {
	return s.finish(ctx, key, token, "", 0)
}

func (s *Store) finish(ctx context.Context, key, token, val string, ttl time.Duration) error {
	err := finishScript.Run(ctx, s.c, []string{s.prefix + key}, "lease:"+token, val, max(ttl.Milliseconds(), 1)).Err()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	return err
}
