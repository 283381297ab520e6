// Package providers defines the small Provider interface that each cloud
// backup API implements, the Target URL form, credentials resolution and the
// Registry that maps a URL scheme to its provider.
//
// Each provider lives in its own package and calls its cloud through the
// cloud's official Go SDK. providers/all holds the explicit list.
package providers

import (
	"context"
	"net/http"
	"time"
)

// Provider starts and inspects manual backups through one cloud API.
//
// Every error a method returns is classified (errkind.KindOf) and keeps the
// SDK error reachable with errors.As; a cloud's answer is an *errkind.Error
// with the cloud's code and request ID, mapped once by the provider's
// ErrorTable, with no credentials in its text. The contract, which the
// conformance suite (providers/providertest) checks for every provider:
//
//   - bad options → InvalidArgument, before any request;
//   - no credentials → Unauthenticated, before any request; a wrong secret
//     or STS token → Unauthenticated;
//   - throttled by the cloud → Throttled;
//   - a server-side internal error (5xx, InternalError and the like) →
//     Unknown: ambiguous, the call may have been applied;
//   - the caller canceled → Canceled, and nothing is sent if ctx is done
//     before the call;
//   - the caller's deadline, or the provider's own per-call timeout
//     (Config.Timeout), passed → DeadlineExceeded, at once; nothing is sent
//     past the deadline.
//
// Each method adds its own cases below.
type Provider interface {
	// Scheme is the target URL scheme this provider serves, e.g. "tencent-redis".
	Scheme() string
	// Validate checks a target's options as the API documents them, without
	// any network call: nil, or InvalidArgument naming the option.
	Validate(t Target) error
	// StartBackup starts one manual backup and returns its task ID(s) (at
	// least one) and the cloud's request ID. It validates t first (bad
	// options → InvalidArgument, no request). An unknown instance → NotFound;
	// an instance locked by another flow, e.g. a backup already running →
	// Busy; an instance that cannot be backed up this way (DCS single-node,
	// RDS read replica) → Unsupported; a connection reset, or the answer
	// lost after the request was sent → Unknown. A failed call starts no
	// backup, except an ambiguous one (Unknown, DeadlineExceeded, Canceled
	// after the request was sent), which FindStarted can then find.
	StartBackup(ctx context.Context, t Target, o StartOptions) (Started, error)
	// Status returns the state of a task started by StartBackup, with the
	// cloud's own status word in Detail. A task ID the cloud does not know
	// for t → NotFound. Throttled, Unknown, Canceled and DeadlineExceeded as
	// above.
	Status(ctx context.Context, t Target, taskID string) (TaskStatus, error)
	// FindStarted looks for a backup carrying marker started at or after since
	// (used after an ambiguous failure), never a backup the cloud's own
	// schedule started. Nothing found → ok false and a nil error; found → ok
	// and task IDs Status accepts. An unknown instance → NotFound. Throttled,
	// Unknown, Canceled and DeadlineExceeded as above: an error never means
	// "none".
	FindStarted(ctx context.Context, t Target, marker string, since time.Time) (s Started, ok bool, err error)
}

// StartOptions are per-call inputs that do not belong to the target.
type StartOptions struct {
	// Marker is a short token derived from the trigger's dedupe key; the
	// provider puts it where FindStarted can find it (remark or backup name).
	Marker string
	// Remark, when set, replaces the target's remark (or RDS description)
	// for this call, e.g. "before migration 42" from a chat command.
	Remark string
}

// Started is the result of a backup call.
type Started struct {
	TaskIDs []string // one or more task/backup/job IDs
	// JobIDs are the cloud's IDs for the job that makes the backup, where
	// its create answer gives one beside the backup's own ID (Huawei RDS
	// job_id); reported, never needed by Status.
	JobIDs    []string
	RequestID string // the cloud's request ID
}

// State is a task's coarse state.
type State string

// Task states.
const (
	Running State = "running"
	Done    State = "done"
	Failed  State = "failed"
)

// TaskStatus is what Status reports.
type TaskStatus struct {
	State     State
	Detail    string // the cloud's own status word, e.g. "succeed", "BUILDING"
	Progress  int    // percent, when the cloud reports it; else 0
	RequestID string
}

// Config is what every provider constructor takes.
type Config struct {
	// Getenv reads configuration and credential variables; nil means os.Getenv.
	// It is called per request, so a platform that changes the environment
	// between invocations (SCF) is honoured.
	Getenv func(string) string
	// Endpoint overrides the cloud endpoint, e.g. "http://127.0.0.1:8787".
	// Empty means: the provider's BACKUPFN_<PROVIDER>_ENDPOINT, then
	// BACKUPFN_ENDPOINT, then the real HTTPS endpoint.
	Endpoint string
	// Timeout bounds one API call; zero means 30 seconds.
	Timeout time.Duration
}

// OptionLister is implemented by providers that can list their target
// option keys; the config loader uses it to point at a misspelt key and to
// apply default templates only where they apply. Options returns distinct,
// non-empty keys in a new slice each time (the caller may change it); a
// target with a key not listed is InvalidArgument (Validate, StartBackup).
type OptionLister interface {
	Options() []string
}

// RateLimited is implemented by providers whose backup call has a published
// rate limit: requests per second and the burst the cloud allows (e.g.
// Tencent ManualBackupInstance 20/s; Huawei RDS 60/min: 1/s, burst 60). The
// service paces calls to it per (provider, region, credentials). perSecond is
// positive, burst at least 1, and neither exceeds the published limit; a
// provider whose backup call has one implements it.
type RateLimited interface {
	RateLimit() (perSecond float64, burst int)
}

// NewTransport returns the HTTP transport providers share across calls: the
// default one, keeping up to 16 idle connections per host (the default 2
// would redial, with a TLS handshake, whenever more calls are in flight).
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	return t
}

// MarkerStorer is implemented by providers that keep StartOptions.Marker
// with the backup (a remark, a name), so FindStarted finds only the backups
// of that marker. Providers without it (Alibaba) adopt any recent job, which
// the service does only after an ambiguous failure of its own. StoresMarker
// is true exactly when FindStarted tells one marker's backups from
// another's.
type MarkerStorer interface {
	StoresMarker() bool
}
