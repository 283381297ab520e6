package bench

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// GoBench holds the results of `go test -bench`, by benchmark name without
// the -GOMAXPROCS suffix (e.g. "BenchmarkCorePath/stub").
type GoBench map[string]Metrics

// Metrics are one benchmark's figures by unit: "ns/op", "B/op",
// "allocs/op", "cpu-ns/op".
type Metrics map[string]float64

// Overhead is the core's per-target cost measured the other way: full/<scheme>
// minus sdk/<scheme>, by unit.
func (g GoBench) Overhead(scheme string) Metrics {
	full, sdk := g["BenchmarkCorePath/full/"+scheme], g["BenchmarkCorePath/sdk/"+scheme]
	if full == nil || sdk == nil {
		return nil
	}
	m := Metrics{}
	for k, v := range full {
		m[k] = v - sdk[k]
	}
	return m
}

// RunGoBench runs BenchmarkCorePath in root's bench package count times
// with -benchmem and benchtime, and parses its output (the median of each
// figure).
func RunGoBench(ctx context.Context, root, benchtime string, count int) (GoBench, string, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkCorePath$", "-benchmem",
		"-benchtime", benchtime, "-count", strconv.Itoa(count), "./bench/")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, string(out), fmt.Errorf("go test -bench: %v\n%s", err, out)
	}
	return ParseGoBench(string(out)), string(out), nil
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// ParseGoBench parses benchmark lines, keeping the median of each figure
// of a benchmark that ran several times (-count):
//
//	BenchmarkCorePath/stub-2   197622   6178 ns/op   6031 cpu-ns/op   2194 B/op   29 allocs/op
func ParseGoBench(out string) GoBench {
	runs := map[string][]Metrics{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		m := Metrics{}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				m[f[i+1]] = v
			}
		}
		name := procsSuffix.ReplaceAllString(f[0], "")
		runs[name] = append(runs[name], m)
	}
	g := GoBench{}
	for name, ms := range runs {
		med := Metrics{}
		for unit := range ms[0] {
			var vs []float64
			for _, m := range ms {
				vs = append(vs, m[unit])
			}
			slices.Sort(vs)
			med[unit] = vs[len(vs)/2]
			if len(vs)%2 == 0 {
				med[unit] = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
			}
		}
		g[name] = med
	}
	return g
}
