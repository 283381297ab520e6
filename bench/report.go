package bench

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"strings"
	"text/template"
	"time"

	"github.com/backupfn/backupfn/bench/fanout"
)

// Results are every figure of one `make bench`; a nil section was skipped.
type Results struct {
	Machine    Machine
	Params     Params
	Benchtime  string
	Benchcount int
	Startup    *Startup
	Fanout     *Fanout
	Memory     *Memory
	CLI        *CLIRun
	Fleet      *Fleet
	Bench      GoBench
	Elapsed    time.Duration
}

// The targets (MB = 10^6 bytes).
const (
	goalFanout    = 1.1 // × N/R
	goalColdStart = 20 * time.Millisecond
	goalZip       = 10e6 // bytes
	goalRSS       = 40e6 // bytes, at 1000 targets
	goalRSSCLI    = 30e6 // bytes, `backupfn run` of 10,000 targets
	goalCPU       = 100 * time.Microsecond
	goalAllocs    = 200
)

// Target is one goal and where it stands.
type Target struct {
	Key, Name, Goal, Value string
	Measured               bool // false when its section was skipped
	Met                    bool
}

// Status is "met", "**missed**" or "not measured".
func (t Target) Status() string {
	switch {
	case !t.Measured:
		return "not measured"
	case t.Met:
		return "met"
	}
	return "**missed**"
}

// Targets evaluates the goals.
func (r Results) Targets() []Target {
	var ts []Target
	fan := Target{Key: "fanout", Name: "fan-out", Goal: fmt.Sprintf("≤ %.1f × N/R, no throttling error surfaced", goalFanout)}
	if f := r.Fanout; f != nil {
		_, slow := f.Slowest()
		vs, all := f.ratio(slow), f.ratio(f.All.Wall)
		fan.Measured = true
		fan.Met = vs <= goalFanout && all <= goalFanout && f.ThrottledErrors() == 0
		fan.Value = fmt.Sprintf("%.2f × (slowest provider alone), %.2f × (all four at once); %d throttling errors in the reports, %d throttled answers retried, %d targets failed",
			vs, all, f.ThrottledErrors(), f.ThrottledAnswers(), f.FailedTargets())
	}
	cold := Target{Key: "coldstart", Name: "cold start", Goal: fmt.Sprintf("≤ %d ms (exec → first response)", goalColdStart.Milliseconds())}
	if s := r.Startup; s != nil {
		cold.Measured, cold.Met = true, s.ColdWorst() <= goalColdStart
		cold.Value = fmt.Sprintf("http POST /v1/backups %s ms, GET /healthz %s ms; lambda %s ms; scf %s ms (medians)",
			ms(s.Post.Median()), ms(s.Healthz.Median()), ms(s.Lambda.Median()), ms(s.SCF.Median()))
	}
	zip := Target{Key: "zip", Name: "zip size", Goal: "≤ 10 MB each"}
	if s := r.Startup; s != nil && len(s.Functions) > 0 {
		big := s.Functions[0]
		for _, f := range s.Functions {
			if f.ZipSize > big.ZipSize {
				big = f
			}
		}
		zip.Measured, zip.Met = true, float64(big.ZipSize) <= goalZip
		zip.Value = fmt.Sprintf("largest: %s.zip %s MB (its binary %s MB)", big.Name, mb2(big.ZipSize), mb2(big.BinSize))
	}
	rss := Target{Key: "rss", Name: "peak RSS, 1000 targets", Goal: "≤ 40 MB"}
	if m := r.Memory; m != nil {
		b := m.Thousand.HWMKB << 10
		rss.Measured, rss.Met = true, float64(b) <= goalRSS
		rss.Value = fmt.Sprintf("%s MB (VmHWM of a child process fanning out to 250 targets on each cloud)", mb(b))
	}
	cli := Target{Key: "rss_cli", Name: "peak RSS, 10,000 targets (CLI)", Goal: "≤ 30 MB"}
	if c := r.CLI; c != nil {
		b := c.PeakKB() << 10
		cli.Name = fmt.Sprintf("peak RSS, %d targets (CLI)", c.Targets)
		cli.Measured, cli.Met = true, float64(b) <= goalRSSCLI
		cli.Value = fmt.Sprintf("%s MB (`backupfn run --config FILE --group all`, all four clouds; wait4 ru_maxrss)", mb(b))
	}
	over := Target{Key: "overhead", Name: "core overhead per target", Goal: fmt.Sprintf("≤ %d µs CPU, ≤ %d allocations", goalCPU.Microseconds(), goalAllocs)}
	if st := r.Bench["BenchmarkCorePath/stub"]; st != nil {
		cpu := time.Duration(st["cpu-ns/op"])
		over.Measured, over.Met = true, cpu <= goalCPU && st["allocs/op"] <= goalAllocs
		over.Value = fmt.Sprintf("%s µs CPU, %.0f allocations, %.0f B (stub provider)", us(cpu), st["allocs/op"], st["B/op"])
	}
	fleet := Target{Key: "fleet", Name: "instances sharing an account", Goal: "0 throttled answers, 0 failed targets (Redis store)"}
	if fl := r.Fleet; fl != nil {
		fleet.Measured, fleet.Met = true, fl.Shared.Throttled == 0 && fl.Shared.Failed == 0
		fleet.Name = fmt.Sprintf("%d instances sharing an account", fl.Instances)
		fleet.Value = fmt.Sprintf("%d throttled answers, %d failed of %d with buckets shared in Redis (each pacing alone: %d and %d)",
			fl.Shared.Throttled, fl.Shared.Failed, fl.Instances*fl.PerInstance, fl.Local.Throttled, fl.Local.Failed)
	}
	return append(ts, fan, cold, zip, rss, cli, over, fleet)
}

