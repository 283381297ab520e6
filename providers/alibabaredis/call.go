package alibabaredis

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	r_kvstore "github.com/aliyun/alibaba-cloud-sdk-go/services/r-kvstore"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// clientMu serialises r_kvstore.NewClientWithOptions: it initialises the
// SDK's global EndpointMap without a lock, a data race when clients are
// built concurrently (found by go test -race).
var clientMu sync.Mutex

// defaultTimeout bounds a call when Config.Timeout is zero.
const defaultTimeout = 30 * time.Second

// call is one SDK call: a client built for it, its credentials (to redact
// them from errors) and its context, which bounds it by the timeout.
type call struct {
	ctx    context.Context
	done   context.CancelFunc
	client *r_kvstore.Client
	creds  providers.Credentials
	scheme string
}

// newCall resolves credentials and the endpoint and builds a client.
//
// The SDK takes no context, so the client's transport attaches the call's
// context to every HTTP request: cancelling ctx (or the timeout) aborts the
// request at once and the SDK returns. A CreateBackup canceled after it was
// sent may still have started a backup (TransportError says Canceled; the
// core looks for the backup with FindStarted before starting another).
func (p *Provider) newCall(ctx context.Context, t providers.Target) (*call, error) {
	if ctx.Err() != nil {
		return nil, providers.TransportError(ctx, ctx.Err(), Scheme+": not sent")
	}
	creds, err := providers.ResolveCredentials(ctx, p.cfg.Env(), providers.Alibaba, t.Profile)
	if err != nil {
		return nil, err
	}
	scheme, host := "https", "" // "": the SDK's endpoint table (no network lookup)
	if ep := p.cfg.EndpointFor(Scheme); ep != "" {
		if scheme, host, err = providers.SplitEndpoint(ep); err != nil {
			return nil, errkind.New(errkind.InvalidArgument, "%s: %v", Scheme, err)
		}
	}
	timeout := p.cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	conf := sdk.NewConfig().WithAutoRetry(false).WithMaxRetryTime(0).WithTimeout(timeout)
	conf.Transport = ctxTransport{ctx: cctx, base: p.base}
	var cred auth.Credential = credentials.NewAccessKeyCredential(creds.ID, creds.Secret)
	if creds.Token != "" {
		cred = credentials.NewStsTokenCredential(creds.ID, creds.Secret, creds.Token)
	}
	clientMu.Lock() // the SDK fills a package-level endpoint map lazily, unguarded
	client, err := r_kvstore.NewClientWithOptions(t.Region, conf, cred)
	clientMu.Unlock()
	if err != nil {
		cancel()
		return nil, &errkind.Error{Kind: errkind.Internal, Message: Scheme + ": building the client: " + providers.Redact(err.Error(), creds), Err: providers.Hide(err, creds)}
	}
	client.Domain = host
	return &call{ctx: cctx, done: cancel, client: client, creds: creds, scheme: scheme}, nil
}

// ctxTransport sends each request under ctx.
type ctxTransport struct {
	ctx  context.Context
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(r.WithContext(t.ctx))
}

// fail classifies an SDK error through errorTable. Messages and the kept
// error text are redacted there: the URL carries the key ID and STS token
// (its query is dropped), and SignatureDoesNotMatch echoes the string to sign.
func (c *call) fail(err error, what string) error {
	return errorTable.Error(c.ctx, what, err, c.creds)
}
