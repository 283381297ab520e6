// Package huaweidcs starts manual backups of Huawei Cloud DCS (Distributed
// Cache Service, Redis) instances through the official SDK
// huaweicloud-sdk-go-v3 (services/dcs/v2 CopyInstance), and follows them
// with ListBackupRecords.
//
// Select it with a target such as
//
//	huawei-dcs://cn-north-4/<instance-id>?project_id=<pid>&remark=nightly&format=rdb
//
// project_id is required. remark is at most 110 characters, so that with
// the dedupe marker the provider appends it stays within DCS's 128
// (DCS.4098); format is rdb (default) or aof.
// Single-node instances cannot be backed up (errkind.Unsupported); an
// instance already backing up answers DCS.4096 (errkind.Busy). The endpoint
// comes from the SDK's region table (services/dcs/v2/region), which its
// HUAWEICLOUD_SDK_REGION_DCS_<REGION> variable and regions file override,
// as does BACKUPFN_HUAWEI_DCS_ENDPOINT.
package huaweidcs

import (
	"context"
	"time"

	dcs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/model"
	dcsregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/region"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/internal/huaweicommon"
)

// Scheme is the target URL scheme of this provider.
const Scheme = "huawei-dcs"

// maxRemark is the documented limit of the backup remark (DCS.4098).
const maxRemark = 128

var optionKeys = []string{"project_id", "remark", "format"}

// service is DCS as the SDK names it, with its region table.
var service = huaweicommon.Service{Scheme: Scheme, Name: "DCS", Regions: dcsregion.SafeValueOf}

// Provider backs up DCS instances. Create it with New.
type Provider struct {
	cfg providers.Config
}

var (
	_ providers.Provider     = (*Provider)(nil)
	_ providers.OptionLister = (*Provider)(nil)
)

// New returns a DCS provider configured with cfg.
func New(cfg providers.Config) *Provider { return &Provider{cfg: cfg} }

// Scheme returns "huawei-dcs".
func (p *Provider) Scheme() string { return Scheme }

// StoresMarker implements providers.MarkerStorer: the marker is in the
// backup's remark (or name).
func (p *Provider) StoresMarker() bool { return true }

// Options lists the target option keys this provider knows.
func (p *Provider) Options() []string { return append([]string(nil), optionKeys...) }

// Validate checks t's options as the DCS API documents them, and that its
// region has an endpoint.
func (p *Provider) Validate(t providers.Target) error {
	if _, err := request(t, providers.StartOptions{Marker: providers.SampleVars["marker"]}); err != nil {
		return err
	}
	return huaweicommon.CheckRegion(p.cfg, service, t)
}

// request builds the CopyInstance request for t, or an InvalidArgument error.
func request(t providers.Target, o providers.StartOptions) (*model.CopyInstanceRequest, error) {
	if err := providers.CheckOptions(t, optionKeys...); err != nil {
		return nil, err
	}
	if err := huaweicommon.CheckProject(t); err != nil {
		return nil, err
	}
	body := &model.BackupInstanceBody{}
	remark := t.Option("remark")
	if o.Remark != "" {
		remark = o.Remark
	}
	// Leave room for a dedupe marker, so a target valid today stays valid
	// when a trigger carries one.
	room := len(providers.WithMarker("x", providers.SampleVars["marker"])) - 1
	if n := len([]rune(remark)); n > maxRemark-room {
		return nil, providers.Invalid(t, "remark is %d characters; at most %d (DCS allows %d, with room for the dedupe marker)",
			n, maxRemark-room, maxRemark)
	}
	remark = providers.WithMarker(remark, o.Marker)
	if n := len([]rune(remark)); n > maxRemark {
		return nil, providers.Invalid(t, "remark is %d characters with the dedupe marker; DCS allows %d", n, maxRemark)
	}
	if remark != "" {
		body.Remark = &remark
	}
	formats := model.GetBackupInstanceBodyBackupFormatEnum()
	switch f := t.Option("format"); f {
	case "":
	case "rdb":
		body.BackupFormat = &formats.RDB
	case "aof":
		body.BackupFormat = &formats.AOF
	default:
		return nil, providers.Invalid(t, "format %q: want rdb or aof", f)
	}
	return &model.CopyInstanceRequest{InstanceId: t.Instance, Body: body}, nil
}

// StartBackup calls CopyInstance; the task ID is the backup_id.
func (p *Provider) StartBackup(ctx context.Context, t providers.Target, o providers.StartOptions) (providers.Started, error) {
	req, err := request(t, o)
	if err != nil {
		return providers.Started{}, err
	}
	c, err := p.client(ctx, t)
	if err != nil {
		return providers.Started{}, err
	}
	defer c.Close()
	resp, err := dcs.NewDcsClient(c.HC).CopyInstance(req)
	if err != nil {
		return providers.Started{}, c.Error(ctx, err, errorTable, "CopyInstance")
	}
	if resp.BackupId == nil || *resp.BackupId == "" {
		return providers.Started{}, &errkind.Error{Kind: errkind.Unknown, RequestID: c.RequestID(),
			Message: "CopyInstance: the answer carries no backup_id"}
	}
	return providers.Started{TaskIDs: []string{*resp.BackupId}, RequestID: c.RequestID()}, nil
}

// client checks the options and ctx, then builds this call's SDK client.
func (p *Provider) client(ctx context.Context, t providers.Target) (*huaweicommon.Client, error) {
	if err := huaweicommon.CheckProject(t); err != nil {
		return nil, err
	}
	if err := huaweicommon.Canceled(ctx); err != nil {
		return nil, err
	}
	return huaweicommon.NewClient(ctx, p.cfg, t, service)
}

// statusOf maps a DCS backup status word (BackupRecordResponse.Status,
// services/dcs/v2/model/model_backup_record_response.go@v0.1.207: waiting,
// backuping, succeed, failed, expired, deleted) to a providers.State. An
// expired or deleted backup has no file left to restore from, so it is not
// done: Failed, with the word in Detail.
func statusOf(word string) providers.State {
	switch word {
	case "succeed":
		return providers.Done
	case "failed", "expired", "deleted":
		return providers.Failed
	}
	return providers.Running // waiting, backuping
}

// window is the begin_time/end_time range (UTC yyyyMMddHHmmss) that
// FindStarted asks for: wide on both sides, the exact check is local.
// A zero since asks for no window.
func window(since, now time.Time) (begin, end *string) {
	if since.IsZero() {
		return nil, nil
	}
	const layout = "20060102150405"
	b, e := since.UTC().Add(-10*time.Minute).Format(layout), now.UTC().Add(10*time.Minute).Format(layout)
	return &b, &e
}