// ratio is d / (N/R).
func (f Fanout) ratio(d time.Duration) float64 { return d.Seconds() / f.Limit().Seconds() }

// ThrottledErrors counts the core runs' report entries that failed Throttled.
func (f Fanout) ThrottledErrors() int {
	n := 0
	for _, c := range f.children() {
		for _, p := range c.Providers {
			n += p.Kinds["Throttled"]
		}
	}
	return n
}

// ThrottledAnswers counts the calls the emulator throttled in the core runs.
func (f Fanout) ThrottledAnswers() int {
	n := 0
	for _, c := range f.children() {
		n += c.Throttled
	}
	return n
}

// FailedTargets counts the core runs' failed report entries.
func (f Fanout) FailedTargets() int {
	n := 0
	for _, c := range f.children() {
		for _, p := range c.Providers {
			n += p.Failed
		}
	}
	return n
}

func (f Fanout) children() []Child {
	out := []Child{f.All}
	for _, s := range Schemes {
		if c, ok := f.Core[s]; ok {
			out = append(out, c)
		}
	}
	return out
}

// Expected is the wall time the core's pacing predicts: its bucket (95% of
// R, burst 90% of R) releases the first calls at once and the rest at
// 0.95·R, and the last call takes L.
func (f Fanout) Expected() time.Duration {
	n, r := float64(f.Params.N), f.Params.Rate
	burst := math.Max(1, math.Floor(math.Floor(r)*9/10))
	return time.Duration(math.Max(0, n-burst)/(0.95*r)*float64(time.Second)) + f.Params.Latency
}

// Floor is the fastest the emulator allows: its bucket (R, burst R)
// admits R calls at once and the rest at R, and the last call takes L.
func (f Fanout) Floor() time.Duration {
	n, r := float64(f.Params.N), f.Params.Rate
	return time.Duration(math.Max(0, n-math.Max(1, math.Floor(r)))/r*float64(time.Second)) + f.Params.Latency
}

// VsLimit is d / (N/R), formatted.
func (f Fanout) VsLimit(d time.Duration) string { return fmt.Sprintf("%.2f", f.ratio(d)) }

// SlowestWall is the slowest single-provider core run's wall time.
func (f Fanout) SlowestWall() time.Duration {
	_, d := f.Slowest()
	return d
}

