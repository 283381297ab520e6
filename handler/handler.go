// Package handler is what every entrypoint shares: it builds the backup
// service from the config and the environment, runs decoded triggers, and
// serves the authenticated HTTP API. The functions/* binaries adapt their
// platform's runtime library to it in a page each; the CLI's invoke and
// serve commands use it too, so a local run takes exactly the same path.
package handler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/backupfn/backupfn/config"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/policy"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/all"
	"github.com/backupfn/backupfn/signature"
	"github.com/backupfn/backupfn/sinks"
	sinkall "github.com/backupfn/backupfn/sinks/all"
	"github.com/backupfn/backupfn/store/redisstore"
)

// Options configure a Handler. Zero values read the process environment.
type Options struct {
	Platform string              // scf, fc, lambda, functiongraph, http
	Getenv   func(string) string // nil means os.Getenv
	// ConfigPath overrides BACKUPFN_CONFIG; ConfigYAML overrides both.
	ConfigPath string
	ConfigYAML []byte
	Now        func() time.Time
	// HTTPClient is used by sinks and chat replies; nil means defaults.
	HTTPClient *http.Client
	// Log receives the log sink's JSON lines; nil means stdout.
	Log io.Writer
}

// Handler runs triggers. It is safe for concurrent use.
type Handler struct {
	Platform string
	Config   *config.Config
	Registry *providers.Registry
	Service  *core.Service
	// HTTPClient posts chat replies; nil means a client with a 10s timeout.
	HTTPClient *http.Client
	// Publisher sends every run's result events: the log (always) and the
	// config's sinks. Source is the events' source (the function's identity).
	Publisher *sinks.Publisher
	Source    string
	// Wait, when > 0 (BACKUPFN_WAIT, e.g. "10m"), follows the started tasks
	// until done or failed, up to Wait and the invocation's deadline, and
	// publishes backup.completed / backup.failed events.
	Wait time.Duration
	// sharedStore is true when the idempotency store is shared (Redis): then
	// a failed sink can ask the platform to retry, which replays the started
	// backups as already-started and publishes again without starting any.
	sharedStore bool

	getenv     func(string) string
	now        func() time.Time
	keys       []signature.Key
	replays    signature.ReplayCache
	background sync.WaitGroup // slash commands finishing after their acknowledgement
	slack      []byte
}

// New builds a Handler: the config from ConfigYAML, BACKUPFN_CONFIG_INLINE
// (the YAML itself), BACKUPFN_CONFIG (a path), or config.yaml beside the
// binary, in that order; with no config at all, only target URLs are
// accepted. It connects the idempotency store the config names.
func New(ctx context.Context, o Options) (*Handler, error) {
	h := &Handler{Platform: o.Platform, getenv: o.Getenv, now: o.Now, HTTPClient: o.HTTPClient}
	if h.getenv == nil {
		h.getenv = os.Getenv
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.Registry = all.New(providers.Config{Getenv: h.getenv})
	cfg, err := loadConfig(o, h.getenv, h.Registry)
	if err != nil {
		return nil, err
	}
	h.Config = cfg
	store, err := OpenStore(ctx, cfg.Idempotency)
	if err != nil {
		return nil, err
	}
	h.Service = &core.Service{Registry: h.Registry, Store: store, StoreTTL: cfg.Idempotency.TTL, Now: o.Now}
	h.sharedStore = cfg.Idempotency.Store == "redis"
	configured, err := sinkall.Build(cfg, sinks.Options{HTTPClient: o.HTTPClient, Now: o.Now})
	if err != nil {
		return nil, err
	}
	h.Publisher = &sinks.Publisher{Sinks: append([]sinks.Sink{sinks.NewLog(o.Log)}, configured...)}
	h.Source = source(h.Platform, h.getenv)
	if w := h.getenv("BACKUPFN_WAIT"); w != "" {
		if h.Wait, err = time.ParseDuration(w); err != nil || h.Wait < 0 {
			return nil, fmt.Errorf("BACKUPFN_WAIT=%q: want a duration such as 10m (how long to follow the backup tasks)", w)
		}
	}
	if s := h.getenv("BACKUPFN_WEBHOOK_SECRET"); s != "" {
		h.keys = append(h.keys, signature.Key{ID: "default", Secret: []byte(s)})
	}
	if s := h.getenv("BACKUPFN_WEBHOOK_SECRET_PREVIOUS"); s != "" {
		h.keys = append(h.keys, signature.Key{ID: "previous", Secret: []byte(s)}) // accepted while a secret rotates
	}
	h.keys = append(h.keys, cfg.WebhookKeys...)
	if s := h.getenv("SLACK_SIGNING_SECRET"); s != "" {
		h.slack = []byte(s)
	}
	return h, nil
}

func loadConfig(o Options, getenv func(string) string, reg *providers.Registry) (*config.Config, error) {
	if o.ConfigYAML != nil {
		return config.Parse("config", o.ConfigYAML, reg, getenv)
	}
	if inline := getenv("BACKUPFN_CONFIG_INLINE"); inline != "" {
		return config.Parse("BACKUPFN_CONFIG_INLINE", []byte(inline), reg, getenv)
	}
	path := o.ConfigPath
	if path == "" {
		path = getenv("BACKUPFN_CONFIG")
	}
	if path != "" {
		return config.Load(path, reg, getenv)
	}
	if exe, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(exe), "config.yaml")
		if _, err := os.Stat(beside); err == nil {
			return config.Load(beside, reg, getenv)
		}
	}
	return config.Empty(reg), nil
}

