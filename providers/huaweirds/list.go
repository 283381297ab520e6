package huaweirds

import (
	"context"
	"strings"
	"time"

	rds "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rds/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rds/v3/model"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/internal/huaweicommon"
)

// pageSize is ListBackups' largest page (limit 1–100).
const pageSize = 100

// timeLayout is ListBackups' begin_time/end_time form, "yyyy-mm-ddThh:mm:ssZ"
// with Z a numeric offset such as +0800.
const timeLayout = "2006-01-02T15:04:05-0700"

// Status looks the backup up by ID with ListBackups.
func (p *Provider) Status(ctx context.Context, t providers.Target, taskID string) (providers.TaskStatus, error) {
	c, err := p.client(ctx, t)
	if err != nil {
		return providers.TaskStatus{}, err
	}
	defer c.Close()
	var found *model.BackupForList
	err = each(ctx, c, &model.ListBackupsRequest{InstanceId: t.Instance, BackupId: &taskID},
		func(b model.BackupForList) bool {
			if b.Id == taskID {
				found = &b
			}
			return found == nil
		})
	if err != nil {
		return providers.TaskStatus{}, err
	}
	if found == nil {
		return providers.TaskStatus{}, &errkind.Error{Kind: errkind.NotFound, RequestID: c.RequestID(),
			Message: "ListBackups: no backup " + taskID + " of instance " + t.Instance}
	}
	word := found.Status.Value()
	st := providers.TaskStatus{State: statusOf(word), Detail: word, RequestID: c.RequestID()}
	if st.State == providers.Done {
		st.Progress = 100
	}
	return st, nil
}

// FindStarted looks for manual backups whose name ends with the marker
// (as providers.NameWithMarker writes it), begun at or after since.
func (p *Provider) FindStarted(ctx context.Context, t providers.Target, marker string, since time.Time) (providers.Started, bool, error) {
	c, err := p.client(ctx, t)
	if err != nil {
		return providers.Started{}, false, err
	}
	defer c.Close()
	manual := model.GetListBackupsRequestBackupTypeEnum().MANUAL
	req := &model.ListBackupsRequest{InstanceId: t.Instance, BackupType: &manual}
	if !since.IsZero() { // a window wide on both sides; the exact check is local
		begin := since.UTC().Add(-10 * time.Minute).Format(timeLayout)
		end := p.now().UTC().Add(10 * time.Minute).Format(timeLayout)
		req.BeginTime, req.EndTime = &begin, &end
	}
	var found huaweicommon.Found
	err = each(ctx, c, req, func(b model.BackupForList) bool {
		if marker != "" && strings.HasSuffix(b.Name, "-"+marker) {
			found.Add(b.Id, b.BeginTime, since)
		}
		return true
	})
	if err != nil || found.Len() == 0 {
		return providers.Started{}, false, err
	}
	return providers.Started{TaskIDs: found.IDs(), RequestID: c.RequestID()}, true, nil
}

// each pages through ListBackups with the filters of req, calling fn for
// every backup until fn returns false or the backups run out.
func each(ctx context.Context, c *huaweicommon.Client, req *model.ListBackupsRequest, fn func(model.BackupForList) bool) error {
	cli := rds.NewRdsClient(c.HC)
	limit := int32(pageSize)
	for offset := int32(0); ; {
		page := *req
		off := offset
		page.Limit, page.Offset = &limit, &off
		resp, err := cli.ListBackups(&page)
		if err != nil {
			return c.Error(ctx, err, errorTable, "ListBackups")
		}
		if resp.Backups == nil || len(*resp.Backups) == 0 {
			return nil
		}
		for _, b := range *resp.Backups {
			if !fn(b) {
				return nil
			}
		}
		offset += int32(len(*resp.Backups))
		if resp.TotalCount == nil || offset >= *resp.TotalCount {
			return nil
		}
	}
}
