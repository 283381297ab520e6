// Command bench runs backupfn's performance measurements against the cloud
// emulator on loopback, prints a Markdown report and name=value lines, and
// writes the report to docs/PERFORMANCE.md (`make bench`).
//
//	go run ./bench/cmd                      # defaults: N=1000, R=100/s, L=50ms
//	go run ./bench/cmd -n 200 -out -        # smaller, report to stdout only
//	go run ./bench/cmd -skip fanout,gobench # only cold start, sizes and memory
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/backupfn/backupfn/bench"
)

func main() { os.Exit(run()) }

func run() int {
	p := bench.Params{Log: os.Stderr}
	flag.IntVar(&p.N, "n", 1000, "fan-out: targets per provider")
	flag.Float64Var(&p.Rate, "rate", 100, "fan-out: the emulator's rate limit R per provider start action, per second (also core.Service.Limits)")
	flag.DurationVar(&p.Latency, "latency", 50*time.Millisecond, "fan-out: latency L the emulator adds to every call")
	flag.IntVar(&p.SeqSample, "seq-sample", 40, "fan-out: calls in the sequential loop's sample, extrapolated to N (0: all N)")
	flag.BoolVar(&p.Retry, "retry", true, "fan-out: retry the unbounded run's throttled calls until all are started")
	flag.StringVar(&p.ProfileDir, "profile-dir", "", "write the fan-out children's CPU and heap profiles into this directory")
	runs := flag.Int("runs", 11, "cold start: process starts per figure (the median is reported)")
	benchtime := flag.String("benchtime", "1s", "BenchmarkCorePath: go test -benchtime")
	benchcount := flag.Int("benchcount", 3, "BenchmarkCorePath: go test -count (the median is reported)")
	out := flag.String("out", "docs/PERFORMANCE.md", "write the report here (relative to the module root); - for stdout only")
	cliN := flag.Int("cli-n", 2500, "cli: targets per provider in the config of the `backupfn run` memory run")
	cliProfiles := flag.Int("cli-profiles", 50, "cli: credentials profiles the run's targets are spread over (each a token bucket)")
	fleetN := flag.Int("fleet-instances", 3, "fleet: service instances sharing one account")
	fleetPer := flag.Int("fleet-per-instance", 200, "fleet: Tencent targets per instance")
	lookupN := flag.Int("lookup-targets", 200, "fleet: targets per marker provider in the store-loss lookup cost")
	redisURL := flag.String("redis", "redis://127.0.0.1:6379/0", "fleet: the Redis the instances share")
	skip := flag.String("skip", "", "comma-separated sections not to run: fanout, memory, cli, fleet, startup, gobench")
	flag.Parse()
	if p.N < 1 || p.Rate <= 0 || p.Latency < 0 || *runs < 1 {
		fmt.Fprintln(os.Stderr, "bench: -n, -rate and -runs must be positive, -latency not negative")
		return 2
	}
	skipped := map[string]bool{}
	for _, s := range strings.Split(*skip, ",") {
		skipped[strings.TrimSpace(s)] = s != ""
	}
	// Every section is bounded; the whole run by this.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	root, err := bench.ModuleRoot(ctx)
	if err != nil {
		return fail(err)
	}
	start := time.Now()
	if !skipped["fanout"] || !skipped["memory"] {
		dir, err := os.MkdirTemp("", "backupfn-bench-child-")
		if err != nil {
			return fail(err)
		}
		defer os.RemoveAll(dir)
		if p.Exe, err = bench.BuildChild(ctx, root, dir); err != nil {
			return fail(err)
		}
	}
	r := bench.Results{Machine: bench.ThisMachine(), Params: p, Benchtime: *benchtime, Benchcount: max(*benchcount, 1)}
	if !skipped["startup"] {
		st, err := bench.RunStartup(ctx, root, *runs, os.Stderr)
		if err != nil {
			return fail(err)
		}
		r.Startup = &st
	}
	if !skipped["fanout"] {
		f, err := bench.RunFanout(ctx, p)
		if err != nil {
			return fail(err)
		}
		r.Fanout = &f
	}
	if !skipped["memory"] {
		m, err := bench.RunMemory(ctx, p)
		if err != nil {
			return fail(err)
		}
		r.Memory = &m
	}
	if !skipped["cli"] {
		dir, err := os.MkdirTemp("", "backupfn-bench-cli-")
		if err != nil {
			return fail(err)
		}
		defer os.RemoveAll(dir)
		c, err := bench.RunCLI(ctx, root, dir, bench.CLIOptions{PerProvider: *cliN, Profiles: *cliProfiles, Log: os.Stderr})
		if err != nil {
			return fail(err)
		}
		r.CLI = &c
	}
	if !skipped["fleet"] {
		fmt.Fprintln(os.Stderr, "running the fleet section ...")
		fl, err := bench.RunFleet(ctx, bench.FleetOptions{Instances: *fleetN, PerInstance: *fleetPer, LookupTargets: *lookupN, RedisURL: *redisURL})
		if err != nil {
			return fail(err)
		}
		r.Fleet = &fl
	}
	if !skipped["gobench"] {
		fmt.Fprintln(os.Stderr, "running BenchmarkCorePath ...")
		g, _, err := bench.RunGoBench(ctx, root, *benchtime, max(*benchcount, 1))
		if err != nil {
			return fail(err)
		}
		r.Bench = g
	}
	r.Elapsed = time.Since(start)
	md, err := r.Markdown()
	if err != nil {
		return fail(err)
	}
	fmt.Print(md)
	fmt.Println()
	for _, kv := range r.Figures() {
		fmt.Printf("%s=%s\n", kv[0], kv[1])
	}
	if *out != "-" {
		path := *out
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
			return fail(err)
		}
		fmt.Fprintf(os.Stderr, "wrote %s in %v\n", path, r.Elapsed.Round(time.Second))
	}
	return 0
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "bench:", err)
	return 1
}
