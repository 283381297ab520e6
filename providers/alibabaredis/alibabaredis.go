// Package alibabaredis starts manual backups of Alibaba Cloud ApsaraDB for
// Redis / Tair instances with R-kvstore CreateBackup (API 2015-01-01),
// through the official github.com/aliyun/alibaba-cloud-sdk-go.
//
// Select it with a target URL
//
//	alibaba-redis://cn-hangzhou/r-bp1zxszhcgatnx?retention_days=30
//
// retention_days (BackupRetentionPeriod) is 7 to 730 days, or -1 to keep the
// backup as long as the instance lives; without it the instance's automatic
// backup policy decides. Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID,
// ALIBABA_CLOUD_ACCESS_KEY_SECRET and the optional
// ALIBABA_CLOUD_SECURITY_TOKEN (STS), or a context (providers.WithCredentials).
//
// CreateBackup takes no remark, so a backup cannot carry the dedupe marker:
// FindStarted adopts the manual backup jobs started at or after the first
// attempt instead. A cluster instance created before 5 December 2023 answers
// with one job per shard ("1022,2480"); StartBackup returns each as a task ID.
// A newer cluster answers with one job ID for all its nodes, which
// DescribeBackupTasks may list once per node (BackupJob.NodeId); Status
// reports such a job as the least advanced of its rows.
//
// Errors: the cloud's code is mapped by errorTable (Throttling.* → Throttled,
// IncorrectDBInstanceState and InstanceStatus.NotSupport → Busy,
// InvalidInstanceId.NotFound → NotFound, IncorrectDBInstanceType →
// Unsupported, signature and key errors → Unauthenticated; InternalError,
// ServiceUnavailable and any 5xx → Unknown, since the job may have started);
// the *errors.ServerError of the SDK stays reachable with errors.As.
//
// Sources: alibaba-cloud-sdk-go@v1.63.107 services/r-kvstore
// (create_backup.go, describe_backup_tasks.go, struct_backup_job.go) and the
// API pages
// https://help.aliyun.com/zh/redis/developer-reference/api-r-kvstore-2015-01-01-createbackup-redis
// and
// https://help.aliyun.com/zh/redis/developer-reference/api-r-kvstore-2015-01-01-describebackuptasks-redis;
// testdata/fixtures holds the answers they document.
package alibabaredis

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	r_kvstore "github.com/aliyun/alibaba-cloud-sdk-go/services/r-kvstore"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// Scheme is the target URL scheme of this provider.
const Scheme = "alibaba-redis"

// OptRetention is the option giving BackupRetentionPeriod in days.
const OptRetention = "retention_days"

// Provider calls R-kvstore. It holds no credentials and no client: both are
// made per call, so a changed environment is honoured.
type Provider struct {
	cfg  providers.Config
	base http.RoundTripper // shared connection pool; the context is added per call
}

var (
	_ providers.Provider     = (*Provider)(nil)
	_ providers.OptionLister = (*Provider)(nil)
)

// New returns the provider.
func New(cfg providers.Config) *Provider {
	return &Provider{cfg: cfg, base: providers.NewTransport()}
}

// Scheme returns "alibaba-redis".
func (p *Provider) Scheme() string { return Scheme }

// Options lists the target options this provider reads.
func (p *Provider) Options() []string { return []string{OptRetention} }

// Validate checks the target's options as the API documents them.
func (p *Provider) Validate(t providers.Target) error {
	_, err := retention(t)
	return err
}

