// Package tencentredis is the provider for Tencent Cloud Redis (TencentDB for
// Redis) manual backups: ManualBackupInstance of the redis 2018-04-12 API,
// called through the official tencentcloud-sdk-go common client.
//
// Select it with a target URL such as
//
//	tencent-redis://ap-guangzhou/crs-5a4py64p?remark=nightly&storage_days=7
//
// Options: remark (the backup's remark; backupfn appends its marker), and
// storage_days (0–1825, how long the backup is kept; 0 or absent means the
// instance's default; more than 7 days needs a ticket with Tencent Cloud).
// Credentials: TENCENTCLOUD_SECRET_ID / _SECRET_KEY / _SESSION_TOKEN, or the
// SCF run role's TENCENTCLOUD_SECRETID / _SECRETKEY / _SESSIONTOKEN.
//
// Task IDs are the integer TaskId of the backup flow; Status reads it with
// DescribeTaskInfo. Errors are classified by the table in errors.go: a locked
// instance is Busy, a missing one (also: a known instance in another region)
// NotFound, throttling Throttled, a server-side failure (InternalError*,
// FailedOperation.SystemError, FailedOperation.CommitFlowError) Unknown.
package tencentredis

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// Scheme is the target URL scheme of this provider.
const Scheme = "tencent-redis"

const (
	service        = "redis"
	version        = "2018-04-12"
	actBackup      = "ManualBackupInstance"
	actTaskInfo    = "DescribeTaskInfo"
	defaultTimeout = 30 * time.Second
	// maxRemark bounds the remark sent. The API documents no limit; 128
	// characters is a lenient bound that the emulator enforces too.
	maxRemark = 128
	// markerRoom is what WithMarker adds: " bfn:" and a 13-character marker.
	markerRoom = 5 + 13
	maxDays    = 1825
)

// Provider starts and inspects Tencent Cloud Redis backups.
type Provider struct {
	cfg       providers.Config
	transport http.RoundTripper // shared, so connections are reused across calls
}

var (
	_ providers.Provider     = (*Provider)(nil)
	_ providers.OptionLister = (*Provider)(nil)
)

// New returns the provider. cfg.Endpoint (or BACKUPFN_TENCENT_REDIS_ENDPOINT,
// BACKUPFN_ENDPOINT) overrides the HTTPS endpoint, e.g. for cloudemu.
func New(cfg providers.Config) *Provider {
	return &Provider{cfg: cfg, transport: providers.NewTransport()}
}

// Scheme returns "tencent-redis".
func (p *Provider) Scheme() string { return Scheme }

// StoresMarker implements providers.MarkerStorer: the marker is in the
// backup's remark (or name).
func (p *Provider) StoresMarker() bool { return true }

// RateLimit implements providers.RateLimited: ManualBackupInstance allows
// 20 requests per second.
func (p *Provider) RateLimit() (float64, int) { return 20, 20 }

var placeholderRE = regexp.MustCompile(`\{[a-z_]+\}`)

// optionKeys are the target options this provider knows.
var optionKeys = []string{"remark", "storage_days"}

// Options lists the target option keys this provider knows.
func (p *Provider) Options() []string { return slices.Clone(optionKeys) }

// Validate checks the options: remark (at most 110 characters, leaving room
// for the marker, no unexpanded {placeholder}) and storage_days (0–1825).
func (p *Provider) Validate(t providers.Target) error {
	_, err := backupParams(t, providers.StartOptions{Marker: providers.SampleVars["marker"]})
	return err
}

