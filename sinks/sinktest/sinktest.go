// Package sinktest is the conformance suite every sink runs. A sink's test
// writes only a Harness: how to build the sink against a local receiver,
// how to check what the receiver got, and a sink whose receiver refuses.
package sinktest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/sinks"
)

// Harness describes one sink to the suite.
type Harness struct {
	// New returns a sink publishing to a local receiver, and a check that
	// the receiver got exactly evs (in order), failing t otherwise.
	New func(t *testing.T) (sinks.Sink, func(t *testing.T, evs []sinks.Event))
	// NewFailing returns a sink whose receiver refuses every delivery.
	NewFailing func(t *testing.T) sinks.Sink
	// Secrets are values (tokens, passwords, signing keys) that must never
	// appear in the sink's Name or errors.
	Secrets []string
}

// SampleReport is a run with a started, an already-started and a failed target.
func SampleReport() (core.Trigger, core.Report) {
	trig := core.Trigger{Platform: "scf", Source: core.SourceTimer, DedupeKey: "scf-timer:nightly:2026-11-26T02:00:00Z", Requester: "timer:nightly"}
	rep := core.Report{Results: []core.Result{
		{Target: "tencent-redis://ap-guangzhou/crs-5a4py64p", Name: "orders-redis", Provider: "tencent-redis", Region: "ap-guangzhou",
			Instance: "crs-5a4py64p", Status: core.StatusStarted, TaskIDs: []string{"6954227"}, RequestID: "req-1", Attempts: 1},
		{Target: "alibaba-redis://cn-hangzhou/r-bp1zxszhcgatnx", Name: "sessions-redis", Provider: "alibaba-redis", Region: "cn-hangzhou",
			Instance: "r-bp1zxszhcgatnx", Status: core.StatusAlreadyStarted, TaskIDs: []string{"1022", "2480"}, RequestID: "req-2"},
		{Target: "huawei-dcs://cn-north-4/dcs-single-7b9d", Name: "cart-cache", Provider: "huawei-dcs", Region: "cn-north-4",
			Instance: "dcs-single-7b9d", Status: core.StatusFailed, TaskIDs: []string{}, RequestID: "req-3",
			Error: &core.ErrorInfo{Kind: errkind.Unsupported, Code: "DCS.4086", Message: "only master/standby instances can be backed up"}},
	}}
	return trig, rep
}

// SampleEvents are the events of SampleReport.
func SampleEvents() []sinks.Event {
	trig, rep := SampleReport()
	return sinks.NewEvents("backupfn/test", trig, rep, time.Date(2026, 11, 26, 2, 0, 1, 0, time.UTC))
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	t.Run("PublishesEveryEvent", func(t *testing.T) {
		s, check := h.New(t)
		defer s.Close()
		evs := SampleEvents()
		if err := s.Publish(context.Background(), evs); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		check(t, evs)
	})
	t.Run("RepublishIsAccepted", func(t *testing.T) {
		s, check := h.New(t)
		defer s.Close()
		evs := SampleEvents()[:1]
		for i := 0; i < 2; i++ {
			if err := s.Publish(context.Background(), evs); err != nil {
				t.Fatalf("Publish #%d: %v", i+1, err)
			}
		}
		check(t, append(evs, evs...))
	})
	t.Run("RefusedDeliveryIsAnError", func(t *testing.T) {
		s := h.NewFailing(t)
		defer s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := s.Publish(ctx, SampleEvents())
		if err == nil {
			t.Fatal("Publish to a refusing receiver succeeded")
		}
		h.noSecrets(t, "error", err.Error())
	})
	t.Run("CanceledContext", func(t *testing.T) {
		s, _ := h.New(t)
		defer s.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		if err := s.Publish(ctx, SampleEvents()); err == nil {
			t.Fatal("Publish with a canceled context succeeded")
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Publish took %s to notice the canceled context", d)
		}
	})
	t.Run("NameHoldsNoSecret", func(t *testing.T) {
		s, _ := h.New(t)
		defer s.Close()
		if s.Name() == "" {
			t.Fatal("empty Name")
		}
		h.noSecrets(t, "Name", s.Name())
	})
}

func (h Harness) noSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range h.Secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Fatalf("%s %q carries a secret", what, s)
		}
	}
}
