package cloudemu

// Tencent Cloud Redis (redis 2018-04-12), API 3.0. A request is either
//
//   - signature v3: POST / with a JSON body (or GET / with the parameters in
//     the query), the action, version, region, timestamp and STS token in
//     X-TC-* headers, signed with TC3-HMAC-SHA256 in Authorization; or
//   - signature v1: GET / or a form-encoded POST / carrying every parameter,
//     the common ones included (Action, Version, Region, Timestamp, Nonce,
//     SecretId, SignatureMethod, Token, Signature), signed with HmacSHA1 or
//     HmacSHA256.
//
// Every answer, errors included, is HTTP 200 with {"Response": {...,
// "RequestId"}}; an error carries "Error": {"Code", "Message"}
// (tencentcloud-sdk-go common/http/response.go@v1.3.210 ErrorResponse).
//
// Sources, cited next to each answer below:
//
//	[models]  tencentcloud-sdk-go tencentcloud/redis/v20180412/models.go@144f6c8d
//	          (RedisBackupSet, TaskInfoDetail, the *ResponseParams structs)
//	[client]  tencentcloud-sdk-go tencentcloud/redis/v20180412/client.go@144f6c8d
//	          (each action's "可能返回的错误码" list)
//	[errors]  tencentcloud-sdk-go tencentcloud/redis/v20180412/errors.go@144f6c8d
//	[old]     tencentcloud-sdk-go tencentcloud/redis/v20180412/models.go@6fb5155f
//	          (v1.0.376, 2022-03-30: BackupType "manualBackupInstance" /
//	          "systemBackupInstance", the other reading; SetTencentReadings)
//	[examples] tencentcloud-cli tccli/services/redis/v20180412/examples.json@6e53beb5
//	          (the API docs' request/response examples: DescribeInstanceBackups
//	          BackupType "1" for an unremarked 02:00 backup, "0" (@526dc69d) for
//	          a remarked afternoon one; DescribeTaskList TaskType "037", a code;
//	          ManualBackupInstance TaskId 6954227, an integer)
//	[sign]    tencentcloud-sdk-go tencentcloud/common/sign.go@144f6c8d and
//	          common/client.go sendWithSignatureV1/V3; the signature v3 and v1
//	          pages https://intl.cloud.tencent.com/document/api/1021/34193 and
//	          https://cloud.tencent.com/document/api/1007/31325 ("签名失败"
//	          table: SignatureExpire, SecretIdNotFound, SignatureFailure,
//	          TokenFailure, InvalidSecretId)
//	[svc]     https://github.com/TencentCloud/tencentcloud-sdk-go/issues/89: the
//	          real gateway answers a credential scope whose service does not
//	          match the product host with AuthFailure.InvalidAuthorization,
//	          "The request `Authorization` header does not conform to
//	          tencentcloud standards: `Service` in Credential not valid."
//	[common]  the API 3.0 common error codes, e.g.
//	          https://tencentcloud.com/document/api/1131/45350 (InternalError,
//	          RequestLimitExceeded, InvalidAction, NoSuchVersion,
//	          MissingParameter, InvalidParameter, InvalidParameterValue,
//	          UnknownParameter, AuthFailure.*)
//	[taskinfo] https://tencentcloud.com/document/product/239/32064 and
//	[tasklist] https://www.tencentcloud.com/document/product/239/33293: "Region
//	          No ... This parameter is not required for this API."
//
// Task IDs and backup IDs: ManualBackupInstance returns the integer TaskId of
// the backup flow; DescribeTaskInfo takes that TaskId. DescribeInstanceBackups
// lists backups by BackupId (not the TaskId) and has no TaskId field
// [models]; DescribeTaskList lists the flows with their TaskId, TaskType and
// StartTime, which is how a client gets from a listed backup back to its
// task. Times are Beijing time (UTC+8) as "2006-01-02 15:04:05" [examples].

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
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
	tcWindow      = 5 * time.Minute // [sign]: "相差超过五分钟则必定失败"
	tcMaxRemark   = 128             // not documented: bounded leniently
	tcMaxDays     = 1825            // StorageDays "取值范围：[0.1825]" [models]
	tcDefaultDays = 7               // StorageDays "默认值为7天" [models]
	tcMaxSpan     = 30 * 24 * time.Hour
	tcActTaskInfo = "DescribeTaskInfo"
	tcActBackups  = "DescribeInstanceBackups"
	tcActTaskList = "DescribeTaskList"
	tcProduct     = "redis"
	tcHostDomain  = ".tencentcloudapi.com" // common/http/request.go RootDomain
	// tcAppID is the first part of a BackupId, shaped as the example's
	// "165706342-5832225-1641692389" [examples] (its parts are not documented).
	tcAppID = 165706342
	// tcBackupIDBase offsets a BackupId's middle part from the TaskId, so
	// that a client cannot mistake one for the other (on the real API they
	// are unrelated); it grows with the start order, as the example's does.
	tcBackupIDBase = 1121990
)

