// Command http is backupfn as a plain HTTP server: for Huawei FunctionGraph
// HTTP functions, SCF web functions, FC custom runtimes, Knative or a VM.
//
//	POST /v1/backups        {"targets":[...],"groups":[...]}, signed with X-Backupfn-Signature
//	POST /v1/events         a CloudEvent (structured or binary), signed the same way
//	POST /v1/slack/command  a Slack slash command, signed by Slack
//	GET  /healthz
//
// It listens on $PORT, else 8000 on FunctionGraph, else 9000. A client has
// BACKUPFN_READ_TIMEOUT (30s) to send its whole request; idle connections
// close after BACKUPFN_IDLE_TIMEOUT (60s).
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/backupfn/backupfn/handler"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h, err := handler.New(ctx, handler.Options{Platform: "http"})
	if err != nil {
		slog.Error("backupfn: cannot start", "error", err.Error())
		os.Exit(1)
	}
	// Read, header and idle timeouts from h.Limits (BACKUPFN_READ_TIMEOUT, ...).
	srv := h.Server(handler.ListenAddr(os.Getenv))
	drained := make(chan struct{})
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		h.Drain() // slash commands still finishing in the background
		close(drained)
	}()
	slog.Info("backupfn: listening", "addr", srv.Addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		slog.Error("backupfn: server failed", "error", err.Error())
		os.Exit(1)
	}
	<-drained
}
