package providers

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/backupfn/backupfn/errkind"
)

// Target is one database instance to back up, written as a URL:
//
//	tencent-redis://ap-guangzhou/crs-5a4py64p?remark=nightly
//	huawei-rds://cn-north-4/<instance-id>?project_id=<pid>&name=nightly-{date}
//
// A Target never holds credentials; Profile only names where they come from.
// String is therefore always safe to log.
type Target struct {
	Scheme   string     // provider scheme, e.g. "tencent-redis"
	Region   string     // cloud region, e.g. "ap-guangzhou"
	Instance string     // instance ID
	Options  url.Values // provider options (remark, project_id, name, ...)
	// Profile names a credentials profile: "" reads the standard variables,
	// "prod" reads PROD_<standard name>. Written as ?credentials=prod.
	Profile string
}

// Option returns the first value of option key, or "".
func (t Target) Option(key string) string { return t.Options.Get(key) }

// String returns the URL form. Options are sorted, so equal targets print equally.
func (t Target) String() string {
	q := url.Values{}
	for k, v := range t.Options {
		q[k] = v
	}
	if t.Profile != "" {
		q.Set("credentials", t.Profile)
	}
	s := t.Scheme + "://" + t.Region + "/" + url.PathEscape(t.Instance)
	if len(q) > 0 {
		// url.Values.Encode sorts by key; keep the template braces readable.
		e := strings.NewReplacer("%7B", "{", "%7D", "}").Replace(q.Encode())
		s += "?" + e
	}
	return s
}

// Key identifies the instance (scheme, region, project, instance): two targets
// with the same Key back up the same database.
func (t Target) Key() string {
	return t.Scheme + "://" + t.Region + "/" + t.Option("project_id") + "/" + t.Instance
}

// With returns a copy of t with option key set to value.
func (t Target) With(key, value string) Target {
	c := t.clone()
	c.Options.Set(key, value)
	return c
}

func (t Target) clone() Target {
	c := t
	c.Options = url.Values{}
	for k, v := range t.Options {
		c.Options[k] = append([]string(nil), v...)
	}
	return c
}

var templateRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// Expand returns a copy of t whose option values have {name} placeholders
// replaced from vars (e.g. {date}, {time}, {trigger}). Unknown placeholders
// are left as they are, so a provider's validation reports them.
func (t Target) Expand(vars map[string]string) Target {
	c := t.clone()
	for k, vs := range c.Options {
		for i, v := range vs {
			vs[i] = templateRE.ReplaceAllStringFunc(v, func(m string) string {
				if r, ok := vars[m[1:len(m)-1]]; ok {
					return r
				}
				return m
			})
		}
		c.Options[k] = vs
	}
	return c
}

var (
	regionRE   = regexp.MustCompile(`^[a-z][a-z0-9-]{1,40}$`)
	instanceRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	profileRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,31}$`)
)

// parseURL splits a target URL into its parts without knowing the provider.
func parseURL(raw string) (Target, error) {
	bad := func(format string, args ...any) (Target, error) {
		return Target{}, errkind.New(errkind.InvalidArgument, "target %q: "+format, append([]any{raw}, args...)...)
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" {
		return bad("not a target URL: want SCHEME://REGION/INSTANCE[?options]")
	}
	path, query, _ := strings.Cut(rest, "?")
	region, inst, ok := strings.Cut(path, "/")
	if !ok || region == "" {
		return bad("missing region: want %s://REGION/INSTANCE", scheme)
	}
	inst = strings.TrimSuffix(inst, "/")
	if inst == "" {
		return bad("missing instance ID: want %s://%s/INSTANCE", scheme, region)
	}
	if u, err := url.PathUnescape(inst); err == nil {
		inst = u
	}
	if !regionRE.MatchString(region) {
		return bad("region %q is not a region name (lower-case letters, digits and '-')", region)
	}
	if !instanceRE.MatchString(inst) {
		return bad("instance ID %q has characters an instance ID cannot have", inst)
	}
	opts, err := url.ParseQuery(query)
	if err != nil {
		return bad("options: %v", err)
	}
	t := Target{Scheme: strings.ToLower(scheme), Region: region, Instance: inst, Options: opts}
	if p, ok := opts["credentials"]; ok {
		t.Profile = p[0]
		delete(opts, "credentials")
		if !profileRE.MatchString(t.Profile) {
			return bad("credentials profile %q: want a letter then letters, digits or '_'", t.Profile)
		}
	}
	for k, v := range opts {
		if len(v) > 1 {
			return bad("option %q is given %d times", k, len(v))
		}
	}
	return t, nil
}

// CheckOptions returns an InvalidArgument error naming the first option of t
// that is not in allowed (and listing the allowed ones).
func CheckOptions(t Target, allowed ...string) error {
	var unknown []string
	for k := range t.Options {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return errkind.New(errkind.InvalidArgument, "%s: unknown option %q (known: %s)",
		t.Scheme, unknown[0], strings.Join(append(allowed, "credentials"), ", "))
}

// Invalid returns an InvalidArgument error about target t.
func Invalid(t Target, format string, args ...any) error {
	return errkind.New(errkind.InvalidArgument, "%s: %s", t.String(), fmt.Sprintf(format, args...))
}

// ParseUnchecked parses a target URL without looking up or validating its
// provider. Use Registry.Parse for input from users.
func ParseUnchecked(raw string) (Target, error) { return parseURL(raw) }