// The backup flows' TaskType, as [models] TaskInfoDetail lists them: a name
// and a three-digit code. [examples] answers with the code ("037").
const (
	tcFlowBackup     = "FLOW_BACKUPINSTANCE" // "012"，备份实例
	tcFlowBackupCode = "012"
	tcFlowAuto       = "FLOW_AUTOBACKUP" // "017"，自动备份实例
	tcFlowAutoCode   = "017"
)

// tcCST is Beijing time, in which the API reads and writes times.
var tcCST = time.FixedZone("UTC+8", 8*3600)

// tcErr is one error answer.
type tcErr struct{ code, msg string }

func tcBad(code, format string, args ...any) *tcErr {
	return &tcErr{code, fmt.Sprintf(format, args...)}
}

// tcStateErr renders the emulator's state errors for ManualBackupInstance,
// with the codes and texts [client] and [errors] give it.
var tcStateErr = map[errState]*tcErr{
	// RESOURCENOTFOUND_INSTANCENOTEXISTS "根据 serialId 没有找到对应 redis。"
	stateNotFound: {"ResourceNotFound.InstanceNotExists", "No Redis instance is found by the serialId."},
	// RESOURCEUNAVAILABLE_INSTANCELOCKEDERROR "redis 已经被其它流程锁定。"
	stateLocked: {"ResourceUnavailable.InstanceLockedError", "Redis has been locked by another process."},
	// UNSUPPORTEDOPERATION "操作不支持。" [errors]; ManualBackupInstance does
	// not list it [client] and no seeded Tencent instance is unsupported.
	stateUnsupported: {"UnsupportedOperation", "The operation is not supported."},
}

// TencentReadings picks, where Tencent's own sources disagree or are silent,
// which reading the emulator answers with, so that tests can cover each.
type TencentReadings struct {
	// BackupTypeWords: DescribeInstanceBackups answers BackupType
	// "manualBackupInstance" / "systemBackupInstance" [old] instead of
	// "0" (manual) / "1" (automatic) [models].
	BackupTypeWords bool
	// TaskTypeNames: DescribeTaskList answers TaskType "FLOW_BACKUPINSTANCE"
	// (and "FLOW_AUTOBACKUP") instead of the codes "012" ("017") that
	// [examples] shows. [models] lists both forms ("FLOW_BACKUPINSTANCE：
	// \"012\"") without saying which the API takes or returns.
	TaskTypeNames bool
}

// SetTencentReadings sets which documented reading the emulator answers with
// (see TencentReadings). The zero value is the current SDK's reading.
func (e *Emulator) SetTencentReadings(r TencentReadings) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tcRead = r
}

func (e *Emulator) tcReadings() TencentReadings {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tcRead
}

