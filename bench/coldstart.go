package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/rpc"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/handler"
)

// webhookSecret signs the cold-start POSTs; it is this package's own.
const webhookSecret = "bench-webhook-secret"

// ConfigYAML is the config every cold-started function gets in
// BACKUPFN_CONFIG_INLINE: the nightly group of one seeded instance on each
// of the four clouds.
var ConfigYAML = fmt.Sprintf(`targets:
  orders-redis: tencent-redis://ap-guangzhou/%s
  sessions-redis: alibaba-redis://cn-hangzhou/%s
  cart-cache:
    url: huawei-dcs://cn-north-4/%s
    project_id: %s
  billing-db:
    url: huawei-rds://cn-north-4/%s
    project_id: %s
groups:
  nightly: [orders-redis, sessions-redis, cart-cache, billing-db]
`, cloudemu.TencentInstance, cloudemu.AlibabaInstance, cloudemu.DCSInstance, cloudemu.HuaweiProject,
	cloudemu.RDSInstance, cloudemu.HuaweiProject)

// FunctionEnv is a function's whole environment: the emulator's endpoint
// and credentials, the config, the webhook secret, and extra.
func FunctionEnv(c *Cloud, extra ...string) []string {
	env := append(c.Env(), "BACKUPFN_CONFIG_INLINE="+ConfigYAML, "BACKUPFN_WEBHOOK_SECRET="+webhookSecret)
	return append(env, extra...)
}

// Samples are repeated measurements of one figure.
type Samples []time.Duration

// Median returns the middle sample (the mean of the two middle ones).
func (s Samples) Median() time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := slices.Clone(s)
	slices.Sort(c)
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

// Min returns the smallest sample (0 for none).
func (s Samples) Min() time.Duration {
	if len(s) == 0 {
		return 0
	}
	return slices.Min(s)
}

// Max returns the largest sample (0 for none).
func (s Samples) Max() time.Duration {
	if len(s) == 0 {
		return 0
	}
	return slices.Max(s)
}

// Cold is the cold starts of one function: their times, and the largest
// peak resident set (VmHWM) a started process had reached when it had
// answered, in KiB.
type Cold struct {
	Samples
	HWMKB int64
}

// HTTPRequest builds the request of one cold start against base
// (http://127.0.0.1:port), before the process starts.
type HTTPRequest func(base string) (*http.Request, error)

// Healthz is GET /healthz.
func Healthz(base string) (*http.Request, error) {
	return http.NewRequest(http.MethodGet, base+"/healthz", nil)
}

