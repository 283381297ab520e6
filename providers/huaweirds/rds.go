// Package huaweirds starts manual backups of Huawei Cloud RDS instances
// (MySQL, PostgreSQL, SQL Server) through the official SDK
// huaweicloud-sdk-go-v3 (services/rds/v3 CreateManualBackup), and follows
// them with ListBackups.
//
// Select it with a target such as
//
//	huawei-rds://cn-north-4/<instance-id>?project_id=<pid>&name=nightly-{date}&description=...&databases=db1,db2
//
// project_id is required. name (4–64 characters, a letter first, then
// letters, digits, '-' or '_') defaults to "backupfn-<UTC time>"; the
// dedupe marker is appended to it, and since RDS keeps backup names unique
// per project, a name already used is an InvalidArgument error (after an
// ambiguous failure FindStarted finds that backup instead). description is
// at most 256 characters without any of >!<"&'=; databases (SQL Server and
// PostgreSQL only) makes a partial backup. Read replicas cannot be backed up
// (errkind.Unsupported). The endpoint comes from the SDK's region table
// (services/rds/v3/region: eu-west-101 is rds.eu-west-101.myhuaweicloud.eu),
// which its HUAWEICLOUD_SDK_REGION_RDS_<REGION> variable and regions file
// override, as does BACKUPFN_HUAWEI_RDS_ENDPOINT.
//
// The task ID is the backup ID (backup.id), which ListBackups reads. The two
// official sources disagree on what else CreateManualBackup answers: the
// SDK's CreateManualBackupResponse (services/rds/v3/model@v0.1.207) has only
// "backup", while the API reference page rds_09_0004 (zh-cn,
// https://support.huaweicloud.com/api-rds/rds_09_0004.html, table 4 and the
// response example) documents "job_id" beside it. StartBackup decodes with
// the SDK's request definition and a response type that adds job_id, so it
// works with either answer and reports a job_id as Started.JobIDs.
package huaweirds

import (
	"context"
	"time"

	rds "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rds/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rds/v3/model"
	rdsregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rds/v3/region"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/internal/huaweicommon"
)

// Scheme is the target URL scheme of this provider.
const Scheme = "huawei-rds"

// service is RDS as the SDK names it, with its region table.
var service = huaweicommon.Service{Scheme: Scheme, Name: "RDS", Regions: rdsregion.SafeValueOf}

// Provider backs up RDS instances. Create it with New.
type Provider struct {
	cfg providers.Config
	now func() time.Time
}

var (
	_ providers.Provider     = (*Provider)(nil)
	_ providers.OptionLister = (*Provider)(nil)
)

// New returns an RDS provider configured with cfg.
func New(cfg providers.Config) *Provider { return &Provider{cfg: cfg, now: time.Now} }

// Scheme returns "huawei-rds".
func (p *Provider) Scheme() string { return Scheme }

// StoresMarker implements providers.MarkerStorer: the marker is in the
// backup's remark (or name).
func (p *Provider) StoresMarker() bool { return true }

// RateLimit implements providers.RateLimited: RDS allows 60 requests per
// minute per user.
func (p *Provider) RateLimit() (float64, int) { return 1, 60 }

// Options lists the target option keys this provider knows.
func (p *Provider) Options() []string { return append([]string(nil), optionKeys...) }

// Validate checks t's options as the RDS API documents them, and that its
// region has an endpoint.
func (p *Provider) Validate(t providers.Target) error {
	if _, err := request(t, providers.StartOptions{Marker: providers.SampleVars["marker"]}, p.now()); err != nil {
		return err
	}
	return huaweicommon.CheckRegion(p.cfg, service, t)
}

// StartBackup calls CreateManualBackup; the task ID is the backup ID.
func (p *Provider) StartBackup(ctx context.Context, t providers.Target, o providers.StartOptions) (providers.Started, error) {
	req, err := request(t, o, p.now())
	if err != nil {
		return providers.Started{}, err
	}
	c, err := p.client(ctx, t)
	if err != nil {
		return providers.Started{}, err
	}
	defer c.Close()
	resp, err := createManualBackup(c, req)
	if err != nil {
		return providers.Started{}, c.Error(ctx, err, errorTable, "CreateManualBackup")
	}
	if resp.Backup == nil || resp.Backup.Id == "" {
		return providers.Started{}, &errkind.Error{Kind: errkind.Unknown, RequestID: c.RequestID(),
			Message: "CreateManualBackup: the answer carries no backup.id"}
	}
	s := providers.Started{TaskIDs: []string{resp.Backup.Id}, RequestID: c.RequestID()}
	if resp.JobID != nil && *resp.JobID != "" {
		s.JobIDs = []string{*resp.JobID}
	}
	return s, nil
}

// createManualBackupResponse is the SDK's CreateManualBackupResponse plus
// the job_id that the API reference documents beside "backup" (see the
// package comment). The SDK fills HttpStatusCode by name.
type createManualBackupResponse struct {
	Backup         *model.BackupInfo `json:"backup,omitempty"`
	JobID          *string           `json:"job_id,omitempty"`
	HttpStatusCode int               `json:"-"`
}

// createManualBackup is RdsClient.CreateManualBackup with the response type
// above: the SDK's own request definition (method, path, body, headers),
// only its Response replaced.
func createManualBackup(c *huaweicommon.Client, req *model.CreateManualBackupRequest) (*createManualBackupResponse, error) {
	def := rds.GenReqDefForCreateManualBackup()
	def.Response = new(createManualBackupResponse)
	resp, err := c.HC.Sync(req, def)
	if err != nil {
		return nil, err
	}
	return resp.(*createManualBackupResponse), nil
}

// client checks the options and ctx, then builds this call's SDK client.
func (p *Provider) client(ctx context.Context, t providers.Target) (*huaweicommon.Client, error) {
	if err := providers.CheckOptions(t, optionKeys...); err != nil {
		return nil, err
	}
	if err := huaweicommon.CheckProject(t); err != nil {
		return nil, err
	}
	if err := huaweicommon.Canceled(ctx); err != nil {
		return nil, err
	}
	return huaweicommon.NewClient(ctx, p.cfg, t, service)
}

// statusOf maps an RDS backup status word (BackupForList.Status,
// services/rds/v3/model/model_backup_for_list.go@v0.1.207: BUILDING,
// COMPLETED, FAILED, DELETING) to a providers.State. A backup being
// deleted is no backup to restore from: Failed, with the word in Detail.
func statusOf(word string) providers.State {
	switch word {
	case "COMPLETED":
		return providers.Done
	case "FAILED", "DELETING":
		return providers.Failed
	}
	return providers.Running // BUILDING
}
