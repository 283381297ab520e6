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
// ListBackupRecords. Codes from the DCS API reference's error code table.

const (
	dcsMaxRemark  = 128              // DCS.4098
	dcsTimeFormat = "20060102150405" // begin_time, end_time (UTC)
	dcsCreatedAt  = "2006-01-02T15:04:05.000Z"
)

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
		e.hwFail(w, c, http.StatusNotFound, "DCS.4022", "This DCS instance does not exist.")
		return
	}
	bs, st := e.startBackup(Backup{Provider: HuaweiDCS, Region: in.Region, ProjectID: c.project,
		Instance: c.instance, Remark: req.Remark, Format: req.BackupFormat})
	switch {
	case st == stateLocked && in.Locked:
		e.hwFail(w, c, http.StatusBadRequest, "DCS.4017", "This DCS instance job task is still running.")
	case st == stateLocked:
		e.hwFail(w, c, http.StatusBadRequest, "DCS.4096", "the instance is backuping.")
	case st == stateUnsupported:
		e.hwFail(w, c, http.StatusBadRequest, "DCS.4086", "only master standby instance is support this action")
	case st != stateOK:
		e.hwFail(w, c, http.StatusNotFound, "DCS.4022", "This DCS instance does not exist.")
	default:
		e.hwStarted(w, c, bs)
		e.hwOK(w, c, map[string]string{"backup_id": bs[0].TaskID})
	}
}

// dcsRecord is one entry of backup_record_response.
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
		e.hwFail(w, c, http.StatusNotFound, "DCS.4022", "This DCS instance does not exist.")
		return
	}
	bs := e.findBackups(HuaweiDCS, func(b *Backup) bool {
		return b.Instance == c.instance && b.ProjectID == c.project &&
			!b.StartedAt.Before(begin) && !b.StartedAt.After(end)
	})
	out := []dcsRecord{}
	now := e.now()
	for i := len(bs) - 1 - offset; i >= 0 && len(out) < limit; i-- {
		out = append(out, dcsRecordOf(bs[i], now))
	}
	e.hwOK(w, c, map[string]any{"total_num": len(bs), "backup_record_response": out})
}

func dcsRecordOf(b Backup, now time.Time) dcsRecord {
	rec := dcsRecord{BackupID: b.TaskID, BackupName: "backup_" + b.StartedAt.UTC().Format(dcsTimeFormat),
		InstanceID: b.Instance, BackupType: "manual", CreatedAt: b.StartedAt.UTC().Format(dcsCreatedAt),
		UpdatedAt: b.StartedAt.UTC().Format(dcsCreatedAt), Remark: b.Remark, Status: "backuping",
		IsSupportRestore: "TRUE", BackupFormat: b.Format, ExecutionAt: b.StartedAt.UTC().Format(dcsCreatedAt),
		Progress: fmt.Sprintf("%.2f", hwProgress(b, now))}
	if b.Status == "done" {
		rec.Status, rec.Size = "succeed", 1<<20
		rec.UpdatedAt = b.DoneAt.UTC().Format(dcsCreatedAt)
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
