package alibabaredis

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	r_kvstore "github.com/aliyun/alibaba-cloud-sdk-go/services/r-kvstore"

	"github.com/backupfn/backupfn/core/errkind"
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
		return nil, &errkind.Error{Kind: errkind.Internal, Message: Scheme + ": building the client: " + redact(err.Error(), creds), Err: err}
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

// fail classifies an SDK error: the cloud's answer through errorKinds,
// anything else through providers.TransportError. Messages and the kept
// error text are redacted: the URL carries the key ID and STS token, and
// SignatureDoesNotMatch echoes the string to sign.
func (c *call) fail(err error, what string) error {
	var se *sdkerrors.ServerError
	if errors.As(err, &se) {
		msg := se.Message()
		if r := se.Recommend(); r != "" && (se.ErrorCode() == "SignatureDoesNotMatch" || se.ErrorCode() == "IncompleteSignature") {
			msg += " (" + r + ")"
		}
		if len(msg) > 2000 {
			msg = msg[:2000] + "..."
		}
		return &errkind.Error{Kind: kindOf(se.ErrorCode(), se.HttpStatus()), Code: se.ErrorCode(),
			RequestID: se.RequestId(), Message: what + ": " + redact(msg, c.creds), Err: c.hide(err)}
	}
	err = withoutQuery(err)
	return providers.TransportError(c.ctx, c.hide(err), what+": "+redact(err.Error(), c.creds))
}

// hide wraps err so that printing it shows no credentials; errors.As and
// errors.Is still reach the original.
func (c *call) hide(err error) error {
	return &redactedError{err: err, text: redact(err.Error(), c.creds)}
}

type redactedError struct {
	err  error
	text string
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// withoutQuery drops the query (all the signed parameters) from a *url.Error.
func withoutQuery(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, _, _ := strings.Cut(ue.URL, "?")
	return &url.Error{Op: ue.Op, URL: u, Err: ue.Err}
}

// redact removes credential values from s, raw and percent-encoded once or
// twice (the string to sign encodes every value twice).
func redact(s string, c providers.Credentials) string {
	for _, enc := range []func(string) string{
		func(v string) string { return v },
		url.QueryEscape,
		func(v string) string { return url.QueryEscape(url.QueryEscape(v)) },
	} {
		s = providers.Redact(s, providers.Credentials{ID: enc(c.ID), Secret: enc(c.Secret), Token: enc(c.Token)})
	}
	return s
}