// SlowestScheme is the provider of SlowestWall.
func (f Fanout) SlowestScheme() string {
	s, _ := f.Slowest()
	return s
}

// SeqSum is the sequential loop's estimate for all four providers, one after another.
func (f Fanout) SeqSum() time.Duration {
	var d time.Duration
	for _, s := range Schemes {
		d += f.SeqEstimate(s)
	}
	return d
}

// CoreOf is scheme's single-provider core run and its provider figures.
func (f Fanout) CoreOf(scheme string) Child { return f.Core[scheme] }

// RunOf is scheme's figures in the core run c.
func (c Child) RunOf(scheme string) fanout.ProviderRun {
	if p := c.Providers[scheme]; p != nil {
		return *p
	}
	return fanout.ProviderRun{}
}

// Started sums the started targets of c.
func (c Child) Started() int {
	n := 0
	for _, p := range c.Providers {
		n += p.Started
	}
	return n
}

// Failed sums the failed targets of c.
func (c Child) Failed() int {
	n := 0
	for _, p := range c.Providers {
		n += p.Failed
	}
	return n
}

// Targets sums the targets of c.
func (c Child) Targets() int {
	n := 0
	for _, p := range c.Providers {
		n += p.Targets
	}
	return n
}

// CPU is the metrics' cpu-ns/op.
func (m Metrics) CPU() float64 { return m["cpu-ns/op"] }

// ColdWorst is the slowest median cold start of the functions.
func (s Startup) ColdWorst() time.Duration {
	return max(s.Healthz.Median(), s.Post.Median(), s.Lambda.Median(), s.SCF.Median())
}

// FirstThrottled sums the unbounded runs' throttled first calls.
func (f Fanout) FirstThrottled() int {
	n := 0
	for _, u := range f.Unbounded {
		n += u.FirstThrottled
	}
	return n
}

// UnboundedThrottled sums the unbounded runs' throttled answers.
func (f Fanout) UnboundedThrottled() int {
	n := 0
	for _, u := range f.Unbounded {
		n += u.Throttled
	}
	return n
}

// Bench returns a benchmark's metrics by its name below BenchmarkCorePath.
func (r Results) BenchOf(name string) Metrics { return r.Bench["BenchmarkCorePath/"+name] }

// MemGB is the machine's memory in GB.
func (m Machine) MemGB() string { return fmt.Sprintf("%.0f", float64(m.MemBytes)/1e9) }

//go:embed report.md.tmpl
var reportTemplate string

var funcs = template.FuncMap{
	"ms": ms, "sec": sec, "mb": mb, "mb2": mb2, "us": us, "us0": us0,
	"mbu":  func(b uint64) string { return mb(int64(b)) },
	"kbmb": func(kb int64) string { return mb(kb << 10) },
	"x":    func(a, b time.Duration) string { return fmt.Sprintf("%.2f", a.Seconds()/b.Seconds()) },
	"pct":  func(a, b int) string { return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(max(b, 1))) },
	"per":  func(a, b int) string { return fmt.Sprintf("%.1f", float64(a)/float64(max(b, 1))) },
	"f0":   func(v float64) string { return fmt.Sprintf("%.0f", v) },
	"nsus": func(v float64) string { return us(time.Duration(v)) },
	"date": func(t time.Time) string { return t.Format("2006-01-02 15:04 MST") },
	"add":  func(a, b int) int { return a + b },
	"div":  func(a, b int) int { return a / max(b, 1) },
	"divf": func(a any, b float64) float64 { return toFloat(a) / b },
	"mul":  func(a, b int) int { return a * b },
	"mulf": func(a, b float64) float64 { return a * b },
	"pctf": func(a, b float64) string { return fmt.Sprintf("%.0f%%", 100*a/b) },
	"pct100": func(d time.Duration) string {
		return fmt.Sprintf("%.0f%%", 100*d.Seconds()/goalColdStart.Seconds())
	},
}

