package cloudemu

// Tencent Cloud Redis (redis 2018-04-12), API 3.0: POST / with a JSON body
// (or GET / with the parameters in the query), the action, version, region,
// timestamp and STS token in X-TC-* headers, signed with TC3-HMAC-SHA256.
// Every answer, errors included, is HTTP 200 with {"Response": {...,
// "RequestId"}}; an error carries "Error": {"Code", "Message"}.
//
// Task IDs and backup IDs: ManualBackupInstance returns the integer TaskId of
// the backup flow; DescribeTaskInfo takes that TaskId. DescribeInstanceBackups
// lists backups by BackupId (a long decimal string, not the TaskId) and has no
// TaskId field, as on the real API; DescribeTaskList lists the flows
// (TaskType FLOW_BACKUPINSTANCE) with their TaskId and StartTime, which is how
// a client gets from a listed backup back to its task. Times are Beijing time
// (UTC+8) as "2006-01-02 15:04:05", as the real API writes them.

import (
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	tcVersion     = "2018-04-12"
	tcLayout      = "2006-01-02 15:04:05"
	tcWindow      = 5 * time.Minute
	tcMaxRemark   = 128  // not documented: bounded leniently
	tcMaxDays     = 1825 // StorageDays range [0, 1825]
	tcMaxSpan     = 30 * 24 * time.Hour
	tcBackupFlow  = "FLOW_BACKUPINSTANCE"
	tcActTaskInfo = "DescribeTaskInfo"
	tcActBackups  = "DescribeInstanceBackups"
	tcActTaskList = "DescribeTaskList"
)

// tcCST is Beijing time, in which the API reads and writes times.
var tcCST = time.FixedZone("UTC+8", 8*3600)

// tcErr is one error answer.
type tcErr struct{ code, msg string }

func tcBad(code, format string, args ...any) *tcErr {
	return &tcErr{code, fmt.Sprintf(format, args...)}
}

var tcStateErr = map[errState]*tcErr{
	stateNotFound:    {"ResourceNotFound.InstanceNotExists", "The instance does not exist."},
	stateLocked:      {"ResourceUnavailable.InstanceLockedError", "The instance is locked by another flow."},
	stateUnsupported: {"UnsupportedOperation", "The instance does not support this operation."},
}

// tcReq is an authenticated request.
type tcReq struct {
	region string
	p      map[string]any
}

// tcHandler runs one action: the answer's fields, the task IDs it started,
// or an error.
type tcHandler func(e *Emulator, q tcReq) (map[string]any, []string, *tcErr)

var tcActions = map[string]tcHandler{
	ActTencentBackup: (*Emulator).tcBackup,
	tcActTaskInfo:    (*Emulator).tcTaskInfo,
	tcActBackups:     (*Emulator).tcBackups,
	tcActTaskList:    (*Emulator).tcTaskList,
}

func (e *Emulator) serveTencent(w http.ResponseWriter, r *http.Request) {
	rid := tcRequestID()
	action := r.Header.Get("X-TC-Action")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	fail := func(te *tcErr) {
		e.record(TencentRedis, action, te.code)
		tcWrite(w, rid, map[string]any{"Error": map[string]string{"Code": te.code, "Message": te.msg}})
	}
	if te := e.tcAuth(r, body); te != nil {
		fail(te)
		return
	}
	fault := e.admit(w, r, TencentRedis, action)
	switch fault {
	case FaultReset:
		return
	case FaultThrottle:
		fail(tcBad("RequestLimitExceeded", "Your current request times equals to `%d` in a second, which exceeds the frequency limit.", 20))
		return
	case FaultServer:
		fail(tcBad("InternalError", "An internal error has occurred. Retry your request."))
		return
	}
	out, ids, te := e.tcRun(r, body, action)
	if fault == FaultLost { // the work is done (or refused); the answer is lost
		e.markLost(TencentRedis, ids)
		e.record(TencentRedis, action, "lost")
		e.lose(w, r)
		return
	}
	if te != nil {
		fail(te)
		return
	}
	e.record(TencentRedis, action, "ok")
	tcWrite(w, rid, out)
}

// tcRun checks the version and action and runs it.
func (e *Emulator) tcRun(r *http.Request, body []byte, action string) (map[string]any, []string, *tcErr) {
	h, ok := tcActions[action]
	if !ok {
		return nil, nil, tcBad("InvalidAction", "The action %q is not found.", action)
	}
	if v := r.Header.Get("X-TC-Version"); v != tcVersion {
		return nil, nil, tcBad("NoSuchVersion", "The API version %q is not found.", v)
	}
	q := tcReq{region: r.Header.Get("X-TC-Region")}
	if q.region == "" {
		return nil, nil, tcBad("MissingParameter", "The request is missing the required parameter `Region`.")
	}
	var te *tcErr
	if q.p, te = tcParams(r, body); te != nil {
		return nil, nil, te
	}
	return h(e, q)
}

