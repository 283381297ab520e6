package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/events"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/signature"
	"github.com/backupfn/backupfn/sinks"
	"github.com/backupfn/backupfn/sinks/chat"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// Response is a platform-neutral HTTP answer.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
}

func jsonResponse(status int, v any) Response {
	b, _ := json.MarshalIndent(v, "", "  ")
	return Response{Status: status, ContentType: "application/json", Body: append(b, '\n')}
}

func errorResponse(status int, err error) Response { return jsonResponse(status, errorBody(err)) }

// route returns the API route of a path, ignoring any stage or prefix before
// /v1/ (API gateways add one): "/prod/v1/backups" → "/v1/backups".
func route(path string) string {
	path, _, _ = strings.Cut(path, "?") // as events.DecodeHTTP routes it
	if i := strings.LastIndex(path, "/v1/"); i >= 0 {
		return strings.TrimSuffix(path[i:], "/")
	}
	return strings.TrimSuffix(path, "/")
}

// HandleHTTP serves one request of the HTTP API, from a real HTTP server or
// from an API gateway / HTTP trigger event: GET /healthz; POST /v1/backups,
// /v1/events and /v1/slack/command, each authenticated before anything is
// decoded. async lets the Slack route answer at once and post the result to
// response_url later (a long-running server); without it the result is the
// answer (serverless platforms stop work after the response).
func (h *Handler) HandleHTTP(ctx context.Context, r *events.HTTPRequest, async bool) Response {
	rt := route(r.Path)
	switch {
	case rt == "/healthz" || rt == "":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return errorResponse(http.StatusMethodNotAllowed, errkind.New(errkind.InvalidArgument, "use GET /healthz"))
		}
		return jsonResponse(http.StatusOK, map[string]string{"status": "ok"})
	case rt != "/v1/backups" && rt != "/v1/events" && rt != "/v1/slack/command":
		return errorResponse(http.StatusNotFound, errkind.New(errkind.NotFound, "no route %s: want POST /v1/backups, /v1/events, /v1/slack/command or GET /healthz", rt))
	case r.Method != http.MethodPost:
		return errorResponse(http.StatusMethodNotAllowed, errkind.New(errkind.InvalidArgument, "%s %s: use POST", r.Method, rt))
	case len(r.Body) > MaxBody:
		return errorResponse(http.StatusRequestEntityTooLarge, errkind.New(errkind.InvalidArgument, "body is %d bytes, over the %d-byte limit", len(r.Body), MaxBody))
	}
	subject, err := h.authenticate(rt, r)
	if err != nil {
		return errorResponse(http.StatusUnauthorized, &errkind.Error{Kind: errkind.Unauthenticated, Message: errkind.MessageOf(err), Err: err})
	}
	ev, err := events.DecodeHTTP(r, h.Platform)
	if err != nil {
		return errorResponse(events.HTTPStatus(err), &errkind.Error{Kind: errkind.InvalidArgument, Message: err.Error(), Err: err})
	}
	for i := range ev.Messages { // who signed it, for the policy
		ev.Messages[i].Trigger.Caller = subject
	}
	if rt == "/v1/slack/command" {
		cmd, _ := events.ParseSlashCommand(r.Body) // decoded above: only its response_url is needed
		return h.slackCommand(ctx, ev, cmd.ResponseURL, async)
	}
	return h.runHTTP(ctx, ev)
}

// authenticate checks the request's signature and that it was not seen
// before, and returns who sent it (for the policy).
func (h *Handler) authenticate(rt string, r *events.HTTPRequest) (core.Caller, error) {
	var s core.Caller
	var sig string
	if rt == "/v1/slack/command" {
		if err := VerifySlack(h.slack, r.Header, r.Body, h.now()); err != nil {
			return s, err
		}
		sig = r.Header.Get("X-Slack-Signature")
		if cmd, err := events.ParseSlashCommand(r.Body); err == nil {
			s.Team, s.Channel, s.User = cmd.TeamID, cmd.ChannelID, cmd.UserID
		}
	} else {
		id, err := signature.Verify(h.keys, r.Header.Get(SignatureHeader), r.Body, h.now())
		if err != nil {
			return s, err
		}
		for _, k := range h.keys {
			if k.ID == id {
				sig = signature.ReplayKey(k, r.Header.Get(SignatureHeader), r.Body)
			}
		}
		s.Key = id
	}
	if h.replays.Seen(sig, h.now()) {
		return s, errkind.New(errkind.Unauthenticated, "this signature was already used: sign each request anew (replay refused)")
	}
	return s, nil
}

// runHTTP runs every message of a decoded request; the answer is the report
// of `backupfn run --json` (all messages' results together).
func (h *Handler) runHTTP(ctx context.Context, ev events.Event) Response {
	all := core.Report{Results: []core.Result{}}
	for _, m := range ev.Messages {
		if m.Err != nil {
			return errorResponse(http.StatusBadRequest, &errkind.Error{Kind: errkind.InvalidArgument, Message: m.Err.Error(), Err: m.Err})
		}
	}
	for _, m := range ev.Messages {
		rep, err := h.Run(ctx, m.Trigger)
		if err != nil {
			return errorResponse(statusOf(err), err)
		}
		all.Results = append(all.Results, rep.Results...)
	}
	return jsonResponse(reportStatus(all), all)
}