// TencentAutoBackup starts a backup of a Tencent instance as the nightly
// automatic backup would ("凌晨系统发起的自动备份" [models]): no remark,
// BackupType "1" in DescribeInstanceBackups, TaskType FLOW_AUTOBACKUP
// ("017") in DescribeTaskList, and it locks the instance while it runs. It
// returns the flow's TaskId, or an error when the instance is missing, busy
// or cannot be backed up.
func (e *Emulator) TencentAutoBackup(region, instance string) (string, error) {
	bs, st := e.startBackup(Backup{Provider: TencentRedis, Region: region, Instance: instance, Automatic: true})
	if st != stateOK {
		return "", fmt.Errorf("cloudemu: automatic backup of %s/%s: %s", region, instance, st)
	}
	return bs[0].TaskID, nil
}

// tcReq is an authenticated request: its common parameters, from the X-TC-*
// headers (v3) or the parameters (v1), and its action parameters.
type tcReq struct {
	action, version, region string
	v1                      url.Values // the v1 parameters; nil for v3
	p                       map[string]any
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

// tcRegionOptional are the actions whose doc pages say the common parameter
// Region is not required [taskinfo] [tasklist].
var tcRegionOptional = map[string]bool{tcActTaskInfo: true, tcActTaskList: true}

// serveTencent serves one Tencent request, signed with v3 or v1.
func (e *Emulator) serveTencent(w http.ResponseWriter, r *http.Request) {
	rid := tcRequestID()
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20)) // v3 takes up to 10 MB
	if err != nil {
		return
	}
	q := tcReq{action: r.Header.Get("X-TC-Action"), version: r.Header.Get("X-TC-Version"), region: r.Header.Get("X-TC-Region")}
	if v1 := tcV1Params(r, body); v1 != nil {
		q = tcReq{action: v1.Get("Action"), version: v1.Get("Version"), region: v1.Get("Region"), v1: v1}
	}
	fail := func(te *tcErr) {
		e.record(TencentRedis, q.action, te.code)
		tcWrite(w, rid, map[string]any{"Error": map[string]string{"Code": te.code, "Message": te.msg}})
	}
	te := e.tcAuth(r, body)
	if q.v1 != nil {
		te = e.tcAuthV1(r, q.v1)
	}
	if te != nil {
		fail(te)
		return
	}
	fault := e.admit(w, r, TencentRedis, q.action)
	switch fault {
	case FaultReset:
		return
	case FaultThrottle: // [common] RequestLimitExceeded "请求的次数超过了频率限制。"
		fail(tcBad("RequestLimitExceeded", "Your current request times equals to `%d` in a second, which exceeds the frequency limit.", 20))
		return
	case FaultServer: // [common] InternalError "内部错误。"
		fail(tcBad("InternalError", "An internal error has occurred. Retry your request."))
		return
	}
	out, ids, te := e.tcRun(r, body, q)
	if fault == FaultLost { // the work is done (or refused); the answer is lost
		e.markLost(TencentRedis, ids)
		e.record(TencentRedis, q.action, "lost")
		e.lose(w, r)
		return
	}
	if te != nil {
		fail(te)
		return
	}
	e.record(TencentRedis, q.action, "ok")
	tcWrite(w, rid, out)
}

// tcRun checks the version and action and runs it.
func (e *Emulator) tcRun(r *http.Request, body []byte, q tcReq) (map[string]any, []string, *tcErr) {
	h, ok := tcActions[q.action]
	if !ok { // [common] InvalidAction "接口不存在。"
		return nil, nil, tcBad("InvalidAction", "The action %q is not found.", q.action)
	}
	if q.version != tcVersion { // [common] NoSuchVersion "接口版本不存在。"
		return nil, nil, tcBad("NoSuchVersion", "The API version %q is not found.", q.version)
	}
	if q.region == "" && !tcRegionOptional[q.action] {
		return nil, nil, tcBad("MissingParameter", "The request is missing the required parameter `Region`.")
	}
	var te *tcErr
	if q.p, te = tcParams(r, body, q.v1); te != nil {
		return nil, nil, te
	}
	return h(e, q)
}

