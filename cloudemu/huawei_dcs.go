package cloudemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// Huawei Cloud DCS v2: CopyInstance (back up an instance) and
// ListBackupRecords.
//
// Sources: the SDK's models (huaweicloud-sdk-go-v3 services/dcs/v2/model
// model_copy_instance_response.go, model_list_backup_records_response.go,
// model_backup_record_response.go @v0.1.207), the API pages
// https://support.huaweicloud.com/intl/en-us/api-dcs/CopyInstance.html and
// .../api-dcs/ListBackupRecords.html (mirror opentelekomcloud-docs/distributed-cache-service
// api-ref/source/apis_v2_recommended/backup_and_restoration/*.rst@69c114d7),
// and the DCS error code table (.../api-dcs/ErrorCode.html, mirror
// api-ref/source/appendix/error_codes.rst@69c114d7). Every error code below
// is answered with the status that table lists.

const (
	dcsMaxRemark  = 128              // DCS.4098
	dcsTimeFormat = "20060102150405" // begin_time, end_time (UTC), ListBackupRecords.html Table 2
	// created_at, updated_at: "2019-05-10T08:31:16.166Z" (ListBackupRecords.html example).
	dcsCreatedAt = "2006-01-02T15:04:05.000Z"
)

// dcsNameZone: the example's backup_name "backup_20190510163116" is its
// created_at 08:31:16Z in UTC+8 (ListBackupRecords.html example).
var dcsNameZone = time.FixedZone("UTC+8", 8*3600)

// dcsNoInstance answers a missing instance (or one of another project):
// 404 DCS.3022 "This DCS instance does not exist." (error_codes.rst@69c114d7;
// DCS.4022 is 400 "Engine does not match the product id." there, and was
// listed as a second 404 "does not exist" only in its 2022 version 0a7fd1de).
func (e *Emulator) dcsNoInstance(w http.ResponseWriter, c *hwCall) {
	e.hwFail(w, c, http.StatusNotFound, "DCS.3022", "This DCS instance does not exist.")
}

// dcsCopyInstance serves POST /v2/{project_id}/instances/{instance_id}/backups
// {"remark","backup_format"} → {"backup_id"}.
func (e *Emulator) dcsCopyInstance(w http.ResponseWriter, r *http.Request, c *hwCall) {
	var req struct {
		Remark       string `json:"remark"`
		BackupFormat string `json:"backup_format"`
	}
	if len(bytes.TrimSpace(c.body)) > 0 && json.Unmarshal(c.body, &req) != nil {
		e.hwFail(w, c, http.StatusBadRequest, "DCS.4005", "The message body contains invalid characters or is not in JSON format.")
		return
	}
	if utf8.RuneCountInString(req.Remark) > dcsMaxRemark {
		e.hwFail(w, c, http.StatusBadRequest, "DCS.4098", "The value of the remark parameter must be 0 to 128 characters in length.")
		return
	}
	switch req.BackupFormat {
	case "":
		req.BackupFormat = "rdb"
	case "rdb", "aof":
	default:
		e.hwFail(w, c, http.StatusBadRequest, "DCS.4063", "Invalid backup_format parameter in the request.")
		return
	}
	in, ok := e.hwInstance(HuaweiDCS, c.project, c.instance)
	if !ok {
		e.dcsNoInstance(w, c)
		return
	}
	bs, st := e.startBackup(Backup{Provider: HuaweiDCS, Region: in.Region, ProjectID: c.project,
		Instance: c.instance, Remark: req.Remark, Format: req.BackupFormat})
	switch {
	case st == stateLocked && in.Locked: // 400 DCS.4017
		e.hwFail(w, c, http.StatusBadRequest, "DCS.4017", "This DCS instance job task is still running.")
	case st == stateLocked: // 400 DCS.4096
		e.hwFail(w, c, http.StatusBadRequest, "DCS.4096", "the instance is backuping.")
	case st == stateUnsupported: // 400 DCS.4086 (CopyInstance.html: single-node instances cannot be backed up)
		e.hwFail(w, c, http.StatusBadRequest, "DCS.4086", "only master standby instance is support this action")
	case st != stateOK:
		e.dcsNoInstance(w, c)
	default:
		// 200 {"backup_id"}: CopyInstanceResponse; the ID is a UUID as in
		// the CopyInstance.html example "548ceeff-2cbb-47ab-9a1c-7b085a8c08d7".
		e.hwStarted(w, c, bs)
		e.hwOK(w, c, map[string]string{"backup_id": bs[0].TaskID})
	}
}

