// Package huaweicommon holds what the Huawei Cloud providers (DCS and RDS)
// share: the SDK client setup (AK/SK credentials with a fixed project ID, so
// the SDK never calls IAM), context-aware transport, and error mapping.
package huaweicommon

import (
	"context"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"

	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/providers"
)

// DefaultTimeout bounds one API call when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

var projectRE = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// CheckProject validates the project_id option every Huawei target needs:
// without it the SDK would look the project up through IAM.
func CheckProject(t providers.Target) error {
	p := t.Option("project_id")
	if p == "" {
		return providers.Invalid(t, "project_id is required (the project ID of region %s, 32 hex digits)", t.Region)
	}
	if !projectRE.MatchString(p) {
		return providers.Invalid(t, "project_id %q is not a project ID (32 hex digits)", p)
	}
	return nil
}

// Client is one call's SDK client with the call's credentials and deadline.
// Build it per call with NewClient and Close it when done.
type Client struct {
	HC     *core.HcHttpClient
	Creds  providers.Credentials
	ctx    context.Context
	cancel context.CancelFunc
	tr     *ctxTransport
}

// NewClient resolves credentials for t and builds an SDK client for the
// cloud service (e.g. "dcs", "rds") whose URL scheme is scheme. The client's
// requests are bound to ctx and to cfg.Timeout.
func NewClient(ctx context.Context, cfg providers.Config, t providers.Target, scheme, service string) (*Client, error) {
	creds, err := providers.ResolveCredentials(ctx, cfg.Env(), providers.Huawei, t.Profile)
	if err != nil {
		return nil, err
	}
	endpoint, err := Endpoint(cfg, scheme, service, t.Region)
	if err != nil {
		return nil, err
	}
	cred, err := basic.NewCredentialsBuilder().WithAk(creds.ID).WithSk(creds.Secret).
		WithProjectId(t.Option("project_id")).WithSecurityToken(creds.Token).SafeBuild()
	if err != nil {
		return nil, errkind.New(errkind.Unauthenticated, "%s: incomplete Huawei Cloud credentials", scheme)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	tr := &ctxTransport{ctx: callCtx, base: sharedTransport}
	// Timeout 0: the deadline lives in callCtx, which the transport applies
	// to every request, so cancellation returns at once.
	hc, err := core.NewHcHttpClientBuilder().WithEndpoints([]string{endpoint}).WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(0).WithHttpRoundTripper(tr)).SafeBuild()
	if err != nil {
		cancel()
		return nil, errkind.New(errkind.Internal, "%s: building the SDK client: %v", scheme, err)
	}
	return &Client{HC: hc, Creds: creds, ctx: callCtx, cancel: cancel, tr: tr}, nil
}

// Close releases the call's deadline timer.
func (c *Client) Close() { c.cancel() }

// RequestID returns the X-Request-Id of the last response received.
func (c *Client) RequestID() string { return c.tr.requestID() }

// Endpoint returns the override for scheme (as "scheme://host") or the real
// https://<service>.<region>.myhuaweicloud.com.
func Endpoint(cfg providers.Config, scheme, service, region string) (string, error) {
	ep := cfg.EndpointFor(scheme)
	if ep == "" {
		return "https://" + service + "." + region + ".myhuaweicloud.com", nil
	}
	s, host, err := providers.SplitEndpoint(ep)
	if err != nil {
		return "", errkind.New(errkind.InvalidArgument, "%s: %v", scheme, err)
	}
	return s + "://" + host, nil
}

// sharedTransport keeps connections across calls (a client is built per call).
var sharedTransport = providers.NewTransport()

// ctxTransport runs every request of one call under the call's context (the
// SDK builds its requests without one) and remembers the last request ID.
type ctxTransport struct {
	ctx  context.Context
	base http.RoundTripper

	mu    sync.Mutex
	reqID string
}

// RoundTrip sends req under the call's context.
func (t *ctxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req.WithContext(t.ctx))
	if err == nil {
		t.mu.Lock()
		t.reqID = resp.Header.Get("X-Request-Id")
		t.mu.Unlock()
	}
	return resp, err
}

func (t *ctxTransport) requestID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reqID
}
