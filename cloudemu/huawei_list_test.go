package cloudemu_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	dcsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/model"
	rds "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rds/v3"
	rdsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rds/v3/model"

	"github.com/backupfn/backupfn/cloudemu"
)

func (h *hwEnv) rdsClient() *rds.RdsClient {
	c := h.emu.Credentials("huawei")
	cred, err := basic.NewCredentialsBuilder().WithAk(c.ID).WithSk(c.Secret).WithProjectId(cloudemu.HuaweiProject).SafeBuild()
	if err != nil {
		panic(err)
	}
	hc, err := core.NewHcHttpClientBuilder().WithEndpoints([]string{h.url}).
		WithCredential(cred).WithHttpConfig(config.DefaultHttpConfig()).SafeBuild()
	if err != nil {
		panic(err)
	}
	return rds.NewRdsClient(hc)
}

// TestHuaweiDCSRecords: ListBackupRecords shows the SDK-started backups,
// newest first, with their remark, format and status word, and pages.
func TestHuaweiDCSRecords(t *testing.T) {
	h := newHW(t, cloudemu.Options{BackupDuration: 300 * time.Millisecond})
	c := h.emu.Credentials("huawei")
	cli := h.dcsClient(c.ID, c.Secret, "", nil)
	var ids []string
	for i := 0; i < 3; i++ {
		resp, err := cli.CopyInstance(copyReq(cloudemu.DCSInstance, fmt.Sprintf("run-%d", i)))
		if err != nil {
			t.Fatalf("CopyInstance %d: %v", i, err)
		}
		ids = append(ids, *resp.BackupId)
		time.Sleep(350 * time.Millisecond) // let it finish: one backup at a time
	}
	page, err := cli.ListBackupRecords(listReq(cloudemu.DCSInstance, 2))
	if err != nil {
		t.Fatal(err)
	}
	recs := *page.BackupRecordResponse
	if *page.TotalNum != 3 || len(recs) != 2 || *recs[0].BackupId != ids[2] || *recs[1].BackupId != ids[1] {
		t.Fatalf("first page: total %d, %d records; want 3 total, the 2 newest first", *page.TotalNum, len(recs))
	}
	r := recs[0]
	created, err := time.Parse(time.RFC3339Nano, *r.CreatedAt)
	if err != nil || r.Status.Value() != "succeed" || *r.Remark != "run-2" || r.BackupFormat.Value() != "rdb" ||
		*r.Progress != "100.00" || time.Since(created) > time.Minute {
		t.Fatalf("record %+v: want succeed, remark run-2, format rdb, progress 100.00, a recent created_at", r)
	}
	off := int32(2)
	rest, err := cli.ListBackupRecords(&dcsmodel.ListBackupRecordsRequest{InstanceId: cloudemu.DCSInstance, Offset: &off})
	if err != nil || len(*rest.BackupRecordResponse) != 1 || *(*rest.BackupRecordResponse)[0].BackupId != ids[0] {
		t.Fatalf("offset 2: %v %v, want the oldest backup", rest, err)
	}
	future := time.Now().UTC().Add(time.Hour).Format("20060102150405")
	none, err := cli.ListBackupRecords(&dcsmodel.ListBackupRecordsRequest{InstanceId: cloudemu.DCSInstance, BeginTime: &future})
	if err != nil || none.HttpStatusCode != 204 || none.TotalNum != nil || none.BackupRecordResponse != nil {
		t.Fatalf("begin_time in an hour: %v %v, want 204 with no body (ListBackupRecords.html status codes)", none, err)
	}
	running, _ := cli.CopyInstance(copyReq(cloudemu.DCSInstance, "running"))
	now, _ := cli.ListBackupRecords(listReq(cloudemu.DCSInstance, 1))
	if rec := (*now.BackupRecordResponse)[0]; *rec.BackupId != *running.BackupId || rec.Status.Value() != "backuping" {
		t.Fatalf("a running backup is listed as %s, want backuping", rec.Status.Value())
	}
}

// TestHuaweiRDSBackups: ListBackups finds a backup by ID with the SDK's
// field names and time format, BUILDING then COMPLETED, and filters.
func TestHuaweiRDSBackups(t *testing.T) {
	h := newHW(t, cloudemu.Options{BackupDuration: 300 * time.Millisecond})
	cli := h.rdsClient()
	desc := "nightly"
	created, err := cli.CreateManualBackup(&rdsmodel.CreateManualBackupRequest{Body: &rdsmodel.CreateManualBackupRequestBody{
		InstanceId: cloudemu.RDSInstance, Name: "nightly-1", Description: &desc}})
	if err != nil {
		t.Fatalf("CreateManualBackup: %v", err)
	}
	b := created.Backup
	if b.Status.Value() != "BUILDING" || b.Type.Value() != "manual" || b.Name != "nightly-1" || *b.Description != desc {
		t.Fatalf("created backup %+v", b)
	}
	get := func(q rdsmodel.ListBackupsRequest) []rdsmodel.BackupForList {
		t.Helper()
		q.InstanceId = cloudemu.RDSInstance
		resp, err := cli.ListBackups(&q)
		if err != nil {
			t.Fatalf("ListBackups: %v", err)
		}
		if int(*resp.TotalCount) != len(*resp.Backups) {
			t.Fatalf("total_count %d, %d backups", *resp.TotalCount, len(*resp.Backups))
		}
		return *resp.Backups
	}
	byID := get(rdsmodel.ListBackupsRequest{BackupId: &b.Id})
	if len(byID) != 1 || byID[0].Status.Value() != "BUILDING" || byID[0].BeginTime != b.BeginTime {
		t.Fatalf("by ID while running: %+v", byID)
	}
	if _, err := time.Parse("2006-01-02T15:04:05-0700", b.BeginTime); err != nil {
		t.Fatalf("begin_time %q is not yyyy-mm-ddThh:mm:ss+hhmm", b.BeginTime)
	}
	time.Sleep(350 * time.Millisecond)
	if done := get(rdsmodel.ListBackupsRequest{BackupId: &b.Id}); done[0].Status.Value() != "COMPLETED" || done[0].EndTime == "" {
		t.Fatalf("by ID after the duration: %+v", done)
	}
	auto := rdsmodel.GetListBackupsRequestBackupTypeEnum().AUTO
	if l := get(rdsmodel.ListBackupsRequest{BackupType: &auto}); len(l) != 0 {
		t.Fatalf("backup_type auto: %d backups, want none", len(l))
	}
	begin, end := time.Now().Add(time.Hour).Format("2006-01-02T15:04:05-0700"), time.Now().Add(2*time.Hour).Format("2006-01-02T15:04:05-0700")
	if l := get(rdsmodel.ListBackupsRequest{BeginTime: &begin, EndTime: &end}); len(l) != 0 {
		t.Fatalf("a window in the future: %d backups, want none", len(l))
	}
	other := "ffffffffffffffffffffffffffffffffbr01"
	if l := get(rdsmodel.ListBackupsRequest{BackupId: &other}); len(l) != 0 {
		t.Fatalf("another backup ID: %d backups, want none", len(l))
	}
}
