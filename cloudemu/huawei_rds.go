package cloudemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Huawei Cloud RDS v3: CreateManualBackup and ListBackups.
//
// Sources: the SDK's models (huaweicloud-sdk-go-v3 services/rds/v3/model
// model_create_manual_backup_response.go, model_backup_info.go,
// model_list_backups_response.go, model_backup_for_list.go @v0.1.207), the
// API page https://support.huaweicloud.com/intl/en-us/api-rds/rds_09_0004.html
// (mirror opentelekomcloud-docs/relational-database-service
// api-ref/source/api_v3_recommended/backup_and_restoration/creating_a_manual_backup.rst@03eecfd0),
// and the RDS error code table (https://support.huaweicloud.com/intl/en-us/api-rds/rds_10_0201.html,
// mirror api-ref/source/appendix/error_codes.rst@03eecfd0); every code below
// is answered with the status listed there. CreateManualBackup answers
// {"backup":{...},"job_id":"..."}: the zh-cn page
// (https://support.huaweicloud.com/api-rds/rds_09_0004.html, table 4 and its
// response example, job_id "ff80808157127d9301571bf8160c001d") documents
// job_id beside backup, the SDK's CreateManualBackupResponse does not have it
// (the SDK ignores it); Options.HuaweiRDSNoJobID answers the SDK's reading.

// rdsTimeFormat is "yyyy-mm-ddThh:mm:ssZ" with Z a numeric offset (+0800).
const rdsTimeFormat = "2006-01-02T15:04:05-0700"

var rdsNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,63}$`)

type rdsDatabase struct {
	Name string `json:"name"`
}

// rdsCreateBody is the CreateManualBackup request body.
type rdsCreateBody struct {
	InstanceID  string        `json:"instance_id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Databases   []rdsDatabase `json:"databases"`
}

// rdsCreateManualBackup serves POST /v3/{project_id}/backups
// {"instance_id","name","description","databases"} → {"backup":{...}}.
func (e *Emulator) rdsCreateManualBackup(w http.ResponseWriter, r *http.Request, c *hwCall) {
	var req rdsCreateBody
	if len(bytes.TrimSpace(c.body)) == 0 {
		e.hwFail(w, c, http.StatusBadRequest, "DBS.200006", "The request is null. Enter a request parameter.")
		return
	}
	if code, msg := rdsCheckCreate(c.body, &req); code != "" {
		e.hwFail(w, c, http.StatusBadRequest, code, msg)
		return
	}
	in, ok := e.hwInstance(HuaweiRDS, c.project, req.InstanceID)
	if !ok { // 404 DBS.200002
		e.hwFail(w, c, http.StatusNotFound, "DBS.200002", "The DB instance does not exist.")
		return
	}
	var dbs []string
	for _, d := range req.Databases {
		dbs = append(dbs, d.Name)
	}
	if len(dbs) > 0 && in.Engine != "SQLServer" && in.Engine != "PostgreSQL" {
		e.hwFail(w, c, http.StatusBadRequest, "DBS.201207", "The DB engine or version is not supported.")
		return
	}
	bs, st := e.startBackup(Backup{Provider: HuaweiRDS, Region: in.Region, ProjectID: c.project,
		Instance: in.ID, Name: req.Name, Description: req.Description, Databases: dbs})
	if st != stateOK {
		e.rdsStateError(w, c, st, in)
		return
	}
	e.hwStarted(w, c, bs)
	b := bs[0]
	out := map[string]any{
		"id": b.TaskID, "instance_id": b.Instance, "name": b.Name, "description": b.Description,
		"begin_time": b.StartedAt.UTC().Format(rdsTimeFormat), "status": "BUILDING", "type": "manual",
	}
	if len(req.Databases) > 0 {
		out["databases"] = req.Databases
	}
	answer := map[string]any{"backup": out}
	if !e.opts.HuaweiRDSNoJobID {
		answer["job_id"] = fmt.Sprintf("%032x", e.hwJobID())
	}
	e.hwOK(w, c, answer)
}

