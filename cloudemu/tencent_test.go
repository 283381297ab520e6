package cloudemu_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/internal/fixture"
	"github.com/backupfn/backupfn/providers/tencentredis/tcmodels"
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
	hostHeader   string        // the Host header, default the server's address
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
	if c.hostHeader != "" {
		req.Host = c.hostHeader
	}
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
		// DescribeTaskInfo documents FailedOperation.SystemError,
		// InvalidParameter.InvalidParameter and InvalidParameter.PermissionDenied
		// (tencentcloud-sdk-go tencentcloud/redis/v20180412/client.go@144f6c8d).
		{"DescribeTaskInfo", `{"TaskId":999999}`, "", "", "InvalidParameter.InvalidParameter"},
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
	if r := e.do(t, tcCall{action: "DescribeTaskInfo", body: `{"TaskId":` + ids[0] + `}`, region: "ap-shanghai"}); tcCode(r) != "InvalidParameter.InvalidParameter" {
		t.Fatalf("DescribeTaskInfo in another region = %v, want InvalidParameter.InvalidParameter", r)
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

// sendRaw sends req and returns the body of its HTTP 200 answer.
func (e *tcEnv) sendRaw(t *testing.T, req *http.Request) []byte {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HTTP %d, %v: want 200", resp.StatusCode, err)
	}
	return body
}

// A TC3 credential scope's service must be the product of the cloud host the
// request is sent to ("service 为产品名，必须与调用的产品域名一致", the signature v3
// page https://intl.cloud.tencent.com/document/api/1021/34193); the gateway
// answers AuthFailure.InvalidAuthorization ("`Service` in Credential not
// valid", https://github.com/TencentCloud/tencentcloud-sdk-go/issues/89). A
// local address names no product: "redis" and the host's first label pass.
func TestTencentScopeService(t *testing.T) {
	const bad = "AuthFailure.InvalidAuthorization"
	for _, c := range []struct {
		host, service, region, want string
	}{
		{"redis.tencentcloudapi.com", "redis", "", ""},
		{"redis.tencentcloudapi.com", "cvm", "", bad},
		{"redis.tencentcloudapi.com", "127", "", bad},
		{"redis.ap-guangzhou.tencentcloudapi.com", "redis", "", ""},
		{"redis.ap-guangzhou.tencentcloudapi.com", "redis.ap-guangzhou", "", "AuthFailure.InvalidAuthorization"},
		{"redis.ap-guangzhou.tencentcloudapi.com:443", "redis", "", ""},
		{"redis.ap-shanghai-fsi.tencentcloudapi.com", "redis", "ap-shanghai-fsi", "ResourceNotFound.InstanceNotExists"},
		{"redis.ap-shanghai-fsi.tencentcloudapi.com", "tcr", "ap-shanghai-fsi", bad},
		{"", "redis", "", ""}, // 127.0.0.1:PORT
		{"", "127", "", ""},   // its first label
		{"", "cvm", "", bad},  // neither
		{"localhost:8787", "localhost", "", ""},
		{"localhost:8787", "localhost:8787", "", ""},
		{"[::1]:8787", "redis", "", ""},
	} {
		t.Run(c.host+"/"+c.service, func(t *testing.T) {
			e := newTC(t, cloudemu.Options{})
			r := e.do(t, tcCall{action: cloudemu.ActTencentBackup, body: backupBody(cloudemu.TencentInstance),
				hostHeader: c.host, service: c.service, region: c.region})
			if got := tcCode(r); got != c.want {
				t.Fatalf("code %q, want %q (%v)", got, c.want, r)
			}
		})
	}
}

