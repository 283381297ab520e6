package cloudemu

// Alibaba Cloud ApsaraDB for Redis (R-kvstore 2015-01-01), RPC style: every
// parameter, the common ones included, arrives in the query string or in a
// form-encoded body of POST / (or GET /), signed with HMAC-SHA1 (signature
// version 1.0). Errors are non-2xx JSON {RequestId, HostId, Code, Message,
// Recommend} (the fields alibaba-cloud-sdk-go@v1.63.107
// sdk/errors/server_error.go NewServerError reads), whatever Format says,
// since some SDKs read only the body.
//
// Sources, cited next to each answer below:
//
//	[sdk]     alibaba-cloud-sdk-go@v1.63.107 services/r-kvstore: create_backup.go
//	          CreateBackupResponse, describe_backup_tasks.go
//	          DescribeBackupTasksResponse, struct_backup_job.go BackupJob
//	[create]  https://help.aliyun.com/zh/redis/developer-reference/api-r-kvstore-2015-01-01-createbackup-redis
//	          (BackupRetentionPeriod 7~730 or -1; example {"BackupJobID": "1022,2480"};
//	          lists no error codes, only a link to the error center)
//	[tasks]   https://help.aliyun.com/zh/redis/developer-reference/api-r-kvstore-2015-01-01-describebackuptasks-redis
//	          (JobMode Automated|Manual; StartTime yyyy-MM-ddTHH:mm:ssZ UTC;
//	          BackupJobID long; BackupProgressStatus NoStart|Preparing|Waiting|
//	          Uploading|Checking|Finished)
//	[center]  R-kvstore error center, https://www.alibabacloud.com/help/doc-detail/61137.html
//	[adc]     R-kvstore AllocateDirectConnection error-code table (2025-03-25),
//	          https://www.alibabacloud.com/help/en/redis/developer-reference/api-r-kvstore-2015-01-01-allocatedirectconnection-redis
//	[public]  public POP errors, https://help.aliyun.com/document_detail/26313.html
//	[mongo]   ApsaraDB for MongoDB error-code table (neighbouring product; its
//	          error center https://error-center.aliyun.com/status/product/Dds)
//	[polardb] https://help.aliyun.com/zh/polardb/polardb-for-oracle/api-describebackuptasks-2
//	          (TaskAction TempBackupTask 临时备份 | NormalBackupTask 普通备份)
//
// † marks a choice no stored page makes for CreateBackup itself.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	aliVersion  = "2015-01-01"
	aliHostID   = "r-kvstore.aliyuncs.com"
	aliActTasks = "DescribeBackupTasks"
	aliTSLayout = "2006-01-02T15:04:05Z"
	aliWindow   = 15 * time.Minute
)

// aliErr is one error reply: HTTP status, code and message as the gateway
// and R-kvstore send them.
type aliErr struct {
	status    int
	code, msg string
}

