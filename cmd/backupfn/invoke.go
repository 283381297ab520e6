package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/backupfn/backupfn/handler"
)

const invokeExamples = `  # an SCF timer event, through the SCF function's decoder and handler
  backupfn invoke --platform scf --event events/testdata/scf-timer.json --config backupfn.yaml

  # an SQS batch: prints {"batchItemFailures":[...]} as Lambda would get it
  backupfn invoke --platform lambda --event sqs.json

  # a webhook body, signed with $BACKUPFN_WEBHOOK_SECRET as a caller would
  echo '{"groups":["nightly"]}' | backupfn invoke --platform http --event -`

func (a *app) cmdInvoke(ctx context.Context, args []string) int {
	fs := a.newFlags("invoke", "--platform scf|fc|lambda|functiongraph|http --event FILE [--config FILE]", invokeExamples)
	platform := fs.String("platform", "", "the platform whose function to run: "+strings.Join(append(handler.Platforms(), "http"), ", "))
	eventFile := fs.String("event", "", "the event payload file, or - for stdin")
	cfgPath := fs.String("config", a.getenv("BACKUPFN_CONFIG"), "config file (default $BACKUPFN_CONFIG)")
	timeout := fs.Duration("timeout", 15*time.Minute, "the invocation's deadline, as the platform would set it")
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	if *platform == "" || *eventFile == "" {
		fmt.Fprintln(a.stderr, "backupfn invoke: want --platform and --event")
		return exitUsage
	}
	payload, err := readInput(*eventFile)
	if err != nil {
		fmt.Fprintf(a.stderr, "backupfn invoke: %v\n", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	h, code := a.newHandler(ctx, *platform, *cfgPath, "invoke")
	if h == nil {
		return code
	}
	if *platform == "http" {
		r := httpRequest(payload, a.getenv("BACKUPFN_WEBHOOK_SECRET"))
		resp := h.HandleHTTP(ctx, r, false)
		fmt.Fprintf(a.stdout, "%s", resp.Body)
		if resp.Status >= 300 {
			fmt.Fprintf(a.stderr, "backupfn invoke: HTTP %d\n", resp.Status)
			return exitFailed
		}
		return exitOK
	}
	out, err := h.Invoke(ctx, payload)
	if len(out) > 0 {
		fmt.Fprintf(a.stdout, "%s\n", out)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "backupfn invoke: the function returned an error (the platform would retry): %v\n", err)
		return exitFailed
	}
	return exitOK
}

// newHandler builds the handler a function would, from cfgPath; on failure
// it prints why and returns nil and the exit code.
func (a *app) newHandler(ctx context.Context, platform, cfgPath, cmd string) (*handler.Handler, int) {
	known := append(handler.Platforms(), "http")
	if !contains(known, platform) {
		fmt.Fprintf(a.stderr, "backupfn %s: unknown platform %q (known: %s)\n", cmd, platform, strings.Join(known, ", "))
		return nil, exitUsage
	}
	h, err := handler.New(ctx, handler.Options{Platform: platform, Getenv: a.getenv, ConfigPath: cfgPath, Log: a.stderr})
	if err != nil {
		fmt.Fprintf(a.stderr, "backupfn %s: %s\n", cmd, indent(err.Error()))
		return nil, exitUsage
	}
	return h, 0
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// httpRequest is a POST /v1/backups of body, signed with secret if given.
func httpRequest(body []byte, secret string) *handler.HTTPRequest {
	h := http.Header{"Content-Type": {"application/json"}}
	if secret != "" {
		h.Set(handler.SignatureHeader, handler.SignRequest([]byte(secret), time.Now(), "/v1/backups", h, body))
	}
	return &handler.HTTPRequest{Method: http.MethodPost, Path: "/v1/backups", Header: h, Body: body, SourceIP: "127.0.0.1"}
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, 8<<20))
	}
	b, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("event file %s does not exist", name)
	}
	return b, err
}

func (a *app) cmdServe(ctx context.Context, args []string) int {
	fs := a.newFlags("serve", "[--config FILE] [--listen ADDR]", `  BACKUPFN_WEBHOOK_SECRET=... backupfn serve --config backupfn.yaml --listen 127.0.0.1:9000`)
	cfgPath := fs.String("config", a.getenv("BACKUPFN_CONFIG"), "config file (default $BACKUPFN_CONFIG)")
	listen := fs.String("listen", handler.ListenAddr(a.getenv), "address to listen on (default $PORT, else :9000)")
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	h, code := a.newHandler(ctx, "http", *cfgPath, "serve")
	if h == nil {
		return code
	}
	srv := h.Server(*listen) // read, header and idle timeouts from BACKUPFN_READ_TIMEOUT, ...
	drained := make(chan struct{})
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		h.Drain() // slash commands still finishing in the background
		close(drained)
	}()
	fmt.Fprintf(a.stderr, "backupfn: serving POST /v1/backups, /v1/events, /v1/slack/command and GET /healthz on %s\n", *listen)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(a.stderr, "backupfn serve: %v\n", err)
		return exitFailed
	}
	<-drained
	return exitOK
}
