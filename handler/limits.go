package handler

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Limits bound what one HTTP request may cost, before and after it is
// authenticated. A zero field takes its environment variable, else its
// default.
type Limits struct {
	// Events is the most CloudEvents one batch (POST /v1/events) may hold
	// (BACKUPFN_MAX_EVENTS, default 100). Over it: 413, nothing started.
	Events int
	// Targets is the most target runs one request may make, all its events
	// together: each named target counts once, each named group as many as
	// its members (BACKUPFN_MAX_TARGETS, default 1000; raise it if one of
	// your groups is larger). Over it: 413, nothing started.
	Targets int
	// Bodies is how many request bodies may be read and checked at once
	// before their signature is verified (BACKUPFN_MAX_PENDING_BODIES,
	// default 64): each holds up to 1 MiB. Over it: 503 with Retry-After.
	Bodies int
	// ReadTimeout is how long a client has to send a whole request, headers
	// and body (BACKUPFN_READ_TIMEOUT, default 30s); IdleTimeout how long a
	// kept-alive connection may wait for its next request
	// (BACKUPFN_IDLE_TIMEOUT, default 60s). Used by Server.
	ReadTimeout, IdleTimeout time.Duration
}

// Default limits.
const (
	DefaultMaxEvents   = 100
	DefaultMaxTargets  = 1000
	DefaultMaxBodies   = 64
	DefaultReadTimeout = 30 * time.Second
	DefaultIdleTimeout = 60 * time.Second
	// ReadHeaderTimeout is how long a client has to send its headers.
	ReadHeaderTimeout = 10 * time.Second
)

// limits fills l's zero fields from the environment, else the defaults.
func limits(l Limits, getenv func(string) string) (Limits, error) {
	ints := []struct {
		p   *int
		env string
		def int
	}{{&l.Events, "BACKUPFN_MAX_EVENTS", DefaultMaxEvents}, {&l.Targets, "BACKUPFN_MAX_TARGETS", DefaultMaxTargets},
		{&l.Bodies, "BACKUPFN_MAX_PENDING_BODIES", DefaultMaxBodies}}
	for _, f := range ints {
		if *f.p > 0 {
			continue
		}
		*f.p = f.def
		if v := getenv(f.env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return l, fmt.Errorf("%s=%q: want a positive number", f.env, v)
			}
			*f.p = n
		}
	}
	durs := []struct {
		p   *time.Duration
		env string
		def time.Duration
	}{{&l.ReadTimeout, "BACKUPFN_READ_TIMEOUT", DefaultReadTimeout}, {&l.IdleTimeout, "BACKUPFN_IDLE_TIMEOUT", DefaultIdleTimeout}}
	for _, f := range durs {
		if *f.p > 0 {
			continue
		}
		*f.p = f.def
		if v := getenv(f.env); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return l, fmt.Errorf("%s=%q: want a positive duration such as 30s", f.env, v)
			}
			*f.p = d
		}
	}
	return l, nil
}

// Server is the long-running HTTP server of functions/http and backupfn
// serve: h on addr, with a client's whole request bounded by
// Limits.ReadTimeout (its headers by ReadHeaderTimeout) and idle
// connections closed after Limits.IdleTimeout. There is no write timeout:
// a run with BACKUPFN_WAIT answers when its tasks are done.
func (h *Handler) Server(addr string) *http.Server {
	return &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: min(ReadHeaderTimeout, h.Limits.ReadTimeout),
		ReadTimeout: h.Limits.ReadTimeout, IdleTimeout: h.Limits.IdleTimeout}
}

// acquire takes one of the Limits.Bodies slots for reading and checking an
// unauthenticated body; false when none is free.
func (h *Handler) acquire() bool {
	if h.pending.Add(1) > int64(h.Limits.Bodies) {
		h.pending.Add(-1)
		return false
	}
	return true
}

func (h *Handler) release() { h.pending.Add(-1) }
