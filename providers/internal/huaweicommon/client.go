// Package huaweicommon holds what the Huawei Cloud providers (DCS and RDS)
// share: the SDK client setup (AK/SK credentials with a fixed project ID, so
// the SDK never calls IAM), context-aware transport, and error mapping.
package huaweicommon

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"

	"github.com/backupfn/backupfn/errkind"
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

// Service names one Huawei Cloud service as the SDK knows it.
type Service struct {
	// Scheme is the target URL scheme, e.g. "huawei-dcs"; it names the
	// BACKUPFN_<SCHEME>_ENDPOINT override.
	Scheme string
	// Name is the SDK's service name, e.g. "DCS": the SDK reads the
	// override HUAWEICLOUD_SDK_REGION_<NAME>_<REGION> (core/region/env_region.go).
	Name string
	// Regions is the SDK's region table for the service, e.g.
	// services/dcs/v2/region.SafeValueOf: its provider chain is the
	// HUAWEICLOUD_SDK_REGION_* environment, then the regions file
	// (HUAWEICLOUD_SDK_REGIONS_FILE or ~/.huaweicloud/regions.yaml), then the
	// static table (core/region/region_chain.go@v0.1.207).
	Regions func(id string) (*region.Region, error)
}

// NewClient resolves credentials for t and builds an SDK client for svc.
// The client's requests are bound to ctx and to cfg.Timeout.
func NewClient(ctx context.Context, cfg providers.Config, t providers.Target, svc Service) (*Client, error) {
	endpoints, err := Endpoints(cfg, svc, t.Region)
	if err != nil {
		return nil, err
	}
	creds, err := providers.ResolveCredentials(ctx, cfg.Env(), providers.Huawei, t.Profile)
	if err != nil {
		return nil, err
	}
	cred, err := basic.NewCredentialsBuilder().WithAk(creds.ID).WithSk(creds.Secret).
		WithProjectId(t.Option("project_id")).WithSecurityToken(creds.Token).SafeBuild()
	if err != nil {
		return nil, errkind.New(errkind.Unauthenticated, "%s: incomplete Huawei Cloud credentials", svc.Scheme)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	tr := &ctxTransport{ctx: callCtx, base: sharedTransport}
	// Timeout 0: the deadline lives in callCtx, which the transport applies
	// to every request, so cancellation returns at once. Several endpoints
	// are tried in turn only on DNS and certificate errors, before anything
	// reached the service (core/hc_http_client.go shouldRetry@v0.1.207).
	hc, err := core.NewHcHttpClientBuilder().WithEndpoints(endpoints).WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(0).WithHttpRoundTripper(tr)).SafeBuild()
	if err != nil {
		cancel()
		return nil, errkind.New(errkind.Internal, "%s: building the SDK client: %v", svc.Scheme, err)
	}
	return &Client{HC: hc, Creds: creds, ctx: callCtx, cancel: cancel, tr: tr}, nil
}

// Close releases the call's deadline timer.
func (c *Client) Close() { c.cancel() }

// RequestID returns the X-Request-Id of the last response received.
func (c *Client) RequestID() string { return c.tr.requestID() }

// Endpoints returns where svc's API for regionID is: the override for the
// scheme (Config.Endpoint, BACKUPFN_<SCHEME>_ENDPOINT, BACKUPFN_ENDPOINT) as
// "scheme://host"; else the SDK's own override variable
// HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION> (comma-separated endpoints, as
// core/region/env_region.go reads it) through cfg's environment, so a
// per-invocation environment is honoured; else the SDK's region table and
// its provider chain. A region none of them knows is an InvalidArgument
// error that says how to override it.
func Endpoints(cfg providers.Config, svc Service, regionID string) ([]string, error) {
	if ep := cfg.EndpointFor(svc.Scheme); ep != "" {
		s, host, err := providers.SplitEndpoint(ep)
		if err != nil {
			return nil, errkind.New(errkind.InvalidArgument, "%s: %v", svc.Scheme, err)
		}
		return []string{s + "://" + host}, nil
	}
	envName := RegionEnv(svc, regionID)
	if regionID != "" {
		if v := cfg.Env()(envName); v != "" {
			var eps []string
			for _, e := range strings.Split(v, ",") {
				if e = strings.TrimSpace(e); e != "" {
					eps = append(eps, e)
				}
			}
			if len(eps) > 0 {
				return eps, nil
			}
		}
		if r, err := svc.Regions(regionID); err == nil && r != nil && len(r.Endpoints) > 0 {
			return append([]string(nil), r.Endpoints...), nil
		}
	}
	return nil, errkind.New(errkind.InvalidArgument,
		"%s: region %q is not in the Huawei Cloud SDK's %s region table (huaweicloud-sdk-go-v3); "+
			"set %s=https://<endpoint> (the SDK's override) or BACKUPFN_%s_ENDPOINT",
		svc.Scheme, regionID, svc.Name, envName, strings.ToUpper(strings.ReplaceAll(svc.Scheme, "-", "_")))
}

// RegionEnv is the SDK's endpoint override variable for svc in regionID,
// e.g. HUAWEICLOUD_SDK_REGION_DCS_EU_WEST_101 (core/region/env_region.go@v0.1.207).
func RegionEnv(svc Service, regionID string) string {
	return "HUAWEICLOUD_SDK_REGION_" + strings.ToUpper(svc.Name) + "_" +
		strings.ToUpper(strings.ReplaceAll(regionID, "-", "_"))
}

// CheckRegion reports, without any network call, whether svc's endpoint
// for t's region can be found (see Endpoints).
func CheckRegion(cfg providers.Config, svc Service, t providers.Target) error {
	_, err := Endpoints(cfg, svc, t.Region)
	return err
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
