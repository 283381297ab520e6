package providers

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/backupfn/backupfn/errkind"
)

// Registry maps target URL schemes to providers. Build it explicitly (see
// providers/all); there is no global registration.
type Registry struct {
	byScheme map[string]Provider
}

// NewRegistry returns a registry of ps. It panics on a duplicate scheme, which
// is a programming error.
func NewRegistry(ps ...Provider) *Registry {
	r := &Registry{byScheme: map[string]Provider{}}
	for _, p := range ps {
		if _, dup := r.byScheme[p.Scheme()]; dup {
			panic("providers: duplicate scheme " + p.Scheme())
		}
		r.byScheme[p.Scheme()] = p
	}
	return r
}

// Schemes returns the registered schemes, sorted.
func (r *Registry) Schemes() []string {
	s := make([]string, 0, len(r.byScheme))
	for k := range r.byScheme {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// Lookup returns the provider for scheme, or an InvalidArgument error listing
// the known schemes.
func (r *Registry) Lookup(scheme string) (Provider, error) {
	if p, ok := r.byScheme[scheme]; ok {
		return p, nil
	}
	return nil, errkind.New(errkind.InvalidArgument, "unknown provider scheme %q (known: %s)",
		scheme, strings.Join(r.Schemes(), ", "))
}

// SampleVars are stand-in values for the {placeholders} a target option may
// use; Parse validates a target with them substituted.
var SampleVars = map[string]string{
	"date": "20260101", "time": "020000", "datetime": "20260101T020000",
	"trigger": "timer", "source": "timer", "name": "target", "marker": "m0123456789ab",
}

// TemplateVars returns the values for {date}, {time}, {datetime} (UTC) and
// {trigger}/{source} at time now.
func TemplateVars(now time.Time, source string) map[string]string {
	now = now.UTC()
	return map[string]string{
		"date": now.Format("20060102"), "time": now.Format("150405"),
		"datetime": now.Format("20060102T150405"), "trigger": source, "source": source,
	}
}

// Parse parses a target URL and validates it with its provider, so a bad
// URL, an unknown scheme or a bad option is reported before any call.
func (r *Registry) Parse(raw string) (Target, error) {
	t, err := parseURL(raw)
	if err != nil {
		return Target{}, err
	}
	p, err := r.Lookup(t.Scheme)
	if err != nil {
		return Target{}, errkind.New(errkind.InvalidArgument, "target %q: %s", raw, err.(*errkind.Error).Message)
	}
	if err := p.Validate(t.Expand(SampleVars)); err != nil {
		return Target{}, err
	}
	return t, nil
}

// SplitEndpoint splits an endpoint override "http://host:port" into its
// scheme ("http" or "https") and host. A bare "host:port" means http.
func SplitEndpoint(ep string) (scheme, host string, err error) {
	if !strings.Contains(ep, "://") {
		return "http", ep, nil
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("endpoint %q: want http://host:port or https://host", ep)
	}
	return u.Scheme, u.Host, nil
}
