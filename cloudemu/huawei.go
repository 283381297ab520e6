package cloudemu

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
)

// Huawei Cloud: DCS (/v2/{project_id}/instances/{id}/backups) and RDS
// (/v3/{project_id}/backups) behind one API Gateway that checks the
// SDK-HMAC-SHA256 signature (huawei_sign.go) before the services see a call.
//
// Error bodies, by who answers:
//   - the gateway: {"error_code","error_msg","request_id"}, codes APIGW.*
//     (https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-errorcode.html,
//     body as in https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html);
//   - DCS v2: {"error_code","error_msg","error_ext_msg":null}
//     (https://support.huaweicloud.com/intl/en-us/api-dcs/CopyInstance.html, Tables 4–5:
//     error_ext_msg "is not used currently and is set to null");
//   - RDS v3: {"error_code","error_msg"} (RDS API reference, "Abnormal Request
//     Results", mirror opentelekomcloud-docs/relational-database-service
//     api-ref/source/appendix/abnormal_request_results.rst@03eecfd0).

// Huawei action names (the SDK's operation names).
const (
	ActDCSList = "ListBackupRecords"
	ActRDSList = "ListBackups"
)

// maxHuaweiBody bounds a request body.
const maxHuaweiBody = 1 << 20

// hwCall is one routed Huawei request.
type hwCall struct {
	provider, action   string
	project, instance  string // from the path; instance is "" for RDS
	body               []byte
	reqID              string
	handler            func(e *Emulator, w http.ResponseWriter, r *http.Request, c *hwCall)
	serverCode, srvMsg string // the service's internal error, for FaultServer
}

func (e *Emulator) serveHuawei(w http.ResponseWriter, r *http.Request) {
	c := routeHuawei(r.Method, r.URL.Path)
	c.reqID = fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64())
	w.Header().Set("X-Request-Id", c.reqID)
	if c.handler == nil {
		e.hwGateway(w, c, http.StatusNotFound, "APIGW.0101",
			"The API does not exist or has not been published in the environment")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxHuaweiBody+1))
	if err != nil || len(body) > maxHuaweiBody {
		e.hwGateway(w, c, http.StatusRequestEntityTooLarge, "APIGW.0602", "Bad request: the body is unreadable or too large")
		return
	}
	c.body = body
	if msg := e.verifyHuawei(r, body); msg != "" {
		e.hwGateway(w, c, http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: "+msg)
		return
	}
	if hdr := r.Header.Get("X-Project-Id"); c.project != HuaweiProject || (hdr != "" && hdr != c.project) {
		e.hwProjectError(w, c)
		return
	}
	e.hwRun(w, r, c)
}

// hwRun applies rate limits and faults to an authenticated call, then
// serves it.
func (e *Emulator) hwRun(w http.ResponseWriter, r *http.Request, c *hwCall) {
	switch e.admit(w, r, c.provider, c.action) {
	case FaultReset:
		return
	case FaultThrottle:
		e.hwGateway(w, c, http.StatusTooManyRequests, "APIGW.0308",
			"The throttling threshold has been reached: policy user over ratelimit")
		return
	case FaultServer:
		e.hwFail(w, c, http.StatusInternalServerError, c.serverCode, c.srvMsg)
		return
	case FaultLost:
		lw := &lostWriter{ResponseWriter: w, outcome: "lost"}
		c.handler(e, lw, r, c)
		e.record(c.provider, c.action, lw.outcome)
		e.lose(w, r)
		return
	}
	c.handler(e, w, r, c)
}

// routeHuawei maps a method and path to its call; handler is nil when no
// API matches.
func routeHuawei(method, path string) *hwCall {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	c := &hwCall{provider: HuaweiDCS, action: "Unknown"}
	switch {
	case len(parts) == 5 && parts[0] == "v2" && parts[2] == "instances" && parts[4] == "backups":
		c.project, c.instance = parts[1], parts[3]
		// DCS.5000 500 "Internal service error." (DCS error codes,
		// opentelekomcloud-docs/distributed-cache-service
		// api-ref/source/appendix/error_codes.rst@69c114d7).
		c.serverCode, c.srvMsg = "DCS.5000", "Internal service error."
		switch method {
		case http.MethodPost:
			c.action, c.handler = ActDCSBackup, (*Emulator).dcsCopyInstance
		case http.MethodGet:
			c.action, c.handler = ActDCSList, (*Emulator).dcsListBackupRecords
		}
	case len(parts) == 3 && parts[0] == "v3" && parts[2] == "backups":
		c.provider, c.project = HuaweiRDS, parts[1]
		// DBS.108000 500 "Server failure." (RDS error codes,
		// https://support.huaweicloud.com/intl/en-us/api-rds/rds_10_0201.html).
		c.serverCode, c.srvMsg = "DBS.108000", "Server failure."
		switch method {
		case http.MethodPost:
			c.action, c.handler = ActRDSBackup, (*Emulator).rdsCreateManualBackup
		case http.MethodGet:
			c.action, c.handler = ActRDSList, (*Emulator).rdsListBackups
		}
	case len(parts) > 0 && parts[0] == "v3":
		c.provider = HuaweiRDS
	}
	return c
}

// isHuaweiPath reports whether path is a Huawei DCS or RDS API path.
func isHuaweiPath(p string) bool {
	return len(p) > 4 && (p[:4] == "/v2/" || p[:4] == "/v3/" || (len(p) > 6 && p[:6] == "/v1.0/"))
}