// tcAuth verifies TC3-HMAC-SHA256 from what the request says: the scope's
// date and service as sent, the signed headers it names (host with or
// without the port), and the payload hash or UNSIGNED-PAYLOAD.
func (e *Emulator) tcAuth(r *http.Request, body []byte) *tcErr {
	creds := e.opts.Tencent
	algo, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	f := map[string]string{}
	for _, kv := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		f[k] = v
	}
	scope := strings.Split(f["Credential"], "/")
	signed := strings.Split(f["SignedHeaders"], ";")
	if algo != "TC3-HMAC-SHA256" || len(scope) != 4 || scope[3] != "tc3_request" || f["Signature"] == "" ||
		!slices.Contains(signed, "host") || !slices.Contains(signed, "content-type") {
		return tcBad("AuthFailure.InvalidAuthorization", "The Authorization header is not a valid TC3-HMAC-SHA256 authorization.")
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return tcBad("MissingParameter", "The request is missing a valid `X-TC-Timestamp`.")
	}
	if d := e.now().Sub(time.Unix(ts, 0)); d > tcWindow || d < -tcWindow {
		return tcBad("AuthFailure.SignatureExpire", "The signature expired: the timestamp differs from the server time by more than 5 minutes.")
	}
	if scope[0] != creds.ID {
		return tcBad("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
	}
	if scope[1] != time.Unix(ts, 0).UTC().Format("2006-01-02") || !tcSignatureOK(r, body, creds.Secret, ts, scope, signed, f["Signature"]) {
		return tcBad("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
	}
	if creds.Token != "" && !hmac.Equal([]byte(r.Header.Get("X-TC-Token")), []byte(creds.Token)) {
		return tcBad("AuthFailure.TokenFailure", "The token is missing or invalid.")
	}
	return nil
}

func tcSignatureOK(r *http.Request, body []byte, secret string, ts int64, scope, signed []string, sig string) bool {
	payload := tcHex(body)
	if r.Header.Get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD" {
		payload = tcHex([]byte("UNSIGNED-PAYLOAD"))
	}
	query := ""
	if r.Method == http.MethodGet {
		query = r.URL.RawQuery
	}
	key := tcHMAC(tcHMAC(tcHMAC([]byte("TC3"+secret), scope[1]), scope[2]), "tc3_request")
	hosts := []string{r.Host}
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		hosts = append(hosts, h)
	}
	for _, host := range hosts {
		var hdrs strings.Builder
		for _, name := range signed {
			v := r.Header.Get(name)
			if name == "host" {
				v = host
			}
			hdrs.WriteString(name + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
		}
		canon := strings.Join([]string{r.Method, "/", query, hdrs.String(), strings.Join(signed, ";"), payload}, "\n")
		sts := fmt.Sprintf("TC3-HMAC-SHA256\n%d\n%s\n%s", ts, strings.Join(scope[1:], "/"), tcHex([]byte(canon)))
		if hmac.Equal([]byte(hex.EncodeToString(tcHMAC(key, sts))), []byte(sig)) {
			return true
		}
	}
	return false
}

// tcBackup is ManualBackupInstance.
func (e *Emulator) tcBackup(q tcReq) (map[string]any, []string, *tcErr) {
	if te := tcKnown(q.p, "InstanceId", "Remark", "StorageDays"); te != nil {
		return nil, nil, te
	}
	id, te := tcString(q.p, "InstanceId", true)
	remark, te2 := tcString(q.p, "Remark", false)
	_, te3 := tcInt(q.p, "StorageDays", 0, 0, tcMaxDays) // retention is not modelled
	if te = tcFirst(te, te2, te3); te != nil {
		return nil, nil, te
	}
	if utf8.RuneCountInString(remark) > tcMaxRemark {
		return nil, nil, tcBad("InvalidParameter.InvalidParameter", "Remark is longer than %d characters.", tcMaxRemark)
	}
	bs, st := e.startBackup(Backup{Provider: TencentRedis, Region: q.region, Instance: id, Remark: remark})
	if st != stateOK {
		if te := tcStateErr[st]; te != nil {
			return nil, nil, te
		}
		return nil, nil, tcBad("InternalError", "Unexpected instance state %v.", st)
	}
	n, _ := strconv.ParseInt(bs[0].TaskID, 10, 64)
	return map[string]any{"TaskId": n}, []string{bs[0].TaskID}, nil
}

// tcTaskInfo is DescribeTaskInfo. An unknown task (or one of another region)
// gets ResourceNotFound.
func (e *Emulator) tcTaskInfo(q tcReq) (map[string]any, []string, *tcErr) {
	if te := tcKnown(q.p, "TaskId"); te != nil {
		return nil, nil, te
	}
	id, te := tcInt(q.p, "TaskId", -1, 0, 1<<62)
	if te == nil && id < 0 {
		te = tcBad("MissingParameter", "The request is missing the required parameter `TaskId`.")
	}
	if te != nil {
		return nil, nil, te
	}
	bs := e.findBackups(TencentRedis, func(b *Backup) bool { return b.Region == q.region && b.TaskID == strconv.FormatInt(id, 10) })
	if len(bs) == 0 {
		return nil, nil, tcBad("ResourceNotFound", "The task %d does not exist.", id)
	}
	b := bs[0]
	status := map[string]string{"running": "running", "done": "succeed"}[b.Status]
	return map[string]any{"Status": status, "StartTime": tcTime(b.StartedAt), "TaskType": tcBackupFlow,
		"InstanceId": b.Instance, "TaskMessage": ""}, nil, nil
}

