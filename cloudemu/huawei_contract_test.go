package cloudemu_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	dcsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/model"
	rdsmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rds/v3/model"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/internal/fixture"
)

// The contract: every answer the emulator gives for a Huawei action decodes
// strictly (no field the SDK's model lacks, nothing after the value) into
// the official SDK's response model (huaweicloud-sdk-go-v3 @v0.1.207), and
// uses only the documented value domains.

var (
	// DCS backup IDs are UUIDs: "548ceeff-2cbb-47ab-9a1c-7b085a8c08d7"
	// (https://support.huaweicloud.com/intl/en-us/api-dcs/CopyInstance.html example).
	dcsBackupID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// RDS backup IDs: 32 hex digits and "br0N", "cb211c0075104151a748a854bc8bd87dbr01"
	// (https://support.huaweicloud.com/api-rds/rds_09_0004.html example).
	rdsBackupID = regexp.MustCompile(`^[0-9a-f]{32}br0[0-9]$`)
	// DCS progress "100.00" (ListBackupRecords.html example).
	dcsProgress = regexp.MustCompile(`^[0-9]{1,3}\.[0-9]{2}$`)
	// BackupRecordResponse.ErrorCode: dcs.08.0001–dcs.08.0008.
	dcsRecordError = regexp.MustCompile(`^dcs\.08\.000[1-8]$`)
)

const (
	dcsTime = "2006-01-02T15:04:05.000Z" // "2019-05-10T08:31:16.166Z" (ListBackupRecords.html example)
	rdsTime = "2006-01-02T15:04:05-0700" // "yyyy-mm-ddThh:mm:ssZ", Z an offset such as +0800 (BackupInfo.BeginTime)
)

// decodeStrict decodes an answer into an SDK model, or fails.
func decodeStrict(t *testing.T, what string, r hwResp, v any) {
	t.Helper()
	if err := fixture.DecodeStrict(r.raw, v); err != nil {
		t.Fatalf("%s: %s does not decode strictly into %T: %v", what, r.raw, v, err)
	}
}

func dcsStatuses() []string {
	e := dcsmodel.GetBackupRecordResponseStatusEnum()
	return []string{e.WAITING.Value(), e.BACKUPING.Value(), e.SUCCEED.Value(), e.FAILED.Value(), e.EXPIRED.Value(), e.DELETED.Value()}
}

func rdsStatuses() []string {
	e := rdsmodel.GetBackupForListStatusEnum()
	return []string{e.BUILDING.Value(), e.COMPLETED.Value(), e.FAILED.Value(), e.DELETING.Value()}
}

func checkDCSRecord(t *testing.T, r dcsmodel.BackupRecordResponse) {
	t.Helper()
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	if !dcsBackupID.MatchString(str(r.BackupId)) || str(r.InstanceId) == "" {
		t.Errorf("record %v: backup_id is not a UUID or no instance_id", r)
	}
	if r.Status == nil || !slices.Contains(dcsStatuses(), r.Status.Value()) {
		t.Errorf("record %v: status outside BackupRecordResponseStatusEnum", r)
	}
	types := dcsmodel.GetBackupRecordResponseBackupTypeEnum()
	if r.BackupType == nil || (r.BackupType.Value() != types.MANUAL.Value() && r.BackupType.Value() != types.AUTO.Value()) {
		t.Errorf("record %v: backup_type outside manual|auto", r)
	}
	formats := dcsmodel.GetBackupRecordResponseBackupFormatEnum()
	if r.BackupFormat == nil || (r.BackupFormat.Value() != formats.RDB.Value() && r.BackupFormat.Value() != formats.AOF.Value()) {
		t.Errorf("record %v: backup_format outside rdb|aof", r)
	}
	for name, v := range map[string]string{"created_at": str(r.CreatedAt), "updated_at": str(r.UpdatedAt), "execution_at": str(r.ExecutionAt)} {
		if _, err := time.Parse(dcsTime, v); err != nil {
			t.Errorf("record %v: %s %q is not like 2019-05-10T08:31:16.166Z", r, name, v)
		}
	}
	if !dcsProgress.MatchString(str(r.Progress)) {
		t.Errorf("record %v: progress %q is not like 100.00", r, str(r.Progress))
	}
	if s := str(r.IsSupportRestore); s != "TRUE" && s != "FALSE" {
		t.Errorf("record %v: is_support_restore %q, want TRUE or FALSE", r, s)
	}
	if r.ErrorCode != nil && !dcsRecordError.MatchString(*r.ErrorCode) {
		t.Errorf("record %v: error_code %q outside dcs.08.0001–0008", r, *r.ErrorCode)
	}
}

