package cloudemu

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// FaultKind is what an injected fault does to a call.
type FaultKind int

// Fault kinds.
const (
	FaultNone     FaultKind = iota
	FaultThrottle           // answer with the cloud's throttling error
	FaultServer             // answer with the cloud's 5xx/internal error
	FaultLatency            // delay the answer by Fault.Latency
	FaultReset              // reset the connection before doing anything
	FaultLost               // do the work, then reset the connection: the response is lost
)

var faultNames = map[string]FaultKind{
	"throttle": FaultThrottle, "5xx": FaultServer, "latency": FaultLatency, "reset": FaultReset, "lost": FaultLost,
}

func (k FaultKind) String() string {
	for n, v := range faultNames {
		if v == k {
			return n
		}
	}
	return "none"
}

// Fault is one injection rule. A call matches when Provider and Action match
// ("" matches any); it then fires with Probability (0 means always) while
// Count lasts (0 means no limit).
type Fault struct {
	Kind        FaultKind
	Provider    string // scheme, e.g. "tencent-redis"; "" = any
	Action      string // e.g. "ManualBackupInstance"; "" = any
	Probability float64
	Count       int
	Latency     time.Duration // for FaultLatency
}

// Inject adds a fault rule.
func (e *Emulator) Inject(f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, &f)
}

// ClearFaults removes every fault rule.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = nil
}

// ParseFaults parses a fault spec: comma-separated rules
//
//	[provider[/Action]:]kind[=amount]
//
// where kind is throttle, 5xx, reset, lost or latency, and amount is a
// probability ("10%"), a count of next calls ("3x"), or for latency a
// duration optionally with a probability ("200ms", "200ms@30%"). No amount
// means every matching call. Example:
//
//	throttle=10%,5xx=5%,tencent-redis/ManualBackupInstance:lost=2x,latency=50ms@30%
func ParseFaults(spec string) ([]Fault, error) {
	var out []Fault
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		var f Fault
		rule := item
		if scope, rest, ok := strings.Cut(item, ":"); ok {
			f.Provider, f.Action, _ = strings.Cut(scope, "/")
			rule = rest
		}
		name, amount, _ := strings.Cut(rule, "=")
		kind, ok := faultNames[name]
		if !ok {
			return nil, fmt.Errorf("fault %q: unknown kind %q (known: throttle, 5xx, reset, lost, latency)", item, name)
		}
		f.Kind = kind
		if kind == FaultLatency {
			d, p, _ := strings.Cut(amount, "@")
			lat, err := time.ParseDuration(d)
			if err != nil || lat <= 0 {
				return nil, fmt.Errorf("fault %q: latency needs a duration, e.g. latency=200ms or latency=200ms@30%%", item)
			}
			f.Latency, amount = lat, p
		}
		if err := parseAmount(&f, amount); err != nil {
			return nil, fmt.Errorf("fault %q: %v", item, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func parseAmount(f *Fault, a string) error {
	switch {
	case a == "":
		return nil
	case strings.HasSuffix(a, "%"):
		p, err := strconv.ParseFloat(strings.TrimSuffix(a, "%"), 64)
		if err != nil || p <= 0 || p > 100 {
			return fmt.Errorf("probability %q: want a percentage in (0, 100]", a)
		}
		f.Probability = p / 100
	case strings.HasSuffix(a, "x"):
		n, err := strconv.Atoi(strings.TrimSuffix(a, "x"))
		if err != nil || n <= 0 {
			return fmt.Errorf("count %q: want a positive number of calls, e.g. 3x", a)
		}
		f.Count = n
	default:
		return fmt.Errorf("amount %q: want a percentage (10%%) or a count (3x)", a)
	}
	return nil
}

// admit applies rate limits and faults to one call before its handler runs.
// It returns the fault the handler must act on: FaultThrottle and
// FaultServer are answered in the cloud's format by the handler; FaultLost
// means do the work, then call e.lose(w, r) instead of answering; FaultReset
// has already reset the connection and the handler must return. Latency is
// served here (and cut short if the client goes away).
func (e *Emulator) admit(w http.ResponseWriter, r *http.Request, provider, action string) FaultKind {
	var chosen FaultKind
	var delay time.Duration
	e.mu.Lock()
	for _, f := range e.faults {
		if (f.Provider != "" && f.Provider != provider) || (f.Action != "" && f.Action != action) {
			continue
		}
		if f.Count < 0 || (f.Probability > 0 && e.rng.Float64() >= f.Probability) {
			continue
		}
		if f.Kind != FaultLatency && chosen != FaultNone {
			continue // another rule already fires on this call; keep this one for later
		}
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				f.Count = -1 // used up
			}
		}
		if f.Kind == FaultLatency {
			delay += f.Latency
			e.stats["faults.latency"]++
			continue
		}
		if chosen == FaultNone {
			chosen = f.Kind
			e.stats["faults."+f.Kind.String()]++
		}
	}
	lim := e.limiter(provider, action)
	e.mu.Unlock()

	if delay > 0 {
		sleepCtx(r.Context(), delay)
	}
	if chosen == FaultNone && lim != nil && !lim.Allow() {
		e.mu.Lock()
		e.stats["ratelimited."+provider+"."+action]++
		e.mu.Unlock()
		return FaultThrottle
	}
	if chosen == FaultReset {
		e.record(provider, action, "reset")
		e.lose(w, r)
	}
	return chosen
}

// limiter returns the rate limiter for a call, or nil. e.mu must be held.
func (e *Emulator) limiter(provider, action string) *rate.Limiter {
	key := provider + "/" + action
	if l, ok := e.limiters[key]; ok {
		return l
	}
	perSec, ok := e.opts.Rates[key]
	if !ok && isStartAction(action) {
		perSec, ok = e.opts.Rates[provider]
		if !ok {
			perSec, ok = DefaultRates[provider]
		}
	}
	var l *rate.Limiter
	if ok && perSec > 0 {
		l = rate.NewLimiter(rate.Limit(perSec), burstOf(provider, perSec))
	}
	e.limiters[key] = l
	return l
}

// burstOf is the burst the emulator allows at perSec: one second's worth,
// or for a Huawei RDS per-minute limit (at most 1/s) one minute's.
func burstOf(provider string, perSec float64) int {
	burst := int(perSec)
	if provider == HuaweiRDS && perSec <= 1 {
		burst = int(perSec * 60) // a per-minute limit
	}
	return max(burst, 1)
}

// PublishedLimit is the rate limit the emulator enforces by default on a
// provider's start action (DefaultRates): requests per second and burst; ok
// is false when it enforces none. The conformance suite checks a provider's
// providers.RateLimited against it.
func PublishedLimit(provider string) (perSecond float64, burst int, ok bool) {
	perSec, ok := DefaultRates[provider]
	if !ok || perSec <= 0 {
		return 0, 0, false
	}
	return perSec, burstOf(provider, perSec), true
}

func isStartAction(a string) bool {
	return a == ActTencentBackup || a == ActAlibabaBackup || a == ActDCSBackup || a == ActRDSBackup
}

// lose resets the client's connection without an answer: an RST, as a
// crashed gateway or a cut network would give.
func (e *Emulator) lose(w http.ResponseWriter, r *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 or a recorder: abort the handler, which resets the stream.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