// PostBackups is a signed POST /v1/backups of the nightly group.
func PostBackups(base string) (*http.Request, error) {
	body := []byte(`{"groups":["nightly"]}`)
	req, err := http.NewRequest(http.MethodPost, base+"/v1/backups", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(handler.SignatureHeader, handler.Sign([]byte(webhookSecret), time.Now(), body))
	return req, nil
}

// ColdHTTP starts bin (listening on a free $PORT) runs times, and measures
// each time from exec to the complete response to req: it dials until the
// port accepts, as a platform's health check would. want is the status
// the response must have.
func ColdHTTP(ctx context.Context, bin string, env []string, req HTTPRequest, want, runs int) (Cold, error) {
	var out Cold
	for i := 0; i < runs; i++ {
		var d time.Duration
		var kb int64
		var err error
		for attempt := 0; attempt < 3; attempt++ { // another process may take the free port
			if d, kb, err = coldHTTPOnce(ctx, bin, env, req, want); !errors.Is(err, errExited) {
				break
			}
		}
		if err != nil {
			return out, err
		}
		out.Samples, out.HWMKB = append(out.Samples, d), max(out.HWMKB, kb)
	}
	return out, nil
}

var errExited = errors.New("the process exited before it answered")

func coldHTTPOnce(ctx context.Context, bin string, env []string, build HTTPRequest, want int) (time.Duration, int64, error) {
	port, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	req, err := build(base)
	if err != nil {
		return 0, 0, err
	}
	p, err := startProcess(bin, append(slices.Clone(env), "PORT="+strconv.Itoa(port)))
	if err != nil {
		return 0, 0, err
	}
	defer p.stop()
	tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return p.dial(ctx, addr)
	}}
	resp, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Do(req.WithContext(ctx))
	if err != nil {
		if p.exited() {
			err = fmt.Errorf("%w: %v\n%s", errExited, err, p.output())
		}
		return 0, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(p.start)
	if err != nil {
		return 0, 0, err
	}
	if resp.StatusCode != want {
		return 0, 0, fmt.Errorf("%s %s: status %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, body)
	}
	return elapsed, p.hwmKB(), nil
}

// process is a started function binary.
type process struct {
	cmd   *exec.Cmd
	start time.Time
	out   *lockedBuffer
	done  chan struct{}
}

func startProcess(bin string, env []string) (*process, error) {
	p := &process{cmd: exec.Command(bin), out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.WaitDelay = 2 * time.Second
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// dial connects to addr, retrying every 200µs until the process listens
// there (at most 15s after its start).
func (p *process) dial(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: time.Second}
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c, nil
		}
		if p.exited() {
			return nil, fmt.Errorf("%w: %v\n%s", errExited, err, p.output())
		}
		if time.Since(p.start) > 15*time.Second || ctx.Err() != nil {
			return nil, err
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// hwmKB is the process's peak resident set so far (VmHWM), in KiB.
func (p *process) hwmKB() int64 {
	return statusKB(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid), "VmHWM")
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop kills the process (by its own PID) and waits for it.
func (p *process) stop() {
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

func (p *process) output() string { return p.out.String() }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 {
		return len(p), nil // keep the first MiB
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// RuntimeAPI fakes AWS Lambda's runtime API on loopback, one invocation at
// a time: the function's GET next receives the queued invocation, and its
// POST response (or error) ends it.
type RuntimeAPI struct {
	Addr  string // host:port, for AWS_LAMBDA_RUNTIME_API
	srv   *httptest.Server
	queue chan invocation
	mu    sync.Mutex
	cur   *invocation
}

type invocation struct {
	id      string
	payload []byte
	done    chan apiAnswer
}

type apiAnswer struct {
	at      time.Time
	errored bool
	body    []byte
}

const runtimePrefix = "/2018-06-01/runtime/invocation/"

// NewRuntimeAPI starts the fake runtime API.
func NewRuntimeAPI() *RuntimeAPI {
	api := &RuntimeAPI{queue: make(chan invocation, 1)}
	api.srv = httptest.NewServer(http.HandlerFunc(api.serve))
	api.Addr = strings.TrimPrefix(api.srv.URL, "http://")
	return api
}

// Close stops the server.
func (api *RuntimeAPI) Close() { api.srv.Close() }

func (api *RuntimeAPI) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, runtimePrefix)
	if !ok {
		http.Error(w, "not a runtime API path", http.StatusNotFound)
		return
	}
	if rest == "next" && r.Method == http.MethodGet {
		select {
		case inv := <-api.queue:
			api.mu.Lock()
			api.cur = &inv
			api.mu.Unlock()
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:backupfn")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0")
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(inv.payload)
		case <-r.Context().Done():
		}
		return
	}
	id, kind, _ := strings.Cut(rest, "/")
	body, _ := io.ReadAll(r.Body)
	at := time.Now()
	api.mu.Lock()
	inv := api.cur
	if inv != nil && inv.id == id {
		api.cur = nil
	}
	api.mu.Unlock()
	if inv == nil || inv.id != id || r.Method != http.MethodPost {
		http.Error(w, "no invocation "+id+" in progress", http.StatusBadRequest)
		return
	}
	inv.done <- apiAnswer{at: at, errored: kind == "error", body: body}
	w.WriteHeader(http.StatusAccepted)
}

// scheduleSeq makes each ScheduleEvent a new firing.
var scheduleSeq atomic.Int64

// ScheduleEvent is an EventBridge schedule of the rule "nightly", each call
// a new firing (its own time, a second apart: the schedule's dedupe key).
// The same firing again would rightly start nothing: a fresh instance finds
// the backups the last one started by their marker.
func ScheduleEvent() []byte {
	at := time.Now().UTC().Add(time.Duration(scheduleSeq.Add(1)) * time.Second)
	return []byte(fmt.Sprintf(`{"version":"0","id":"bench-%d","detail-type":"Scheduled Event","source":"aws.events",`+
		`"account":"123456789012","time":%q,"region":"us-east-1",`+
		`"resources":["arn:aws:events:us-east-1:123456789012:rule/nightly"],"detail":{}}`,
		time.Now().UnixNano(), at.Format(time.RFC3339)))
}

// ColdLambda starts bin under a fake runtime API runs times, with an
// invocation already queued, and measures each time from exec to the
// function's POST of the invocation's response. Each start gets its own
// runtime API, so a killed process's pending GET next takes nothing.
func ColdLambda(ctx context.Context, bin string, env []string, payload func() []byte, runs int) (Cold, error) {
	var out Cold
	for i := 0; i < runs; i++ {
		d, kb, err := coldLambdaOnce(ctx, bin, env, payload(), i)
		if err != nil {
			return out, err
		}
		out.Samples, out.HWMKB = append(out.Samples, d), max(out.HWMKB, kb)
	}
	return out, nil
}

func coldLambdaOnce(ctx context.Context, bin string, env []string, payload []byte, i int) (time.Duration, int64, error) {
	api := NewRuntimeAPI()
	defer api.Close()
	env = append(slices.Clone(env), "AWS_LAMBDA_RUNTIME_API="+api.Addr, "AWS_LAMBDA_FUNCTION_NAME=backupfn",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_REGION=us-east-1")
	inv := invocation{id: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i), payload: payload, done: make(chan apiAnswer, 1)}
	api.queue <- inv
	p, err := startProcess(bin, env)
	if err != nil {
		return 0, 0, err
	}
	defer p.stop()
	var ans apiAnswer
	select {
	case ans = <-inv.done:
	case <-p.done:
		return 0, 0, fmt.Errorf("lambda exited before answering:\n%s", p.output())
	case <-time.After(30 * time.Second):
		return 0, 0, fmt.Errorf("lambda: no answer in 30s:\n%s", p.output())
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
	kb := p.hwmKB()
	if ans.errored || !bytes.Contains(ans.body, []byte(`"started"`)) {
		return 0, 0, fmt.Errorf("lambda: the invocation did not start the backups: %s", ans.body)
	}
	return ans.at.Sub(p.start), kb, nil
}

// SCFTimer is an SCF timer trigger named "nightly", each call a new firing
// (see ScheduleEvent).
func SCFTimer() []byte {
	at := time.Now().UTC().Add(time.Duration(scheduleSeq.Add(1)) * time.Second)
	return []byte(fmt.Sprintf(`{"Type":"Timer","TriggerName":"nightly","Time":%q,"Message":""}`, at.Format(time.RFC3339)))
}

// ColdSCF starts bin (the SCF Go1 runtime protocol: net/rpc on
// $_LAMBDA_SERVER_PORT) runs times and measures each time from exec to the
// response of the first Function.Invoke of payload.
func ColdSCF(ctx context.Context, bin string, env []string, payload func() []byte, runs int) (Cold, error) {
	var out Cold
	for i := 0; i < runs; i++ {
		var d time.Duration
		var kb int64
		var err error
		for attempt := 0; attempt < 3; attempt++ { // another process may take the free port
			if d, kb, err = coldSCFOnce(ctx, bin, env, payload()); !errors.Is(err, errExited) {
				break
			}
		}
		if err != nil {
			return out, err
		}
		out.Samples, out.HWMKB = append(out.Samples, d), max(out.HWMKB, kb)
	}
	return out, nil
}

func coldSCFOnce(ctx context.Context, bin string, env []string, payload []byte) (time.Duration, int64, error) {
	port, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	deadline := time.Now().Add(time.Minute)
	req := &messages.InvokeRequest{Payload: payload, RequestId: fmt.Sprintf("bench-%d", time.Now().UnixNano()),
		Deadline:  messages.InvokeRequest_Timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())},
		Namespace: "default", FunctionName: "backupfn", FunctionVersion: "$LATEST", MemoryLimitInMb: 128,
		TimeLimitInMs: 60000, TencentcloudRegion: "ap-guangzhou"}
	p, err := startProcess(bin, append(slices.Clone(env), "_LAMBDA_SERVER_PORT="+strconv.Itoa(port)))
	if err != nil {
		return 0, 0, err
	}
	defer p.stop()
	conn, err := p.dial(ctx, "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return 0, 0, err
	}
	cl := rpc.NewClient(conn)
	defer cl.Close()
	var resp messages.InvokeResponse
	call := cl.Go("Function.Invoke", req, &resp, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
	case <-time.After(30 * time.Second):
		return 0, 0, fmt.Errorf("scf: no answer to Function.Invoke in 30s:\n%s", p.output())
	}
	elapsed, kb := time.Since(p.start), p.hwmKB()
	switch {
	case call.Error != nil:
		return 0, 0, fmt.Errorf("scf: Function.Invoke: %v\n%s", call.Error, p.output())
	case resp.Error != nil:
		return 0, 0, fmt.Errorf("scf: function error %s: %s", resp.Error.Type, resp.Error.Message)
	case !bytes.Contains(resp.Payload, []byte(`"started"`)):
		return 0, 0, fmt.Errorf("scf: the invocation did not start the backups: %s", resp.Payload)
	}
	return elapsed, kb, nil
}

// InitTrace is the package initialisation of one process start, from
// GODEBUG=inittrace=1.
type InitTrace struct {
	Total time.Duration // sum of every package's init clock time
	End   time.Duration // when the last init ended, since the process started
	Bytes int64         // heap allocated by inits
	Top   []InitPkg     // the slowest packages, slowest first
}

// InitPkg is one package's init.
type InitPkg struct {
	Pkg   string
	Clock time.Duration
	Bytes int64
}

// TraceInit starts bin once with GODEBUG=inittrace=1 and parses its trace;
// the process is stopped after wait.
func TraceInit(bin string, env []string, wait time.Duration) (InitTrace, error) {
	p, err := startProcess(bin, append(slices.Clone(env), "GODEBUG=inittrace=1", "PORT=0"))
	if err != nil {
		return InitTrace{}, err
	}
	select {
	case <-time.After(wait):
	case <-p.done:
	}
	p.stop()
	return ParseInitTrace(p.output()), nil
}

// ParseInitTrace parses the lines of GODEBUG=inittrace=1:
//
//	init net/http @1.2 ms, 0.31 ms clock, 12345 bytes, 120 allocs
func ParseInitTrace(s string) InitTrace {
	var tr InitTrace
	byPkg := map[string]*InitPkg{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 9 || f[0] != "init" || !strings.HasPrefix(f[2], "@") {
			continue
		}
		at, err1 := strconv.ParseFloat(strings.TrimPrefix(f[2], "@"), 64)
		clock, err2 := strconv.ParseFloat(f[4], 64)
		bytes, err3 := strconv.ParseInt(f[7], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		d := time.Duration(clock * float64(time.Millisecond))
		tr.Total += d
		tr.Bytes += bytes
		tr.End = max(tr.End, time.Duration((at+clock)*float64(time.Millisecond)))
		p := byPkg[f[1]]
		if p == nil {
			p = &InitPkg{Pkg: f[1]}
			byPkg[f[1]] = p
		}
		p.Clock += d
		p.Bytes += bytes
	}
	for _, p := range byPkg {
		tr.Top = append(tr.Top, *p)
	}
	sort.Slice(tr.Top, func(i, j int) bool { return tr.Top[i].Clock > tr.Top[j].Clock })
	return tr
}

// statusKB returns a field of a /proc/PID/status file in KiB, or 0.
func statusKB(path, field string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}
