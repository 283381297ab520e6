// Command rsswrap runs a command and reports its peak resident set, for
// bench's 10,000-target CLI run: `rsswrap -report FILE -- CMD ARGS...`
// writes one line of name=value pairs to FILE after CMD exits.
//
// It exists because wait4's ru_maxrss of a child also counts the memory of
// the process that started it (Linux records the old address space's peak
// at exec, and Go starts children with vfork): started from this small
// process, that is rsswrap's few MB, not the bench's. While CMD runs it also
// polls /proc/PID/status, recording RssAnon and RssFile when VmRSS is
// highest. It imports no more than it needs, to stay small.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	report := flag.String("report", "", "write the figures here")
	every := flag.Duration("every", 2*time.Millisecond, "poll /proc/PID/status this often")
	flag.Parse()
	if *report == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: rsswrap -report FILE -- CMD ARGS...")
		os.Exit(2)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "rsswrap:", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	var peak map[string]int64 // at the highest VmRSS seen
	var peakAt time.Duration
	done := make(chan struct{})
	go func() {
		path := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
		for {
			select {
			case <-done:
				return
			case <-time.After(*every):
			}
			st := status(path)
			if st == nil {
				continue
			}
			mu.Lock()
			if peak == nil || st["VmRSS"] >= peak["VmRSS"] {
				peak, peakAt = st, time.Since(start)
			}
			mu.Unlock()
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	code := 0
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			fmt.Fprintln(os.Stderr, "rsswrap:", err)
			os.Exit(1)
		}
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	mu.Lock()
	defer mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "exit=%d wall_ns=%d cpu_ns=%d", code, wall.Nanoseconds(), (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Nanoseconds())
	if ru != nil {
		fmt.Fprintf(&b, " maxrss_kb=%d", ru.Maxrss)
	}
	fmt.Fprintf(&b, " self_hwm_kb=%d peak_at_ns=%d", status("/proc/self/status")["VmHWM"], peakAt.Nanoseconds())
	for _, k := range []string{"VmHWM", "VmRSS", "RssAnon", "RssFile"} {
		fmt.Fprintf(&b, " polled_%s_kb=%d", k, peak[k])
	}
	if err := os.WriteFile(*report, []byte(b.String()+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "rsswrap:", err)
		os.Exit(1)
	}
}

// status reads the kB fields of a /proc/PID/status file, or nil.
func status(path string) map[string]int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	m := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if v, found := strings.CutSuffix(strings.TrimSpace(v), " kB"); ok && found {
			n, _ := strconv.ParseInt(v, 10, 64)
			m[k] = n
		}
	}
	if len(m) == 0 { // a zombie has no memory fields
		return nil
	}
	return m
}