// backupParams builds the ManualBackupInstance parameters for t, or an
// InvalidArgument error. o.Remark replaces the target's remark; o.Marker is
// appended to it.
func backupParams(t providers.Target, o providers.StartOptions) (map[string]any, error) {
	if err := providers.CheckOptions(t, optionKeys...); err != nil {
		return nil, err
	}
	remark := cmp.Or(o.Remark, t.Option("remark"))
	switch n := utf8.RuneCountInString(remark); {
	case !utf8.ValidString(remark):
		return nil, providers.Invalid(t, "remark is not valid UTF-8")
	case n > maxRemark-markerRoom:
		return nil, providers.Invalid(t, "remark has %d characters; at most %d (%d, with room for the dedupe marker)", n, maxRemark-markerRoom, maxRemark)
	case o.Remark == "" && placeholderRE.MatchString(remark): // a template left unexpanded
		return nil, providers.Invalid(t, "remark has an unknown placeholder %s", placeholderRE.FindString(remark))
	}
	params := map[string]any{"InstanceId": t.Instance}
	remark = providers.WithMarker(remark, o.Marker)
	if n := utf8.RuneCountInString(remark); n > maxRemark {
		return nil, providers.Invalid(t, "remark has %d characters with the dedupe marker; at most %d", n, maxRemark)
	}
	if remark != "" {
		params["Remark"] = remark
	}
	if s, ok := t.Options["storage_days"]; ok {
		n, err := strconv.Atoi(s[0])
		if err != nil || n < 0 || n > maxDays {
			return nil, providers.Invalid(t, "storage_days %q: want an integer from 0 to %d", s[0], maxDays)
		}
		params["StorageDays"] = n
	}
	return params, nil
}

// StartBackup calls ManualBackupInstance with the remark carrying o.Marker.
func (p *Provider) StartBackup(ctx context.Context, t providers.Target, o providers.StartOptions) (providers.Started, error) {
	params, err := backupParams(t, o)
	if err != nil {
		return providers.Started{}, err
	}
	var out struct{ TaskId flexID }
	rid, err := p.call(ctx, t, actBackup, params, &out)
	if err != nil {
		return providers.Started{}, err
	}
	if out.TaskId == "" {
		return providers.Started{}, &errkind.Error{Kind: errkind.Unknown, RequestID: rid,
			Message: actBackup + ": the answer has no TaskId; the backup may have started"}
	}
	return providers.Started{TaskIDs: []string{string(out.TaskId)}, RequestID: rid}, nil
}

// Status reads a task with DescribeTaskInfo. Its Status words are
// (tencentcloud-sdk-go tencentcloud/redis/v20180412/models.go@144f6c8d
// DescribeTaskInfoResponseParams): preparing (待执行) and running (执行中)
// are Running, succeed is Done, failed and error (执行出错; "Error" on the
// English page https://tencentcloud.com/document/product/239/32064) are
// Failed, with TaskMessage ("执行错误时显示错误信息") in Detail. Any other
// word, or none, is an Unknown error naming it rather than Running: a word
// backupfn does not know could as well mean done or failed, and polling it
// as running would never end.
//
// An unknown TaskId: DescribeTaskInfo documents only
// FailedOperation.SystemError, InvalidParameter.InvalidParameter ("业务参数
// 错误。") and InvalidParameter.PermissionDenied (client.go@144f6c8d). The
// TaskId is the only parameter, checked to be an integer here, so
// InvalidParameter.InvalidParameter means it names no task: NotFound.
func (p *Provider) Status(ctx context.Context, t providers.Target, taskID string) (providers.TaskStatus, error) {
	id, err := strconv.ParseUint(taskID, 10, 64)
	if err != nil {
		return providers.TaskStatus{}, providers.Invalid(t, "task ID %q is not a Tencent Cloud TaskId (an integer)", taskID)
	}
	var out struct{ Status, InstanceId, TaskMessage string }
	rid, err := p.call(ctx, t, actTaskInfo, map[string]any{"TaskId": id}, &out)
	if e := (*errkind.Error)(nil); errors.As(err, &e) && e.Kind == errkind.NotFound {
		e.Message += fmt.Sprintf(" (task %s)", taskID) // which task taskInfoErrors says is unknown
	}
	if err != nil {
		return providers.TaskStatus{}, err
	}
	if out.InstanceId != "" && out.InstanceId != t.Instance {
		return providers.TaskStatus{}, &errkind.Error{Kind: errkind.NotFound, RequestID: rid,
			Message: fmt.Sprintf("%s: task %s belongs to another instance", actTaskInfo, taskID)}
	}
	st := providers.TaskStatus{Detail: out.Status, RequestID: rid}
	switch strings.ToLower(out.Status) {
	case "preparing", "running":
		st.State = providers.Running
	case "succeed":
		st.State, st.Progress = providers.Done, 100
	case "failed", "error":
		st.State = providers.Failed
		if out.TaskMessage != "" {
			st.Detail += ": " + out.TaskMessage
		}
	default:
		return providers.TaskStatus{}, &errkind.Error{Kind: errkind.Unknown, RequestID: rid,
			Message: fmt.Sprintf("%s: task %s has the status %q, which is none of preparing, running, succeed, failed, error; its state is unknown", actTaskInfo, taskID, out.Status)}
	}
	return st, nil
}

