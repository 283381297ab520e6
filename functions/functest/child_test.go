package functest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects a child's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// child is a running function binary.
type child struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
	err    error // cmd.Wait's, once exited is closed
}

// startChild starts bin with exactly env. Cleanup kills it (by its own PID),
// waits for it, and checks its output for secrets.
func startChild(t *testing.T, name, bin string, env []string) *child {
	t.Helper()
	c := &child{out: &syncBuffer{}, exited: make(chan struct{})}
	c.cmd = exec.Command(bin)
	c.cmd.Env = env
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	c.cmd.WaitDelay = 2 * time.Second
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		select {
		case <-c.exited:
		case <-time.After(5 * time.Second):
			t.Errorf("%s (pid %d) did not exit 5s after being killed", name, c.cmd.Process.Pid)
		}
		out := c.out.String()
		noSecrets(t, name+" stdout/stderr", []byte(out))
		if t.Failed() || os.Getenv("FUNCTEST_SHOW_OUTPUT") != "" {
			t.Logf("%s output (secrets redacted):\n%s", name, redact(out))
		}
	})
	return c
}

func (c *child) hasExited() bool {
	select {
	case <-c.exited:
		return true
	default:
		return false
	}
}

// startListening starts a child that listens on a free port named by
// portVar, retrying with another port if it exits before ready succeeds
// (another process took the port).
func startListening(t *testing.T, name, bin string, env []string, portVar string, ready func(port int) error) (*child, int) {
	t.Helper()
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		c := startChild(t, name, bin, append(env[:len(env):len(env)], portVar+"="+strconv.Itoa(port)))
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if last = ready(port); last == nil {
				return c, port
			}
			if c.hasExited() {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		if !c.hasExited() {
			t.Fatalf("%s not ready on port %d after 15s: %v", name, port, last)
		}
		t.Logf("%s exited before it was ready (%v), output:\n%s", name, c.err, redact(c.out.String()))
	}
	t.Fatalf("%s did not start: %v", name, last)
	return nil, 0
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// redact hides the secrets in s, for logging a child's output.
func redact(s string) string {
	for what, v := range secrets() {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[REDACTED "+what+"]")
		}
	}
	return s
}

// noSecrets fails t if b holds any secret.
func noSecrets(t *testing.T, where string, b []byte) {
	t.Helper()
	for what, s := range secrets() {
		if s != "" && bytes.Contains(b, []byte(s)) {
			t.Errorf("%s contains the %s", where, what)
		}
	}
}
