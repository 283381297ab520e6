// Package core turns a trigger into backups: it resolves what to back up,
// starts each backup through its provider with bounded concurrency and
// retries, and returns a Report with one entry per target.
//
// core imports no cloud SDK and no platform library (a test enforces it):
// providers do the cloud calls, entrypoints adapt the platforms.
package core

import (
	"errors"
	"time"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// Source is the kind of trigger.
type Source string

// Trigger sources.
const (
	SourceTimer Source = "timer"
	SourceQueue Source = "queue"
	SourceHTTP  Source = "http"
	SourceChat  Source = "chat"
	SourceCLI   Source = "cli"
)

// Trigger is one request to back something up, whatever platform it came from.
type Trigger struct {
	Platform  string    `json:"platform"`             // scf, fc, lambda, functiongraph, http, cli
	Source    Source    `json:"source"`               // timer, queue, http, chat, cli
	DedupeKey string    `json:"dedupe_key,omitempty"` // same key + same target = same backup
	Targets   []string  `json:"targets,omitempty"`    // target names (from the config) or URLs
	Groups    []string  `json:"groups,omitempty"`     // group names from the config
	Remark    string    `json:"remark,omitempty"`     // overrides the targets' remark
	Requester string    `json:"requester,omitempty"`  // who asked (user, queue, schedule)
	Time      time.Time `json:"time,omitzero"`        // when it fired; zero = now
	// Caller is who sent it, as the entrypoint authenticated them: what the
	// policy's rules match besides Source. Never taken from a payload.
	Caller Caller `json:"-"`
}

// Caller identifies an authenticated sender: the webhook key ID that signed
// the request, or the Slack team, channel and user of a slash command.
type Caller struct {
	Key                 string
	Team, Channel, User string
}

// Job is one resolved target to back up.
type Job struct {
	Name   string // the config's name for it, or "" for a URL given directly
	Target providers.Target
}

// Status is a result's outcome.
type Status string

// Result statuses.
const (
	StatusStarted        Status = "started"         // this run started the backup
	StatusAlreadyStarted Status = "already-started" // a previous delivery of the same trigger did
	StatusFailed         Status = "failed"          // it did not start; Error says why
	StatusSkipped        Status = "skipped"         // not attempted (e.g. dry run)
	StatusPending        Status = "pending"         // not attempted before the deadline; retry the trigger
)

// ErrorInfo is the printable part of an error.
type ErrorInfo struct {
	Kind    errkind.Kind `json:"kind"`
	Code    string       `json:"code,omitempty"`
	Message string       `json:"message"`
}

// Result is one target's outcome.
type Result struct {
	Target     string     `json:"target"`
	Name       string     `json:"name,omitempty"`
	Provider   string     `json:"provider"`
	Region     string     `json:"region"`
	Instance   string     `json:"instance"`
	Status     Status     `json:"status"`
	TaskIDs    []string   `json:"task_ids"`
	JobIDs     []string   `json:"job_ids,omitempty"` // the cloud's job IDs beside the task IDs (Huawei RDS job_id)
	RequestID  string     `json:"request_id"`
	Error      *ErrorInfo `json:"error"`
	Attempts   int        `json:"attempts"`
	StartedAt  time.Time  `json:"started_at,omitzero"`
	DurationMS int64      `json:"duration_ms"`
	// TaskState is set by Service.Wait: running, done or failed.
	TaskState string `json:"task_state,omitempty"`
}

// Report is the outcome of one trigger.
type Report struct {
	Results []Result `json:"results"`
	// Sinks says where the results were published, and what failed.
	Sinks []SinkStatus `json:"sinks,omitempty"`
}

// SinkStatus is one sink's publishing outcome for a run.
type SinkStatus struct {
	Sink     string `json:"sink"`
	OK       bool   `json:"ok"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error,omitempty"`
}

// Counts returns how many results have each status.
func (r Report) Counts() map[Status]int {
	c := map[Status]int{}
	for _, x := range r.Results {
		c[x.Status]++
	}
	return c
}

// OK reports whether every target was started (now or by an earlier delivery).
func (r Report) OK() bool {
	for _, x := range r.Results {
		if x.Status != StatusStarted && x.Status != StatusAlreadyStarted {
			return false
		}
	}
	return true
}

// Retryable reports whether delivering the trigger again could finish work
// this run did not: some result is pending or failed with a retryable kind.
func (r Report) Retryable() bool {
	for _, x := range r.Results {
		if x.Status == StatusPending || (x.Status == StatusFailed && x.Error != nil &&
			(errkind.Retryable(x.Error.Kind) || errkind.Ambiguous(x.Error.Kind))) {
			return true
		}
	}
	return false
}

func errorInfo(err error) *ErrorInfo {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var e *errkind.Error
	if errors.As(err, &e) && e.Message != "" {
		msg = e.Message
	}
	return &ErrorInfo{Kind: errkind.KindOf(err), Code: errkind.CodeOf(err), Message: msg}
}
