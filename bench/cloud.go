// Package bench measures backupfn's performance against the cloud emulator:
// fan-out of many targets under a rate limit and latency, against the
// physical limit, a sequential loop and unbounded goroutines; cold start of
// the function binaries; per-target overhead of the core path
// (BenchmarkCorePath); and peak memory of a 1000-target run.
//
// `make bench` runs it all (go run ./bench/cmd) and writes
// docs/PERFORMANCE.md. Everything runs on loopback: the emulator is served
// by this process on 127.0.0.1, the function binaries and the fan-out
// children it starts are pointed at it.
package bench

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/backupfn/backupfn/bench/fanout"
	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/providers"
)

// Schemes are the four providers, in report order.
var Schemes = fanout.Schemes

// NewRegistry returns every provider reading getenv, with a 30s call timeout.
var NewRegistry = fanout.NewRegistry

// Targets parses the first n generated targets of scheme.
var Targets = fanout.Targets

// Cloud is an emulator served on loopback for one measurement.
type Cloud struct {
	Emu    *cloudemu.Emulator
	URL    string
	srv    *httptest.Server
	conns  atomic.Int64
	getenv func(string) string
}

// CloudOptions shape an emulator: N generated instances per provider, a
// start-action rate limit for all four providers (<= 0: unlimited) and a
// latency on every call (0: none).
type CloudOptions struct {
	N       int
	Rate    float64
	Latency time.Duration
}

// NewCloud starts an emulator on 127.0.0.1. Backups complete at once, so an
// instance is never locked by a backup this package started.
func NewCloud(o CloudOptions) *Cloud {
	rates := map[string]float64{}
	for _, s := range Schemes {
		rates[s] = max(o.Rate, 0) // 0 means unlimited
	}
	emu := cloudemu.New(cloudemu.Options{Generate: o.N, BackupDuration: -1, Rates: rates})
	if o.Latency > 0 {
		emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLatency, Latency: o.Latency})
	}
	c := &Cloud{Emu: emu}
	c.srv = httptest.NewUnstartedServer(emu)
	c.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			c.conns.Add(1)
		}
	}
	c.srv.Start()
	c.URL = c.srv.URL
	c.getenv = EnvFunc(c.Env())
	return c
}

// Close stops the server.
func (c *Cloud) Close() { c.srv.Close() }

// Conns is how many connections the server accepted.
func (c *Cloud) Conns() int64 { return c.conns.Load() }

// Env is the environment that points backupfn at the emulator, as NAME=value.
func (c *Cloud) Env() []string { return c.Emu.Env(c.URL) }

// Getenv reads Env.
func (c *Cloud) Getenv() func(string) string { return c.getenv }

// Registry returns every provider pointed at the emulator.
func (c *Cloud) Registry() *providers.Registry { return NewRegistry(c.Getenv()) }

// Throttled sums the emulator's ratelimited.* counters: calls it refused
// with the cloud's throttling error because of its rate limit.
func (c *Cloud) Throttled() int {
	n := 0
	for k, v := range c.Emu.Stats() {
		if strings.HasPrefix(k, "ratelimited.") {
			n += v
		}
	}
	return n
}

// EnvFunc returns a getenv over NAME=value pairs.
func EnvFunc(env []string) func(string) string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}
