package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"
)

// Params size the fan-out experiments.
type Params struct {
	N         int           // targets per provider
	Rate      float64       // the emulator's per-action limit, and core.Service.Limits, per second
	Latency   time.Duration // injected on every emulator call
	SeqSample int           // calls in the sequential loop's sample (0: all N)
	Retry     bool          // also retry the unbounded run's throttled calls until done
	Exe       string        // the bench command, re-run as the fan-out child
	// ProfileDir, if set, receives the children's CPU and heap profiles.
	ProfileDir string
	Log        io.Writer // progress lines
}

// Fanout holds every fan-out figure of one run.
type Fanout struct {
	Params     Params
	Core       map[string]Child        // one child per provider
	All        Child                   // all four providers in one run
	Sequential map[string]SeqRun       // per provider
	Unbounded  map[string]UnboundedRun // per provider
}

// Limit is the physical limit N/R.
func (f Fanout) Limit() time.Duration {
	return time.Duration(float64(f.Params.N) / f.Params.Rate * float64(time.Second))
}

// SeqEstimate is the sequential loop's time for all N targets of scheme
// (the sample's mean per call × N when SeqSample < N).
func (f Fanout) SeqEstimate(scheme string) time.Duration {
	return f.Sequential[scheme].PerCall() * time.Duration(f.Params.N)
}

// Slowest is the slowest single-provider core run.
func (f Fanout) Slowest() (string, time.Duration) {
	var s string
	var d time.Duration
	for _, k := range Schemes {
		if c, ok := f.Core[k]; ok && c.Wall > d {
			s, d = k, c.Wall
		}
	}
	return s, d
}

// SumCore is the sum of the single-provider core runs.
func (f Fanout) SumCore() time.Duration {
	var d time.Duration
	for _, c := range f.Core {
		d += c.Wall
	}
	return d
}

// RunFanout runs the fan-out experiments, each on a fresh emulator (a fresh
// rate-limit bucket), one after another.
func RunFanout(ctx context.Context, p Params) (Fanout, error) {
	f := Fanout{Params: p, Core: map[string]Child{}, Sequential: map[string]SeqRun{}, Unbounded: map[string]UnboundedRun{}}
	logf := func(format string, args ...any) {
		if p.Log != nil {
			fmt.Fprintf(p.Log, format+"\n", args...)
		}
	}
	co := CloudOptions{N: p.N, Rate: p.Rate, Latency: p.Latency}
	for _, s := range Schemes {
		ch, err := withCloud(co, func(c *Cloud) (Child, error) {
			return RunChild(ctx, c, ChildOptions{Exe: p.Exe, Schemes: []string{s}, N: p.N, Rate: p.Rate})
		})
		if err != nil {
			return f, err
		}
		f.Core[s] = ch
		logf("fan-out core %s: %d targets in %v (throttled %d, failed %d)", s, p.N, ch.Wall.Round(time.Millisecond), ch.Throttled, ch.Providers[s].Failed)
	}
	all, err := withCloud(co, func(c *Cloud) (Child, error) {
		return RunChild(ctx, c, ChildOptions{Exe: p.Exe, Schemes: Schemes, N: p.N, Rate: p.Rate, ProfileDir: p.ProfileDir, Tag: "fanout-all"})
	})
	if err != nil {
		return f, err
	}
	f.All = all
	logf("fan-out core, all four at once: %d targets in %v (throttled %d)", 4*p.N, all.Wall.Round(time.Millisecond), all.Throttled)
	calls := p.N
	if p.SeqSample > 0 {
		calls = min(p.SeqSample, p.N)
	}
	for _, s := range Schemes {
		seq, err := withCloud(co, func(c *Cloud) (SeqRun, error) { return RunSequential(ctx, c.Registry(), s, calls) })
		if err != nil {
			return f, err
		}
		f.Sequential[s] = seq
		logf("sequential %s: %d calls in %v (%v per call)", s, seq.Calls, seq.Wall.Round(time.Millisecond), seq.PerCall().Round(time.Microsecond))
	}
	for _, s := range Schemes {
		u, err := withCloud(co, func(c *Cloud) (UnboundedRun, error) { return RunUnbounded(ctx, c.Registry(), s, p.N, p.Retry) })
		if err != nil {
			return f, err
		}
		f.Unbounded[s] = u
		logf("unbounded %s: first wave %v, %d ok, %d throttled; all done in %v after %d throttled answers, %d failed",
			s, u.FirstWave.Round(time.Millisecond), u.FirstOK, u.FirstThrottled, u.Done.Round(time.Millisecond), u.Throttled, u.Failed)
	}
	return f, nil
}

// Memory holds the peak-RSS figures: children that fan out to nothing
// (the floor: runtime, SDKs, providers), to 1000 targets (250 per
// provider), and the all-four fan-out's (4×N targets).
type Memory struct {
	Floor, Thousand Child
	// Pool is Thousand run on a worker pool (CoreOptions.Pool), a what-if.
	Pool Child
}

// RunMemory runs the memory children; the all-four fan-out's figure is in Fanout.All.
func RunMemory(ctx context.Context, p Params) (Memory, error) {
	var m Memory
	var err error
	co := CloudOptions{N: 250, Rate: p.Rate, Latency: p.Latency}
	m.Floor, err = withCloud(co, func(c *Cloud) (Child, error) {
		return RunChild(ctx, c, ChildOptions{Exe: p.Exe, Schemes: nil, N: 0, Rate: p.Rate})
	})
	if err != nil {
		return m, err
	}
	m.Thousand, err = withCloud(co, func(c *Cloud) (Child, error) {
		return RunChild(ctx, c, ChildOptions{Exe: p.Exe, Schemes: slices.Clone(Schemes), N: 250, Rate: p.Rate, ProfileDir: p.ProfileDir, Tag: "rss-1000"})
	})
	if err != nil {
		return m, err
	}
	m.Pool, err = withCloud(co, func(c *Cloud) (Child, error) {
		return RunChild(ctx, c, ChildOptions{Exe: p.Exe, Schemes: slices.Clone(Schemes), N: 250, Rate: p.Rate, Pool: true})
	})
	if err != nil {
		return m, err
	}
	if p.Log != nil {
		for _, c := range []struct {
			what string
			ch   Child
		}{{"floor", m.Floor}, {"1000 targets", m.Thousand}, {"1000 targets on a worker pool", m.Pool}} {
			mid := c.ch.Midway
			fmt.Fprintf(p.Log, "memory, %s: VmHWM %.1f MB; midway %d goroutines, heap in use %.1f MB, stacks %.1f MB, runtime total %.1f MB, anon %.1f MB, file %.1f MB, %d GCs\n",
				c.what, float64(c.ch.HWMKB)*1024/1e6, mid.Goroutines, float64(mid.HeapInuse)/1e6, float64(mid.StackInuse)/1e6, float64(mid.Sys)/1e6,
				float64(mid.RssAnonKB)*1024/1e6, float64(mid.RssFileKB)*1024/1e6, mid.NumGC)
		}
	}
	return m, nil
}

func withCloud[T any](o CloudOptions, f func(*Cloud) (T, error)) (T, error) {
	c := NewCloud(o)
	defer c.Close()
	return f(c)
}
