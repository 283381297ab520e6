package core

import (
	"github.com/backupfn/backupfn/providers"
	"golang.org/x/time/rate"
)

// limiter returns the token bucket of t's (provider, region, credentials).
func (s *Service) limiter(t providers.Target) *rate.Limiter {
	key := t.Scheme + "/" + t.Region + "/" + t.Profile
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.limiters[key]; ok {
		return l
	}
	if s.limiters == nil {
		s.limiters = map[string]*rate.Limiter{}
	}
	perSec, burst := 0.0, 1
	if v, ok := s.Limits[t.Scheme]; ok {
		perSec, burst = v, max(1, int(v))
	} else if p, err := s.Registry.Lookup(t.Scheme); err == nil {
		if rl, ok := p.(providers.RateLimited); ok {
			perSec, burst = rl.RateLimit()
		}
	}
	l := rate.NewLimiter(rate.Inf, 1)
	if perSec > 0 {
		// Pace a little under the cloud's bucket (95% of the rate, 90% of
		// the burst): the two buckets start at slightly different moments.
		l = rate.NewLimiter(rate.Limit(perSec*0.95), max(1, burst*9/10))
	}
	s.limiters[key] = l
	return l
}

// sem returns the concurrency semaphore for a provider scheme.
func (s *Service) sem(scheme string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sems == nil {
		s.sems = map[string]chan struct{}{}
	}
	c, ok := s.sems[scheme]
	if !ok {
		n := s.PerProvider
		if n <= 0 {
			n = 16
		}
		c = make(chan struct{}, n)
		s.sems[scheme] = c
	}
	return c
}