// tcAuth verifies TC3-HMAC-SHA256 [sign] from what the request says: the
// scope's date and service as sent, the signed headers it names (host with
// or without the port), and the payload hash or UNSIGNED-PAYLOAD. The scope's
// service must name the product the host serves [svc] (see tcServiceOK).
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
		// [common] AuthFailure.InvalidAuthorization "Authorization in the request header is invalid."
		return tcBad("AuthFailure.InvalidAuthorization", "The request `Authorization` header is invalid.")
	}
	if !tcServiceOK(r.Host, scope[2]) { // [svc]
		return tcBad("AuthFailure.InvalidAuthorization", "The request `Authorization` header does not conform to tencentcloud standards: `Service` in Credential not valid.")
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return tcBad("MissingParameter", "The request is missing a valid `X-TC-Timestamp`.")
	}
	if te := e.tcCheckKey(ts, scope[0]); te != nil {
		return te
	}
	if scope[1] != time.Unix(ts, 0).UTC().Format("2006-01-02") || !tcSignatureOK(r, body, creds.Secret, ts, scope, signed, f["Signature"]) {
		return tcSigFailure
	}
	return e.tcCheckToken(r.Header.Get("X-TC-Token"))
}

// tcSigFailure is the wrong-signature answer, text as on the doc pages [sign].
var tcSigFailure = &tcErr{"AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct."}

