package cloudemu_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/backupfn/backupfn/cloudemu"
)

// tcClock is a settable clock shared by the emulator and the test signer.
type tcClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tcClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *tcClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type tcEnv struct {
	emu *cloudemu.Emulator
	srv *httptest.Server
	clk *tcClock
}

func newTC(t *testing.T, o cloudemu.Options) *tcEnv {
	clk := &tcClock{t: time.Now()}
	o.Now, o.BackupDuration = clk.Now, time.Minute
	emu := cloudemu.New(o)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &tcEnv{emu: emu, srv: srv, clk: clk}
}

// tcCall is one request, signed by the test's own TC3-HMAC-SHA256 signer
// with the knobs the variants and the attacks need.
type tcCall struct {
	action, body string
	get          string // GET with this query instead of POST with body
	region       string // default ap-guangzhou
	id, secret   string // default: the emulator's account
	token        string
	service      string        // scope service, default "redis"
	host         string        // signed host, default the Host header
	age          time.Duration // timestamp this far in the past
	date         string        // scope date override
	unsigned     bool          // UNSIGNED-PAYLOAD
	version      string
}

func (e *tcEnv) do(t *testing.T, c tcCall) map[string]any {
	t.Helper()
	return e.send(t, e.build(t, c))
}

func (e *tcEnv) build(t *testing.T, c tcCall) *http.Request {
	t.Helper()
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	creds := e.emu.Credentials("tencent")
	def(&c.region, "ap-guangzhou")
	def(&c.id, creds.ID)
	def(&c.secret, creds.Secret)
	def(&c.service, "redis")
	def(&c.version, "2018-04-12")
	method, ct, target := "POST", "application/json", e.srv.URL+"/"
	if c.get != "" {
		method, ct, target, c.body = "GET", "application/x-www-form-urlencoded", e.srv.URL+"/?"+c.get, ""
	}
	req, err := http.NewRequest(method, target, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	ts := e.clk.Now().Add(-c.age)
	def(&c.host, req.Host)
	def(&c.date, ts.UTC().Format("2006-01-02"))
	payload := tcSum(c.body)
	if c.unsigned {
		payload = tcSum("UNSIGNED-PAYLOAD")
		req.Header.Set("X-TC-Content-SHA256", "UNSIGNED-PAYLOAD")
	}
	canon := fmt.Sprintf("%s\n/\n%s\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s", method, c.get, ct, c.host, payload)
	scope := c.date + "/" + c.service + "/tc3_request"
	sts := fmt.Sprintf("TC3-HMAC-SHA256\n%d\n%s\n%s", ts.Unix(), scope, tcSum(canon))
	key := tcMAC(tcMAC(tcMAC([]byte("TC3"+c.secret), c.date), c.service), "tc3_request")
	req.Header.Set("Authorization", fmt.Sprintf("TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=content-type;host, Signature=%x", c.id, scope, tcMAC(key, sts)))
	for k, v := range map[string]string{"Content-Type": ct, "X-TC-Action": c.action, "X-TC-Version": c.version,
		"X-TC-Region": c.region, "X-TC-Timestamp": fmt.Sprint(ts.Unix()), "X-TC-Token": c.token} {
		req.Header.Set(k, v)
	}
	return req
}

// send sends req and returns the Response object, which every answer must
// have, with HTTP 200 and a RequestId.
func (e *tcEnv) send(t *testing.T, req *http.Request) map[string]any {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Response map[string]any }
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || resp.StatusCode != 200 || out.Response["RequestId"] == "" {
		t.Fatalf("HTTP %d, %v, %v: want 200 with a Response and a RequestId", resp.StatusCode, out, err)
	}
	return out.Response
}

