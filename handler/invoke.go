package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/events"
)

// decoders are the platform payload decoders, by platform name.
var decoders = map[string]func([]byte) (events.Event, error){
	"scf":           events.DecodeSCF,
	"fc":            events.DecodeFC,
	"lambda":        events.DecodeLambda,
	"functiongraph": events.DecodeFunctionGraph,
}

// Platforms lists the platforms Invoke accepts.
func Platforms() []string { return []string{"scf", "fc", "lambda", "functiongraph"} }

// Invoke handles one invocation payload of h.Platform, the way that
// platform's function does, and returns the platform-shaped response:
//
//   - an API gateway / HTTP trigger event: the gateway's response JSON, with
//     the request authenticated exactly as the HTTP server does;
//   - a Lambda SQS batch: {"batchItemFailures":[...]} naming exactly the
//     messages to redeliver (retryable failures) or dead-letter (malformed);
//   - anything else: the report JSON, and an error when a redelivery could
//     finish what this run did not, so the platform (or queue) retries; the
//     idempotency store makes the retry start only what is left.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	decode, ok := decoders[h.Platform]
	if !ok {
		return nil, fmt.Errorf("unknown platform %q (known: %s)", h.Platform, strings.Join(Platforms(), ", "))
	}
	ev, err := decode(payload)
	if err != nil {
		return nil, err
	}
	if ev.HTTP != nil {
		r := h.HandleHTTP(ctx, ev.HTTP, false)
		return events.HTTPResponse(ev.Kind, r.Status, r.Body, r.ContentType)
	}
	outs := h.RunEvent(ctx, ev)
	if ev.Kind == events.KindLambdaSQS {
		return json.Marshal(batchResponse(outs))
	}
	return respond(outs)
}

// RunEvent runs every message of a decoded event, each on its own, so one
// bad message does not stop the others.
func (h *Handler) RunEvent(ctx context.Context, ev events.Event) []Outcome {
	outs := make([]Outcome, len(ev.Messages))
	for i, m := range ev.Messages {
		if m.Err != nil {
			outs[i] = Outcome{ID: m.ID, Report: core.Report{Results: []core.Result{}}, Err: m.Err}
			continue
		}
		rep, err := h.Run(ctx, m.Trigger)
		outs[i] = h.outcome(m.ID, rep, err)
	}
	return outs
}

type batchItemFailure struct {
	ItemIdentifier string `json:"itemIdentifier"`
}

// batchResponse is Lambda's SQSEventResponse: the messages that failed and
// should come back (retryable) or go to the dead-letter queue after their
// receives run out (undecodable, unknown target, refused by the cloud).
func batchResponse(outs []Outcome) map[string][]batchItemFailure {
	fails := []batchItemFailure{}
	for _, o := range outs {
		if o.Failed() {
			fails = append(fails, batchItemFailure{ItemIdentifier: o.ID})
		}
	}
	return map[string][]batchItemFailure{"batchItemFailures": fails}
}

// invokeResponse is the JSON answer to a non-HTTP invocation.
type invokeResponse struct {
	Results  []core.Result     `json:"results"`
	Messages []messageSummary  `json:"messages,omitempty"`
	Sinks    []core.SinkStatus `json:"sinks,omitempty"`
}

type messageSummary struct {
	ID    string            `json:"id,omitempty"`
	Error map[string]string `json:"error,omitempty"`
	Retry bool              `json:"retry"`
}

func respond(outs []Outcome) ([]byte, error) {
	resp := invokeResponse{Results: []core.Result{}}
	var retry []string
	for _, o := range outs {
		resp.Results = append(resp.Results, o.Report.Results...)
		resp.Sinks = append(resp.Sinks, o.Report.Sinks...)
		s := messageSummary{ID: o.ID, Retry: o.Retry}
		if o.Err != nil {
			s.Error = errorBody(o.Err)["error"].(map[string]string)
		}
		resp.Messages = append(resp.Messages, s)
		if o.Retry {
			retry = append(retry, pendingSummary(o))
		}
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	if len(retry) > 0 {
		return b, &errkind.Error{Kind: errkind.Unavailable, Message: "not finished, deliver again: " + strings.Join(retry, "; ")}
	}
	return b, nil
}

func pendingSummary(o Outcome) string {
	var names []string
	for _, r := range o.Report.Results {
		if r.Status == core.StatusPending || r.Status == core.StatusFailed {
			names = append(names, fmt.Sprintf("%s %s", r.Target, r.Status))
		}
	}
	return strings.Join(names, ", ")
}
