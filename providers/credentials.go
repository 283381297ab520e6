package providers

import (
	"context"
	"net/url"
	"os"
	"strings"

	"github.com/backupfn/backupfn/errkind"
)

// Credentials is an access key pair with an optional STS session token.
// It never prints its values.
type Credentials struct {
	ID     string
	Secret string
	Token  string // STS session token, optional
}

// String hides the values.
func (c Credentials) String() string {
	if c.ID == "" {
		return "Credentials{}"
	}
	return "Credentials{redacted}"
}

// GoString hides the values from %#v too.
func (c Credentials) GoString() string { return c.String() }

// Cloud names a credentials family: one account's keys work for all its APIs.
type Cloud string

// The clouds.
const (
	Tencent Cloud = "tencent"
	Alibaba Cloud = "alibaba"
	Huawei  Cloud = "huawei"
)

// EnvNames are the variables a cloud's credentials are read from, in order of
// preference: each entry lists the ID, secret and token variable.
var EnvNames = map[Cloud][][3]string{
	Tencent: {
		{"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN"},
		{"TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY", "TENCENTCLOUD_SESSIONTOKEN"}, // SCF run role
	},
	Alibaba: {
		{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN"},
	},
	Huawei: {
		{"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN"},
	},
}

type credKey struct{ cloud Cloud }

// WithCredentials returns a context carrying credentials for cloud, handed in
// by an entrypoint (FC context credentials, FunctionGraph headers). They are
// used for targets with no credentials profile, before the environment.
func WithCredentials(ctx context.Context, cloud Cloud, c Credentials) context.Context {
	return context.WithValue(ctx, credKey{cloud}, c)
}

// ResolveCredentials returns the credentials for cloud and profile: those in
// ctx (default profile only), else the first complete pair of environment
// variables, prefixed with PROFILE_ for a named profile.
func ResolveCredentials(ctx context.Context, getenv func(string) string, cloud Cloud, profile string) (Credentials, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if profile == "" {
		if c, ok := ctx.Value(credKey{cloud}).(Credentials); ok && c.ID != "" && c.Secret != "" {
			return c, nil
		}
	}
	prefix := ""
	if profile != "" {
		prefix = strings.ToUpper(profile) + "_"
	}
	var tried []string
	for _, n := range EnvNames[cloud] {
		id, secret := getenv(prefix+n[0]), getenv(prefix+n[1])
		if id != "" && secret != "" {
			return Credentials{ID: id, Secret: secret, Token: getenv(prefix + n[2])}, nil
		}
		tried = append(tried, prefix+n[0]+"/"+prefix+n[1])
	}
	return Credentials{}, errkind.New(errkind.Unauthenticated,
		"no %s credentials: set %s", cloud, strings.Join(tried, " or "))
}

// Redact replaces every credential value of c found in s with "[redacted]".
// Providers pass cloud error messages through it: some clouds echo the
// string to sign, which can hold the key ID or the STS token.
func Redact(s string, c Credentials) string {
	for _, v := range []string{c.Secret, c.Token, c.ID} {
		if len(v) < 4 {
			continue
		}
		// Also the percent-encoded forms: a signed string echoed back by a
		// cloud (Alibaba's string to sign) holds them encoded once or twice.
		once := url.QueryEscape(v)
		for _, form := range []string{url.QueryEscape(once), once, v} {
			s = strings.ReplaceAll(s, form, "[redacted]")
		}
	}
	return s
}

// Endpoint returns the endpoint override for a provider: cfg.Endpoint, else
// BACKUPFN_<SCHEME>_ENDPOINT (scheme upper-cased, '-' as '_'), else
// BACKUPFN_ENDPOINT, else "" (the real endpoint).
func (cfg Config) EndpointFor(scheme string) string {
	if cfg.Endpoint != "" {
		return cfg.Endpoint
	}
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if v := getenv("BACKUPFN_" + strings.ToUpper(strings.ReplaceAll(scheme, "-", "_")) + "_ENDPOINT"); v != "" {
		return v
	}
	return getenv("BACKUPFN_ENDPOINT")
}

// Env returns cfg.Getenv or os.Getenv.
func (cfg Config) Env() func(string) string {
	if cfg.Getenv == nil {
		return os.Getenv
	}
	return cfg.Getenv
}
