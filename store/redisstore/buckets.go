package redisstore

import (
	"context"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// Buckets are token buckets on Redis, shared by every process using the same
// Redis and key prefix: core's pacing (wrap.Buckets) for several instances
// of one deployment calling one cloud account. They are
// github.com/go-redis/redis_rate's GCRA buckets, which run as one Lua script
// on Redis's own clock, so the processes' clocks need not agree.
type Buckets struct {
	l      *redis_rate.Limiter
	prefix string
}

// Buckets returns the store's shared token buckets (keys under the store's
// prefix, then redis_rate's "rate:").
func (s *Store) Buckets() *Buckets {
	return &Buckets{l: redis_rate.NewLimiter(s.c), prefix: s.prefix}
}

// Take implements wrap.Buckets.
func (b *Buckets) Take(ctx context.Context, key string, perSec float64, burst int) (time.Duration, error) {
	res, err := b.l.Allow(ctx, b.prefix+key, limitOf(perSec, burst))
	if err != nil {
		return 0, err
	}
	if res.Allowed > 0 {
		return 0, nil
	}
	return max(res.RetryAfter, time.Millisecond), nil
}

// limitOf writes perSec as redis_rate's integer Rate per Period: per
// second when that keeps at least 10 tokens a period (precise to 10%),
// else per minute, else per hour (Huawei RDS's 60/min at 95% is 57/min).
func limitOf(perSec float64, burst int) redis_rate.Limit {
	period := time.Second
	for _, p := range []time.Duration{time.Second, time.Minute, time.Hour} {
		period = p
		if perSec*p.Seconds() >= 10 {
			break
		}
	}
	return redis_rate.Limit{Rate: max(1, int(math.Floor(perSec*period.Seconds()))), Period: period, Burst: max(1, burst)}
}