// The official SDK signs for a cloud host with the product's service; sent
// to the emulator with that Host, it is served.
func TestTencentOfficialSDKCloudHost(t *testing.T) {
	e := newTC(t, cloudemu.Options{})
	for _, host := range []string{"redis.tencentcloudapi.com", "redis.ap-guangzhou.tencentcloudapi.com"} {
		client := tcSDKClient(t, e, host, "TC3-HMAC-SHA256", "POST")
		resp := tcmodels.NewManualBackupInstanceResponse()
		req := tcmodels.NewManualBackupInstanceRequest()
		req.InstanceId = common.StringPtr(cloudemu.TencentLockedInstance)
		if err := client.Send(req, resp); err == nil || !strings.Contains(err.Error(), "ResourceUnavailable.InstanceLockedError") {
			t.Fatalf("%s: %v; want the locked instance's answer (the signature passed)", host, err)
		}
	}
}

// tcSDKClient is the official SDK's client for endpoint, connected to the
// emulator whatever the endpoint's host, signing with method (TC3-HMAC-SHA256,
// HmacSHA1, HmacSHA256) and sending reqMethod.
func tcSDKClient(t *testing.T, e *tcEnv, endpoint, method, reqMethod string) *common.Client {
	t.Helper()
	creds := e.emu.Credentials("tencent")
	addr := strings.TrimPrefix(e.srv.URL, "http://")
	cpf := profile.NewClientProfile()
	cpf.SignMethod = method
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme, cpf.HttpProfile.ReqMethod = endpoint, "HTTP", reqMethod
	cpf.DisableRegionBreaker, cpf.NetworkFailureMaxRetries, cpf.RateLimitExceededMaxRetries = true, 0, 0
	cred := common.NewTokenCredential(creds.ID, creds.Secret, creds.Token)
	return common.NewCommonClient(cred, "ap-guangzhou", cpf).WithHttpTransport(&http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	})
}

// Signature v1 (HmacSHA1 / HmacSHA256, GET or form POST) as the official SDK
// sends it (tencentcloud-sdk-go common/client.go sendWithSignatureV1,
// common/sign.go signRequest), to a local address and to a cloud host, with
// an STS token; each action is served and its answer decodes strictly into
// the SDK's response struct.
func TestTencentSignatureV1SDK(t *testing.T) {
	for _, method := range []string{"HmacSHA1", "HmacSHA256"} {
		for _, reqMethod := range []string{"GET", "POST"} {
			for _, endpoint := range []string{"", "redis.tencentcloudapi.com"} {
				t.Run(method+"/"+reqMethod+"/"+endpoint, func(t *testing.T) {
					creds := cloudemu.DefaultTencent
					creds.Token = "sts-token-v1-zzzzzzzzzzzzzzzzzzzz"
					e := newTC(t, cloudemu.Options{Tencent: creds})
					if endpoint == "" {
						endpoint = strings.TrimPrefix(e.srv.URL, "http://")
					}
					client := tcSDKClient(t, e, endpoint, method, reqMethod)
					breq := tcmodels.NewManualBackupInstanceRequest()
					breq.InstanceId = common.StringPtr(cloudemu.TencentInstance)
					breq.Remark = common.StringPtr("before migration 迁移前 & more")
					breq.StorageDays = common.Int64Ptr(7)
					bresp := tcmodels.NewManualBackupInstanceResponse()
					if err := client.Send(breq, bresp); err != nil {
						t.Fatalf("ManualBackupInstance: %v", err)
					}
					bs := e.emu.Backups()
					if len(bs) != 1 || bresp.Response.TaskId == nil || fmt.Sprint(*bresp.Response.TaskId) != bs[0].TaskID ||
						bs[0].Remark != "before migration 迁移前 & more" {
						t.Fatalf("answer %s, backups %+v: want the backup's TaskId and its remark", tcJSON(bresp), bs)
					}
					ireq := tcmodels.NewDescribeTaskInfoRequest()
					ireq.TaskId = common.Uint64Ptr(uint64(*bresp.Response.TaskId))
					iresp := tcmodels.NewDescribeTaskInfoResponse()
					if err := client.Send(ireq, iresp); err != nil || *iresp.Response.Status != "running" {
						t.Fatalf("DescribeTaskInfo: %v, %s", err, tcJSON(iresp))
					}
					lreq := tcmodels.NewDescribeInstanceBackupsRequest()
					lreq.InstanceId, lreq.Status = common.StringPtr(cloudemu.TencentInstance), common.Int64Ptrs([]int64{1, 2})
					lresp := tcmodels.NewDescribeInstanceBackupsResponse()
					if err := client.Send(lreq, lresp); err != nil || *lresp.Response.TotalCount != 1 {
						t.Fatalf("DescribeInstanceBackups: %v, %s", err, tcJSON(lresp))
					}
					treq := tcmodels.NewDescribeTaskListRequest()
					treq.InstanceId, treq.TaskTypes = common.StringPtr(cloudemu.TencentInstance), common.StringPtrs([]string{"012"})
					tresp := tcmodels.NewDescribeTaskListResponse()
					if err := client.Send(treq, tresp); err != nil || *tresp.Response.TotalCount != 1 {
						t.Fatalf("DescribeTaskList: %v, %s", err, tcJSON(tresp))
					}
				})
			}
		}
	}
}