func checkRDSBackup(t *testing.T, b rdsmodel.BackupForList) {
	t.Helper()
	if !rdsBackupID.MatchString(b.Id) || !slices.Contains(rdsStatuses(), b.Status.Value()) || b.Type.Value() != "manual" {
		t.Errorf("backup %v: id, status or type outside the documented domains", b)
	}
	if _, err := time.Parse(rdsTime, b.BeginTime); err != nil {
		t.Errorf("backup %v: begin_time %q is not yyyy-mm-ddThh:mm:ss+hhmm", b, b.BeginTime)
	}
	if _, err := time.Parse(rdsTime, b.EndTime); b.EndTime != "" && err != nil {
		t.Errorf("backup %v: end_time %q is not yyyy-mm-ddThh:mm:ss+hhmm", b, b.EndTime)
	}
	dt := rdsmodel.GetBackupDatastoreTypeEnum()
	if b.Datastore == nil || !slices.Contains([]string{dt.MY_SQL.Value(), dt.POSTGRE_SQL.Value(), dt.SQL_SERVER.Value(), dt.MARIA_DB.Value()}, b.Datastore.Type.Value()) {
		t.Errorf("backup %v: datastore type outside BackupDatastoreTypeEnum", b)
	}
}

// TestHuaweiDCSContract: CopyInstance and ListBackupRecords answers, in
// every status the emulator gives, are the SDK's models.
func TestHuaweiDCSContract(t *testing.T) {
	h := newHW(t, cloudemu.Options{BackupDuration: time.Hour})
	s := h.signer()
	list := func() dcsmodel.ListBackupRecordsResponse {
		t.Helper()
		r := h.send(t, s, http.MethodGet, dcsPath(cloudemu.DCSInstance)+"?offset=0&limit=1000", "", nil)
		var out dcsmodel.ListBackupRecordsResponse
		decodeStrict(t, "ListBackupRecords", r, &out)
		if r.status != 200 || out.TotalNum == nil || out.BackupRecordResponse == nil {
			t.Fatalf("ListBackupRecords: %d %s", r.status, r.raw)
		}
		for _, rec := range *out.BackupRecordResponse {
			checkDCSRecord(t, rec)
		}
		return out
	}
	if r := h.send(t, s, http.MethodGet, dcsPath(cloudemu.DCSInstance), "", nil); r.status != 204 || len(r.raw) != 0 {
		t.Fatalf("no records yet: %d %q, want 204 and no body (ListBackupRecords.html status codes)", r.status, r.raw)
	}
	var ids []string
	for i, status := range []string{"expired", "deleted", "failed", ""} {
		r := h.send(t, s, http.MethodPost, dcsPath(cloudemu.DCSInstance), fmt.Sprintf(`{"remark":"run-%d","backup_format":"rdb"}`, i), nil)
		var out dcsmodel.CopyInstanceResponse
		decodeStrict(t, "CopyInstance", r, &out)
		if r.status != 200 || out.BackupId == nil || !dcsBackupID.MatchString(*out.BackupId) {
			t.Fatalf("CopyInstance: %d %s, want 200 and a UUID backup_id", r.status, r.raw)
		}
		ids = append(ids, *out.BackupId)
		if status != "" && !h.emu.SetHuaweiBackupStatus(cloudemu.HuaweiDCS, *out.BackupId, status) {
			t.Fatalf("SetHuaweiBackupStatus(%s) refused", status)
		}
	}
	recs := *list().BackupRecordResponse
	got := map[string]string{}
	for _, rec := range recs {
		got[*rec.BackupId] = rec.Status.Value()
	}
	want := map[string]string{ids[0]: "expired", ids[1]: "deleted", ids[2]: "failed", ids[3]: "backuping"}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("backup %s listed %q, want %q", id, got[id], st)
		}
	}
	for _, rec := range recs {
		if st := rec.Status.Value(); st == "failed" && rec.ErrorCode == nil {
			t.Errorf("a failed record carries no error_code: %v", rec)
		}
	}
	// Error answers: the DCS body {"error_code","error_msg","error_ext_msg":null}.
	for _, c := range []struct {
		path, body string
		status     int
		code       string
	}{
		{dcsPath("dcs-missing-0000"), `{}`, 404, "DCS.3022"},
		{dcsPath(cloudemu.DCSInstance), `{}`, 400, "DCS.4096"}, // ids[3] still runs
		{dcsPath(cloudemu.DCSLocked), `{}`, 400, "DCS.4017"},
		{dcsPath(cloudemu.DCSSingleNode), `{}`, 400, "DCS.4086"},
	} {
		r := h.send(t, s, http.MethodPost, c.path, c.body, nil)
		var e struct {
			ErrorCode   string  `json:"error_code"`
			ErrorMsg    string  `json:"error_msg"`
			ErrorExtMsg *string `json:"error_ext_msg"`
		}
		decodeStrict(t, c.code, r, &e)
		if r.status != c.status || e.ErrorCode != c.code || e.ErrorMsg == "" || e.ErrorExtMsg != nil {
			t.Errorf("%s: %d %s, want %d %s with error_msg and a null error_ext_msg", c.path, r.status, r.raw, c.status, c.code)
		}
	}
}

