package cloudemu_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	r_kvstore "github.com/aliyun/alibaba-cloud-sdk-go/services/r-kvstore"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/internal/fixture"
)

// clock is a settable clock shared by the emulator and the test client.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// aliClient signs R-kvstore RPC requests the way the POP docs describe,
// written apart from the emulator's own code.
type aliClient struct {
	t      *testing.T
	url    string
	emu    *cloudemu.Emulator
	clk    *clock
	id     string
	secret string
	token  string
	nonce  int
}

func newAli(t *testing.T, o cloudemu.Options) *aliClient {
	clk := &clock{t: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)}
	o.Now = clk.now
	if o.BackupDuration == 0 {
		o.BackupDuration = 10 * time.Second
	}
	emu := cloudemu.New(o)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	acct := emu.Credentials("alibaba")
	return &aliClient{t: t, url: srv.URL, emu: emu, clk: clk, id: acct.ID, secret: acct.Secret, token: acct.Token}
}

func rfc3986(s string) string {
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
}

// params returns the common parameters plus extra, signed for method.
func (c *aliClient) params(method string, extra map[string]string) url.Values {
	c.nonce++
	p := map[string]string{
		"Version": "2015-01-01", "Format": "JSON", "AccessKeyId": c.id, "SignatureMethod": "HMAC-SHA1",
		"SignatureVersion": "1.0", "SignatureNonce": fmt.Sprintf("nonce-%s-%d", c.t.Name(), c.nonce),
		"Timestamp": c.clk.now().Format("2006-01-02T15:04:05Z"), "RegionId": "cn-hangzhou",
	}
	if c.token != "" {
		p["SecurityToken"] = c.token
	}
	for k, v := range extra {
		p[k] = v
		if v == "-" { // leave the parameter out
			delete(p, k)
		}
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, rfc3986(k)+"="+rfc3986(p[k]))
	}
	mac := hmac.New(sha1.New, []byte(c.secret+"&"))
	mac.Write([]byte(method + "&%2F&" + rfc3986(strings.Join(pairs, "&"))))
	v := url.Values{}
	for k, s := range p {
		v.Set(k, s)
	}
	v.Set("Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return v
}

// send sends signed params in the query (inBody false) or a form body.
func (c *aliClient) send(method string, v url.Values, inBody bool) (int, map[string]any, string) {
	c.t.Helper()
	u, body := c.url+"/?"+v.Encode(), ""
	if inBody {
		u, body = c.url+"/", v.Encode()
	}
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, string(raw)
}

// call signs and sends action with extra params as a query POST.
func (c *aliClient) call(action string, extra map[string]string) (int, map[string]any) {
	c.t.Helper()
	if extra == nil {
		extra = map[string]string{}
	}
	extra["Action"] = action
	st, m, _ := c.send("POST", c.params("POST", extra), false)
	return st, m
}

func (c *aliClient) backup(inst string) (int, map[string]any) {
	return c.call("CreateBackup", map[string]string{"InstanceId": inst})
}

func wantAliErr(t *testing.T, status int, m map[string]any, wantStatus int, code string) {
	t.Helper()
	if status != wantStatus || m["Code"] != code {
		t.Fatalf("got %d %v, want %d %s", status, m, wantStatus, code)
	}
	for _, k := range []string{"RequestId", "HostId", "Message", "Recommend"} {
		if s, _ := m[k].(string); s == "" {
			t.Fatalf("error reply lacks %s: %v", k, m)
		}
	}
}

func TestAlibabaAcceptedVariants(t *testing.T) {
	c := newAli(t, cloudemu.Options{BackupDuration: -1})
	for _, v := range []struct {
		method string
		inBody bool
	}{{"POST", false}, {"POST", true}, {"GET", false}} {
		p := c.params(v.method, map[string]string{"Action": "CreateBackup", "InstanceId": cloudemu.AlibabaInstance, "BackupRetentionPeriod": "-1"})
		st, m, _ := c.send(v.method, p, v.inBody)
		if st != 200 || m["BackupJobID"] == "" || m["RequestId"] == "" {
			t.Fatalf("%s body=%v: %d %v", v.method, v.inBody, st, m)
		}
	}
	// Without Format the gateway answers XML; an empty SignatureType is signed too.
	for _, format := range []string{"-", "XML"} {
		p := c.params("POST", map[string]string{"Action": "CreateBackup", "InstanceId": cloudemu.AlibabaInstance, "Format": format, "SignatureType": ""})
		st, _, raw := c.send("POST", p, false)
		// Decoded as the SDK decodes Format=XML (sdk/responses/response.go:
		// xml.Unmarshal into the response struct).
		x := r_kvstore.CreateCreateBackupResponse()
		if st != 200 || xml.Unmarshal([]byte(raw), x) != nil || x.BackupJobID == "" || !aliRequestID.MatchString(x.RequestId) {
			t.Fatalf("Format %s: %d %s, want an XML answer", format, st, raw)
		}
	}
	if n := len(c.emu.Backups()); n != 5 {
		t.Fatalf("emulator has %d backups, want 5", n)
	}
}