// longRunning reports whether this HTTP server keeps running after it
// answers (a VM, Knative, backupfn serve), so a slash command can be
// acknowledged first and finished in the background. Serverless HTTP
// functions (SCF web functions, FC custom runtimes, FunctionGraph) may be
// frozen after the answer: there the command runs before it.
// BACKUPFN_SLACK_ASYNC=true|false overrides the guess.
func (h *Handler) longRunning() bool {
	if v := h.getenv("BACKUPFN_SLACK_ASYNC"); v != "" {
		return v == "true" || v == "1"
	}
	for _, k := range []string{"RUNTIME_FUNC_NAME", "FC_FUNCTION_NAME", "SCF_FUNCTIONNAME"} {
		if h.getenv(k) != "" {
			return false
		}
	}
	return true
}

// Drain waits for slash commands still running in the background (call it
// after the server has stopped accepting requests).
func (h *Handler) Drain() { h.background.Wait() }

// statusOf is the HTTP status of a request that could not run.
func statusOf(err error) int {
	if errkind.KindOf(err) == errkind.PermissionDenied {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// reportStatus: 200 when every target started, 503 when what failed may
// succeed on a retry, 502 when a cloud refused for good.
func reportStatus(rep core.Report) int {
	switch {
	case rep.OK():
		return http.StatusOK
	case rep.Retryable():
		return http.StatusServiceUnavailable
	}
	return http.StatusBadGateway
}

// ServeHTTP adapts net/http to HandleHTTP (the long-running server:
// functions/http, backupfn serve). FunctionGraph's X-CFF-Security-* headers
// become the Huawei credentials of the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		status := http.StatusBadRequest
		if errors.As(err, &mbe) {
			status = http.StatusRequestEntityTooLarge
			err = fmt.Errorf("body is over the %d-byte limit", MaxBody)
		}
		writeResponse(w, errorResponse(status, errkind.New(errkind.InvalidArgument, "reading the body: %v", err)))
		return
	}
	ctx := req.Context()
	// FunctionGraph's gateway sets these from the function's agency; elsewhere
	// they would be a caller's own keys, so they count only on FunctionGraph.
	if ak, sk := req.Header.Get("X-CFF-Security-Access-Key"), req.Header.Get("X-CFF-Security-Secret-Key"); ak != "" && sk != "" && h.getenv("RUNTIME_FUNC_NAME") != "" {
		ctx = providers.WithCredentials(ctx, providers.Huawei, providers.Credentials{ID: ak, Secret: sk, Token: req.Header.Get("X-CFF-Security-Token")})
	}
	r := &events.HTTPRequest{Method: req.Method, Path: req.URL.Path, Header: req.Header, Query: req.URL.Query(),
		Body: body, SourceIP: req.RemoteAddr, RequestID: req.Header.Get("X-CFF-Request-Id")}
	writeResponse(w, h.HandleHTTP(ctx, r, h.longRunning()))
}

func writeResponse(w http.ResponseWriter, r Response) {
	w.Header().Set("Content-Type", r.ContentType)
	w.WriteHeader(r.Status)
	_, _ = w.Write(r.Body)
}

// slackCommand answers a slash command. With async it acknowledges at once
// and posts the result to response_url; otherwise the result is the answer.
func (h *Handler) slackCommand(ctx context.Context, ev events.Event, responseURL string, async bool) Response {
	switch {
	case len(ev.Messages) == 0: // Slack's ssl_check ping
		return Response{Status: http.StatusOK, ContentType: "text/plain"}
	case ev.Messages[0].Err != nil:
		msg := ev.Messages[0].Err.Error() + "\n" + events.SlackUsage
		return jsonResponse(http.StatusOK, map[string]string{"response_type": "ephemeral", "text": msg})
	}
	m := ev.Messages[0]
	if !async || responseURL == "" {
		// A serverless platform stops work after the response, and Slack
		// waits 3 s: start what fits in SlackBudget, report the rest pending.
		ctx, cancel := context.WithTimeout(ctx, SlackBudget)
		defer cancel()
		rep, err := h.run(ctx, m.Trigger, 500*time.Millisecond)
		return jsonResponse(http.StatusOK, slackMessage(h.slackText(m.Trigger, rep, err)))
	}
	h.background.Add(1)
	go func() {
		defer h.background.Done()
		// The request's context ends with the acknowledgement: run detached.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
		defer cancel()
		rep, err := h.Run(ctx, m.Trigger)
		_ = chat.PostSlackResponse(ctx, h.client(), responseURL, h.slackText(m.Trigger, rep, err))
	}()
	return jsonResponse(http.StatusOK, slackMessage(fmt.Sprintf("Starting backups of %s…", describe(m.Trigger))))
}

// SlackBudget is how long a synchronous slash command may run: Slack
// drops answers after 3 s.
const SlackBudget = 2500 * time.Millisecond

func slackMessage(text string) map[string]string {
	return map[string]string{"response_type": "in_channel", "text": text}
}

func describe(t core.Trigger) string {
	var parts []string
	for _, g := range t.Groups {
		parts = append(parts, "group "+g)
	}
	parts = append(parts, t.Targets...)
	return strings.Join(parts, ", ")
}

// slackText renders a run as the chat sinks do, or says why it did not run.
func (h *Handler) slackText(t core.Trigger, rep core.Report, err error) string {
	if err != nil {
		return fmt.Sprintf("Backup of %s not started: %s", describe(t), errorBody(err)["error"].(map[string]string)["message"])
	}
	return chat.Text(sinks.NewEvents(h.Source, t, rep, h.now()))
}

// HTTPRequest is events.HTTPRequest, re-exported for callers of HandleHTTP.
type HTTPRequest = events.HTTPRequest