func tcSum(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
func tcMAC(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func tcCode(r map[string]any) string {
	e, _ := r["Error"].(map[string]any)
	c, _ := e["Code"].(string)
	return c
}

func backupBody(inst string) string { return `{"InstanceId":"` + inst + `","Remark":"nightly"}` }

func TestTencentSignatureRejected(t *testing.T) {
	good := tcCall{action: cloudemu.ActTencentBackup, body: backupBody(cloudemu.TencentInstance)}
	with := func(f func(*tcCall)) tcCall { c := good; f(&c); return c }
	for _, c := range []struct {
		name   string
		call   tcCall
		tamper func(*http.Request)
		want   string
	}{
		{"wrong secret", with(func(c *tcCall) { c.secret = "wrong-secret" }), nil, "AuthFailure.SignatureFailure"},
		{"unknown secret id", with(func(c *tcCall) { c.id = "AKIDunknown0000000000000000000000000" }), nil, "AuthFailure.SecretIdNotFound"},
		{"tampered body", good, func(r *http.Request) {
			body := backupBody(cloudemu.TencentLockedInstance)
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		}, "AuthFailure.SignatureFailure"},
		{"tampered query", with(func(c *tcCall) { c.get = "InstanceId=" + cloudemu.TencentInstance }), func(r *http.Request) {
			r.URL.RawQuery = "InstanceId=" + cloudemu.TencentLockedInstance
		}, "AuthFailure.SignatureFailure"},
		{"expired timestamp", with(func(c *tcCall) { c.age = 6 * time.Minute }), nil, "AuthFailure.SignatureExpire"},
		{"scope date", with(func(c *tcCall) { c.date = "2001-01-01" }), nil, "AuthFailure.SignatureFailure"},
		{"other host", with(func(c *tcCall) { c.host = "redis.tencentcloudapi.com" }), nil, "AuthFailure.SignatureFailure"},
		{"malformed scope", with(func(c *tcCall) { c.service = "redis/extra" }), nil, "AuthFailure.InvalidAuthorization"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newTC(t, cloudemu.Options{})
			req := e.build(t, c.call)
			if c.tamper != nil {
				c.tamper(req)
			}
			r := e.send(t, req)
			if got := tcCode(r); got != c.want {
				t.Fatalf("code = %q, want %q (%v)", got, c.want, r)
			}
			if n := len(e.emu.Backups()); n != 0 {
				t.Fatalf("a rejected call started %d backups", n)
			}
		})
	}
}

func TestTencentToken(t *testing.T) {
	creds := cloudemu.DefaultTencent
	creds.Token = "sts-token-zzzzzzzzzzzzzzzzzzzzzzzz"
	e := newTC(t, cloudemu.Options{Tencent: creds})
	body := backupBody(cloudemu.TencentInstance)
	for _, tok := range []string{"", "wrong-token-yyyyyyyyyyyyyyyyyyyy"} {
		r := e.do(t, tcCall{action: cloudemu.ActTencentBackup, body: body, token: tok})
		if got := tcCode(r); got != "AuthFailure.TokenFailure" || strings.Contains(fmt.Sprint(r), "wrong-token") {
			t.Fatalf("token %q: %v, want AuthFailure.TokenFailure without the token", tok, r)
		}
	}
	if r := e.do(t, tcCall{action: cloudemu.ActTencentBackup, body: body, token: creds.Token}); r["TaskId"] == nil {
		t.Fatalf("with the right token: %v, want a TaskId", r)
	}
}

func TestTencentAcceptedVariants(t *testing.T) {
	for name, c := range map[string]tcCall{
		"plain":             {},
		"host without port": {host: "127.0.0.1"},
		"service from host": {service: "127"},
		"unsigned payload":  {unsigned: true},
		"GET query":         {get: "InstanceId=" + cloudemu.TencentInstance + "&StorageDays=7"},
		"clock skew 4m":     {age: 4 * time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			e := newTC(t, cloudemu.Options{})
			c.action, c.body = cloudemu.ActTencentBackup, backupBody(cloudemu.TencentInstance)
			r := e.do(t, c)
			if r["TaskId"] == nil || len(e.emu.Backups()) != 1 || fmt.Sprint(r["TaskId"]) != e.emu.Backups()[0].TaskID {
				t.Fatalf("got %v, backups %v: want the backup's TaskId", r, e.emu.Backups())
			}
		})
	}
}

func TestTencentOfficialSDK(t *testing.T) {
	e := newTC(t, cloudemu.Options{})
	creds := e.emu.Credentials("tencent")
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = strings.TrimPrefix(e.srv.URL, "http://"), "HTTP"
	client := common.NewCommonClient(common.NewCredential(creds.ID, creds.Secret), "ap-guangzhou", cpf)
	req := tchttp.NewCommonRequest("redis", "2018-04-12", cloudemu.ActTencentBackup)
	if err := req.SetActionParameters(map[string]any{"InstanceId": cloudemu.TencentInstance, "StorageDays": 7}); err != nil {
		t.Fatal(err)
	}
	resp := tchttp.NewCommonResponse()
	if err := client.Send(req, resp); err != nil || !strings.Contains(string(resp.GetBody()), `"TaskId"`) {
		t.Fatalf("SDK call: %v, %s", err, resp.GetBody())
	}
}

