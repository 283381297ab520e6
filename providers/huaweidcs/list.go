package huaweidcs

import (
	"context"
	"time"

	dcs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/model"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/internal/huaweicommon"
)

// pageSize is ListBackupRecords' largest page (limit 1–1000).
const pageSize = 1000

// Status finds backup taskID in the instance's backup records (the API has
// no filter by ID, so it pages) and maps its status word.
func (p *Provider) Status(ctx context.Context, t providers.Target, taskID string) (providers.TaskStatus, error) {
	if err := providers.CheckOptions(t, optionKeys...); err != nil {
		return providers.TaskStatus{}, err
	}
	c, err := p.client(ctx, t)
	if err != nil {
		return providers.TaskStatus{}, err
	}
	defer c.Close()
	var found *model.BackupRecordResponse
	err = each(ctx, c, t, nil, nil, func(r model.BackupRecordResponse) bool {
		if str(r.BackupId) == taskID {
			found = &r
		}
		return found == nil
	})
	if err != nil {
		return providers.TaskStatus{}, err
	}
	if found == nil {
		return providers.TaskStatus{}, &errkind.Error{Kind: errkind.NotFound, RequestID: c.RequestID(),
			Message: "ListBackupRecords: no backup " + taskID + " of instance " + t.Instance}
	}
	word := ""
	if found.Status != nil {
		word = found.Status.Value()
	}
	return providers.TaskStatus{State: statusOf(word), Detail: word,
		Progress: huaweicommon.Percent(str(found.Progress)), RequestID: c.RequestID()}, nil
}

// FindStarted looks for backups whose remark carries marker, created at or
// after since.
func (p *Provider) FindStarted(ctx context.Context, t providers.Target, marker string, since time.Time) (providers.Started, bool, error) {
	if err := providers.CheckOptions(t, optionKeys...); err != nil {
		return providers.Started{}, false, err
	}
	c, err := p.client(ctx, t)
	if err != nil {
		return providers.Started{}, false, err
	}
	defer c.Close()
	begin, end := window(since, time.Now())
	var found huaweicommon.Found
	err = each(ctx, c, t, begin, end, func(r model.BackupRecordResponse) bool {
		if providers.HasMarker(str(r.Remark), marker) {
			found.Add(str(r.BackupId), str(r.CreatedAt), since)
		}
		return true
	})
	if err != nil || found.Len() == 0 {
		return providers.Started{}, false, err
	}
	return providers.Started{TaskIDs: found.IDs(), RequestID: c.RequestID()}, true, nil
}

// each pages through ListBackupRecords, calling fn for every record until
// fn returns false or the records run out.
func each(ctx context.Context, c *huaweicommon.Client, t providers.Target, begin, end *string, fn func(model.BackupRecordResponse) bool) error {
	cli := dcs.NewDcsClient(c.HC)
	limit := int32(pageSize)
	for offset := int32(0); ; {
		off := offset
		resp, err := cli.ListBackupRecords(&model.ListBackupRecordsRequest{
			InstanceId: t.Instance, BeginTime: begin, EndTime: end, Limit: &limit, Offset: &off,
		})
		if err != nil {
			return c.Error(ctx, err, errorTable, "ListBackupRecords")
		}
		if resp.BackupRecordResponse == nil || len(*resp.BackupRecordResponse) == 0 {
			return nil
		}
		for _, r := range *resp.BackupRecordResponse {
			if !fn(r) {
				return nil
			}
		}
		offset += int32(len(*resp.BackupRecordResponse))
		if resp.TotalNum == nil || offset >= *resp.TotalNum {
			return nil
		}
	}
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