func TestAlibabaRejectsBadSignatures(t *testing.T) {
	c := newAli(t, cloudemu.Options{})
	good := c.params("POST", map[string]string{"Action": "CreateBackup", "InstanceId": cloudemu.AlibabaInstance})

	c.secret = "wrong-secret"
	st, m, _ := c.send("POST", c.params("POST", map[string]string{"Action": "CreateBackup", "InstanceId": cloudemu.AlibabaInstance}), false)
	wantAliErr(t, st, m, 400, "SignatureDoesNotMatch")
	if msg := m["Message"].(string); !strings.HasPrefix(msg, "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3D") {
		t.Fatalf("message %q", msg)
	}

	tampered := url.Values{}
	for k, v := range good {
		tampered[k] = v
	}
	tampered.Set("InstanceId", cloudemu.AlibabaCluster)
	st, m, _ = c.send("POST", tampered, false)
	wantAliErr(t, st, m, 400, "SignatureDoesNotMatch")
	st, m, _ = c.send("GET", good, false) // signed for POST
	wantAliErr(t, st, m, 400, "SignatureDoesNotMatch")

	c.secret = cloudemu.DefaultAlibaba.Secret
	c.id = "LTAIunknownkey000"
	st, m = c.backup(cloudemu.AlibabaInstance)
	wantAliErr(t, st, m, 404, "InvalidAccessKeyId.NotFound")
	c.id = cloudemu.DefaultAlibaba.ID

	c.clk.add(-16 * time.Minute) // the client's clock is 16 minutes behind
	p := c.params("POST", map[string]string{"Action": "CreateBackup", "InstanceId": cloudemu.AlibabaInstance})
	c.clk.add(16 * time.Minute)
	st, m, _ = c.send("POST", p, false)
	wantAliErr(t, st, m, 400, "InvalidTimeStamp.Expired")
	st, m = c.call("CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaInstance, "Timestamp": "2026-03-01 02:00:00"})
	wantAliErr(t, st, m, 400, "InvalidTimeStamp.Format")

	if st, m, _ = c.send("POST", good, false); st != 200 {
		t.Fatalf("the good request: %d %v", st, m)
	}
	st, m, _ = c.send("POST", good, false) // replayed
	wantAliErr(t, st, m, 400, "SignatureNonceUsed")
	if n := len(c.emu.Backups()); n != 1 {
		t.Fatalf("emulator has %d backups, want 1", n)
	}
}

func TestAlibabaSecurityToken(t *testing.T) {
	acct := cloudemu.DefaultAlibaba
	acct.Token = "sts-token-abc/def+ghi="
	c := newAli(t, cloudemu.Options{Alibaba: acct})
	c.token = ""
	st, m := c.backup(cloudemu.AlibabaInstance)
	wantAliErr(t, st, m, 400, "MissingSecurityToken")
	c.token = "another-token"
	st, m = c.backup(cloudemu.AlibabaInstance)
	wantAliErr(t, st, m, 400, "InvalidSecurityToken.MismatchWithAccessKey")
	c.token = acct.Token
	if st, m = c.backup(cloudemu.AlibabaInstance); st != 200 {
		t.Fatalf("with the token: %d %v", st, m)
	}
}

func TestAlibabaParameterAndStateErrors(t *testing.T) {
	c := newAli(t, cloudemu.Options{})
	for _, tc := range []struct {
		action string
		extra  map[string]string
		status int
		code   string
	}{
		{"CreateBackup", nil, 400, "MissingParameter"},
		{"CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaInstance, "BackupRetentionPeriod": "6"}, 400, "InvalidParameter"},
		{"CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaInstance, "BackupRetentionPeriod": "731"}, 400, "InvalidParameter"},
		{"CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaInstance, "Version": "2014-08-15"}, 400, "InvalidVersion"},
		{"DeleteInstance", map[string]string{"InstanceId": cloudemu.AlibabaInstance}, 404, "InvalidAction.NotFound"},
		{"CreateBackup", map[string]string{"InstanceId": "r-bp1nosuchinst00"}, 404, "InvalidInstanceId.NotFound"},
		{"CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaInstance, "RegionId": "cn-beijing"}, 404, "InvalidInstanceId.NotFound"},
		{"CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaLocked}, 403, "IncorrectDBInstanceState"},
		{"CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaUnsupported}, 403, "IncorrectDBInstanceType"},
		{"DescribeBackupTasks", nil, 400, "MissingParameter"},
		{"DescribeBackupTasks", map[string]string{"InstanceId": cloudemu.AlibabaInstance, "JobMode": "Sometimes"}, 400, "InvalidParameter"},
	} {
		st, m := c.call(tc.action, tc.extra)
		wantAliErr(t, st, m, tc.status, tc.code)
	}
	if st, m := c.call("CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaInstance, "BackupRetentionPeriod": "730"}); st != 200 {
		t.Fatalf("730 days: %d %v", st, m)
	}
	st, m := c.backup(cloudemu.AlibabaInstance) // the first backup still runs
	wantAliErr(t, st, m, 403, "IncorrectDBInstanceState")
	if n := len(c.emu.Backups()); n != 1 {
		t.Fatalf("emulator has %d backups, want 1", n)
	}
	var outcomes []string
	for _, r := range c.emu.Requests() {
		outcomes = append(outcomes, r.Outcome)
	}
	if got := strings.Join(outcomes, " "); !strings.HasPrefix(got, "MissingParameter InvalidParameter") || !strings.HasSuffix(got, "ok IncorrectDBInstanceState") {
		t.Fatalf("recorded outcomes: %s", got)
	}
}

func TestAlibabaClusterAndBackupTasks(t *testing.T) {
	c := newAli(t, cloudemu.Options{BackupDuration: 10 * time.Second})
	st, m := c.backup(cloudemu.AlibabaCluster)
	ids := strings.Split(fmt.Sprint(m["BackupJobID"]), ",")
	if st != 200 || len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("cluster CreateBackup: %d %v, want two job IDs", st, m)
	}
	tasks := func(extra map[string]string) []map[string]any {
		extra["InstanceId"] = cloudemu.AlibabaCluster
		st, m := c.call("DescribeBackupTasks", extra)
		if st != 200 || m["InstanceId"] != cloudemu.AlibabaCluster {
			t.Fatalf("DescribeBackupTasks: %d %v", st, m)
		}
		var out []map[string]any
		for _, j := range m["BackupJobs"].([]any) {
			out = append(out, j.(map[string]any))
		}
		return out
	}
	jobs := tasks(map[string]string{})
	if len(jobs) != 2 || fmt.Sprint(int64(jobs[0]["BackupJobID"].(float64))) != ids[0] ||
		jobs[0]["StartTime"] != "2026-03-01T02:00:00Z" || jobs[0]["JobMode"] != "Manual" ||
		jobs[0]["BackupProgressStatus"] != "Preparing" {
		t.Fatalf("jobs = %v, want both shards preparing", jobs)
	}
	c.clk.add(5 * time.Second)
	jobs = tasks(map[string]string{"BackupJobId": ids[1]})
	if len(jobs) != 1 || jobs[0]["BackupProgressStatus"] != "Uploading" || jobs[0]["Process"] != "50" {
		t.Fatalf("job %s = %v, want uploading at 50%%", ids[1], jobs)
	}
	c.clk.add(5 * time.Second)
	if jobs = tasks(map[string]string{"BackupJobId": ids[1], "JobMode": "Manual"}); len(jobs) != 1 || jobs[0]["BackupProgressStatus"] != "Finished" {
		t.Fatalf("job %s = %v, want finished", ids[1], jobs)
	}
	if jobs = tasks(map[string]string{"JobMode": "Automated"}); len(jobs) != 0 {
		t.Fatalf("automated jobs = %v, want none", jobs)
	}
	if jobs = tasks(map[string]string{"BackupJobId": "999999"}); len(jobs) != 0 {
		t.Fatalf("unknown job = %v, want none", jobs)
	}
}

func TestAlibabaFaults(t *testing.T) {
	c := newAli(t, cloudemu.Options{})
	c.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultThrottle, Action: cloudemu.ActAlibabaBackup, Count: 1})
	st, m := c.backup(cloudemu.AlibabaInstance)
	wantAliErr(t, st, m, 403, "Throttling.Api")
	c.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultServer, Provider: cloudemu.AlibabaRedis, Count: 1})
	st, m = c.backup(cloudemu.AlibabaInstance)
	wantAliErr(t, st, m, 500, "InternalError")
	if n := len(c.emu.Backups()); n != 0 {
		t.Fatalf("faulted calls started %d backups", n)
	}
	c.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLost, Count: 1})
	if _, err := http.Post(c.url+"/?"+c.params("POST", map[string]string{"Action": "CreateBackup", "InstanceId": cloudemu.AlibabaInstance}).Encode(), "", nil); err == nil {
		t.Fatal("a lost response reached the client")
	}
	if bs := c.emu.Backups(); len(bs) != 1 || !bs[0].Lost {
		t.Fatalf("after a lost response: %+v, want one backup marked lost", bs)
	}
}

