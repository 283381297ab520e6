package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/bench/fanout"
	"github.com/backupfn/backupfn/cloudemu"
)

// The fan-out package repeats cloudemu's constants so as not to link it;
// they must agree, and the URLs it builds must name generated instances.
func TestFanoutMatchesEmulator(t *testing.T) {
	for got, want := range map[string]string{
		fanout.TencentRedis: cloudemu.TencentRedis, fanout.AlibabaRedis: cloudemu.AlibabaRedis,
		fanout.HuaweiDCS: cloudemu.HuaweiDCS, fanout.HuaweiRDS: cloudemu.HuaweiRDS, fanout.HuaweiProject: cloudemu.HuaweiProject,
	} {
		if got != want {
			t.Errorf("fanout has %q, cloudemu %q", got, want)
		}
	}
	emu := cloudemu.New(cloudemu.Options{Generate: 3})
	for _, s := range Schemes {
		reg := NewRegistry(func(string) string { return "" })
		ts, err := Targets(reg, s, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range ts {
			if _, ok := emu.Instance(tg.Scheme, tg.Region, tg.Option("project_id"), tg.Instance); !ok {
				t.Errorf("%s names no generated instance", tg)
			}
		}
	}
}

// A small fan-out of each kind, fast enough for every go test: no
// throttling, every target started.
func TestFanoutSmall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := NewCloud(CloudOptions{N: 4, Rate: 50, Latency: time.Millisecond})
	defer c.Close()
	reg := c.Registry()
	run, err := fanout.RunCore(ctx, reg, fanout.CoreOptions{Schemes: Schemes, N: 4, Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Schemes {
		if p := run.Providers[s]; p.Started != 4 || p.Failed != 0 {
			t.Errorf("%s: %+v, want 4 started", s, *p)
		}
	}
	seq, err := RunSequential(ctx, reg, Schemes[0], 2)
	if err != nil || seq.Failed != 0 || seq.PerCall() < time.Millisecond {
		t.Errorf("sequential: %+v, %v; want 2 calls of at least the 1ms latency", seq, err)
	}
	u, err := RunUnbounded(ctx, reg, Schemes[1], 4, true)
	if err != nil || u.Failed != 0 || u.FirstOK+u.FirstThrottled != 4 {
		t.Errorf("unbounded: %+v, %v", u, err)
	}
	if n := c.Throttled(); n != 0 {
		t.Errorf("the emulator throttled %d calls under its limit", n)
	}
	if c.Conns() == 0 {
		t.Error("no connections counted")
	}
}

func TestParseInitTrace(t *testing.T) {
	tr := ParseInitTrace(`init internal/bytealg @0.004 ms, 0.003 ms clock, 0 bytes, 0 allocs
init runtime @0.043 ms, 0.060 ms clock, 0 bytes, 0 allocs
some other line
init github.com/x/y @1.5 ms, 0.50 ms clock, 1024 bytes, 12 allocs
`)
	if tr.Total != 563*time.Microsecond || tr.Bytes != 1024 || tr.End != 2*time.Millisecond {
		t.Errorf("got %+v", tr)
	}
	if len(tr.Top) != 3 || tr.Top[0].Pkg != "github.com/x/y" {
		t.Errorf("top: %+v", tr.Top)
	}
}

func TestParseGoBench(t *testing.T) {
	g := ParseGoBench(`goos: linux
BenchmarkCorePath/stub-2         	  197622	      6178 ns/op	      6031 cpu-ns/op	    2194 B/op	      29 allocs/op
BenchmarkCorePath/sdk/tencent-redis-2         	    9588	    130362 ns/op	    128448 cpu-ns/op	   34711 B/op	     480 allocs/op
BenchmarkCorePath/full/tencent-redis-2        	    7785	    144103 ns/op	    141815 cpu-ns/op	   36013 B/op	     493 allocs/op
BenchmarkCorePath/stub-2         	  197622	      6000 ns/op	      9000 cpu-ns/op	    2194 B/op	      29 allocs/op
BenchmarkCorePath/stub-2         	  197622	      6100 ns/op	      1000 cpu-ns/op	    2194 B/op	      29 allocs/op
PASS
`)
	if st := g["BenchmarkCorePath/stub"]; st["cpu-ns/op"] != 6031 || st["ns/op"] != 6100 || st["allocs/op"] != 29 {
		t.Errorf("stub: %v", st)
	}
	if o := g.Overhead("tencent-redis"); o["allocs/op"] != 13 || o["cpu-ns/op"] != 141815-128448 {
		t.Errorf("overhead: %v", o)
	}
	if g.Overhead("huawei-dcs") != nil {
		t.Error("overhead of a provider not benchmarked")
	}
}

func TestAttributeText(t *testing.T) {
	nm := `  401000       1200 T github.com/a/b.(*T).M
  402000        300 t github.com/a/b/sub.f
  403000        500 T type:.eq.github.com/c/d.S
  404000        100 T runtime.main
  405000       9999 D github.com/a/b.table
`
	got, total := AttributeText(nm, []string{"github.com/a/b", "github.com/c/d"})
	want := map[string]int64{"github.com/a/b": 1500, "github.com/c/d": 500, "std": 100}
	if total != 2100 || len(got) != len(want) || got[0].Module != "github.com/a/b" {
		t.Fatalf("got %+v, total %d", got, total)
	}
	for _, m := range got {
		if want[m.Module] != m.Text {
			t.Errorf("%s: %d, want %d", m.Module, m.Text, want[m.Module])
		}
	}
}

// The report renders with every section, and with every section skipped.
func TestMarkdown(t *testing.T) {
	empty := Results{Machine: ThisMachine(), Benchtime: "1s", Benchcount: 3}
	md, err := empty.Markdown()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(md, "Not measured in this run") != 6 || !strings.Contains(md, "| not measured |") {
		t.Errorf("an empty report should say every section was skipped:\n%s", md)
	}
	if got := empty.Figures(); len(got) != 1 || got[0] != [2]string{"targets_met", "0/0"} {
		t.Errorf("figures of an empty report: %v", got)
	}

	full := sampleResults()
	md, err = full.Markdown()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| fan-out |", "0.96 × (slowest provider alone)", "| scf | 31.95 MB | 9.88 MB |",
		"**33.0 MB**", "| met |", "Huawei", "6.5 µs of CPU", "| each instance paces alone | 12.00 s | 687 | 103 | 497 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(md, "<no value>") || strings.Contains(md, "Not measured") {
		t.Errorf("full report has holes:\n%s", md)
	}
	figs := map[string]string{}
	for _, kv := range full.Figures() {
		figs[kv[0]] = kv[1]
	}
	for k, v := range map[string]string{"fanout_vs_limit": "0.96", "coldstart_http_ms": "8.0", "rss_mb_1000": "33.0",
		"core_overhead_allocs": "29", "size_zip_mb_scf": "9.88", "targets_met": "7/7", "rss_mb_4000": "69.0", "rss_mb_cli_10000": "28.7",
		"fleet_local_throttled": "687", "fleet_shared_throttled": "0", "lookup_extra_calls_per_target": "1.00"} {
		if figs[k] != v {
			t.Errorf("%s=%s, want %s", k, figs[k], v)
		}
	}
}

func sampleResults() Results {
	n := 1000
	child := func(wall time.Duration, hwmKB int64, schemes ...string) Child {
		c := Child{CoreRun: fanout.CoreRun{Wall: wall, HWMKB: hwmKB, Providers: map[string]*fanout.ProviderRun{}}, CPU: time.Second}
		for _, s := range schemes {
			c.Providers[s] = &fanout.ProviderRun{Targets: n, Started: n, Last: wall}
		}
		return c
	}
	f := &Fanout{Params: Params{N: n, Rate: 100, Latency: 50 * time.Millisecond, SeqSample: 40, Retry: true},
		Core: map[string]Child{}, Sequential: map[string]SeqRun{}, Unbounded: map[string]UnboundedRun{}}
	for _, s := range Schemes {
		f.Core[s] = child(9630*time.Millisecond, 0, s)
		f.Sequential[s] = SeqRun{Calls: 40, Wall: 2040 * time.Millisecond}
		f.Unbounded[s] = UnboundedRun{N: n, FirstWave: 300 * time.Millisecond, FirstOK: 103, FirstThrottled: 897,
			Done: 10 * time.Second, Throttled: 6500, Calls: 7500}
	}
	f.All = child(9670*time.Millisecond, 69000*1000/1024, Schemes...)
	ms := func(v ...float64) Cold {
		c := Cold{HWMKB: 20000}
		for _, x := range v {
			c.Samples = append(c.Samples, time.Duration(x*float64(time.Millisecond)))
		}
		return c
	}
	st := &Startup{Runs: 3, Healthz: ms(5, 5.1, 6), Post: ms(7, 8, 9), Lambda: ms(6, 7, 8), SCF: ms(7, 7.7, 8),
		SCFNoRPC: ms(7, 7.5, 8), Hello: ms(2, 2.9, 3), NoRPCSize: 16.56e6, NoRPCZip: 6.38e6,
		Init: InitTrace{Total: 1900 * time.Microsecond, Top: []InitPkg{{Pkg: "github.com/backupfn/backupfn/providers", Clock: 330 * time.Microsecond}}},
		Text: []ModuleSize{{Module: "std", Text: 3e6}}, TextTotal: 7e6}
	for _, fn := range Functions() {
		fn.BinSize, fn.ZipSize = 16.4e6, 6.3e6
		if fn.Name == "scf" {
			fn.BinSize, fn.ZipSize = 31.95e6, 9.88e6
		}
		st.Functions = append(st.Functions, fn)
	}
	m := &Memory{Floor: child(0, 9700*1000/1024), Thousand: child(1750*time.Millisecond, 33000*1000/1024, Schemes...),
		Pool: child(1740*time.Millisecond, 24800*1000/1024, Schemes...)}
	g := GoBench{"BenchmarkCorePath/stub": {"ns/op": 3600, "cpu-ns/op": 6500, "B/op": 2170, "allocs/op": 29}}
	for _, s := range Schemes {
		g["BenchmarkCorePath/sdk/"+s] = Metrics{"ns/op": 120000, "cpu-ns/op": 130000, "B/op": 30000, "allocs/op": 425}
		g["BenchmarkCorePath/full/"+s] = Metrics{"ns/op": 125000, "cpu-ns/op": 136000, "B/op": 31000, "allocs/op": 437}
	}
	cli := &CLIRun{Targets: 10000, Profiles: 50, ConfigBytes: 1300000, Wall: 7 * time.Second, CPU: 4 * time.Second,
		MaxRSSKB: 28000, AnonKB: 15000, FileKB: 13000, HeapPeak: 12e6, HeapLive: 6e6, NumGC: 40, Started: 10000,
		YAMLTree: 6.4e6, ConfigKept: 1.6e6, Jobs: 0.9e6, MemLimit: "16MiB"}
	cli.Floor = &CLIRun{Targets: 4, MaxRSSKB: 16000, AnonKB: 2000, FileKB: 10000}
	cli.Limited = &CLIRun{Targets: 10000, MaxRSSKB: 25000, NumGC: 800, CPU: 13 * time.Second}
	return Results{Machine: ThisMachine(), Params: f.Params, Benchtime: "1s", Benchcount: 3, Fanout: f, Startup: st, Memory: m, Bench: g,
		CLI: cli, Elapsed: 3 * time.Minute,
		Fleet: &Fleet{Instances: 3, PerInstance: 200, Local: FleetRun{Wall: 12 * time.Second, Throttled: 687, Failed: 103, Started: 497},
			Shared: FleetRun{Wall: 32 * time.Second, Started: 600},
			Lookup: LookupCost{Targets: 200, WarmCalls: 600, FreshCalls: 1200, ExtraCallsPerTarget: 1, WarmWall: time.Second, FreshWall: 2 * time.Second}}}
}