// OpenStore returns the idempotency store the config names: Redis, or an
// in-memory store (one process) by default.
func OpenStore(ctx context.Context, c config.Idempotency) (core.Store, error) {
	if c.Store != "redis" {
		return &core.MemoryStore{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return redisstore.Open(ctx, c.URL, "backupfn:")
}

// Run resolves a trigger's targets and groups and starts the backups. The
// error is non-nil only when the trigger cannot be resolved (unknown target
// or group): nothing was started, and redelivering will not help.
func (h *Handler) Run(ctx context.Context, trig core.Trigger) (core.Report, error) {
	return h.runWithin(ctx, trig, h.Service.DeadlineMargin)
}

// publish sends the run's events to every sink, after every backup call has
// finished. It gets its own time: the run's context may be nearly spent.
func (h *Handler) publish(ctx context.Context, evs []sinks.Event) []core.SinkStatus {
	budget := 30 * time.Second
	if d, ok := ctx.Deadline(); ok { // e.g. a synchronous slash command's 2.5 s
		budget = min(budget, max(time.Until(d), 500*time.Millisecond))
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	defer cancel()
	return h.Publisher.Publish(ctx, evs)
}

// source names this function for the events' source attribute.
func source(platform string, getenv func(string) string) string {
	for _, k := range []string{"SCF_FUNCTIONNAME", "FC_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_NAME", "RUNTIME_FUNC_NAME", "K_SERVICE"} {
		if v := getenv(k); v != "" {
			return "backupfn/" + platform + "/" + v
		}
	}
	return "backupfn/" + platform
}

type subjectKey struct{}

// withSubject records who sent an HTTP request (webhook key, Slack team,
// channel and user) for the policy check.
func withSubject(ctx context.Context, s policy.Subject) context.Context {
	return context.WithValue(ctx, subjectKey{}, s)
}

func subjectOf(ctx context.Context, trig core.Trigger) policy.Subject {
	s, _ := ctx.Value(subjectKey{}).(policy.Subject)
	s.Source = trig.Source
	return s
}

// denied reports a request the policy refuses: nothing starts, and the
// refusal is published as a failed event.
func (h *Handler) denied(ctx context.Context, trig core.Trigger, err error) (core.Report, error) {
	what := append(append([]string{}, trig.Targets...), prefixed("group:", trig.Groups)...)
	res := core.Result{Target: strings.Join(what, ","), Status: core.StatusFailed, TaskIDs: []string{},
		Error: &core.ErrorInfo{Kind: errkind.PermissionDenied, Code: "PolicyDenied", Message: strings.TrimPrefix(err.Error(), "PermissionDenied: ")}}
	rep := core.Report{Results: []core.Result{res}}
	rep.Sinks = h.publish(ctx, sinks.NewEvents(h.Source, trig, rep, h.now()))
	return rep, err
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

// Outcome is the result of one message of an event.
type Outcome struct {
	ID     string      `json:"id,omitempty"`
	Report core.Report `json:"report"`
	Err    error       `json:"-"`
	// Retry is true when redelivering the message could finish work this
	// run did not (a retryable failure or a deadline); false when it
	// succeeded or can never succeed (a malformed message, an unknown target).
	Retry bool `json:"retry"`
}

// ErrorKind returns the kind of o.Err, or OK.
func (o Outcome) ErrorKind() errkind.Kind { return errkind.KindOf(o.Err) }

// Failed reports whether the message did not fully succeed.
func (o Outcome) Failed() bool { return o.Err != nil || !o.Report.OK() }

func (h *Handler) outcome(id string, rep core.Report, err error) Outcome {
	sinkFailed := len(sinks.Failed(rep.Sinks)) > 0
	return Outcome{ID: id, Report: rep, Err: err, Retry: err == nil && (rep.Retryable() || (sinkFailed && h.sharedStore))}
}

// errorBody is the JSON error shape of every HTTP-facing entrypoint.
func errorBody(err error) map[string]any {
	msg := err.Error()
	var e *errkind.Error
	if errors.As(err, &e) && e.Message != "" && !isJoined(err) {
		msg = e.Message
	}
	return map[string]any{"error": map[string]string{"kind": errkind.KindOf(err).String(), "message": msg}}
}

func isJoined(err error) bool {
	_, ok := err.(interface{ Unwrap() []error })
	return ok
}

func (h *Handler) client() *http.Client {
	if h.HTTPClient != nil {
		return h.HTTPClient
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// ListenAddr is the HTTP function's address: $PORT (Knative, Cloud Run),
// else 8000 on FunctionGraph (RUNTIME_FUNC_NAME set), else 9000 (SCF web
// functions, FC custom runtimes).
func ListenAddr(getenv func(string) string) string {
	if p := getenv("PORT"); p != "" {
		return ":" + p
	}
	if getenv("RUNTIME_FUNC_NAME") != "" {
		return ":8000"
	}
	return ":9000"
}