// The value domains the sources document, for checking the emulator's answers.
var (
	// "2FF6158E-3394-4A90-B634-79C49184****" (CreateBackup page example).
	aliRequestID = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)
	// BackupJobID: "1022" or, per shard of an old cluster, "1022,2480".
	aliJobIDs = regexp.MustCompile(`^[0-9]+(,[0-9]+)*$`)
	// DescribeBackupTasks page: BackupProgressStatus and JobMode values;
	// TaskAction from the PolarDB/RDS DescribeBackupTasks pages.
	aliProgressWords = []string{"NoStart", "Preparing", "Waiting", "Uploading", "Checking", "Finished"}
	aliJobModes      = []string{"Manual", "Automated"}
	aliTaskActions   = []string{"TempBackupTask", "NormalBackupTask"}
)

// aliServerError mirrors the fields alibaba-cloud-sdk-go@v1.63.107
// sdk/errors/server_error.go NewServerError reads from an error body.
type aliServerError struct {
	RequestId, HostId, Code, Message, Recommend string
	AccessDeniedDetail                          map[string]any `json:",omitempty"`
}

// sendRaw signs and sends action, returning the status and raw body.
func (c *aliClient) sendRaw(action string, extra map[string]string) (int, []byte) {
	c.t.Helper()
	if extra == nil {
		extra = map[string]string{}
	}
	extra["Action"] = action
	st, _, raw := c.send("POST", c.params("POST", extra), false)
	return st, []byte(raw)
}

