package cloudemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// viaHost is a RoundTripper that sends every request to the emulator at srv
// while keeping the Host the client addressed (a cloud host), as a proxy in
// front of the emulator would: how a test shows what the emulator does with
// a request meant for the real cloud.
type viaHost struct{ srv *httptest.Server }

func (v viaHost) RoundTrip(r *http.Request) (*http.Response, error) {
	u, _ := url.Parse(v.srv.URL)
	r2 := r.Clone(r.Context())
	r2.Host = r.URL.Host
	r2.URL.Scheme, r2.URL.Host = "http", u.Host
	return v.srv.Client().Transport.RoundTrip(r2)
}

func TestRouteByHost(t *testing.T) {
	emu := New(Options{})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	client := &http.Client{Transport: viaHost{srv}}
	for _, tc := range []struct {
		name, method, url, ctype, body string
		hdr                            map[string]string
		status                         int
		want                           string // a substring of the answer, in the addressed cloud's format
	}{
		{
			// An Alibaba-shaped request sent to Tencent's host is Tencent's
			// to answer: HTTP 200 with Response.Error (API 3.0 error format).
			name: "alibaba-shape-to-tencent-host", method: "GET",
			url:    "https://redis.tencentcloudapi.com/?Action=CreateBackup&AccessKeyId=x&SignatureNonce=1",
			status: 200, want: `"Error":{"Code":"AuthFailure`,
		},
		{
			// A Tencent-shaped request sent to Alibaba's host: Alibaba's RPC
			// error object (Code, Message, RequestId, Recommend).
			name: "tencent-shape-to-alibaba-host", method: "POST", ctype: "application/json", body: "{}",
			url: "https://r-kvstore.aliyuncs.com/", hdr: map[string]string{"X-TC-Action": "ManualBackupInstance"},
			status: 0, want: `"Recommend":"https://api.aliyun.com/troubleshoot`,
		},
		{
			// An RDS path on the DCS gateway is an API DCS does not publish.
			name: "rds-path-to-dcs-host", method: "POST", ctype: "application/json", body: "{}",
			url:    "https://dcs.cn-north-4.myhuaweicloud.com/v3/" + HuaweiProject + "/backups",
			status: 404, want: `"error_code":"APIGW.0101"`,
		},
		{
			name: "dcs-path-to-eu-host", method: "GET",
			url:    "https://dcs.eu-west-101.myhuaweicloud.eu/v2/" + HuaweiProject + "/instances/x/backups",
			status: 401, want: `"error_code":"APIGW.0301"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if (tc.status != 0 && resp.StatusCode != tc.status) || (tc.status == 0 && resp.StatusCode < 400) ||
				!strings.Contains(string(b), tc.want) {
				t.Fatalf("%s %s: %d %s; want %d and %s", tc.method, tc.url, resp.StatusCode, b, tc.status, tc.want)
			}
		})
	}
}

func TestRouteLocalUnknownShape(t *testing.T) {
	emu := New(Options{})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/whatever", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Error string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 400 ||
		!strings.Contains(out.Error, "addressed to no emulated cloud") {
		t.Fatalf("answer %d %+v %v", resp.StatusCode, out, err)
	}
	if got := emu.Requests(); len(got) != 1 || got[0].Outcome != "unroutable" {
		t.Fatalf("requests = %+v", got)
	}
	if len(emu.Backups()) != 0 {
		t.Fatal("an unroutable request started a backup")
	}
}

func TestHostCloud(t *testing.T) {
	for host, want := range map[string]cloudOf{
		"redis.tencentcloudapi.com":                 cloudTencent,
		"redis.ap-shanghai-fsi.tencentcloudapi.com": cloudTencent,
		"r-kvstore.aliyuncs.com:443":                cloudAlibaba,
		"rds.cn-north-4.myhuaweicloud.com":          cloudHuawei,
		"rds.eu-west-101.myhuaweicloud.eu":          cloudHuawei,
		"127.0.0.1:8787":                            cloudNone,
		"evil-tencentcloudapi.com":                  cloudNone,
	} {
		if got, _ := hostCloud(host); got != want {
			t.Errorf("hostCloud(%q) = %v, want %v", host, got, want)
		}
	}
	for host, want := range map[string]bool{"127.0.0.1:80": true, "[::1]:9": true, "localhost": true, "10.0.0.1": false, "redis.tencentcloudapi.com": false} {
		if isLocalHost(host) != want {
			t.Errorf("isLocalHost(%q) = %v", host, !want)
		}
	}
}