// hwProjectError answers a call whose path project is not the caller's:
// DCS.1004 "Project ID does not match the token." (401, DCS error codes
// error_codes.rst@69c114d7) for DCS, DBS.200010 (403, not authorized, RDS
// error codes rds_10_0201) for RDS.
func (e *Emulator) hwProjectError(w http.ResponseWriter, c *hwCall) {
	if c.provider == HuaweiDCS {
		e.hwFail(w, c, http.StatusUnauthorized, "DCS.1004", "Project ID does not match the token.")
		return
	}
	e.hwFail(w, c, http.StatusForbidden, "DBS.200010",
		"The DB instance ID or user ID may be null, or the operation is not authorized.")
}

// hwGateway answers with an API Gateway error, which carries request_id.
func (e *Emulator) hwGateway(w http.ResponseWriter, c *hwCall, status int, code, msg string) {
	e.hwRecord(w, c, code)
	hwJSON(w, status, map[string]string{"error_code": code, "error_msg": msg, "request_id": c.reqID})
}

// hwFail answers with a service error: DCS {"error_code","error_msg",
// "error_ext_msg":null}, RDS {"error_code","error_msg"}.
func (e *Emulator) hwFail(w http.ResponseWriter, c *hwCall, status int, code, msg string) {
	e.hwRecord(w, c, code)
	if c.provider == HuaweiDCS {
		hwJSON(w, status, map[string]any{"error_code": code, "error_msg": msg, "error_ext_msg": nil})
		return
	}
	hwJSON(w, status, map[string]string{"error_code": code, "error_msg": msg})
}

// hwOK answers 200 with v.
func (e *Emulator) hwOK(w http.ResponseWriter, c *hwCall, v any) {
	e.hwRecord(w, c, "ok")
	hwJSON(w, http.StatusOK, v)
}

// hwRecord records the call's outcome, unless its response is to be lost:
// then serveHuawei records it once, after the work.
func (e *Emulator) hwRecord(w http.ResponseWriter, c *hwCall, outcome string) {
	if lw, ok := w.(*lostWriter); ok {
		if outcome != "ok" {
			lw.outcome = outcome
		}
		return
	}
	e.record(c.provider, c.action, outcome)
}

// hwStarted flags backups whose start response will be lost.
func (e *Emulator) hwStarted(w http.ResponseWriter, c *hwCall, bs []Backup) {
	if _, ok := w.(*lostWriter); !ok {
		return
	}
	ids := make([]string, len(bs))
	for i, b := range bs {
		ids[i] = b.TaskID
	}
	e.markLost(c.provider, ids)
}

func hwJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// lostWriter swallows the answer of a call whose response will be lost, so
// the handler can do its work unchanged.
type lostWriter struct {
	http.ResponseWriter
	hdr     http.Header
	outcome string
}

func (l *lostWriter) Header() http.Header {
	if l.hdr == nil {
		l.hdr = http.Header{}
	}
	return l.hdr
}
func (l *lostWriter) Write(b []byte) (int, error) { return len(b), nil }
func (l *lostWriter) WriteHeader(int)             {}

// hwInstance finds a Huawei instance by provider, project and ID, in any
// region (the endpoint's region is not visible behind a loopback address).
func (e *Emulator) hwInstance(provider, project, id string) (Instance, bool) {
	return e.Instance(provider, "", project, id)
}

// hwFinalStatuses are the statuses SetHuaweiBackupStatus accepts: the
// documented end states other than success. DCS BackupRecordResponse.Status
// (services/dcs/v2/model/model_backup_record_response.go@v0.1.207): failed,
// expired ("the backup file has expired"), deleted ("deleted manually");
// RDS BackupForList.Status (services/rds/v3/model/model_backup_for_list.go@v0.1.207):
// FAILED, DELETING.
var hwFinalStatuses = map[string][]string{
	HuaweiDCS: {"failed", "expired", "deleted"},
	HuaweiRDS: {"FAILED", "DELETING"},
}

// SetHuaweiBackupStatus is a test hook: from now on the DCS or RDS backup
// taskID is listed with status (see hwFinalStatuses), and no longer holds
// its instance. It reports whether the backup exists and the status is one
// the provider's API documents.
func (e *Emulator) SetHuaweiBackupStatus(provider, taskID, status string) bool {
	ok := false
	for _, s := range hwFinalStatuses[provider] {
		ok = ok || s == status
	}
	if !ok {
		return false
	}
	e.mu.Lock()
	found := false
	now := e.now()
	for _, b := range e.backups {
		if b.Provider == provider && b.TaskID == taskID {
			found = true
			b.FinalStatus = status
			if b.DoneAt.After(now) {
				b.DoneAt = now
			}
		}
	}
	e.mu.Unlock()
	return found
}

// hwFinalStatus is the status set by SetHuaweiBackupStatus for b, or "".
func (e *Emulator) hwFinalStatus(b Backup) string { return b.FinalStatus }

// HuaweiAutoBackup starts a backup of a DCS or RDS instance as its automatic
// backup policy would: listed with backup_type "auto" (DCS) or type "auto"
// (RDS), no remark and no backupfn name, holding the instance while it runs.
// It returns the backup's ID, or an error when the instance is missing, busy
// or cannot be backed up.
func (e *Emulator) HuaweiAutoBackup(provider, project, instance string) (string, error) {
	in, ok := e.hwInstance(provider, project, instance)
	if !ok {
		return "", fmt.Errorf("cloudemu: automatic backup: no %s instance %s in project %s", provider, instance, project)
	}
	b := Backup{Provider: provider, Region: in.Region, ProjectID: project, Instance: instance, Automatic: true}
	if provider == HuaweiRDS {
		now := e.now().UTC()
		b.Name = fmt.Sprintf("auto-%s%09d", now.Format("20060102150405"), now.Nanosecond()) // unique, as RDS keeps names
	}
	bs, st := e.startBackup(b)
	if st != stateOK {
		return "", fmt.Errorf("cloudemu: automatic backup of %s: %s", instance, st)
	}
	return bs[0].TaskID, nil
}