func checkAliJob(t *testing.T, j r_kvstore.BackupJob) {
	t.Helper()
	if j.BackupJobID <= 0 || !slices.Contains(aliProgressWords, j.BackupProgressStatus) ||
		!slices.Contains(aliJobModes, j.JobMode) || !slices.Contains(aliTaskActions, j.TaskAction) {
		t.Fatalf("job %+v: a value outside the documented domains", j)
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", j.StartTime); err != nil {
		t.Fatalf("StartTime %q: want yyyy-MM-ddTHH:mm:ssZ (UTC): %v", j.StartTime, err)
	}
	if n, err := strconv.Atoi(j.Process); err != nil || n < 0 || n > 100 {
		t.Fatalf("Process %q: want a percentage", j.Process)
	}
	if (j.JobMode == "Manual") != (j.TaskAction == "TempBackupTask") {
		t.Fatalf("job %+v: JobMode and TaskAction disagree", j)
	}
}

// Every emulator answer decodes strictly into the official SDK's response
// structs and keeps to the documented values; errors decode into the fields
// the SDK reads.
func TestAlibabaAnswersMatchTheSDK(t *testing.T) {
	// The guard itself: a field the SDK does not declare is refused, even
	// through the embedded *responses.BaseResponse.
	if err := fixture.DecodeStrict([]byte(`{"BackupJobID":"1","RequestId":"x","Progress":"0"}`), &r_kvstore.CreateBackupResponse{}); err == nil {
		t.Fatal("DecodeStrict accepted an undeclared field")
	}
	c := newAli(t, cloudemu.Options{BackupDuration: 10 * time.Second})
	auto, err := c.emu.AlibabaAutoBackup("cn-hangzhou", cloudemu.AlibabaCluster)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.emu.AlibabaAutoBackup("cn-hangzhou", cloudemu.AlibabaCluster); err == nil {
		t.Fatal("a second backup started while the automatic one runs")
	}
	if st, raw := c.sendRaw("CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaCluster}); st != 403 ||
		!strings.Contains(string(raw), "IncorrectDBInstanceState") {
		t.Fatalf("CreateBackup during an automatic backup: %d %s", st, raw)
	}
	c.clk.add(10 * time.Second)

	for _, inst := range []string{cloudemu.AlibabaInstance, cloudemu.AlibabaCluster} {
		st, raw := c.sendRaw("CreateBackup", map[string]string{"InstanceId": inst, "BackupRetentionPeriod": "-1"})
		var cr r_kvstore.CreateBackupResponse
		if err := fixture.DecodeStrict(raw, &cr); err != nil || st != 200 {
			t.Fatalf("CreateBackup %s: %d %s: %v", inst, st, raw, err)
		}
		if !aliJobIDs.MatchString(cr.BackupJobID) || !aliRequestID.MatchString(cr.RequestId) {
			t.Fatalf("CreateBackup %s: %+v", inst, cr)
		}
	}
	c.clk.add(3 * time.Second)

	var manual, automated int
	for _, mode := range []string{"-", "Manual", "Automated"} {
		st, raw := c.sendRaw("DescribeBackupTasks", map[string]string{"InstanceId": cloudemu.AlibabaCluster, "JobMode": mode})
		var tr r_kvstore.DescribeBackupTasksResponse
		if err := fixture.DecodeStrict(raw, &tr); err != nil || st != 200 {
			t.Fatalf("DescribeBackupTasks %s: %d %s: %v", mode, st, raw, err)
		}
		if tr.InstanceId != cloudemu.AlibabaCluster || !aliRequestID.MatchString(tr.RequestId) {
			t.Fatalf("DescribeBackupTasks %s: %+v", mode, tr)
		}
		for _, j := range tr.BackupJobs {
			checkAliJob(t, j)
			if mode != "-" && j.JobMode != mode {
				t.Fatalf("JobMode=%s listed %+v", mode, j)
			}
			if mode == "-" {
				if j.JobMode == "Manual" {
					manual++
				} else {
					automated++
					if !slices.Contains(auto, strconv.FormatInt(j.BackupJobID, 10)) || j.BackupProgressStatus != "Finished" {
						t.Fatalf("automatic job %+v, want one of %v, finished", j, auto)
					}
				}
			}
		}
	}
	if manual != 2 || automated != 2 {
		t.Fatalf("all modes: %d manual and %d automatic jobs, want 2 and 2", manual, automated)
	}

	// Format=XML, decoded as the SDK decodes it (encoding/xml into the
	// response struct): one <BackupJobs> element per job.
	st, raw := c.sendRaw("DescribeBackupTasks", map[string]string{"InstanceId": cloudemu.AlibabaCluster, "Format": "XML", "JobMode": "Manual"})
	xr := r_kvstore.CreateDescribeBackupTasksResponse()
	if err := xml.Unmarshal(raw, xr); err != nil || st != 200 || len(xr.BackupJobs) != 2 {
		t.Fatalf("XML DescribeBackupTasks: %d %s: %v, %d jobs", st, raw, err, len(xr.BackupJobs))
	}
	for _, j := range xr.BackupJobs {
		checkAliJob(t, j)
	}

	for _, tc := range []struct {
		action string
		extra  map[string]string
		status int
		code   string
	}{
		{"CreateBackup", map[string]string{"InstanceId": "r-bp1nosuchinst00"}, 404, "InvalidInstanceId.NotFound"},
		{"DescribeBackupTasks", map[string]string{"InstanceId": "r-bp1nosuchinst00"}, 404, "InvalidInstanceId.NotFound"},
		{"CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaLocked}, 403, "IncorrectDBInstanceState"},
		{"CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaUnsupported, "Format": "XML"}, 403, "IncorrectDBInstanceType"},
		{"CreateBackup", map[string]string{"InstanceId": cloudemu.AlibabaInstance, "BackupRetentionPeriod": "0"}, 400, "InvalidParameter"},
	} {
		st, raw := c.sendRaw(tc.action, tc.extra)
		var se aliServerError
		if err := fixture.DecodeStrict(raw, &se); err != nil || st != tc.status || se.Code != tc.code ||
			!aliRequestID.MatchString(se.RequestId) || se.HostId == "" || se.Message == "" {
			t.Fatalf("%s %v: %d %s (%v), want %d %s", tc.action, tc.extra, st, raw, err, tc.status, tc.code)
		}
	}
}
