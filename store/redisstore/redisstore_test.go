package redisstore_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/core/storetest"
	"github.com/backupfn/backupfn/store/redisstore"
)

// redisURL is the test Redis; these tests fail, not skip, when it is down.
func redisURL() string {
	if u := os.Getenv("BACKUPFN_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

func TestRedisStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) core.Store {
		s, err := redisstore.Open(context.Background(), redisURL(), "backupfn-test:"+core.NewToken()+":")
		if err != nil {
			t.Fatalf("%v (start one with: redis-server --daemonize yes --port 6379 --save \"\")", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestOpenErrorsHideThePassword(t *testing.T) {
	_, err := redisstore.Open(context.Background(), "redis://:hunter2secret@127.0.0.1:1/0", "x:")
	if err == nil || strings.Contains(err.Error(), "hunter2secret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("err = %v: want an error naming the address but not the password", err)
	}
	_, err = redisstore.Open(context.Background(), "http://:hunter2secret@x", "x:")
	if err == nil || strings.Contains(err.Error(), "hunter2secret") {
		t.Fatalf("bad URL err = %v", err)
	}
}