// rdsCreateDoc is CreateManualBackup's answer as the two official sources
// together define it: the SDK's model (services/rds/v3/model
// model_create_manual_backup_response.go@v0.1.207: "backup") and the zh-cn
// API page (https://support.huaweicloud.com/api-rds/rds_09_0004.html table 4:
// "job_id", a String).
type rdsCreateDoc struct {
	Backup *rdsmodel.BackupInfo `json:"backup,omitempty"`
	JobID  *string              `json:"job_id,omitempty"`
}

// TestHuaweiRDSJobID: the emulator answers job_id as the API page does, or
// leaves it out as the SDK's model reads the answer; the SDK model decodes
// both (it ignores job_id), strict decoding shows nothing else is added.
func TestHuaweiRDSJobID(t *testing.T) {
	for _, noJob := range []bool{false, true} {
		h := newHW(t, cloudemu.Options{BackupDuration: -1, HuaweiRDSNoJobID: noJob})
		r := h.send(t, h.signer(), http.MethodPost, rdsPath, rdsBody(cloudemu.RDSInstance, "nightly-job", ""), nil)
		var doc rdsCreateDoc
		decodeStrict(t, "CreateManualBackup", r, &doc)
		switch {
		case r.status != 200 || doc.Backup == nil:
			t.Fatalf("CreateManualBackup: %d %s", r.status, r.raw)
		case noJob && doc.JobID != nil:
			t.Fatalf("HuaweiRDSNoJobID: the answer has job_id: %s", r.raw)
		case !noJob && (doc.JobID == nil || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(*doc.JobID)):
			t.Fatalf("job_id missing or not 32 hex digits: %s", r.raw)
		}
	}
}