// tcCheckKey checks the timestamp window and the SecretId, and
// tcCheckToken the STS token (once the signature is right), for v3 and v1
// alike [sign].
func (e *Emulator) tcCheckKey(ts int64, id string) *tcErr {
	if d := e.now().Sub(time.Unix(ts, 0)); d > tcWindow || d < -tcWindow {
		return tcBad("AuthFailure.SignatureExpire", "The signature expired: the timestamp differs from the server time by more than 5 minutes.")
	}
	if id != e.opts.Tencent.ID {
		return tcBad("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
	}
	return nil
}

func (e *Emulator) tcCheckToken(token string) *tcErr {
	if t := e.opts.Tencent.Token; t != "" && !hmac.Equal([]byte(token), []byte(t)) {
		return tcBad("AuthFailure.TokenFailure", "The token is missing or invalid.")
	}
	return nil
}

// tcServiceOK reports whether svc, the service of a TC3 credential scope, is
// right for a request to host. On a cloud host (redis.tencentcloudapi.com,
// redis.ap-guangzhou.tencentcloudapi.com,
// redis.ap-shanghai-fsi.tencentcloudapi.com) it must be the host's product,
// its first label [sign]: "service 为产品名，必须与调用的产品域名一致"; the
// gateway rejects others [svc]. Any other host (a loopback address, localhost
// or a proxy's name, with any port) names no product: the SDKs' own "redis"
// is accepted, and so is the host's first label, which some SDKs sign when
// their endpoint is overridden (127.0.0.1:8787 → "127").
func tcServiceOK(host, svc string) bool {
	name := strings.ToLower(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = strings.ToLower(h)
	}
	first := func(s string) string { f, _, _ := strings.Cut(strings.ToLower(s), "."); return f }
	if strings.HasSuffix(name, tcHostDomain) {
		return svc == first(name)
	}
	return svc == tcProduct || svc == first(host) || svc == first(strings.Trim(name, "[]"))
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
	for _, host := range tcHosts(r.Host) {
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

// tcHosts are the host forms a client may have signed: as sent, and without
// the port.
func tcHosts(host string) []string {
	hosts := []string{host}
	if h, _, err := net.SplitHostPort(host); err == nil {
		hosts = append(hosts, h)
	}
	return hosts
}

// tcV1Params returns the parameters of a signature-v1 request (the query of
// a GET, the query and form body of a form POST), or nil for a v3 request:
// one with X-TC-Action or a TC3 Authorization, or with no Action, SecretId
// or Signature parameter.
func tcV1Params(r *http.Request, body []byte) url.Values {
	if r.Header.Get("X-TC-Action") != "" || strings.HasPrefix(r.Header.Get("Authorization"), "TC3-") {
		return nil
	}
	p := r.URL.Query()
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil
		}
		for k, v := range form {
			p[k] = append(p[k], v...)
		}
	}
	if !p.Has("Action") && !p.Has("SecretId") && !p.Has("Signature") {
		return nil
	}
	return p
}

// tcAuthV1 verifies a signature-v1 request [sign]: the string to sign is
// METHOD + host + path + "?" + every parameter but Signature as k=v (raw
// values), sorted by name and joined by "&"; the signature is the base64
// HMAC of it with the SecretKey, SHA256 when SignatureMethod is HmacSHA256
// and SHA1 otherwise (sign.go Sign and signRequest).
func (e *Emulator) tcAuthV1(r *http.Request, p url.Values) *tcErr {
	// What the gateway answers a v1 request without its signature
	// parameters is not documented: no SecretId is an unknown key and no
	// Signature a wrong one ([sign]'s table), a missing Timestamp or Nonce a
	// missing parameter ([common]).
	switch {
	case p.Get("SecretId") == "":
		return tcBad("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
	case p.Get("Signature") == "":
		return tcSigFailure
	}
	for _, k := range []string{"Timestamp", "Nonce"} {
		if p.Get(k) == "" {
			return tcBad("MissingParameter", "The request is missing the required parameter `%s`.", k)
		}
	}
	ts, err := strconv.ParseInt(p.Get("Timestamp"), 10, 64)
	if err != nil {
		return tcBad("InvalidParameter", "The parameter `Timestamp` must be an integer.")
	}
	if te := e.tcCheckKey(ts, p.Get("SecretId")); te != nil {
		return te
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var q strings.Builder
	for i, k := range keys {
		if i > 0 {
			q.WriteByte('&')
		}
		q.WriteString(k + "=" + p.Get(k))
	}
	newHash := sha1.New
	if p.Get("SignatureMethod") == "HmacSHA256" {
		newHash = sha256.New
	}
	path := r.URL.Path
	if path == "" {
		path = "/"
	}
	for _, host := range tcHosts(r.Host) {
		m := hmac.New(newHash, []byte(e.opts.Tencent.Secret))
		m.Write([]byte(r.Method + host + path + "?" + q.String()))
		if hmac.Equal([]byte(base64.StdEncoding.EncodeToString(m.Sum(nil))), []byte(p.Get("Signature"))) {
			return e.tcCheckToken(p.Get("Token"))
		}
	}
	return tcSigFailure
}

// tcBackup is ManualBackupInstance: InstanceId, Remark, StorageDays
// [models] ManualBackupInstanceRequestParams; the answer is
// ManualBackupInstanceResponseParams, TaskId an integer [models] [examples].
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
		// INVALIDPARAMETER_INVALIDPARAMETER "业务参数错误。" [client] [errors]
		return nil, nil, tcBad("InvalidParameter.InvalidParameter", "Remark is longer than %d characters.", tcMaxRemark)
	}
	bs, st := e.startBackup(Backup{Provider: TencentRedis, Region: q.region, Instance: id, Remark: remark})
	if st != stateOK {
		if te := tcStateErr[st]; te != nil {
			return nil, nil, te
		}
		// INTERNALERROR_INTERNALERROR "内部错误。" [client]
		return nil, nil, tcBad("InternalError.InternalError", "Unexpected instance state %v.", st)
	}
	n, _ := strconv.ParseInt(bs[0].TaskID, 10, 64)
	return map[string]any{"TaskId": n}, []string{bs[0].TaskID}, nil
}

// tcTaskInfo is DescribeTaskInfo: DescribeTaskInfoResponseParams [models].
// Status is one of preparing, running, succeed, failed, error [models]; the
// emulator's backups run at once and never fail, so it answers running or
// succeed. TaskType is a description, as in the doc's example ("redis缓存清空
// 流程" [examples]); "备份实例" and "自动备份实例" are the backup flows' names
// in [models]' TaskTypes list. An unknown task (or one of another region, when
// Region is sent) gets InvalidParameter.InvalidParameter, the one code that
// [client] lists for DescribeTaskInfo (besides FailedOperation.SystemError
// and InvalidParameter.PermissionDenied) that fits a TaskId naming no task.
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
	bs := e.findBackups(TencentRedis, func(b *Backup) bool {
		return (q.region == "" || b.Region == q.region) && b.TaskID == strconv.FormatInt(id, 10)
	})
	if len(bs) == 0 {
		return nil, nil, tcBad("InvalidParameter.InvalidParameter", "The task %d does not exist.", id)
	}
	b := bs[0]
	status := map[string]string{"running": "running", "done": "succeed"}[b.Status]
	taskType := "备份实例"
	if b.Automatic {
		taskType = "自动备份实例"
	}
	return map[string]any{"Status": status, "StartTime": tcTime(b.StartedAt), "TaskType": taskType,
		"InstanceId": b.Instance, "TaskMessage": ""}, nil, nil
}