// rdsCheckCreate decodes and checks a CreateManualBackup body; code is ""
// when it is valid.
func rdsCheckCreate(body []byte, v *rdsCreateBody) (code, msg string) {
	if json.Unmarshal(body, v) != nil {
		return "DBS.200001", "Parameter error. The body is not valid JSON."
	}
	switch {
	case v.InstanceID == "":
		return "DBS.200001", "Parameter error. instance_id is required."
	case !rdsNameRE.MatchString(v.Name):
		return "DBS.200001", "Parameter error. name must be 4 to 64 characters, start with a letter, and contain only letters, digits, hyphens and underscores."
	case utf8.RuneCountInString(v.Description) > 256 || strings.ContainsAny(v.Description, `>!<"&'=`):
		return "DBS.280127", "Invalid backup description."
	}
	for _, d := range v.Databases {
		if strings.TrimSpace(d.Name) == "" {
			return "DBS.200001", "Parameter error. A database name is empty."
		}
	}
	return "", ""
}

// rdsStateError answers a refused backup with the documented code and
// status (rds_10_0201): 409 DBS.200047 busy, 409 DBS.201205 "Backup is in
// progress, please wait.", 400 DBS.201014 "This operation is not allowed by
// the DB instance status." (read replicas cannot be backed up, rds_09_0004
// Constraints; the code is chosen from the table: the page names none),
// 409 DBS.201201 "The object already exists." (the backup name must be
// unique, rds_09_0004), 404 DBS.200002.
func (e *Emulator) rdsStateError(w http.ResponseWriter, c *hwCall, st errState, in Instance) {
	busy := "Another operation is being performed on the DB instance or the DB instance is faulty."
	switch {
	case st == stateLocked && in.Locked:
		e.hwFail(w, c, http.StatusConflict, "DBS.200047", busy)
	case st == stateLocked:
		e.hwFail(w, c, http.StatusConflict, "DBS.201205", "Backup is in progress, please wait.")
	case st == stateUnsupported:
		e.hwFail(w, c, http.StatusBadRequest, "DBS.201014", "This operation is not allowed by the DB instance status.")
	case st == stateNameExists:
		e.hwFail(w, c, http.StatusConflict, "DBS.201201", "The object already exists.")
	default:
		e.hwFail(w, c, http.StatusNotFound, "DBS.200002", "The DB instance does not exist.")
	}
}

// rdsListBackups serves GET /v3/{project_id}/backups?instance_id=&backup_id=
// &backup_type=&status=&offset=&limit=&begin_time=&end_time= →
// {"backups":[...],"total_count"}, newest first.
func (e *Emulator) rdsListBackups(w http.ResponseWriter, r *http.Request, c *hwCall) {
	q := r.URL.Query()
	f, msg := rdsListFilter(q)
	if msg != "" {
		e.hwFail(w, c, http.StatusBadRequest, "DBS.200001", "Parameter error. "+msg)
		return
	}
	in, ok := e.hwInstance(HuaweiRDS, c.project, q.Get("instance_id"))
	if !ok { // 404 DBS.200002
		e.hwFail(w, c, http.StatusNotFound, "DBS.200002", "The DB instance does not exist.")
		return
	}
	bs := e.findBackups(HuaweiRDS, func(b *Backup) bool {
		return b.Instance == in.ID && b.ProjectID == c.project && f.keep(b)
	})
	if f.status != "" {
		bs = slices.DeleteFunc(bs, func(b Backup) bool { return e.rdsStatus(b) != f.status })
	}
	out := []map[string]any{}
	for i := len(bs) - 1 - f.offset; i >= 0 && len(out) < f.limit; i-- {
		out = append(out, e.rdsBackupOf(bs[i], in))
	}
	e.hwOK(w, c, map[string]any{"backups": out, "total_count": len(bs)})
}

// rdsFilter is a parsed ListBackups query.
type rdsFilter struct {
	backupID, backupType, status string
	begin, end                   time.Time
	offset, limit                int
}