func TestTencentParameterErrors(t *testing.T) {
	e := newTC(t, cloudemu.Options{})
	inst := cloudemu.TencentInstance
	for _, c := range []struct{ action, body, region, version, want string }{
		{cloudemu.ActTencentBackup, `{}`, "", "", "MissingParameter"},
		{cloudemu.ActTencentBackup, `{"InstanceId":7}`, "", "", "InvalidParameter"},
		{cloudemu.ActTencentBackup, `{"InstanceId":"` + inst + `","StorageDays":1826}`, "", "", "InvalidParameterValue"},
		{cloudemu.ActTencentBackup, `{"InstanceId":"` + inst + `","StorageDays":"x"}`, "", "", "InvalidParameter"},
		{cloudemu.ActTencentBackup, `{"InstanceId":"` + inst + `","Remark":"` + strings.Repeat("r", 129) + `"}`, "", "", "InvalidParameter.InvalidParameter"},
		{cloudemu.ActTencentBackup, `{"InstanceId":"` + inst + `","BackupFormat":"rdb"}`, "", "", "UnknownParameter"},
		{cloudemu.ActTencentBackup, backupBody("crs-missing1"), "", "", "ResourceNotFound.InstanceNotExists"},
		{cloudemu.ActTencentBackup, backupBody(inst), "ap-shanghai", "", "ResourceNotFound.InstanceNotExists"},
		{cloudemu.ActTencentBackup, backupBody(cloudemu.TencentLockedInstance), "", "", "ResourceUnavailable.InstanceLockedError"},
		{cloudemu.ActTencentBackup, backupBody(inst), "", "2017-03-12", "NoSuchVersion"},
		{"DeleteInstance", backupBody(inst), "", "", "InvalidAction"},
		{"DescribeTaskInfo", `{}`, "", "", "MissingParameter"},
		{"DescribeTaskInfo", `{"TaskId":999999}`, "", "", "ResourceNotFound"},
		{"DescribeInstanceBackups", `{"Limit":101}`, "", "", "InvalidParameterValue"},
		{"DescribeInstanceBackups", `{"BeginTime":"2026-01-01T00:00:00Z"}`, "", "", "InvalidParameterValue"},
		{"DescribeInstanceBackups", `{"BeginTime":"2026-01-01 00:00:00","EndTime":"2026-02-05 00:00:00"}`, "", "", "InvalidParameterValue"},
		{"DescribeInstanceBackups", `{"InstanceId":"crs-missing1"}`, "", "", "ResourceNotFound.InstanceNotExists"},
	} {
		r := e.do(t, tcCall{action: c.action, body: c.body, region: c.region, version: c.version})
		if got := tcCode(r); got != c.want {
			t.Errorf("%s %s (region %q): code %q, want %q", c.action, c.body, c.region, got, c.want)
		}
	}
	if n := len(e.emu.Backups()); n != 0 {
		t.Fatalf("failing calls started %d backups", n)
	}
}

func TestTencentListAndStatus(t *testing.T) {
	e := newTC(t, cloudemu.Options{Generate: 2})
	inst, act := cloudemu.TencentInstance, cloudemu.ActTencentBackup
	var ids []string
	for _, in := range []string{inst, "crs-gen00000", "crs-gen00001"} {
		r := e.do(t, tcCall{action: act, body: `{"InstanceId":"` + in + `","Remark":"nightly bfn:m1"}`})
		ids = append(ids, fmt.Sprint(r["TaskId"]))
		e.clk.add(time.Second)
	}
	start := e.emu.Backups()[0].StartedAt.In(time.FixedZone("", 8*3600)).Format("2006-01-02 15:04:05")
	call := func(action, body string) map[string]any { return e.do(t, tcCall{action: action, body: body}) }
	items := func(r map[string]any, field string) []map[string]any {
		var out []map[string]any
		for _, v := range r[field].([]any) {
			out = append(out, v.(map[string]any))
		}
		return out
	}

	if r := call("DescribeTaskInfo", `{"TaskId":`+ids[0]+`}`); r["Status"] != "running" || r["InstanceId"] != inst || r["StartTime"] != start {
		t.Fatalf("DescribeTaskInfo = %v, want running, %s, started %s (Beijing time)", r, inst, start)
	}
	if r := e.do(t, tcCall{action: "DescribeTaskInfo", body: `{"TaskId":` + ids[0] + `}`, region: "ap-shanghai"}); tcCode(r) != "ResourceNotFound" {
		t.Fatalf("DescribeTaskInfo in another region = %v, want ResourceNotFound", r)
	}
	bs := items(call("DescribeInstanceBackups", `{"InstanceId":"`+inst+`"}`), "BackupSet")
	if len(bs) != 1 || bs[0]["Remark"] != "nightly bfn:m1" || bs[0]["StartTime"] != start || fmt.Sprint(bs[0]["Status"]) != "1" ||
		bs[0]["BackupId"] == "" || bs[0]["BackupId"] == ids[0] || bs[0]["EndTime"] != "" {
		t.Fatalf("DescribeInstanceBackups = %v, want one running backup with its remark and own BackupId", bs)
	}
	if r := call("DescribeInstanceBackups", `{"Status":[2],"Limit":1}`); fmt.Sprint(r["TotalCount"]) != "0" {
		t.Fatalf("finished backups while all run = %v, want none", r)
	}
	page := call("DescribeInstanceBackups", `{"Limit":2}`)
	if fmt.Sprint(page["TotalCount"]) != "3" || len(items(page, "BackupSet")) != 2 || items(page, "BackupSet")[0]["InstanceId"] != "crs-gen00001" {
		t.Fatalf("first page = %v, want 2 of 3, newest first", page)
	}
	if last := items(call("DescribeInstanceBackups", `{"Limit":2,"Offset":2}`), "BackupSet"); len(last) != 1 || last[0]["InstanceId"] != inst {
		t.Fatalf("second page = %v, want the oldest backup", last)
	}
	if r := call("DescribeInstanceBackups", `{"BeginTime":"2001-01-01 00:00:00","EndTime":"2001-01-02 00:00:00"}`); fmt.Sprint(r["TotalCount"]) != "0" {
		t.Fatalf("backups in 2001 = %v, want none", r)
	}
	tasks := items(call("DescribeTaskList", `{"InstanceId":"`+inst+`","TaskTypes":["FLOW_BACKUPINSTANCE"]}`), "Tasks")
	if len(tasks) != 1 || fmt.Sprint(tasks[0]["TaskId"]) != ids[0] || tasks[0]["StartTime"] != start {
		t.Fatalf("DescribeTaskList = %v, want task %s started %s", tasks, ids[0], start)
	}
	if r := call("DescribeTaskList", `{"InstanceId":"`+inst+`","TaskTypes":["FLOW_CREATE"]}`); len(items(r, "Tasks")) != 0 {
		t.Fatalf("DescribeTaskList of creations = %v, want none", r)
	}

	e.clk.add(2 * time.Minute)
	if r := call("DescribeTaskInfo", `{"TaskId":`+ids[0]+`}`); r["Status"] != "succeed" {
		t.Fatalf("DescribeTaskInfo after the backup = %v, want succeed", r)
	}
	if bs := items(call("DescribeInstanceBackups", `{"InstanceId":"`+inst+`","Status":[2]}`), "BackupSet"); len(bs) != 1 || bs[0]["EndTime"] == "" {
		t.Fatalf("finished backups = %v, want the backup with status 2 and an end time", bs)
	}
}