// tcBackups is DescribeInstanceBackups: newest first, paged, as
// DescribeInstanceBackupsResponseParams with exactly RedisBackupSet's fields
// [models], shaped as the doc's example [examples].
func (e *Emulator) tcBackups(q tcReq) (map[string]any, []string, *tcErr) {
	if te := tcKnown(q.p, "Limit", "Offset", "InstanceId", "BeginTime", "EndTime", "Status", "InstanceName"); te != nil {
		return nil, nil, te
	}
	want := tcList(q.p, "Status")
	f, te := e.tcFilter(q, true, func(b Backup) bool {
		return len(want) == 0 || slices.Contains(want, strconv.Itoa(tcBackupStatus(b)))
	})
	if te != nil {
		return nil, nil, te
	}
	words := e.tcReadings().BackupTypeWords
	set := []map[string]any{}
	for _, b := range f.page() {
		auto := b.Automatic
		// BackupType "1：凌晨系统发起的自动备份。0：用户发起的手动备份。" [models];
		// the words of [old] when asked for.
		btype := map[[2]bool]string{{false, false}: "0", {true, false}: "1",
			{false, true}: "manualBackupInstance", {true, true}: "systemBackupInstance"}[[2]bool{auto, words}]
		status := tcBackupStatus(b)
		// Locked "0：未被锁定。1：已被锁定。" [models]: a backup still in its flow
		// is the one Status 1 calls locked by a flow (not documented as such).
		locked, size, end := 1, 0, ""
		if b.Status == "done" {
			locked, size, end = 0, 537, tcTime(b.DoneAt) // 537: BackupSize of [examples] ("内部字段")
		}
		n, _ := strconv.ParseInt(b.TaskID, 10, 64)
		set = append(set, map[string]any{
			"StartTime":    tcTime(b.StartedAt),
			"BackupId":     fmt.Sprintf("%d-%d-%d", tcAppID, n-tcBackupIDBase, b.StartedAt.Unix()),
			"BackupType":   btype,
			"Status":       status,
			"Remark":       b.Remark,
			"Locked":       locked,
			"BackupSize":   size,
			"FullBackup":   0,  // "内部字段，用户可忽略。" [models]; 0 in [examples]
			"InstanceType": 16, // "内部字段，用户可忽略。" [models]; 16 in [examples]
			"InstanceId":   b.Instance,
			"InstanceName": b.Instance,
			"Region":       b.Region,
			"EndTime":      end, // a running backup's EndTime is not documented: ""
			"FileType":     "RDB-Redis 6.2",
			"ExpireTime":   tcTime(b.StartedAt.Add(tcDefaultDays * 24 * time.Hour)),
			"Encrypted":    false,
		})
	}
	return map[string]any{"TotalCount": f.total, "BackupSet": set}, nil, nil
}