// tcBackups is DescribeInstanceBackups: newest first, paged.
func (e *Emulator) tcBackups(q tcReq) (map[string]any, []string, *tcErr) {
	if te := tcKnown(q.p, "Limit", "Offset", "InstanceId", "BeginTime", "EndTime", "Status", "InstanceName"); te != nil {
		return nil, nil, te
	}
	want := tcList(q.p, "Status")
	f, te := e.tcFilter(q, func(b Backup) bool { return len(want) == 0 || slices.Contains(want, tcBackupStatus(b)) })
	if te != nil {
		return nil, nil, te
	}
	set := []map[string]any{}
	for _, b := range f.page() {
		end := ""
		if b.Status == "done" {
			end = tcTime(b.DoneAt)
		}
		n, _ := strconv.ParseInt(b.TaskID, 10, 64)
		set = append(set, map[string]any{"StartTime": tcTime(b.StartedAt), "EndTime": end,
			"BackupId": fmt.Sprintf("%010d%014d", b.StartedAt.Unix(), n), "BackupType": "manualBackupInstance",
			"Status": json.Number(tcBackupStatus(b)), "Remark": b.Remark, "Locked": 0, "FullBackup": 0, "FileType": "RDB",
			"InstanceId": b.Instance, "InstanceName": b.Instance, "Region": b.Region})
	}
	return map[string]any{"TotalCount": f.total, "BackupSet": set}, nil, nil
}

// tcTaskList is DescribeTaskList: the backup flows, newest first, paged.
func (e *Emulator) tcTaskList(q tcReq) (map[string]any, []string, *tcErr) {
	if te := tcKnown(q.p, "InstanceId", "InstanceName", "Limit", "Offset", "ProjectIds", "TaskTypes",
		"BeginTime", "EndTime", "TaskStatus", "Result", "OperatorUin", "OperateUin"); te != nil {
		return nil, nil, te
	}
	types := tcList(q.p, "TaskTypes")
	f, te := e.tcFilter(q, func(Backup) bool { return len(types) == 0 || slices.Contains(types, tcBackupFlow) })
	if te != nil {
		return nil, nil, te
	}
	tasks := []map[string]any{}
	for _, b := range f.page() {
		n, _ := strconv.ParseInt(b.TaskID, 10, 64)
		result, progress, end := 1, 50.0, ""
		if b.Status == "done" {
			result, progress, end = 2, 100.0, tcTime(b.DoneAt)
		}
		tasks = append(tasks, map[string]any{"TaskId": n, "StartTime": tcTime(b.StartedAt), "EndTime": end,
			"TaskType": tcBackupFlow, "InstanceId": b.Instance, "InstanceName": b.Instance,
			"ProjectId": 0, "Progress": progress, "Result": result})
	}
	return map[string]any{"TotalCount": f.total, "Tasks": tasks}, nil, nil
}

// tcFiltered is a time-, region- and instance-filtered backup list.
type tcFiltered struct {
	bs            []Backup
	total         int
	limit, offset int64
}

func (f tcFiltered) page() []Backup {
	lo, hi := min(int(f.offset), len(f.bs)), min(int(f.offset+f.limit), len(f.bs))
	return f.bs[lo:hi]
}

// tcFilter reads InstanceId, BeginTime, EndTime, Limit and Offset, and
// lists the backups that match them and keep.
func (e *Emulator) tcFilter(q tcReq, keep func(Backup) bool) (tcFiltered, *tcErr) {
	id, te1 := tcString(q.p, "InstanceId", false)
	begin, te2 := tcTimeParam(q.p, "BeginTime", time.Time{})
	end, te3 := tcTimeParam(q.p, "EndTime", time.Time{})
	limit, te4 := tcInt(q.p, "Limit", 20, 1, 100)
	offset, te5 := tcInt(q.p, "Offset", 0, 0, 1<<40)
	if te := tcFirst(te1, te2, te3, te4, te5); te != nil {
		return tcFiltered{}, te
	}
	if !begin.IsZero() && !end.IsZero() && (end.Before(begin) || end.Sub(begin) > tcMaxSpan) {
		return tcFiltered{}, tcBad("InvalidParameterValue", "EndTime must be after BeginTime, at most 30 days later.")
	}
	if _, ok := e.Instance(TencentRedis, q.region, "", id); id != "" && !ok {
		return tcFiltered{}, tcStateErr[stateNotFound]
	}
	var bs []Backup
	for _, b := range e.findBackups(TencentRedis, func(b *Backup) bool { return b.Region == q.region }) {
		s := b.StartedAt.Truncate(time.Second)
		if (id == "" || b.Instance == id) && !s.Before(begin) && (end.IsZero() || !s.After(end)) && keep(b) {
			bs = append(bs, b)
		}
	}
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].StartedAt.After(bs[j].StartedAt) })
	return tcFiltered{bs: bs, total: len(bs), limit: limit, offset: offset}, nil
}
