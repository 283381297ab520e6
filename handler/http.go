package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
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
	rt, resp, ok := h.precheck(r.Method, r.Path, r.Header, int64(len(r.Body)))
	if !ok || rt == "/healthz" {
		return resp
	}
	auth, err := h.authenticate(rt, r)
	if err != nil {
		return unauthorized(err)
	}
	return h.serve(ctx, rt, r, auth, async)
}

// precheck routes a request and refuses what needs no body to refuse: an
// unknown route, a wrong method, a declared size over MaxBody, a missing,
// garbled or stale signature. ok false: resp is the answer; rt "/healthz":
// resp is its answer.
func (h *Handler) precheck(method, path string, header http.Header, size int64) (rt string, resp Response, ok bool) {
	rt = route(path)
	switch {
	case rt == "/healthz" || rt == "":
		if method != http.MethodGet && method != http.MethodHead {
			return rt, errorResponse(http.StatusMethodNotAllowed, errkind.New(errkind.InvalidArgument, "use GET /healthz")), false
		}
		return "/healthz", jsonResponse(http.StatusOK, map[string]string{"status": "ok"}), true
	case rt != "/v1/backups" && rt != "/v1/events" && rt != "/v1/slack/command":
		return rt, errorResponse(http.StatusNotFound, errkind.New(errkind.NotFound, "no route %s: want POST /v1/backups, /v1/events, /v1/slack/command or GET /healthz", rt)), false
	case method != http.MethodPost:
		return rt, errorResponse(http.StatusMethodNotAllowed, errkind.New(errkind.InvalidArgument, "%s %s: use POST", method, rt)), false
	case size > MaxBody:
		return rt, tooLarge(size), false
	}
	var err error
	if rt == "/v1/slack/command" {
		err = signature.PrecheckSlack(h.slack, header, h.now())
	} else {
		err = signature.Precheck(h.keys, header.Get(SignatureHeader), h.now())
	}
	if err != nil {
		return rt, unauthorized(err), false
	}
	return rt, Response{}, true
}

func tooLarge(size int64) Response {
	msg := fmt.Sprintf("body is over the %d-byte limit", MaxBody)
	if size > 0 {
		msg = fmt.Sprintf("body is %d bytes, over the %d-byte limit", size, MaxBody)
	}
	return errorResponse(http.StatusRequestEntityTooLarge, errkind.New(errkind.InvalidArgument, "%s", msg))
}

func unauthorized(err error) Response {
	return errorResponse(http.StatusUnauthorized, &errkind.Error{Kind: errkind.Unauthenticated, Message: errkind.MessageOf(err), Err: err})
}

// authenticated is who sent a verified request, and what its signature says.
type authenticated struct {
	caller core.Caller
	sig    signature.Verified // webhook routes only
}

// authenticate checks the request's signature and that it was not seen
// before, and returns who sent it (for the policy).
func (h *Handler) authenticate(rt string, r *events.HTTPRequest) (authenticated, error) {
	var a authenticated
	var seen string
	if rt == "/v1/slack/command" {
		if err := VerifySlack(h.slack, r.Header, r.Body, h.now()); err != nil {
			return a, err
		}
		seen = "slack:" + r.Header.Get("X-Slack-Signature")
		if cmd, err := events.ParseSlashCommand(r.Body); err == nil {
			a.caller.Team, a.caller.Channel, a.caller.User = cmd.TeamID, cmd.ChannelID, cmd.UserID
		}
	} else {
		v, err := signature.VerifyRequest(h.keys, rt, r.Header, r.Body, h.now())
		if err != nil {
			return a, err
		}
		a.sig, a.caller.Key, seen = v, v.Key, v.ID
	}
	if h.replays.Seen(seen, h.now()) {
		return a, errkind.New(errkind.Unauthenticated, "this signature was already used: sign each request anew (replay refused)")
	}
	return a, nil
}

// serve decodes and runs an authenticated request.
func (h *Handler) serve(ctx context.Context, rt string, r *events.HTTPRequest, a authenticated, async bool) Response {
	ev, err := events.DecodeHTTP(r, h.Platform)
	if err != nil {
		return errorResponse(events.HTTPStatus(err), &errkind.Error{Kind: errkind.InvalidArgument, Message: err.Error(), Err: err})
	}
	for i := range ev.Messages { // who signed it, for the policy
		ev.Messages[i].Trigger.Caller = a.caller
	}
	if rt == "/v1/slack/command" {
		cmd, _ := events.ParseSlashCommand(r.Body) // decoded above: only its response_url is needed
		return h.slackCommand(ctx, ev, cmd.ResponseURL, async)
	}
	// A request that names no dedupe key gets its signature's: the same
	// signed request delivered again, to any instance sharing the store,
	// starts nothing new. (Its time stays unknown: the signature's is no
	// origin time a store-loss lookup could rely on.)
	for i := range ev.Messages {
		if t := &ev.Messages[i].Trigger; t.DedupeKey == "" {
			t.DedupeKey = a.sig.DedupeKey()
			if len(ev.Messages) > 1 {
				t.DedupeKey += fmt.Sprintf(":%d", i)
			}
		}
	}
	return h.runHTTP(ctx, ev)
}