// TestHuaweiRDSContract: CreateManualBackup and ListBackups answers are the
// SDK's models, with the page's job_id beside "backup" (rdsCreateDoc).
func TestHuaweiRDSContract(t *testing.T) {
	h := newHW(t, cloudemu.Options{BackupDuration: -1})
	s := h.signer()
	var ids []string
	for i, status := range []string{"FAILED", "DELETING", ""} {
		r := h.send(t, s, http.MethodPost, rdsPath, rdsBody(cloudemu.RDSInstance, fmt.Sprintf("nightly-%d", i), `,"description":"manual backup"`), nil)
		var out rdsCreateDoc
		decodeStrict(t, "CreateManualBackup", r, &out)
		b := out.Backup
		if r.status != 200 || b == nil || !rdsBackupID.MatchString(b.Id) || b.Status.Value() != "BUILDING" || b.Type.Value() != "manual" {
			t.Fatalf("CreateManualBackup: %d %s", r.status, r.raw)
		}
		if _, err := time.Parse(rdsTime, b.BeginTime); err != nil {
			t.Fatalf("begin_time %q is not yyyy-mm-ddThh:mm:ss+hhmm", b.BeginTime)
		}
		ids = append(ids, b.Id)
		if status != "" && !h.emu.SetHuaweiBackupStatus(cloudemu.HuaweiRDS, b.Id, status) {
			t.Fatalf("SetHuaweiBackupStatus(%s) refused", status)
		}
	}
	r := h.send(t, s, http.MethodGet, rdsPath+"?instance_id="+cloudemu.RDSInstance, "", nil)
	var out rdsmodel.ListBackupsResponse
	decodeStrict(t, "ListBackups", r, &out)
	if r.status != 200 || out.TotalCount == nil || out.Backups == nil || len(*out.Backups) != 3 {
		t.Fatalf("ListBackups: %d %s", r.status, r.raw)
	}
	got := map[string]string{}
	for _, b := range *out.Backups {
		checkRDSBackup(t, b)
		got[b.Id] = b.Status.Value()
	}
	if got[ids[0]] != "FAILED" || got[ids[1]] != "DELETING" || got[ids[2]] != "COMPLETED" {
		t.Errorf("statuses %v, want FAILED, DELETING, COMPLETED", got)
	}
	// Error answers: the RDS body {"error_code","error_msg"}.
	for _, c := range []struct {
		body   string
		status int
		code   string
	}{
		{rdsBody("00000000000000000000000000000000in01", "nightly-x", ""), 404, "DBS.200002"},
		{rdsBody(cloudemu.RDSInstance, "nightly-0", ""), 409, "DBS.201201"},
		{rdsBody(cloudemu.RDSLocked, "nightly-y", ""), 409, "DBS.200047"},
		{rdsBody(cloudemu.RDSReplica, "nightly-z", ""), 400, "DBS.201014"},
	} {
		r := h.send(t, s, http.MethodPost, rdsPath, c.body, nil)
		var e struct {
			ErrorCode string `json:"error_code"`
			ErrorMsg  string `json:"error_msg"`
		}
		decodeStrict(t, c.code, r, &e)
		if r.status != c.status || e.ErrorCode != c.code || e.ErrorMsg == "" {
			t.Errorf("%s: %d %s, want %d %s", c.body, r.status, r.raw, c.status, c.code)
		}
	}
}

// TestHuaweiGatewayContract: gateway errors are {"error_code","error_msg",
// "request_id"} (https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html).
func TestHuaweiGatewayContract(t *testing.T) {
	h := newHW(t, cloudemu.Options{})
	h.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultThrottle, Count: 1})
	for _, c := range []struct {
		signer *hwSigner
		status int
		code   string
	}{
		{h.signer(), 429, "APIGW.0308"},
		{nil, 401, "APIGW.0301"},
	} {
		r := h.send(t, c.signer, http.MethodPost, dcsPath(cloudemu.DCSInstance), `{}`, nil)
		var e struct {
			ErrorCode string `json:"error_code"`
			ErrorMsg  string `json:"error_msg"`
			RequestID string `json:"request_id"`
		}
		decodeStrict(t, c.code, r, &e)
		if r.status != c.status || e.ErrorCode != c.code || e.ErrorMsg == "" || e.RequestID != r.reqID {
			t.Errorf("%d %s, want %d %s with the request ID", r.status, r.raw, c.status, c.code)
		}
	}
}

// TestHuaweiSetBackupStatus: the hook takes only documented end states and
// known backups, and a backup so ended no longer holds its instance.
func TestHuaweiSetBackupStatus(t *testing.T) {
	h := newHW(t, cloudemu.Options{BackupDuration: time.Hour})
	s := h.signer()
	r := h.send(t, s, http.MethodPost, dcsPath(cloudemu.DCSInstance), `{}`, nil)
	id, _ := r.body["backup_id"].(string)
	for _, c := range []struct {
		provider, id, status string
	}{
		{cloudemu.HuaweiDCS, id, "succeed"},
		{cloudemu.HuaweiDCS, id, "EXPIRED"},
		{cloudemu.HuaweiDCS, "00000000-0000-0000-0000-000000000000", "expired"},
		{cloudemu.HuaweiRDS, id, "FAILED"},
	} {
		if h.emu.SetHuaweiBackupStatus(c.provider, c.id, c.status) {
			t.Errorf("SetHuaweiBackupStatus(%s, %s, %s) accepted", c.provider, c.id, c.status)
		}
	}
	if !h.emu.SetHuaweiBackupStatus(cloudemu.HuaweiDCS, id, "failed") {
		t.Fatal("SetHuaweiBackupStatus(failed) refused")
	}
	if r := h.send(t, s, http.MethodPost, dcsPath(cloudemu.DCSInstance), `{}`, nil); r.status != 200 {
		t.Fatalf("a backup after the running one failed: %d %v, want 200", r.status, r.body)
	}
}