// Markdown renders the report (docs/PERFORMANCE.md).
func (r Results) Markdown() (string, error) {
	t, err := template.New("report").Funcs(funcs).Parse(reportTemplate)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, r); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Schemes lists the providers, for the template.
func (r Results) Schemes() []string { return Schemes }

// Scheme returns s with '-' as '_', for figure names.
func figName(parts ...string) string {
	return strings.ReplaceAll(strings.Join(parts, "_"), "-", "_")
}

// Figures are the name=value lines `make bench` prints for scripts.
func (r Results) Figures() [][2]string {
	var out [][2]string
	add := func(name, format string, v ...any) { out = append(out, [2]string{name, fmt.Sprintf(format, v...)}) }
	if f := r.Fanout; f != nil {
		p := f.Params
		add("fanout_n", "%d", p.N)
		add("fanout_rate", "%g", p.Rate)
		add("fanout_latency_ms", "%s", ms(p.Latency))
		add("fanout_limit_s", "%s", sec(f.Limit()))
		_, slow := f.Slowest()
		add("fanout_s", "%s", sec(slow))
		add("fanout_vs_limit", "%.2f", f.ratio(slow))
		worstSeq, worstUnb := 0.0, 0.0
		for _, s := range Schemes {
			c := f.Core[s].Wall
			worstSeq = max(worstSeq, c.Seconds()/f.SeqEstimate(s).Seconds())
			worstUnb = max(worstUnb, c.Seconds()/f.Unbounded[s].Done.Seconds())
		}
		add("fanout_vs_sequential", "%.3f", worstSeq)
		if p.Retry {
			add("fanout_vs_unbounded_retry", "%.2f", worstUnb)
		}
		add("fanout_throttling_errors", "%d", f.ThrottledErrors())
		add("fanout_throttled_answers", "%d", f.ThrottledAnswers())
		add("fanout_failed", "%d", f.FailedTargets())
		add("fanout_all_s", "%s", sec(f.All.Wall))
		add("fanout_all_vs_limit", "%.2f", f.ratio(f.All.Wall))
		add("fanout_all_vs_slowest", "%.3f", f.All.Wall.Seconds()/slow.Seconds())
		add("fanout_all_vs_sum", "%.3f", f.All.Wall.Seconds()/f.SumCore().Seconds())
		for _, s := range Schemes {
			u := f.Unbounded[s]
			add(figName("fanout_s", s), "%s", sec(f.Core[s].Wall))
			add(figName("fanout_sequential_s", s), "%s", sec(f.SeqEstimate(s)))
			add(figName("fanout_unbounded_first_wave_s", s), "%s", sec(u.FirstWave))
			add(figName("fanout_unbounded_first_throttled", s), "%d", u.FirstThrottled)
			if p.Retry {
				add(figName("fanout_unbounded_retry_s", s), "%s", sec(u.Done))
				add(figName("fanout_unbounded_retry_throttled", s), "%d", u.Throttled)
			}
		}
	}
	if s := r.Startup; s != nil {
		add("coldstart_http_ms", "%s", ms(s.Post.Median()))
		add("coldstart_http_healthz_ms", "%s", ms(s.Healthz.Median()))
		add("coldstart_lambda_ms", "%s", ms(s.Lambda.Median()))
		if len(s.SCF.Samples) > 0 {
			add("coldstart_scf_ms", "%s", ms(s.SCF.Median()))
		}
		if len(s.SCFNoRPC.Samples) > 0 {
			add("coldstart_scf_norpc_ms", "%s", ms(s.SCFNoRPC.Median()))
		}
		add("coldstart_floor_ms", "%s", ms(s.Hello.Median()))
		add("rss_mb_http_first_post", "%s", mb(s.Post.HWMKB<<10))
		add("rss_mb_lambda_first_invoke", "%s", mb(s.Lambda.HWMKB<<10))
		for _, f := range s.Functions {
			add(figName("size_bin_mb", f.Name), "%s", mb2(f.BinSize))
			add(figName("size_zip_mb", f.Name), "%s", mb2(f.ZipSize))
		}
		if s.NoRPCSize > 0 {
			add("size_bin_mb_scf_norpc", "%s", mb2(s.NoRPCSize))
			add("size_zip_mb_scf_norpc", "%s", mb2(s.NoRPCZip))
		}
	}
	if st := r.Bench["BenchmarkCorePath/stub"]; st != nil {
		add("core_overhead_cpu_us", "%s", us(time.Duration(st["cpu-ns/op"])))
		add("core_overhead_ns", "%.0f", st["ns/op"])
		add("core_overhead_allocs", "%.0f", st["allocs/op"])
		add("core_overhead_bytes", "%.0f", st["B/op"])
		for _, s := range Schemes {
			if o := r.Bench.Overhead(s); o != nil {
				add(figName("core_full_minus_sdk_cpu_us", s), "%s", us(time.Duration(o["cpu-ns/op"])))
				add(figName("core_full_minus_sdk_allocs", s), "%.0f", o["allocs/op"])
			}
		}
	}
	if m := r.Memory; m != nil {
		add("rss_mb_floor", "%s", mb(m.Floor.HWMKB<<10))
		add("rss_mb_1000", "%s", mb(m.Thousand.HWMKB<<10))
		add("rss_mb_1000_pool", "%s", mb(m.Pool.HWMKB<<10))
	}
	if f := r.Fanout; f != nil {
		add(fmt.Sprintf("rss_mb_%d", 4*f.Params.N), "%s", mb(f.All.HWMKB<<10))
	}
	if c := r.CLI; c != nil {
		add(fmt.Sprintf("rss_mb_cli_%d", c.Targets), "%s", mb(c.PeakKB()<<10))
		add(fmt.Sprintf("rss_mb_cli_%d_anon", c.Targets), "%s", mb(c.AnonKB<<10))
		add(fmt.Sprintf("rss_mb_cli_%d_file", c.Targets), "%s", mb(c.FileKB<<10))
		add(fmt.Sprintf("heap_mb_cli_%d_peak", c.Targets), "%s", mb(c.HeapPeak))
		add(fmt.Sprintf("heap_mb_cli_%d_live", c.Targets), "%s", mb(c.HeapLive))
		add(fmt.Sprintf("cli_%d_wall_s", c.Targets), "%s", sec(c.Wall))
		if c.Floor != nil {
			add("rss_mb_cli_floor", "%s", mb(c.Floor.PeakKB()<<10))
		}
	}
	if fl := r.Fleet; fl != nil {
		add("fleet_instances", "%d", fl.Instances)
		add("fleet_targets", "%d", fl.Instances*fl.PerInstance)
		add("fleet_local_throttled", "%d", fl.Local.Throttled)
		add("fleet_local_failed", "%d", fl.Local.Failed)
		add("fleet_local_s", "%s", sec(fl.Local.Wall))
		add("fleet_shared_throttled", "%d", fl.Shared.Throttled)
		add("fleet_shared_failed", "%d", fl.Shared.Failed)
		add("fleet_shared_s", "%s", sec(fl.Shared.Wall))
		add("lookup_extra_calls_per_target", "%.2f", fl.Lookup.ExtraCallsPerTarget)
		add("lookup_extra_us_per_target", "%.0f", fl.Lookup.ExtraWallPerTargetMicros)
	}
	met, measured := 0, 0
	for _, t := range r.Targets() {
		if t.Measured {
			measured++
			if t.Met {
				met++
			}
			add("target_"+t.Key, "%s", map[bool]string{true: "met", false: "missed"}[t.Met])
		}
	}
	add("targets_met", "%d/%d", met, measured)
	return out
}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case int:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

func ms(d time.Duration) string  { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }
func sec(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }
func us(d time.Duration) string  { return fmt.Sprintf("%.1f", float64(d)/float64(time.Microsecond)) }
func us0(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/float64(time.Microsecond)) }
func mb(b int64) string          { return fmt.Sprintf("%.1f", float64(b)/1e6) }
func mb2(b int64) string         { return fmt.Sprintf("%.2f", float64(b)/1e6) }