// runHTTP runs every message of a decoded request; the answer is the report
// of `backupfn run --json` (all messages' results and sinks together).
// Before anything runs, the request must fit the Limits: at most Events
// messages and Targets target runs; a target or group an earlier message
// already names is dropped from a later one (one request backs a target up
// once).
func (h *Handler) runHTTP(ctx context.Context, ev events.Event) Response {
	if n := len(ev.Messages); n > h.Limits.Events {
		return errorResponse(http.StatusRequestEntityTooLarge, errkind.New(errkind.InvalidArgument,
			"%d events in one request: the limit is %d (BACKUPFN_MAX_EVENTS); nothing was started", n, h.Limits.Events))
	}
	for _, m := range ev.Messages {
		if m.Err != nil {
			return errorResponse(http.StatusBadRequest, &errkind.Error{Kind: errkind.InvalidArgument, Message: m.Err.Error(), Err: m.Err})
		}
	}
	trigs, runs, err := h.collapse(ev.Messages)
	if err != nil {
		return errorResponse(http.StatusBadRequest, err)
	}
	if runs > h.Limits.Targets {
		return errorResponse(http.StatusRequestEntityTooLarge, errkind.New(errkind.InvalidArgument,
			"the request names %d target runs (groups count their members): the limit is %d (BACKUPFN_MAX_TARGETS); nothing was started", runs, h.Limits.Targets))
	}
	all := core.Report{Results: []core.Result{}}
	for _, trig := range trigs {
		rep, err := h.Run(ctx, trig)
		if err != nil {
			return errorResponse(statusOf(err), err)
		}
		all.Results = append(all.Results, rep.Results...)
		all.Sinks = append(all.Sinks, rep.Sinks...)
	}
	return jsonResponse(reportStatus(all), all)
}

// collapse returns the messages' triggers with every target and group an
// earlier one names (a target also through a group's members) dropped, the
// triggers left with nothing dropped, and how many target runs the rest
// make (each target once per trigger, a group as its members). A group that
// holds a target an earlier message named cannot be cut (its members run
// under the group's name and policy): such a request is refused before
// anything starts, since running it would back that target up twice.
func (h *Handler) collapse(msgs []events.Message) ([]core.Trigger, int, error) {
	named := map[string]bool{} // targets named so far, directly or as a group's member
	groups := map[string]bool{}
	var out []core.Trigger
	runs := 0
	for _, m := range msgs {
		t := m.Trigger
		mine := map[string]bool{} // this trigger's runs
		var ts, gs []string
		for _, g := range t.Groups {
			if groups[g] {
				continue
			}
			groups[g] = true
			gs = append(gs, g)
			for _, name := range h.groupMembers(g) {
				if named[name] {
					return nil, 0, errkind.New(errkind.InvalidArgument,
						"group %q holds target %q, which an earlier event of this request names: it would be backed up twice; name each target once per request (nothing was started)", g, name)
				}
				mine[name] = true
			}
		}
		for _, x := range t.Targets {
			if named[x] || slices.Contains(ts, x) {
				continue
			}
			ts = append(ts, x)
			mine[x] = true
		}
		for x := range mine {
			named[x] = true
		}
		if len(ts)+len(gs) == 0 {
			continue // everything it names runs in an earlier message
		}
		t.Targets, t.Groups = ts, gs
		runs += len(mine)
		out = append(out, t)
	}
	return out, runs, nil
}

// groupMembers is a config group's target names (none if unknown: the
// run will say so).
func (h *Handler) groupMembers(g string) []string {
	if h.Config == nil {
		return nil
	}
	return h.Config.Groups[g]
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
	rt, resp, ok := h.precheck(req.Method, req.URL.Path, req.Header, req.ContentLength)
	if !ok || rt == "/healthz" {
		writeResponse(w, resp)
		return
	}
	// Until its signature is verified, a request is anyone's: only
	// Limits.Bodies of them are read (up to MaxBody each) at once.
	if !h.acquire() {
		w.Header().Set("Retry-After", "1")
		writeResponse(w, errorResponse(http.StatusServiceUnavailable, errkind.New(errkind.Unavailable,
			"too many requests are being authenticated at once (%d, BACKUPFN_MAX_PENDING_BODIES): retry", h.Limits.Bodies)))
		return
	}
	released := false
	release := func() {
		if !released {
			released = true
			h.release()
		}
	}
	defer release() // also if authenticate panics (net/http recovers it): no slot leaks
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxBody))
	if err != nil {
		release()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeResponse(w, tooLarge(0))
			return
		}
		writeResponse(w, errorResponse(http.StatusBadRequest, errkind.New(errkind.InvalidArgument, "reading the body: %v", err)))
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
	auth, err := h.authenticate(rt, r)
	release()
	if err != nil {
		writeResponse(w, unauthorized(err))
		return
	}
	writeResponse(w, h.serve(ctx, rt, r, auth, h.longRunning()))
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
	// Acknowledge only what will run: the policy and the names are checked
	// first (a dry run: no store, no cloud, nothing published), so a refusal
	// is the answer, not a "Starting…" followed by one.
	trig := m.Trigger
	if trig.Platform == "" {
		trig.Platform = h.Platform
	}
	if rep, err := h.Service.Handle(ctx, trig, core.HandleOptions{DryRun: true}); err != nil {
		if errkind.KindOf(err) == errkind.PermissionDenied {
			h.background.Add(1)
			go func() { // the real run refuses it too, and publishes the refusal
				defer h.background.Done()
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
				defer cancel()
				_, _ = h.Run(ctx, trig)
			}()
		}
		return jsonResponse(http.StatusOK, slackMessage(h.slackText(trig, rep, err)))
	}
	h.background.Add(1)
	go func() {
		defer h.background.Done()
		// The request's context ends with the acknowledgement: run detached.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
		defer cancel()
		rep, err := h.Run(ctx, trig)
		_ = chat.PostSlackResponse(ctx, h.client(), responseURL, h.slackText(trig, rep, err))
	}()
	return jsonResponse(http.StatusOK, slackMessage(fmt.Sprintf("Starting backups of %s…", describe(trig))))
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
