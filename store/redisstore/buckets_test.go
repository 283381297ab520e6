package redisstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/store/redisstore"
)

func openStore(t *testing.T, prefix string) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(context.Background(), redisURL(), prefix)
	if err != nil {
		t.Fatalf("%v (start one with: redis-server --daemonize yes --port 6379 --save \"\")", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestBucketsShared: two stores on the same Redis and prefix (two processes)
// draw from one bucket: together they take the burst, then must wait about
// one emission interval; another prefix is another bucket.
func TestBucketsShared(t *testing.T) {
	prefix := "backupfn-test:" + core.NewToken() + ":"
	a, b := openStore(t, prefix).Buckets(), openStore(t, prefix).Buckets()
	ctx := context.Background()
	taken := 0
	for i := 0; i < 10; i++ {
		bk := a
		if i%2 == 1 {
			bk = b
		}
		d, err := bk.Take(ctx, "tencent-redis/ap-guangzhou/", 10, 4)
		if err != nil {
			t.Fatal(err)
		}
		if d == 0 {
			taken++
		} else if d > 150*time.Millisecond {
			t.Fatalf("wait %v at 10/s: want at most one emission interval (100ms)", d)
		}
	}
	if taken != 4 {
		t.Fatalf("two processes took %d tokens at once from a burst of 4; want 4 together", taken)
	}
	other := openStore(t, "backupfn-test:"+core.NewToken()+":").Buckets()
	if d, err := other.Take(ctx, "tencent-redis/ap-guangzhou/", 10, 4); err != nil || d != 0 {
		t.Fatalf("another prefix's bucket = %v, %v; want a token", d, err)
	}
}

// TestBucketsRate: 3 concurrent takers at 20/s (burst 1) get about 20 tokens
// in a second between them, not 60.
func TestBucketsRate(t *testing.T) {
	prefix := "backupfn-test:" + core.NewToken() + ":"
	var mu sync.Mutex
	got := 0
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		bk := openStore(t, prefix).Buckets()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				d, err := bk.Take(ctx, "huawei-rds/cn-north-4/", 20, 1)
				if err != nil {
					return
				}
				if d == 0 {
					mu.Lock()
					got++
					mu.Unlock()
					continue
				}
				select {
				case <-time.After(d):
				case <-ctx.Done():
				}
			}
		}()
	}
	wg.Wait()
	if got < 15 || got > 23 {
		t.Fatalf("3 takers got %d tokens in 1s at 20/s together; want about 20", got)
	}
}

func TestBucketsStoreDown(t *testing.T) {
	s := openStore(t, "backupfn-test:"+core.NewToken()+":")
	bk := s.Buckets()
	_ = s.Close()
	if _, err := bk.Take(context.Background(), "k", 1, 1); err == nil {
		t.Fatal("Take on a closed client: no error")
	}
}

// TestSinceAfterFlush: when Redis loses its data (here: this prefix's keys
// deleted, as FLUSHDB or a restart without persistence would), the next
// claim reports a new Since, so core looks in the cloud for what the store
// forgot.
func TestSinceAfterFlush(t *testing.T) {
	prefix := "backupfn-test:" + core.NewToken() + ":"
	s := openStore(t, prefix)
	ctx := context.Background()
	c, err := s.Claim(ctx, "k1", time.Minute)
	if err != nil || c.Since.IsZero() {
		t.Fatalf("claim = %+v, %v", c, err)
	}
	time.Sleep(30 * time.Millisecond)
	raw := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer raw.Close()
	if u := redisURL(); u != "redis://127.0.0.1:6379/0" {
		opt, _ := redis.ParseURL(u)
		raw = redis.NewClient(opt)
	}
	keys, err := raw.Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys %v, %v", keys, err)
	}
	if err := raw.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	c2, err := s.Claim(ctx, "k1", time.Minute)
	if err != nil || c2.TakenOver || !c2.Since.After(c.Since) {
		t.Fatalf("claim after the flush = %+v, %v; want a fresh claim with a later Since than %v", c2, err, c.Since)
	}
}