// v1Call is a signature-v1 request built and signed by hand, per the v1
// string to sign ("请求方法 + 请求主机 + 请求路径 + ? + 请求字符串",
// https://cloud.tencent.com/document/api/1007/31325), signed with the SDK's
// own exported common.Sign.
func (e *tcEnv) v1Call(t *testing.T, method, host, secret string, params map[string]string, tamper func(url.Values)) *http.Request {
	t.Helper()
	if host == "" {
		host = strings.TrimPrefix(e.srv.URL, "http://")
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sts strings.Builder
	sts.WriteString(method + host + "/?")
	for i, k := range keys {
		if i > 0 {
			sts.WriteByte('&')
		}
		sts.WriteString(k + "=" + params[k])
	}
	vals := url.Values{}
	for k, v := range params {
		vals.Set(k, v)
	}
	vals.Set("Signature", common.Sign(sts.String(), secret, params["SignatureMethod"]))
	if tamper != nil {
		tamper(vals)
	}
	var req *http.Request
	var err error
	if method == "GET" {
		req, err = http.NewRequest("GET", e.srv.URL+"/?"+vals.Encode(), nil)
	} else {
		req, err = http.NewRequest("POST", e.srv.URL+"/", strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	return req
}

func TestTencentSignatureV1(t *testing.T) {
	e := newTC(t, cloudemu.Options{})
	creds := e.emu.Credentials("tencent")
	params := func(over map[string]string) map[string]string {
		p := map[string]string{"Action": cloudemu.ActTencentBackup, "Version": "2018-04-12", "Region": "ap-guangzhou",
			"Timestamp": fmt.Sprint(e.clk.Now().Unix()), "Nonce": "11886", "SecretId": creds.ID,
			"SignatureMethod": "HmacSHA256", "InstanceId": cloudemu.TencentInstance, "Remark": "a b+c/d"}
		for k, v := range over {
			if v == "-" {
				delete(p, k)
			} else {
				p[k] = v
			}
		}
		return p
	}
	for _, c := range []struct {
		name, method, secret string
		host                 string // the Host, default the server's address
		over                 map[string]string
		tamper               func(url.Values)
		want                 string
	}{
		{"GET HmacSHA256", "GET", creds.Secret, "", nil, nil, ""},
		{"POST to the cloud host", "POST", creds.Secret, "redis.ap-guangzhou.tencentcloudapi.com", nil, nil, ""},
		{"POST HmacSHA1", "POST", creds.Secret, "", map[string]string{"SignatureMethod": "HmacSHA1"}, nil, ""},
		{"no SignatureMethod is HmacSHA1", "GET", creds.Secret, "", map[string]string{"SignatureMethod": "-"}, nil, ""},
		{"wrong secret", "GET", "wrong-secret", "", nil, nil, "AuthFailure.SignatureFailure"},
		{"wrong secret, POST", "POST", "wrong-secret", "", nil, nil, "AuthFailure.SignatureFailure"},
		{"tampered parameter", "GET", creds.Secret, "", nil, func(v url.Values) { v.Set("InstanceId", cloudemu.TencentLockedInstance) }, "AuthFailure.SignatureFailure"},
		{"added parameter", "POST", creds.Secret, "", nil, func(v url.Values) { v.Set("StorageDays", "30") }, "AuthFailure.SignatureFailure"},
		{"HmacSHA1 signature claimed as HmacSHA256", "GET", creds.Secret, "", nil, func(v url.Values) { v.Set("SignatureMethod", "HmacSHA1") }, "AuthFailure.SignatureFailure"},
		{"expired", "GET", creds.Secret, "", map[string]string{"Timestamp": fmt.Sprint(e.clk.Now().Add(-6 * time.Minute).Unix())}, nil, "AuthFailure.SignatureExpire"},
		{"unknown SecretId", "GET", creds.Secret, "", map[string]string{"SecretId": "AKIDunknown0000000000000000000000000"}, nil, "AuthFailure.SecretIdNotFound"},
		{"no Nonce", "GET", creds.Secret, "redis.tencentcloudapi.com", map[string]string{"Nonce": "-"}, nil, "MissingParameter"},
		{"unknown action", "GET", creds.Secret, "", map[string]string{"Action": "DeleteInstance"}, nil, "InvalidAction"},
		{"other version", "GET", creds.Secret, "", map[string]string{"Version": "2017-03-12"}, nil, "NoSuchVersion"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(e.emu.Backups())
			body := e.sendRaw(t, e.v1Call(t, c.method, c.host, c.secret, params(c.over), c.tamper))
			var er tchttp.ErrorResponse
			if err := fixture.DecodeStrict(body, &er); c.want != "" && (err != nil || er.Response.Error.Code != c.want || er.Response.RequestId == "") {
				t.Fatalf("%s: %v; want %s", body, err, c.want)
			}
			if c.want != "" {
				if n := len(e.emu.Backups()); n != before {
					t.Fatalf("a rejected call started a backup")
				}
				return
			}
			var ok struct {
				Response *tcmodels.ManualBackupInstanceResponseParams
			}
			bs := e.emu.Backups()
			if err := fixture.DecodeStrict(body, &ok); err != nil || ok.Response.TaskId == nil ||
				fmt.Sprint(*ok.Response.TaskId) != bs[len(bs)-1].TaskID || bs[len(bs)-1].Remark != "a b+c/d" {
				t.Fatalf("%s, %v: want the new backup's TaskId", body, err)
			}
			e.clk.add(2 * time.Minute) // the backup ends; the instance is free again
		})
	}
}

// DescribeTaskInfo and DescribeTaskList take no Region ("Region 否 ... 本接口
// 不需要传递此参数", https://tencentcloud.com/document/product/239/32064 and
// https://www.tencentcloud.com/document/product/239/33293);
// ManualBackupInstance needs one to find the instance.
func TestTencentRegionOptional(t *testing.T) {
	e := newTC(t, cloudemu.Options{})
	creds := e.emu.Credentials("tencent")
	r := e.do(t, tcCall{action: cloudemu.ActTencentBackup, body: backupBody(cloudemu.TencentInstance)})
	id := fmt.Sprint(r["TaskId"])
	for _, c := range []struct{ action, want string }{
		{"DescribeTaskInfo", ""}, {"DescribeTaskList", ""}, {cloudemu.ActTencentBackup, "MissingParameter"},
	} {
		p := map[string]string{"Action": c.action, "Version": "2018-04-12", "Timestamp": fmt.Sprint(e.clk.Now().Unix()),
			"Nonce": "7", "SecretId": creds.ID, "SignatureMethod": "HmacSHA256"}
		switch c.action {
		case "DescribeTaskInfo":
			p["TaskId"] = id
		default:
			p["InstanceId"] = cloudemu.TencentInstance
		}
		var out struct {
			Response struct {
				Error  *struct{ Code string }
				Status string
				Tasks  []any
			}
		}
		if err := json.Unmarshal(e.sendRaw(t, e.v1Call(t, "GET", "", creds.Secret, p, nil)), &out); err != nil {
			t.Fatal(err)
		}
		code := ""
		if out.Response.Error != nil {
			code = out.Response.Error.Code
		}
		if code != c.want || (c.want == "" && out.Response.Status == "" && len(out.Response.Tasks) != 1) {
			t.Fatalf("%s without Region: %+v, want code %q", c.action, out.Response, c.want)
		}
	}
}

// Every answer of every action decodes strictly into the official SDK's
// response struct (internal/tcmodels, copied from
// tencentcloud/redis/v20180412/models.go@144f6c8d), with the documented value
// domains, in both readings of BackupType and TaskType, with manual and
// automatic backups present.
func TestTencentAnswersAreTheSDKs(t *testing.T) {
	for _, r := range []cloudemu.TencentReadings{{}, {BackupTypeWords: true, TaskTypeNames: true}} {
		t.Run(fmt.Sprintf("%+v", r), func(t *testing.T) {
			e := newTC(t, cloudemu.Options{})
			e.emu.SetTencentReadings(r)
			inst := cloudemu.TencentInstance
			auto, err := e.emu.TencentAutoBackup("ap-guangzhou", inst)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.emu.TencentAutoBackup("ap-guangzhou", inst); err == nil {
				t.Fatal("a second backup while the automatic one runs: want the instance locked")
			}
			e.clk.add(2 * time.Minute)
			raw := func(action, body string) []byte { return e.sendRaw(t, e.build(t, tcCall{action: action, body: body})) }

			var start struct {
				Response *tcmodels.ManualBackupInstanceResponseParams
			}
			tcStrict(t, raw(cloudemu.ActTencentBackup, `{"InstanceId":"`+inst+`","Remark":"nightly bfn:m1"}`), &start)
			if start.Response.TaskId == nil || *start.Response.TaskId <= 0 || start.Response.RequestId == nil {
				t.Fatalf("ManualBackupInstance: %+v", start.Response)
			}
			manual := fmt.Sprint(*start.Response.TaskId)

			var backups struct {
				Response *tcmodels.DescribeInstanceBackupsResponseParams
			}
			tcStrict(t, raw("DescribeInstanceBackups", `{"InstanceId":"`+inst+`"}`), &backups)
			types := map[string]string{}
			for _, b := range backups.Response.BackupSet {
				start := tcParseTime(t, "StartTime", b.StartTime)
				status := *b.Status
				if !slices.Contains([]int64{1, 2, -1, 3, 4}, status) { // RedisBackupSet.Status
					t.Fatalf("Status %d is not in the documented domain", status)
				}
				if status == 2 {
					if end := tcParseTime(t, "EndTime", b.EndTime); end.Before(start) {
						t.Fatalf("EndTime %s before StartTime %s", *b.EndTime, *b.StartTime)
					}
				}
				tcParseTime(t, "ExpireTime", b.ExpireTime)
				if *b.Locked != 0 && *b.Locked != 1 {
					t.Fatalf("Locked %d", *b.Locked)
				}
				types[*b.Remark] = *b.BackupType
			}
			wantTypes := map[string]string{"nightly bfn:m1": "0", "": "1"}
			if r.BackupTypeWords {
				wantTypes = map[string]string{"nightly bfn:m1": "manualBackupInstance", "": "systemBackupInstance"}
			}
			if *backups.Response.TotalCount != 2 || !maps.Equal(types, wantTypes) {
				t.Fatalf("BackupType by remark = %v, want %v", types, wantTypes)
			}

			var tasks struct {
				Response *tcmodels.DescribeTaskListResponseParams
			}
			tcStrict(t, raw("DescribeTaskList", `{"InstanceId":"`+inst+`"}`), &tasks)
			got := map[string]string{}
			for _, k := range tasks.Response.Tasks {
				tcParseTime(t, "StartTime", k.StartTime)
				if !slices.Contains([]int64{0, 1, 2, 4}, *k.Result) { // TaskInfoDetail.Result
					t.Fatalf("Result %d is not in the documented domain", *k.Result)
				}
				got[fmt.Sprint(*k.TaskId)] = *k.TaskType
			}
			wantTasks := map[string]string{manual: "012", auto: "017"}
			if r.TaskTypeNames {
				wantTasks = map[string]string{manual: "FLOW_BACKUPINSTANCE", auto: "FLOW_AUTOBACKUP"}
			}
			if !maps.Equal(got, wantTasks) {
				t.Fatalf("TaskType by TaskId = %v, want %v", got, wantTasks)
			}
			for _, filter := range []string{"012", "FLOW_BACKUPINSTANCE"} {
				tcStrict(t, raw("DescribeTaskList", `{"InstanceId":"`+inst+`","TaskTypes":["`+filter+`"]}`), &tasks)
				if len(tasks.Response.Tasks) != 1 || fmt.Sprint(*tasks.Response.Tasks[0].TaskId) != manual {
					t.Fatalf("TaskTypes [%s]: %+v, want the manual flow only", filter, tasks.Response.Tasks)
				}
			}
			tcStrict(t, raw("DescribeTaskList", `{"InstanceId":"crs-missing1"}`), &tasks)
			if *tasks.Response.TotalCount != 0 {
				t.Fatalf("tasks of an unknown instance: %+v", tasks.Response)
			}

			var info struct {
				Response *tcmodels.DescribeTaskInfoResponseParams
			}
			for _, id := range []string{manual, auto} {
				tcStrict(t, raw("DescribeTaskInfo", `{"TaskId":`+id+`}`), &info)
				if !slices.Contains([]string{"preparing", "running", "succeed", "failed", "error"}, *info.Response.Status) {
					t.Fatalf("Status %q is not a documented word", *info.Response.Status)
				}
				tcParseTime(t, "StartTime", info.Response.StartTime)
			}

			// Errors decode into the SDK's own error envelope.
			for _, c := range []struct{ action, body, want string }{
				{"DescribeTaskInfo", `{"TaskId":999999}`, "InvalidParameter.InvalidParameter"},
				{cloudemu.ActTencentBackup, backupBody(inst), "ResourceUnavailable.InstanceLockedError"},
				{"DescribeInstanceBackups", `{"InstanceId":"crs-missing1"}`, "ResourceNotFound.InstanceNotExists"},
			} {
				var er tchttp.ErrorResponse
				tcStrict(t, raw(c.action, c.body), &er)
				if er.Response.Error.Code != c.want || er.Response.Error.Message == "" || er.Response.RequestId == "" {
					t.Fatalf("%s %s: %+v, want %s", c.action, c.body, er.Response, c.want)
				}
			}
		})
	}
}

func tcStrict(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := fixture.DecodeStrict(body, v); err != nil {
		t.Fatalf("%s does not decode strictly into %T: %v", body, v, err)
	}
}

// tcParseTime checks a time field: set, in the layout the API writes
// ("2017-02-08 16:46:34", Beijing time).
func tcParseTime(t *testing.T, field string, s *string) time.Time {
	t.Helper()
	if s == nil {
		t.Fatalf("%s is missing", field)
	}
	at, err := time.ParseInLocation("2006-01-02 15:04:05", *s, time.FixedZone("UTC+8", 8*3600))
	if err != nil || at.Year() < 2000 {
		t.Fatalf("%s %q is not a \"2006-01-02 15:04:05\" time: %v", field, *s, err)
	}
	return at
}

func tcJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
