package sinks_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/backupfn/backupfn/sinks"
	"github.com/backupfn/backupfn/sinks/sinktest"
)

func TestLogSink(t *testing.T) {
	var buf bytes.Buffer
	s := sinks.NewLog(&buf)
	evs := sinktest.SampleEvents()
	if err := s.Publish(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	i := 0
	for ; sc.Scan(); i++ {
		var line struct {
			Msg   string      `json:"msg"`
			Level string      `json:"level"`
			Event sinks.Event `json:"event"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		if line.Msg != evs[i].Type || line.Event.ID != evs[i].ID || line.Event.SpecVersion != "1.0" {
			t.Fatalf("line %d = %+v, want event %+v", i, line, evs[i])
		}
		if evs[i].Type == sinks.TypeFailed && line.Level != "WARN" {
			t.Fatalf("a failed event logs at %s, want WARN", line.Level)
		}
	}
	if i != len(evs) {
		t.Fatalf("%d lines, want one per event (%d)", i, len(evs))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Publish(ctx, evs); err == nil {
		t.Fatal("Publish with a canceled context succeeded")
	}
}

func TestNewEvents(t *testing.T) {
	evs := sinktest.SampleEvents()
	if len(evs) != 4 {
		t.Fatalf("%d events, want 3 results + run.finished", len(evs))
	}
	want := []string{sinks.TypeStarted, sinks.TypeStarted, sinks.TypeFailed, sinks.TypeRunFinished}
	ids := map[string]bool{}
	for i, e := range evs {
		if e.Type != want[i] || e.SpecVersion != "1.0" || e.Source != "backupfn/test" || ids[e.ID] {
			t.Fatalf("event %d = %+v", i, e)
		}
		ids[e.ID] = true
	}
	if evs[0].Subject != "tencent-redis://ap-guangzhou/crs-5a4py64p" || evs[0].Data.TaskIDs[0] != "6954227" || evs[0].Data.Trigger.DedupeKey == "" {
		t.Fatalf("started event = %+v", evs[0])
	}
	if evs[2].Data.Error == nil || evs[2].Data.Error.Code != "DCS.4086" {
		t.Fatalf("failed event = %+v", evs[2])
	}
	if c := evs[3].Data.Counts; c["started"] != 1 || c["already-started"] != 1 || c["failed"] != 1 {
		t.Fatalf("run.finished counts = %v", c)
	}
}
