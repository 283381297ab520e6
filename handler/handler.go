// Package handler is what every entrypoint shares: it builds the backup
// service from the config and the environment (package setup), hands each
// decoded trigger to the one pipeline (core.Service.Handle), and serves the
// authenticated HTTP API; it adapts input and output only. The functions/*
// binaries adapt their platform's runtime library to it in a page each; the
// CLI's invoke and serve commands use it too, so a local run takes exactly
// the same path.
package handler

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/backupfn/backupfn/config"
	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/setup"
	"github.com/backupfn/backupfn/signature"
	"github.com/backupfn/backupfn/sinks"
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
	// Limits bound each HTTP request; zero fields read the environment.
	Limits Limits
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
	// Limits bound each HTTP request (see Limits); set before serving.
	Limits Limits
	// sharedStore is true when the idempotency store is shared (Redis): then
	// a failed sink can ask the platform to retry, which replays the started
	// backups as already-started and publishes again without starting any.
	sharedStore bool

	getenv     func(string) string
	now        func() time.Time
	keys       []signature.Key
	replays    signature.ReplayCache
	pending    atomic.Int64   // unauthenticated bodies being read and checked
	background sync.WaitGroup // slash commands finishing after their acknowledgement
	slack      []byte
}

// New builds a Handler around the service package setup builds: the
// config from ConfigYAML, BACKUPFN_CONFIG_INLINE (the YAML itself),
// BACKUPFN_CONFIG (a path), or config.yaml beside the binary, in that
// order; with no config at all, only target URLs are accepted. It connects
// the idempotency store the config names.
func New(ctx context.Context, o Options) (*Handler, error) {
	h := &Handler{Platform: o.Platform, getenv: o.Getenv, now: o.Now, HTTPClient: o.HTTPClient}
	if h.getenv == nil {
		h.getenv = os.Getenv
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.Source = source(h.Platform, h.getenv)
	log := o.Log
	if log == nil {
		log = os.Stdout
	}
	b, err := setup.New(ctx, setup.Options{Getenv: h.getenv, ConfigYAML: o.ConfigYAML, ConfigPath: o.ConfigPath, Search: true,
		Source: h.Source, Log: log, HTTPClient: o.HTTPClient, Now: o.Now})
	if err != nil {
		return nil, err
	}
	h.Config, h.Registry, h.Service, h.Publisher = b.Config, b.Registry, b.Service, b.Publisher
	h.sharedStore = b.Config.Idempotency.Store == "redis"
	cfg := b.Config
	if w := h.getenv("BACKUPFN_WAIT"); w != "" {
		if h.Wait, err = time.ParseDuration(w); err != nil || h.Wait < 0 {
			_ = b.Close()
			return nil, fmt.Errorf("BACKUPFN_WAIT=%q: want a duration such as 10m (how long to follow the backup tasks)", w)
		}
	}
	if h.Limits, err = limits(o.Limits, h.getenv); err != nil {
		_ = b.Close()
		return nil, err
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

// Run takes a trigger through the service's pipeline (core.Service.Handle):
// the policy, its targets and groups, the backups, the BACKUPFN_WAIT
// follow-up and publishing. The error is non-nil only when nothing was
// started: the policy refused (PermissionDenied; the report names the rule)
// or the trigger names something unknown, and redelivering will not help.
func (h *Handler) Run(ctx context.Context, trig core.Trigger) (core.Report, error) {
	return h.run(ctx, trig, 0)
}

// run is Run with a deadline margin (0: the service's): backups not
// started margin before ctx's deadline are reported pending.
func (h *Handler) run(ctx context.Context, trig core.Trigger, margin time.Duration) (core.Report, error) {
	if trig.Platform == "" {
		trig.Platform = h.Platform
	}
	return h.Service.Handle(ctx, trig, core.HandleOptions{Margin: margin, Wait: h.Wait})
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
	msg := strings.Join(errkind.MessagesOf(err), "\n")
	return map[string]any{"error": map[string]string{"kind": errkind.KindOf(err).String(), "message": msg}}
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
