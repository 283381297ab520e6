// Package sinks publishes backup results as CloudEvents 1.0 (JSON): to the
// function's log, webhooks, Kafka and chat. Publishing is half of the
// mission: pipelines wait for the task ID, chat users want to see it.
//
// A Sink is small: Publish a batch of events, or fail. The Publisher runs
// every sink after the backups have finished, retries a failing one with
// backoff, and reports which sinks failed without stopping the others.
// sinks/all builds the configured sinks from the config's sinks: section.
package sinks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
)

// Event types.
const (
	TypeStarted     = "com.backupfn.backup.started"   // started now, or by an earlier delivery
	TypeFailed      = "com.backupfn.backup.failed"    // did not start (or the task failed)
	TypeCompleted   = "com.backupfn.backup.completed" // the backup task finished
	TypeRunFinished = "com.backupfn.run.finished"     // one per run: the summary
)

// Event is a CloudEvents 1.0 event in its JSON form.
type Event struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Subject         string    `json:"subject,omitempty"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            Data      `json:"data"`
}

// Data is an event's payload: one report entry (backup.* events) or the
// run's summary (run.finished), with what triggered it.
type Data struct {
	Target    string          `json:"target,omitempty"`
	Name      string          `json:"name,omitempty"`
	Provider  string          `json:"provider,omitempty"`
	Region    string          `json:"region,omitempty"`
	Instance  string          `json:"instance,omitempty"`
	Status    core.Status     `json:"status,omitempty"`
	TaskIDs   []string        `json:"task_ids,omitempty"`
	RequestID string          `json:"request_id,omitempty"`
	Error     *core.ErrorInfo `json:"error,omitempty"`
	TaskState string          `json:"task_state,omitempty"`
	Trigger   TriggerInfo     `json:"trigger"`
	// run.finished only:
	Counts  map[core.Status]int `json:"counts,omitempty"`
	Results []core.Result       `json:"results,omitempty"`
}

// TriggerInfo says what started the run.
type TriggerInfo struct {
	Platform  string      `json:"platform,omitempty"`
	Source    core.Source `json:"source,omitempty"`
	DedupeKey string      `json:"dedupe_key,omitempty"`
	Requester string      `json:"requester,omitempty"`
}

// Sink publishes events somewhere.
type Sink interface {
	// Name identifies the sink in reports and logs; it MUST hold no secret
	// (e.g. "webhook https://hooks.example.com", not the full URL with a token).
	Name() string
	// Publish delivers the events of one run, in order. It MUST be safe to
	// call again with the same events after an error (at-least-once).
	Publish(ctx context.Context, evs []Event) error
	// Close releases connections.
	Close() error
}

// NewEvents turns a run's report into events: one backup.started or
// backup.failed per result, then one run.finished. source is the function's
// identity, e.g. "backupfn/scf/nightly-backup".
func NewEvents(source string, trig core.Trigger, rep core.Report, now time.Time) []Event {
	ti := TriggerInfo{Platform: trig.Platform, Source: trig.Source, DedupeKey: trig.DedupeKey, Requester: trig.Requester}
	evs := make([]Event, 0, len(rep.Results)+1)
	for _, r := range rep.Results {
		typ := TypeStarted
		if r.Status != core.StatusStarted && r.Status != core.StatusAlreadyStarted {
			typ = TypeFailed
		}
		evs = append(evs, newEvent(source, typ, r.Target, now, ResultData(r, ti)))
	}
	evs = append(evs, newEvent(source, TypeRunFinished, "", now, Data{Trigger: ti, Counts: rep.Counts(), Results: rep.Results}))
	return evs
}

// NewCompletionEvents turns results followed by Service.Wait into one
// backup.completed or backup.failed event each (results still running or
// never started give none).
func NewCompletionEvents(source string, trig core.Trigger, rep core.Report, now time.Time) []Event {
	ti := TriggerInfo{Platform: trig.Platform, Source: trig.Source, DedupeKey: trig.DedupeKey, Requester: trig.Requester}
	var evs []Event
	for _, r := range rep.Results {
		switch r.TaskState {
		case core.TaskDone:
			evs = append(evs, newEvent(source, TypeCompleted, r.Target, now, ResultData(r, ti)))
		case core.TaskFailed:
			evs = append(evs, newEvent(source, TypeFailed, r.Target, now, ResultData(r, ti)))
		}
	}
	return evs
}

// ResultData is the data of a backup.* event for one result.
func ResultData(r core.Result, ti TriggerInfo) Data {
	return Data{Target: r.Target, Name: r.Name, Provider: r.Provider, Region: r.Region, Instance: r.Instance,
		Status: r.Status, TaskIDs: r.TaskIDs, RequestID: r.RequestID, Error: r.Error, TaskState: r.TaskState, Trigger: ti}
}

func newEvent(source, typ, subject string, now time.Time, d Data) Event {
	return Event{SpecVersion: "1.0", ID: newID(), Source: source, Type: typ, Subject: subject,
		Time: now.UTC(), DataContentType: "application/json", Data: d}
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ConfigError is a bad sink configuration; Key names the offending key.
type ConfigError struct {
	Key string
	Msg string
}

func (e *ConfigError) Error() string {
	if e.Key == "" {
		return e.Msg
	}
	return e.Key + ": " + e.Msg
}

// badConfig returns a *ConfigError.
func badConfig(key, format string, args ...any) error {
	return &ConfigError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Permanent marks an error a retry cannot fix (e.g. a 4xx answer).
func Permanent(err error) error {
	return &errkind.Error{Kind: errkind.InvalidArgument, Message: err.Error(), Err: err}
}

func isPermanent(err error) bool { return errkind.KindOf(err) == errkind.InvalidArgument }