// tcTaskList is DescribeTaskList: the backup flows, newest first, paged, as
// DescribeTaskListResponseParams / TaskInfoDetail [models]. TaskType is the
// flow's code ("012", "017"), as [examples] answers, or its name with
// TencentReadings.TaskTypeNames; the TaskTypes filter takes either form.
// Result is 1 running or 2 done ("0：任务初始化。1：执行中。2：完成。4：失败。"
// [models]); Progress 1 when done, as in [examples] (0.5 while running is
// not documented). An unknown instance lists nothing: [client] lists no
// not-found code for this action.
func (e *Emulator) tcTaskList(q tcReq) (map[string]any, []string, *tcErr) {
	if te := tcKnown(q.p, "InstanceId", "InstanceName", "Limit", "Offset", "ProjectIds", "TaskTypes",
		"BeginTime", "EndTime", "TaskStatus", "Result", "OperatorUin", "OperateUin"); te != nil {
		return nil, nil, te
	}
	types, results := tcList(q.p, "TaskTypes"), tcList(q.p, "Result")
	flow := func(b Backup) (name, code string) {
		if b.Automatic {
			return tcFlowAuto, tcFlowAutoCode
		}
		return tcFlowBackup, tcFlowBackupCode
	}
	result := func(b Backup) int {
		if b.Status == "done" {
			return 2
		}
		return 1
	}
	f, te := e.tcFilter(q, false, func(b Backup) bool {
		name, code := flow(b)
		return (len(types) == 0 || slices.Contains(types, name) || slices.Contains(types, code)) &&
			(len(results) == 0 || slices.Contains(results, strconv.Itoa(result(b))))
	})
	if te != nil {
		return nil, nil, te
	}
	names := e.tcReadings().TaskTypeNames
	tasks := []map[string]any{}
	for _, b := range f.page() {
		n, _ := strconv.ParseInt(b.TaskID, 10, 64)
		name, code := flow(b)
		if names {
			code = name
		}
		progress, end := 0.5, ""
		if b.Status == "done" {
			progress, end = 1, tcTime(b.DoneAt)
		}
		tasks = append(tasks, map[string]any{"TaskId": n, "StartTime": tcTime(b.StartedAt), "EndTime": end,
			"TaskType": code, "InstanceId": b.Instance, "InstanceName": b.Instance,
			"ProjectId": 0, "Progress": progress, "Result": result(b)})
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

// tcFilter reads InstanceId, BeginTime, EndTime, Limit (default 20, at most
// 100) and Offset [models], and lists the backups that match them and keep.
// A 30-day span at most ("查询时间最大跨度30天" [models]). An unknown instance
// is ResourceNotFound.InstanceNotExists when notFound is set, else an empty
// list.
func (e *Emulator) tcFilter(q tcReq, notFound bool, keep func(Backup) bool) (tcFiltered, *tcErr) {
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
		if notFound {
			return tcFiltered{}, tcStateErr[stateNotFound]
		}
		return tcFiltered{limit: limit, offset: offset}, nil
	}
	var bs []Backup
	for _, b := range e.findBackups(TencentRedis, func(b *Backup) bool { return q.region == "" || b.Region == q.region }) {
		s := b.StartedAt.Truncate(time.Second)
		if (id == "" || b.Instance == id) && !s.Before(begin) && (end.IsZero() || !s.After(end)) && keep(b) {
			bs = append(bs, b)
		}
	}
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].StartedAt.After(bs[j].StartedAt) })
	return tcFiltered{bs: bs, total: len(bs), limit: limit, offset: offset}, nil
}