// dcsRecord is one entry of backup_record_response, the fields of the SDK's
// BackupRecordResponse. The doc example writes period and error_code as {}
// (objects), which the SDK, whose model has them as strings, cannot decode
// (see providers/huaweidcs/testdata/fixtures): here they are strings or null.
type dcsRecord struct {
	BackupID         string  `json:"backup_id"`
	Period           string  `json:"period"`
	BackupName       string  `json:"backup_name"`
	InstanceID       string  `json:"instance_id"`
	Size             int64   `json:"size"`
	BackupType       string  `json:"backup_type"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
	Progress         string  `json:"progress"`
	ErrorCode        *string `json:"error_code"`
	Remark           string  `json:"remark"`
	Status           string  `json:"status"`
	IsSupportRestore string  `json:"is_support_restore"`
	BackupFormat     string  `json:"backup_format"`
	ExecutionAt      string  `json:"execution_at"`
}

// dcsListBackupRecords serves GET /v2/{project_id}/instances/{instance_id}/backups
// ?begin_time=&end_time=&offset=&limit= → {"total_num","backup_record_response"},
// newest first.
func (e *Emulator) dcsListBackupRecords(w http.ResponseWriter, r *http.Request, c *hwCall) {
	q := r.URL.Query()
	begin, okB := dcsQueryTime(q.Get("begin_time"), time.Time{})
	end, okE := dcsQueryTime(q.Get("end_time"), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	offset, okO := hwQueryInt(q.Get("offset"), 0, 0, 1<<30)
	limit, okL := hwQueryInt(q.Get("limit"), 10, 1, 1000)
	for _, p := range []struct {
		name string
		ok   bool
	}{{"begin_time", okB}, {"end_time", okE}, {"offset", okO}, {"limit", okL}} {
		if !p.ok {
			e.hwFail(w, c, http.StatusBadRequest, "DCS.4063", "Invalid "+p.name+" parameter in the request.")
			return
		}
	}
	if _, ok := e.hwInstance(HuaweiDCS, c.project, c.instance); !ok {
		e.dcsNoInstance(w, c)
		return
	}
	bs := e.findBackups(HuaweiDCS, func(b *Backup) bool {
		return b.Instance == c.instance && b.ProjectID == c.project &&
			!b.StartedAt.Before(begin) && !b.StartedAt.After(end)
	})
	if len(bs) == 0 {
		// ListBackupRecords.html, Status Codes: "204 No DCS instance backup
		// record is found." (no body).
		e.hwRecord(w, c, "ok")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	out := []dcsRecord{}
	now := e.now()
	for i := len(bs) - 1 - offset; i >= 0 && len(out) < limit; i-- {
		out = append(out, e.dcsRecordOf(bs[i], now))
	}
	e.hwOK(w, c, map[string]any{"total_num": len(bs), "backup_record_response": out})
}

// dcsRecordOf renders b. status is one of BackupRecordResponseStatusEnum:
// backuping while it runs, succeed when done, or what
// SetHuaweiBackupStatus set (failed, expired, deleted).
func (e *Emulator) dcsRecordOf(b Backup, now time.Time) dcsRecord {
	rec := dcsRecord{BackupID: b.TaskID, BackupName: "backup_" + b.StartedAt.In(dcsNameZone).Format(dcsTimeFormat),
		InstanceID: b.Instance, BackupType: "manual", CreatedAt: b.StartedAt.UTC().Format(dcsCreatedAt),
		UpdatedAt: b.StartedAt.UTC().Format(dcsCreatedAt), Remark: b.Remark, Status: "backuping",
		IsSupportRestore: "FALSE", BackupFormat: b.Format, ExecutionAt: b.StartedAt.UTC().Format(dcsCreatedAt),
		Progress: fmt.Sprintf("%.2f", hwProgress(b, now))}
	if b.Automatic { // BackupRecordResponse.BackupType: "auto" or "manual" (model_backup_record_response.go@v0.1.207)
		rec.BackupType = "auto"
	}
	if b.Status == "done" {
		rec.Status, rec.Size, rec.IsSupportRestore = "succeed", 1<<20, "TRUE"
		rec.UpdatedAt = b.DoneAt.UTC().Format(dcsCreatedAt)
	}
	switch final := e.hwFinalStatus(b); final {
	case "failed":
		// error_code: one of the documented dcs.08.000x (BackupRecordResponse.ErrorCode).
		code := "dcs.08.0002" // "Execution timed out."
		rec.Status, rec.Size, rec.IsSupportRestore, rec.ErrorCode = final, 0, "FALSE", &code
	case "expired", "deleted":
		rec.Status, rec.IsSupportRestore = final, "FALSE" // the file is gone
	}
	return rec
}

// hwProgress is the percentage of b's duration elapsed at now.
func hwProgress(b Backup, now time.Time) float64 {
	total := b.DoneAt.Sub(b.StartedAt)
	if b.Status == "done" || total <= 0 {
		return 100
	}
	return min(100, 100*float64(now.Sub(b.StartedAt))/float64(total))
}

// dcsQueryTime parses a yyyyMMddHHmmss (UTC) query time; empty gives def.
func dcsQueryTime(s string, def time.Time) (time.Time, bool) {
	if s == "" {
		return def, true
	}
	t, err := time.Parse(dcsTimeFormat, s)
	return t, err == nil
}

// hwQueryInt parses an integer query parameter in [lo, hi]; empty gives def.
func hwQueryInt(s string, def, lo, hi int) (int, bool) {
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= lo && n <= hi
}
