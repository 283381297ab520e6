package bench

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/providers"
)

// BenchmarkCorePath measures one target's trip through core.Service.Run
// (one op = one target; Runs of up to 100 targets, one call at a time:
// PerProvider 1, no pacing, no latency). Besides ns/op, B/op and allocs/op
// it reports cpu-ns/op: the process's user+system CPU time per target.
//
//   - stub: the service with a provider that answers at once. This is the
//     core's own per-target cost (template expansion, marker, semaphore,
//     limiter, result), and the figure PERFORMANCE.md reports as overhead.
//   - sdk/<scheme>: the bare provider StartBackup (the cloud's SDK) against
//     the emulator in this process, in a loop.
//   - full/<scheme>: the service with the real provider, against the same
//     emulator. full − sdk is the overhead again, measured the other way;
//     it carries the noise of two numbers that are mostly SDK and emulator.
//
// B/op, allocs/op and cpu-ns/op are the whole process's, so the sdk and full
// figures include the emulator serving the call; the subtraction cancels it.
func BenchmarkCorePath(b *testing.B) {
	b.Run("stub", benchStub)
	for _, s := range Schemes {
		b.Run("sdk/"+s, func(b *testing.B) { benchSDK(b, s) })
		b.Run("full/"+s, func(b *testing.B) { benchFull(b, s) })
	}
}

// batch is the number of targets per Service.Run, and the emulator's
// generated instances per provider (few: the emulator copies its instance
// list on some calls, which the benchmark should not measure).
const batch = 100

var benchTrigger = core.Trigger{Platform: "bench", Source: core.SourceCLI}

func benchStub(b *testing.B) {
	p := &stubProvider{started: providers.Started{TaskIDs: []string{"6954227"}, RequestID: "req-1"}}
	svc := &core.Service{Registry: providers.NewRegistry(p), PerProvider: 1}
	jobs := make([]core.Job, batch)
	for i := range jobs {
		// As a config target with a templated remark would look.
		jobs[i] = core.Job{Name: fmt.Sprintf("redis-%d", i), Target: providers.Target{Scheme: stubScheme, Region: "ap-guangzhou",
			Instance: fmt.Sprintf("crs-gen%05d", i), Options: url.Values{"remark": {"nightly {date}"}}}}
	}
	runJobs(b, svc, jobs, nil)
}

func benchFull(b *testing.B, scheme string) {
	ec := newEmuCycle(b)
	defer ec.close()
	reg := NewRegistry(ec.getenv)
	svc := &core.Service{Registry: reg, PerProvider: 1, Limits: map[string]float64{scheme: 0}}
	ts, err := Targets(reg, scheme, batch)
	if err != nil {
		b.Fatal(err)
	}
	jobs := make([]core.Job, len(ts))
	for i, t := range ts {
		jobs[i] = core.Job{Target: t}
	}
	runJobs(b, svc, jobs, ec)
}

func benchSDK(b *testing.B, scheme string) {
	ec := newEmuCycle(b)
	defer ec.close()
	reg := NewRegistry(ec.getenv)
	p, ts, err := providerTargets(reg, scheme, batch)
	if err != nil {
		b.Fatal(err)
	}
	// A fresh marker for every call, made before timing: RDS backup names
	// must be unique, and the name carries the marker.
	markers := make([]string, b.N)
	for i := range markers {
		markers[i] = fmt.Sprintf("m%012x", i)
	}
	ctx := context.Background()
	cpu := startCPU()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 && i%batch == 0 {
			ec.maybeCycle(b, cpu)
		}
		if _, err := p.StartBackup(ctx, ts[i%batch], providers.StartOptions{Marker: markers[i]}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu.report(b)
}

// runJobs runs b.N targets through svc, in Runs of len(jobs).
func runJobs(b *testing.B, svc *core.Service, jobs []core.Job, ec *emuCycle) {
	ctx := context.Background()
	cpu := startCPU()
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		if done > 0 && ec != nil {
			ec.maybeCycle(b, cpu)
		}
		n := min(len(jobs), b.N-done)
		rep := svc.Run(ctx, benchTrigger, jobs[:n])
		if !rep.OK() {
			for _, r := range rep.Results {
				if r.Error != nil {
					b.Fatalf("%s: %s %v", r.Target, r.Status, *r.Error)
				}
			}
		}
		done += n
	}
	b.StopTimer()
	cpu.report(b)
}

// emuCycle is an in-process emulator that a benchmark replaces every
// cycleEvery backups (timer and CPU meter stopped): the emulator scans its
// backups on every call, so an ever-growing list would bend the figures.
type emuCycle struct {
	cur     atomic.Pointer[Cloud]
	started int
}

const cycleEvery = 1000

func newEmuCycle(b *testing.B) *emuCycle {
	ec := &emuCycle{}
	ec.cur.Store(NewCloud(CloudOptions{N: batch}))
	return ec
}

func (ec *emuCycle) getenv(k string) string { return ec.cur.Load().getenv(k) }

func (ec *emuCycle) maybeCycle(b *testing.B, cpu *cpuMeter) {
	ec.started += batch
	if ec.started < cycleEvery {
		return
	}
	b.StopTimer()
	cpu.pause()
	old := ec.cur.Swap(NewCloud(CloudOptions{N: batch}))
	old.Close()
	ec.started = 0
	cpu.resume()
	b.StartTimer()
}

func (ec *emuCycle) close() { ec.cur.Load().Close() }

// cpuMeter sums the process's CPU time while it runs.
type cpuMeter struct {
	total time.Duration
	since time.Duration
}

func startCPU() *cpuMeter { return &cpuMeter{since: processCPU()} }

func (m *cpuMeter) pause()  { m.total += processCPU() - m.since }
func (m *cpuMeter) resume() { m.since = processCPU() }

func (m *cpuMeter) report(b *testing.B) {
	m.pause()
	b.ReportMetric(float64(m.total.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const stubScheme = "stub"

// stubProvider answers every call at once with the same result.
type stubProvider struct{ started providers.Started }

var _ providers.Provider = (*stubProvider)(nil)

func (p *stubProvider) Scheme() string                  { return stubScheme }
func (p *stubProvider) Validate(providers.Target) error { return nil }

func (p *stubProvider) StartBackup(context.Context, providers.Target, providers.StartOptions) (providers.Started, error) {
	return p.started, nil
}

func (p *stubProvider) Status(context.Context, providers.Target, string) (providers.TaskStatus, error) {
	return providers.TaskStatus{State: providers.Done}, nil
}

func (p *stubProvider) FindStarted(context.Context, providers.Target, string, time.Time) (providers.Started, bool, error) {
	return providers.Started{}, false, nil
}