func TestTencentFaultsAndLimits(t *testing.T) {
	e := newTC(t, cloudemu.Options{Rates: map[string]float64{cloudemu.TencentRedis: 1}, Generate: 3})
	backup := func(inst string) map[string]any {
		return e.do(t, tcCall{action: cloudemu.ActTencentBackup, body: backupBody(inst)})
	}
	for _, f := range []struct {
		kind cloudemu.FaultKind
		want string
	}{{cloudemu.FaultThrottle, "RequestLimitExceeded"}, {cloudemu.FaultServer, "InternalError"}} {
		e.emu.Inject(cloudemu.Fault{Kind: f.kind, Provider: cloudemu.TencentRedis, Count: 1})
		if r := backup("crs-gen00000"); tcCode(r) != f.want {
			t.Fatalf("%v fault: %v, want %s", f.kind, r, f.want)
		}
	}
	r := backup("crs-gen00000")
	id := fmt.Sprint(r["TaskId"])
	if r["TaskId"] == nil {
		t.Fatalf("after the faults: %v, want a TaskId", r)
	}
	if r := backup("crs-gen00001"); tcCode(r) != "RequestLimitExceeded" {
		t.Fatalf("second backup within a second at 1/s: %v, want RequestLimitExceeded", r)
	}
	for i := 0; i < 30; i++ {
		if r := e.do(t, tcCall{action: "DescribeTaskInfo", body: `{"TaskId":` + id + `}`}); tcCode(r) != "" {
			t.Fatalf("DescribeTaskInfo #%d: %v: status calls are not rate limited by default", i, r)
		}
	}
	var outcomes []string
	for _, q := range e.emu.Requests()[:3] {
		outcomes = append(outcomes, q.Outcome)
	}
	if got := strings.Join(outcomes, ","); got != "RequestLimitExceeded,InternalError,ok" {
		t.Fatalf("recorded outcomes %s", got)
	}
}

func TestTencentResponseLost(t *testing.T) {
	e := newTC(t, cloudemu.Options{})
	e.emu.Inject(cloudemu.Fault{Kind: cloudemu.FaultLost, Action: cloudemu.ActTencentBackup, Count: 1})
	if _, err := http.DefaultClient.Do(e.build(t, tcCall{action: cloudemu.ActTencentBackup, body: backupBody(cloudemu.TencentInstance)})); err == nil {
		t.Fatal("the lost response arrived")
	}
	if bs := e.emu.Backups(); len(bs) != 1 || !bs[0].Lost {
		t.Fatalf("backups = %+v, want one, marked lost", bs)
	}
}
