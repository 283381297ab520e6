package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/backupfn/backupfn/bench/fanout"
)

// Child is a fan-out child's result as the parent saw it.
type Child struct {
	fanout.CoreRun
	CPU       time.Duration // the child's user+system time
	Throttled int           // calls the emulator throttled during the run
	Conns     int64         // connections the emulator accepted during the run
}

// ChildOptions select a fan-out child run.
type ChildOptions struct {
	Exe        string   // the fan-out child binary (bench/fanout/child)
	Schemes    []string // providers to fan out to
	N          int      // targets per provider
	Rate       float64  // core.Service.Limits per provider
	ProfileDir string   // if set, the child writes cpu.pprof and heap.pprof here, named by Tag
	Tag        string
	Pool       bool // see CoreOptions.Pool
}

// RunChild runs a fan-out child against c and waits for it (bounded by ctx).
func RunChild(ctx context.Context, c *Cloud, o ChildOptions) (Child, error) {
	args := []string{"-schemes", strings.Join(o.Schemes, ","), "-n", strconv.Itoa(o.N),
		"-rate", strconv.FormatFloat(o.Rate, 'f', -1, 64)}
	if o.Pool {
		args = append(args, "-pool")
	}
	if o.ProfileDir != "" {
		args = append(args, "-cpuprofile", filepath.Join(o.ProfileDir, o.Tag+".cpu.pprof"),
			"-memprofile", filepath.Join(o.ProfileDir, o.Tag+".heap.pprof"))
	}
	cmd := exec.CommandContext(ctx, o.Exe, args...)
	cmd.Env = c.Env() // exactly the emulator's endpoint and credentials
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	throttled0, conns0 := c.Throttled(), c.Conns()
	if err := cmd.Run(); err != nil {
		return Child{}, fmt.Errorf("fan-out child %v: %v\n%s", o.Schemes, err, errb.Bytes())
	}
	var ch Child
	if err := json.Unmarshal(out.Bytes(), &ch.CoreRun); err != nil {
		return Child{}, fmt.Errorf("fan-out child %v: decoding %q: %v", o.Schemes, out.Bytes(), err)
	}
	// Not wait4's ru_maxrss: on Linux it also counts the parent's memory
	// that the child had between fork and exec. VmHWM is the child's own.
	ch.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	ch.Throttled, ch.Conns = c.Throttled()-throttled0, c.Conns()-conns0
	return ch, nil
}