// retention returns the BackupRetentionPeriod to send, "" for none.
func retention(t providers.Target) (string, error) {
	if err := providers.CheckOptions(t, OptRetention); err != nil {
		return "", err
	}
	v := t.Option(OptRetention)
	if v == "" {
		return "", nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || (n != -1 && (n < 7 || n > 730)) {
		return "", providers.Invalid(t, "%s %q: want 7 to 730 days, or -1 to keep the backup while the instance exists", OptRetention, v)
	}
	return strconv.Itoa(n), nil
}

// StartBackup calls CreateBackup. o.Marker and o.Remark are not sent: the
// API has no field for them.
func (p *Provider) StartBackup(ctx context.Context, t providers.Target, o providers.StartOptions) (providers.Started, error) {
	days, err := retention(t)
	if err != nil {
		return providers.Started{}, err
	}
	c, err := p.newCall(ctx, t)
	if err != nil {
		return providers.Started{}, err
	}
	defer c.done()
	req := r_kvstore.CreateCreateBackupRequest()
	req.Scheme = c.scheme
	req.InstanceId = t.Instance
	if days != "" {
		req.QueryParams["BackupRetentionPeriod"] = days
	}
	resp, err := c.client.CreateBackup(req)
	if err != nil {
		return providers.Started{}, c.fail(err, "CreateBackup "+t.Instance)
	}
	ids := splitIDs(resp.BackupJobID)
	if len(ids) == 0 {
		return providers.Started{}, &errkind.Error{Kind: errkind.Unknown, RequestID: resp.RequestId,
			Message: "CreateBackup " + t.Instance + ": the answer has no BackupJobID; a backup may have started"}
	}
	return providers.Started{TaskIDs: ids, RequestID: resp.RequestId}, nil
}

// Status reads one backup job with DescribeBackupTasks. BackupJobID is a
// long there (struct_backup_job.go: int64), a string in CreateBackup's answer.
func (p *Provider) Status(ctx context.Context, t providers.Target, taskID string) (providers.TaskStatus, error) {
	id, err := strconv.ParseInt(taskID, 10, 64)
	if err != nil {
		return providers.TaskStatus{}, providers.Invalid(t, "task ID %q: want one numeric BackupJobID", taskID)
	}
	jobs, reqID, err := p.tasks(ctx, t, taskID, "")
	if err != nil {
		return providers.TaskStatus{}, err
	}
	var rows []r_kvstore.BackupJob
	for _, j := range jobs {
		if j.BackupJobID == id {
			rows = append(rows, j)
		}
	}
	if len(rows) == 0 {
		return providers.TaskStatus{}, &errkind.Error{Kind: errkind.NotFound, RequestID: reqID,
			Message: fmt.Sprintf("DescribeBackupTasks %s: no backup job %s", t.Instance, taskID)}
	}
	st := aggregate(rows)
	st.RequestID = reqID
	return st, nil
}

// aggregate folds the rows of one job (one per node of a cluster created
// after 5 December 2023): failed if any row failed, done when every row is,
// else running; Progress is the lowest, Detail every distinct status word.
func aggregate(rows []r_kvstore.BackupJob) providers.TaskStatus {
	st := providers.TaskStatus{State: providers.Done, Progress: 100}
	var words []string
	for _, j := range rows {
		switch stateOf(j.BackupProgressStatus) {
		case providers.Failed:
			st.State = providers.Failed
		case providers.Running:
			if st.State != providers.Failed {
				st.State = providers.Running
			}
		}
		st.Progress = min(st.Progress, progress(j.Process))
		if !slices.Contains(words, j.BackupProgressStatus) {
			words = append(words, j.BackupProgressStatus)
		}
	}
	if st.State == providers.Done {
		st.Progress = 100
	}
	st.Detail = strings.Join(words, ",")
	return st
}

// FindStarted adopts the manual backup jobs that started at or after since
// and did not fail. marker is not used: CreateBackup cannot store it.
//
// The fields are read as the SDK and the DescribeBackupTasks page define
// them: JobMode is "Manual" or "Automated" (a job of the automatic backup
// policy is never adopted; the request asks for Manual only, and each row is
// checked again), StartTime is "yyyy-MM-ddTHH:mm:ssZ" in UTC with one-second
// precision (so since is truncated to the second), BackupJobID a long. A job
// listed once per node is adopted once.
func (p *Provider) FindStarted(ctx context.Context, t providers.Target, marker string, since time.Time) (providers.Started, bool, error) {
	jobs, reqID, err := p.tasks(ctx, t, "", jobModeManual)
	if err != nil {
		return providers.Started{}, false, err
	}
	cutoff := since.Truncate(time.Second)
	rows := map[int64][]r_kvstore.BackupJob{}
	for _, j := range jobs {
		rows[j.BackupJobID] = append(rows[j.BackupJobID], j)
	}
	var ids []int64
	for id, rs := range rows {
		if adoptable(rs, cutoff) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	s := providers.Started{RequestID: reqID}
	for _, id := range ids {
		s.TaskIDs = append(s.TaskIDs, strconv.FormatInt(id, 10))
	}
	return s, len(ids) > 0, nil
}

// adoptable reports whether the rows of one job are a manual job started at
// or after cutoff that has not failed.
func adoptable(rows []r_kvstore.BackupJob, cutoff time.Time) bool {
	for _, j := range rows {
		start, err := time.Parse(time.RFC3339, j.StartTime)
		if err != nil || start.Before(cutoff) || j.JobMode != jobModeManual {
			return false
		}
	}
	return aggregate(rows).State != providers.Failed
}

// jobModeManual is DescribeBackupTasks' JobMode of a CreateBackup job; the
// other documented value is "Automated".
const jobModeManual = "Manual"

// tasks calls DescribeBackupTasks for the target's instance.
func (p *Provider) tasks(ctx context.Context, t providers.Target, jobID, mode string) ([]r_kvstore.BackupJob, string, error) {
	c, err := p.newCall(ctx, t)
	if err != nil {
		return nil, "", err
	}
	defer c.done()
	req := r_kvstore.CreateDescribeBackupTasksRequest()
	req.Scheme = c.scheme
	req.InstanceId = t.Instance
	req.BackupJobId = jobID
	req.JobMode = mode
	resp, err := c.client.DescribeBackupTasks(req)
	if err != nil {
		return nil, "", c.fail(err, "DescribeBackupTasks "+t.Instance)
	}
	return resp.BackupJobs, resp.RequestId, nil
}

// states maps BackupProgressStatus. The DescribeBackupTasks page documents
// NoStart, Preparing, Waiting, Uploading, Checking and Finished, and no
// failure word; "Failed" is the word of RDS's DescribeBackupTasks BackupStatus
// (https://help.aliyun.com/document_detail/85843.html), and any other word
// with "fail" in it counts as failed too. An unknown word is still running,
// with the word in Detail.
var states = map[string]providers.State{
	"NoStart": providers.Running, "Preparing": providers.Running, "Waiting": providers.Running,
	"Uploading": providers.Running, "Checking": providers.Running,
	"Finished": providers.Done, "Failed": providers.Failed,
}

func stateOf(word string) providers.State {
	if s, ok := states[word]; ok {
		return s
	}
	if strings.Contains(strings.ToLower(word), "fail") {
		return providers.Failed
	}
	return providers.Running
}

// progress parses Process ("45" or "45%"), clamped to 0..100.
func progress(s string) int {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if err != nil {
		return 0
	}
	return min(max(n, 0), 100)
}

// splitIDs splits "1022,2480" into its job IDs. Quotes are dropped: one
// stored copy of the CreateBackup page (https://help.aliyun.com/zh/redis/createbackup)
// shows the example as "\"1022,2480\"".
func splitIDs(s string) []string {
	var ids []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.Trim(strings.TrimSpace(id), `"' `); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}
