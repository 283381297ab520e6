package sinks

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Spec is one entry of the config's sinks: list, decoded but not yet
// checked against its type (sinks/all does that).
type Spec struct {
	Type string
	// Values holds each key's value; a scalar is a one-element list.
	Values map[string][]string
	// FromEnv is true for keys whose value came wholly from ${ENV}
	// references: the only way a secret may be given.
	FromEnv map[string]bool
	// Line is the entry's line in the config file, KeyLines each key's.
	Line     int
	KeyLines map[string]int
}

// Options are what every sink constructor gets besides its Spec.
type Options struct {
	HTTPClient *http.Client // nil means a client with a 10s timeout
	Now        func() time.Time
}

// HTTP returns o.HTTPClient or a default.
func (o Options) HTTP() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// Clock returns o.Now or time.Now.
func (o Options) Clock() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}

// Get returns a scalar value, or "".
func (s Spec) Get(key string) string {
	if v := s.Values[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// List returns a key's values.
func (s Spec) List(key string) []string { return s.Values[key] }

// Known returns an error naming the first key not in known.
func (s Spec) Known(known ...string) error {
	var keys []string
	for k := range s.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		found := false
		for _, x := range known {
			found = found || x == k
		}
		if !found {
			return badConfig(k, "unknown key for a %s sink (known: type, %s)", s.Type, strings.Join(known, ", "))
		}
	}
	return nil
}

// Required returns a key's value or an error saying it is missing.
func (s Spec) Required(key string) (string, error) {
	v := s.Get(key)
	if v == "" {
		return "", badConfig(key, "a %s sink needs %s:", s.Type, key)
	}
	return v, nil
}

// Secret returns a key's value, which must have come from ${ENV}: secrets
// are never written in the config file. An absent key is "", nil.
func (s Spec) Secret(key string) (string, error) {
	_, given := s.Values[key]
	v := s.Get(key)
	switch {
	case given && !s.FromEnv[key]:
		return "", badConfig(key, "a secret: write it as ${ENV_VAR} (no default), never in the file")
	case given && v == "":
		return "", badConfig(key, "the secret's environment variable is empty")
	}
	return v, nil
}

// Duration returns a key's duration, or def when absent.
func (s Spec) Duration(key string, def time.Duration) (time.Duration, error) {
	v := s.Get(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, badConfig(key, "want a positive duration such as 10s, got %q", v)
	}
	return d, nil
}

// Int returns a key's integer in [lo, hi], or def when absent.
func (s Spec) Int(key string, def, lo, hi int) (int, error) {
	v := s.Get(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badConfig(key, "want an integer from %d to %d, got %q", lo, hi, v)
	}
	return n, nil
}

// Bool returns a key's boolean, or def when absent.
func (s Spec) Bool(key string, def bool) (bool, error) {
	v := s.Get(key)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badConfig(key, "want true or false, got %q", v)
	}
	return b, nil
}