var (
	// The throttle fault: R-kvstore's own error center lists flow control as
	// 403 Throttling.Api [center]; the gateway's Throttling.User (400) is not
	// on the R-kvstore pages stored here.
	aliThrottled = &aliErr{403, "Throttling.Api", "Request was denied due to api flow control."}
	// The 5xx fault: 500 InternalError [center]. (ServiceUnavailable 503 is
	// documented for neighbouring products [mongo], not on R-kvstore's pages
	// stored here.)
	aliServerFault = &aliErr{500, "InternalError", "The request processing has failed due to some unknown error, exception or failure."}
	aliBadKey      = &aliErr{404, "InvalidAccessKeyId.NotFound", "The Access Key ID provided does not exist in our records."} // [public]
	// The signature-window and STS codes below are the POP gateway's as
	// backupfn first read them; no stored page lists them (unverified).
	aliExpired    = &aliErr{400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."}
	aliBadTime    = &aliErr{400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."}
	aliNonceUsed  = &aliErr{400, "SignatureNonceUsed", "Specified signature nonce was used already."} // [mongo]
	aliNoToken    = &aliErr{400, "MissingSecurityToken", "SecurityToken is mandatory for this action."}
	aliBadToken   = &aliErr{400, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey."}
	aliNoAction   = &aliErr{404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."} // unverified; [public] has InvalidAction 403
	aliBadVersion = &aliErr{400, "InvalidVersion", "Specified parameter Version is not valid."}
	aliBadMethod  = &aliErr{403, "UnsupportedHTTPMethod", "This http method not supported."} // [public]
)

// aliStateErr renders the emulator's state errors.
//   - not found: InvalidInstanceId.NotFound 404 †, the kv-store not-found code
//     of Alibaba's terraform provider (alicloud/errors.go) and [mongo]'s
//     table; [adc] lists InvalidDbInstanceId.NotFound for another action.
//   - locked, or a backup running: IncorrectDBInstanceState 403 †, "The
//     operation cannot be performed until the instance is in the running
//     state" [center]; the console guide says a second backup cannot start
//     while one runs (https://www.alibabacloud.com/help/doc-detail/211003.htm).
//   - a read-only instance: IncorrectDBInstanceType 403 †, "Current DB
//     instance type does not support this operation." ([mongo] and RDS).
//     Not InstanceStatus.NotSupport: [adc] explains that code as the
//     instance's current state, i.e. transient.
var aliStateErr = map[errState]*aliErr{
	stateNotFound:    {404, "InvalidInstanceId.NotFound", "The InstanceId provided does not exist in our records."},
	stateLocked:      {403, "IncorrectDBInstanceState", "Current DB instance state does not support this operation."},
	stateUnsupported: {403, "IncorrectDBInstanceType", "Current DB instance type does not support this operation."},
}

func aliMissing(name string) *aliErr {
	return &aliErr{400, "MissingParameter", fmt.Sprintf("The input parameter %q that is mandatory for processing this request is not supplied.", name)}
}

func aliInvalid(name string) *aliErr {
	return &aliErr{400, "InvalidParameter", fmt.Sprintf("The specified parameter %q is not valid.", name)}
}

// aliHandler runs one action; it returns the success body (with XMLName
// set), the task IDs it started, or an error reply.
type aliHandler func(e *Emulator, p map[string]string, requestID string) (any, []string, *aliErr)

var aliActions = map[string]aliHandler{
	ActAlibabaBackup: (*Emulator).aliCreateBackup,
	aliActTasks:      (*Emulator).aliDescribeBackupTasks,
}

func (e *Emulator) serveAlibaba(w http.ResponseWriter, r *http.Request) {
	reqID := aliRequestID()
	p, ae := aliParams(r)
	action := p["Action"]
	if ae == nil {
		ae = e.aliAuth(r.Method, p)
	}
	h, ok := aliActions[action]
	switch {
	case ae != nil:
	case !ok:
		ae = aliNoAction
	case p["Version"] != aliVersion:
		ae = aliBadVersion
	}
	if ae != nil {
		e.aliFail(w, action, reqID, ae)
		return
	}
	e.aliRun(w, r, h, p, reqID)
}

// aliRun applies rate limits and faults to an authenticated call, runs it
// and answers.
func (e *Emulator) aliRun(w http.ResponseWriter, r *http.Request, h aliHandler, p map[string]string, reqID string) {
	action := p["Action"]
	fault := e.admit(w, r, AlibabaRedis, action)
	if fault == FaultReset {
		return
	}
	if fe := map[FaultKind]*aliErr{FaultThrottle: aliThrottled, FaultServer: aliServerFault}[fault]; fe != nil {
		e.aliFail(w, action, reqID, fe)
		return
	}
	body, ids, ae := h(e, p, reqID)
	switch {
	case fault == FaultLost:
		e.record(AlibabaRedis, action, "lost")
		e.markLost(AlibabaRedis, ids)
		e.lose(w, r)
	case ae != nil:
		e.aliFail(w, action, reqID, ae)
	default:
		e.record(AlibabaRedis, action, "ok")
		aliWrite(w, p["Format"], http.StatusOK, reqID, body)
	}
}

// aliParams merges the query string and a form body (the query wins).
func aliParams(r *http.Request) (map[string]string, *aliErr) {
	p := map[string]string{}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return p, aliBadMethod
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	err := r.ParseForm()
	for _, vs := range []map[string][]string{r.URL.Query(), r.PostForm} {
		for k, v := range vs {
			if _, dup := p[k]; !dup && len(v) > 0 {
				p[k] = v[0]
			}
		}
	}
	if err != nil {
		return p, &aliErr{400, "InvalidParameter", "The request parameters or body are not well formed."}
	}
	return p, nil
}

// aliAuth checks the common parameters, the timestamp window, the key, the
// signature, the STS token and the nonce, in the gateway's order.
func (e *Emulator) aliAuth(method string, p map[string]string) *aliErr {
	for _, k := range []string{"Action", "Version", "AccessKeyId", "Signature", "SignatureMethod",
		"SignatureVersion", "SignatureNonce", "Timestamp"} {
		if p[k] == "" {
			return aliMissing(k)
		}
	}
	ts, err := time.Parse(time.RFC3339Nano, p["Timestamp"])
	if err != nil || !strings.HasSuffix(p["Timestamp"], "Z") {
		return aliBadTime
	}
	if d := e.now().Sub(ts); d > aliWindow || d < -aliWindow {
		return aliExpired
	}
	acct := e.opts.Alibaba
	switch {
	case p["AccessKeyId"] != acct.ID:
		return aliBadKey
	case p["SignatureMethod"] != "HMAC-SHA1":
		return aliInvalid("SignatureMethod")
	case p["SignatureVersion"] != "1.0":
		return aliInvalid("SignatureVersion")
	}
	sts := aliStringToSign(method, p)
	mac := hmac.New(sha1.New, []byte(acct.Secret+"&"))
	mac.Write([]byte(sts))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(p["Signature"])) {
		return &aliErr{400, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. server string to sign is:" + sts}
	}
	tok, sent := p["SecurityToken"]
	switch {
	case acct.Token != "" && !sent:
		return aliNoToken
	case tok != acct.Token:
		return aliBadToken
	case !e.checkNonce(p["SignatureNonce"]):
		return aliNonceUsed
	}
	return nil
}

// aliStringToSign builds METHOD&%2F&encode(sorted k=v pairs), every
// parameter but Signature included (an empty SignatureType too).
func aliStringToSign(method string, p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = aliEncode(k) + "=" + aliEncode(p[k])
	}
	return method + "&" + aliEncode("/") + "&" + aliEncode(strings.Join(pairs, "&"))
}

// aliEncode percent-encodes s per RFC 3986 (the POP rule: space is %20,
// '*' is %2A, '~' stays).
func aliEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// aliRegion returns the request's RegionId, or the instance's own region
// when none was sent (the central endpoint accepts that).
func (e *Emulator) aliRegion(p map[string]string) string {
	if r := p["RegionId"]; r != "" {
		return r
	}
	for _, in := range e.Instances() {
		if in.Provider == AlibabaRedis && in.ID == p["InstanceId"] {
			return in.Region
		}
	}
	return ""
}

// aliCreateResp is CreateBackupResponse [sdk]: BackupJobID a string, one job
// ID or, for a cluster created before 2023-12-05, one per shard joined by
// commas ("1022,2480") [create].
type aliCreateResp struct {
	XMLName     xml.Name `json:"-"`
	BackupJobID string
	RequestId   string
}

func (e *Emulator) aliCreateBackup(p map[string]string, reqID string) (any, []string, *aliErr) {
	if p["InstanceId"] == "" {
		return nil, nil, aliMissing("InstanceId")
	}
	if v, ok := p["BackupRetentionPeriod"]; ok { // 7~730, or -1 [create]; InvalidParameter † ([public])
		n, err := strconv.Atoi(v)
		if err != nil || (n != -1 && (n < 7 || n > 730)) {
			return nil, nil, aliInvalid("BackupRetentionPeriod")
		}
	}
	bs, st := e.startBackup(Backup{Provider: AlibabaRedis, Region: e.aliRegion(p), Instance: p["InstanceId"]})
	if st != stateOK {
		return nil, nil, aliStateErr[st]
	}
	ids := make([]string, len(bs))
	for i, b := range bs {
		ids[i] = b.TaskID
	}
	return aliCreateResp{XMLName: xml.Name{Local: "CreateBackupResponse"},
		BackupJobID: strings.Join(ids, ","), RequestId: reqID}, ids, nil
}

// aliJob is BackupJob [sdk] without NodeId (its value format is not on the
// pages stored here): BackupJobID a long, StartTime "2021-01-05T19:24:00Z",
// Process a percentage string, JobMode Manual|Automated [tasks], TaskAction
// TempBackupTask for a manual job and NormalBackupTask for the policy's
// [polardb] †.
type aliJob struct {
	BackupJobID                                                   int64
	BackupProgressStatus, Process, StartTime, JobMode, TaskAction string
}

// aliTasksResp is DescribeBackupTasksResponse [sdk]. BackupJobs is a bare
// JSON array; in XML each job is one <BackupJobs> element, as the SDK's
// xml:"BackupJobs" tag on []BackupJob decodes it.
type aliTasksResp struct {
	XMLName    xml.Name `json:"-"`
	InstanceId string
	BackupJobs []aliJob `xml:"BackupJobs"`
	RequestId  string
}

// Job modes and task actions of DescribeBackupTasks.
const (
	aliManual    = "Manual"
	aliAutomated = "Automated"
)

// AlibabaAutoBackup starts a backup of an Alibaba instance as its automatic
// backup policy would: DescribeBackupTasks lists it with JobMode Automated
// and TaskAction NormalBackupTask, and CreateBackup refuses to start another
// while it runs. It returns the job IDs (one per shard), or an error when the
// instance is missing, busy or cannot be backed up.
func (e *Emulator) AlibabaAutoBackup(region, instance string) ([]string, error) {
	bs, st := e.startBackup(Backup{Provider: AlibabaRedis, Region: region, Instance: instance, Automatic: true})
	if st != stateOK {
		return nil, fmt.Errorf("cloudemu: automatic backup of %s/%s: %s", region, instance, st)
	}
	ids := make([]string, len(bs))
	for i, b := range bs {
		ids[i] = b.TaskID
	}
	return ids, nil
}

func aliJobMode(b Backup) string {
	if b.Automatic {
		return aliAutomated
	}
	return aliManual
}

func (e *Emulator) aliDescribeBackupTasks(p map[string]string, reqID string) (any, []string, *aliErr) {
	id, mode, job := p["InstanceId"], p["JobMode"], p["BackupJobId"]
	switch {
	case id == "":
		return nil, nil, aliMissing("InstanceId")
	case mode != "" && mode != aliManual && mode != aliAutomated: // [tasks]
		return nil, nil, aliInvalid("JobMode") // †
	}
	region := e.aliRegion(p)
	if _, ok := e.Instance(AlibabaRedis, region, "", id); !ok {
		return nil, nil, aliStateErr[stateNotFound]
	}
	out := aliTasksResp{XMLName: xml.Name{Local: "DescribeBackupTasksResponse"}, InstanceId: id, RequestId: reqID, BackupJobs: []aliJob{}}
	now := e.now()
	for _, b := range e.findBackups(AlibabaRedis, func(b *Backup) bool {
		return b.Instance == id && b.Region == region && (job == "" || b.TaskID == job)
	}) {
		jm := aliJobMode(b)
		if mode != "" && jm != mode { // "默认返回所有备份模式的任务信息" [tasks]
			continue
		}
		action := "TempBackupTask"
		if jm == aliAutomated {
			action = "NormalBackupTask"
		}
		n, _ := strconv.ParseInt(b.TaskID, 10, 64)
		word, pct := aliProgress(b, now)
		out.BackupJobs = append(out.BackupJobs, aliJob{BackupJobID: n, BackupProgressStatus: word,
			Process: strconv.Itoa(pct), StartTime: b.StartedAt.UTC().Format(aliTSLayout),
			JobMode: jm, TaskAction: action})
	}
	return out, nil, nil
}

// aliProgress turns a backup's elapsed share into R-kvstore's status word,
// from the documented ones [tasks]; the emulator's backups never fail, and
// NoStart and Waiting are not used.
func aliProgress(b Backup, now time.Time) (string, int) {
	if b.Status == "done" {
		return "Finished", 100
	}
	pct := 0
	if total := b.DoneAt.Sub(b.StartedAt); total > 0 {
		pct = int(100 * now.Sub(b.StartedAt) / total)
	}
	switch {
	case pct < 20:
		return "Preparing", pct
	case pct < 80:
		return "Uploading", pct
	}
	return "Checking", pct
}

func (e *Emulator) aliFail(w http.ResponseWriter, action, reqID string, ae *aliErr) {
	e.record(AlibabaRedis, action, ae.code)
	aliWrite(w, "JSON", ae.status, reqID, map[string]string{
		"RequestId": reqID, "HostId": aliHostID, "Code": ae.code, "Message": ae.msg,
		"Recommend": "https://api.aliyun.com/troubleshoot?q=" + ae.code + "&product=R-kvstore&requestId=" + reqID,
	})
}

// aliWrite answers in the requested Format: XML unless JSON is asked for,
// as the RPC gateway does.
func aliWrite(w http.ResponseWriter, format string, status int, reqID string, v any) {
	w.Header().Set("x-acs-request-id", reqID)
	var b []byte
	if strings.EqualFold(format, "JSON") {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		b, _ = json.Marshal(v)
	} else {
		w.Header().Set("Content-Type", "text/xml;charset=utf-8")
		b, _ = xml.Marshal(v)
		b = append([]byte(xml.Header), b...)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// aliRequestID returns an ID shaped like R-kvstore's: 8-4-4-4-12 upper-case
// hex, as in "2FF6158E-3394-4A90-B634-79C49184****" [create].
func aliRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