// call sends one action through the common client and decodes the answer's
// Response object into out. It returns the request ID.
func (p *Provider) call(ctx context.Context, t providers.Target, action string, params map[string]any, out any) (string, error) {
	creds, err := providers.ResolveCredentials(ctx, p.cfg.Env(), providers.Tencent, t.Profile)
	if err != nil {
		return "", err
	}
	timeout := p.cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if ctx.Err() != nil {
		return "", providers.TransportError(ctx, ctx.Err(), action+": not sent")
	}
	client, err := p.client(t.Region, creds, timeout)
	if err != nil {
		return "", err
	}
	req := tchttp.NewCommonRequest(service, version, action)
	req.SetContext(ctx)
	if err := req.SetActionParameters(params); err != nil {
		return "", &errkind.Error{Kind: errkind.Internal, Message: action + ": " + err.Error(), Err: err}
	}
	resp := tchttp.NewCommonResponse()
	if err := client.Send(req, resp); err != nil {
		return "", errorsOf(action).Error(ctx, action, err, creds)
	}
	var env struct {
		Response json.RawMessage
	}
	var head struct{ RequestId string }
	if err := json.Unmarshal(resp.GetBody(), &env); err != nil || json.Unmarshal(env.Response, &head) != nil ||
		json.Unmarshal(env.Response, out) != nil {
		return head.RequestId, &errkind.Error{Kind: errkind.Unknown, RequestID: head.RequestId,
			Message: action + ": the answer could not be decoded"}
	}
	return head.RequestId, nil
}

// client builds a common client for region with no SDK retries: backupfn's
// core retries. HTTPS to the real endpoint unless an override is configured.
func (p *Provider) client(region string, creds providers.Credentials, timeout time.Duration) (*common.Client, error) {
	cpf := profile.NewClientProfile()
	cpf.Language = "en-US"
	cpf.DisableRegionBreaker = true
	cpf.RateLimitExceededMaxRetries = 0
	cpf.NetworkFailureMaxRetries = 0
	cpf.HttpProfile.ReqTimeout = int((timeout + time.Second - 1) / time.Second)
	cpf.HttpProfile.Scheme, cpf.HttpProfile.Endpoint = "HTTPS", endpoint(region)
	if ep := p.cfg.EndpointFor(Scheme); ep != "" {
		scheme, host, err := providers.SplitEndpoint(ep)
		if err != nil {
			return nil, errkind.New(errkind.Internal, "%s endpoint: %v", Scheme, err)
		}
		cpf.HttpProfile.Scheme, cpf.HttpProfile.Endpoint = strings.ToUpper(scheme), host
	}
	cred := common.NewTokenCredential(creds.ID, creds.Secret, creds.Token)
	return common.NewCommonClient(cred, region, cpf).WithHttpTransport(p.transport), nil
}

// endpoint is the API host for region: finance regions (…-fsi) are isolated
// and need their own host; the others are served by the global host.
func endpoint(region string) string {
	if strings.HasSuffix(region, "-fsi") {
		return service + "." + region + ".tencentcloudapi.com"
	}
	return service + ".tencentcloudapi.com"
}

// flexID decodes an ID sent as a JSON number or a string (the docs' example
// shows TaskId as a string although the field is an Integer).
type flexID string

// UnmarshalJSON accepts 6954227 and "6954227".
func (f *flexID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" {
		return nil
	}
	if _, err := strconv.ParseUint(s, 10, 64); err != nil {
		return fmt.Errorf("ID %s is not an integer", b)
	}
	*f = flexID(s)
	return nil
}
