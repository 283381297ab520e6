package sinks

import (
	"context"
	"io"
	"log/slog"
	"os"
)

// LogSink writes one JSON line per event (log/slog's JSON format) to the
// function's log, which every platform collects. It is always on.
type LogSink struct {
	log *slog.Logger
}

var _ Sink = (*LogSink)(nil)

// NewLog returns a LogSink writing to w (nil means stdout).
func NewLog(w io.Writer) *LogSink {
	if w == nil {
		w = os.Stdout
	}
	return &LogSink{log: slog.New(slog.NewJSONHandler(w, nil))}
}

// Name implements Sink.
func (s *LogSink) Name() string { return "log" }

// Publish implements Sink.
func (s *LogSink) Publish(ctx context.Context, evs []Event) error {
	for _, e := range evs {
		if err := ctx.Err(); err != nil {
			return err
		}
		level := slog.LevelInfo
		if e.Type == TypeFailed {
			level = slog.LevelWarn
		}
		s.log.LogAttrs(ctx, level, e.Type, slog.String("subject", e.Subject), slog.Any("event", e))
	}
	return nil
}

// Close implements Sink.
func (s *LogSink) Close() error { return nil }