func (f rdsFilter) keep(b *Backup) bool {
	return (f.backupID == "" || b.TaskID == f.backupID) && (f.backupType == "" || f.backupType == rdsTypeOf(*b)) &&
		(f.begin.IsZero() || (!b.StartedAt.Before(f.begin) && !b.StartedAt.After(f.end)))
}

// rdsListFilter parses and checks the ListBackups query; msg is "" when valid.
func rdsListFilter(q map[string][]string) (f rdsFilter, msg string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var okO, okL bool
	f.backupID, f.backupType, f.status = get("backup_id"), get("backup_type"), get("status")
	f.offset, okO = hwQueryInt(get("offset"), 0, 0, 1<<30)
	f.limit, okL = hwQueryInt(get("limit"), 100, 1, 100)
	switch {
	case get("instance_id") == "":
		return f, "instance_id is required."
	case !okO || !okL:
		return f, "offset must be 0 or more and limit 1 to 100."
	case f.backupType != "" && !strings.Contains("|auto|manual|fragment|incremental|", "|"+f.backupType+"|"):
		return f, "backup_type must be auto, manual, fragment or incremental."
	case f.status != "" && !strings.Contains("|BUILDING|COMPLETED|FAILED|", "|"+f.status+"|"):
		return f, "status must be BUILDING, COMPLETED or FAILED."
	case (get("begin_time") == "") != (get("end_time") == ""):
		return f, "begin_time and end_time must be used together."
	}
	if get("begin_time") == "" {
		return f, ""
	}
	b, errB := time.Parse(rdsTimeFormat, get("begin_time"))
	e, errE := time.Parse(rdsTimeFormat, get("end_time"))
	if errB != nil || errE != nil || !e.After(b) {
		return f, "begin_time and end_time must be yyyy-mm-ddThh:mm:ss+hhmm, end after begin."
	}
	f.begin, f.end = b, e
	return f, ""
}

// rdsStatus is b's status, one of BackupForListStatusEnum: BUILDING while it
// runs, COMPLETED when done, or what SetHuaweiBackupStatus set (FAILED,
// DELETING).
func (e *Emulator) rdsStatus(b Backup) string {
	if s := e.hwFinalStatus(b); s != "" {
		return s
	}
	if b.Status == "done" {
		return "COMPLETED"
	}
	return "BUILDING"
}

// rdsBackupOf renders b as a ListBackups entry (BackupForList; datastore
// versions as in the page's examples: MySQL "8.0", SQL Server "2017_SE").
func (e *Emulator) rdsBackupOf(b Backup, in Instance) map[string]any {
	out := map[string]any{
		"id": b.TaskID, "instance_id": b.Instance, "name": b.Name, "begin_time": b.StartedAt.UTC().Format(rdsTimeFormat),
		"end_time": "", "status": e.rdsStatus(b), "type": rdsTypeOf(b), "size": 0, "associated_with_ddm": false,
		"datastore": map[string]string{"type": in.Engine, "version": rdsEngineVersion[in.Engine]},
	}
	if len(b.Databases) > 0 {
		dbs := make([]rdsDatabase, len(b.Databases))
		for i, d := range b.Databases {
			dbs[i] = rdsDatabase{Name: d}
		}
		out["databases"] = dbs
	}
	switch st := out["status"]; {
	case st == "COMPLETED", st == "DELETING":
		out["end_time"], out["size"] = b.DoneAt.UTC().Format(rdsTimeFormat), 2048
	case st == "FAILED":
		out["end_time"] = b.DoneAt.UTC().Format(rdsTimeFormat)
	}
	return out
}

var rdsEngineVersion = map[string]string{"MySQL": "8.0", "PostgreSQL": "14", "SQLServer": "2019_SE"}

// hwJobID is a new job number (job IDs are 32 lower-case hex digits, as in
// the page's example).
func (e *Emulator) hwJobID() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rng.Uint64()
}

// rdsTypeOf is b's BackupForList.Type: "auto" for a backup of the instance's
// backup policy, else "manual" (model_backup_for_list.go@v0.1.207 lists auto,
// manual, fragment, incremental).
func rdsTypeOf(b Backup) string {
	if b.Automatic {
		return "auto"
	}
	return "manual"
}
