package cloudemu_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/model"

	"github.com/backupfn/backupfn/cloudemu"
)

func copyReq(instance, remark string) *model.CopyInstanceRequest {
	return &model.CopyInstanceRequest{InstanceId: instance, Body: &model.BackupInstanceBody{Remark: &remark}}
}

func listReq(instance string, limit int32) *model.ListBackupRecordsRequest {
	return &model.ListBackupRecordsRequest{InstanceId: instance, Limit: &limit}
}

// TestHuaweiSignatureRejected sends SDK-signed calls that are then spoiled;
// the gateway must answer APIGW.0301 (401) and start nothing.
func TestHuaweiSignatureRejected(t *testing.T) {
	tok := "sts-" + strings.Repeat("t", 40)
	passthrough := http.DefaultTransport
	tamperBody := rtFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		b = bytes.Replace(b, []byte("nightly"), []byte("hourly!"), 1)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		return passthrough.RoundTrip(r)
	})
	tamperPath := rtFunc(func(r *http.Request) (*http.Response, error) {
		r.URL.Path = strings.Replace(r.URL.Path, cloudemu.DCSInstance, cloudemu.DCSLocked, 1)
		return passthrough.RoundTrip(r)
	})
	tamperQuery := rtFunc(func(r *http.Request) (*http.Response, error) {
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "limit=10", "limit=11", 1)
		return passthrough.RoundTrip(r)
	})
	dropToken := rtFunc(func(r *http.Request) (*http.Response, error) {
		r.Header.Del("X-Security-Token")
		return passthrough.RoundTrip(r)
	})
	cases := []struct {
		name          string
		skew          time.Duration // emulator clock minus real clock
		ak, sk, token string        // "" = the emulator's
		rt            http.RoundTripper
		list          bool // ListBackupRecords instead of CopyInstance
	}{
		{name: "wrong secret", sk: "wrong-secret"},
		{name: "unknown access key", ak: "HWUNKNOWNAK000000000"},
		{name: "tampered body", rt: tamperBody},
		{name: "tampered path", rt: tamperPath},
		{name: "tampered query", rt: tamperQuery, list: true},
		{name: "expired date", skew: 16 * time.Minute},
		{name: "date from the future", skew: -16 * time.Minute},
		{name: "wrong token", token: "wrong-" + tok},
		{name: "token dropped", rt: dropToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := cloudemu.Options{Huawei: cloudemu.DefaultHuawei}
			o.Huawei.Token = tok
			o.Now = func() time.Time { return time.Now().Add(tc.skew) }
			h := newHW(t, o)
			ak, sk, token := or(tc.ak, o.Huawei.ID), or(tc.sk, o.Huawei.Secret), or(tc.token, tok)
			cli, action := h.dcsClient(ak, sk, token, tc.rt), cloudemu.ActDCSBackup
			var err error
			if tc.list {
				_, err = cli.ListBackupRecords(listReq(cloudemu.DCSInstance, 10))
				action = cloudemu.ActDCSList
			} else {
				_, err = cli.CopyInstance(copyReq(cloudemu.DCSInstance, "nightly"))
			}
			if status, code := sdkCode(t, err); status != 401 || code != "APIGW.0301" {
				t.Fatalf("answer %d %s, want 401 APIGW.0301", status, code)
			}
			if n := len(h.emu.Backups()); n != 0 {
				t.Fatalf("a rejected call started %d backups", n)
			}
			if r := h.emu.Requests(); len(r) != 1 || r[0].Outcome != "APIGW.0301" || r[0].Action != action {
				t.Fatalf("requests recorded: %+v, want one %s APIGW.0301", r, action)
			}
		})
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestHuaweiDateWindow accepts a date 14 minutes off either way.
func TestHuaweiDateWindow(t *testing.T) {
	for _, skew := range []time.Duration{14 * time.Minute, -14 * time.Minute} {
		h := newHW(t, cloudemu.Options{Now: func() time.Time { return time.Now().Add(skew) }})
		c := h.emu.Credentials("huawei")
		if _, err := h.dcsClient(c.ID, c.Secret, "", nil).ListBackupRecords(listReq(cloudemu.DCSInstance, 10)); err != nil {
			t.Fatalf("clock skew %v: %v", skew, err)
		}
	}
}

// TestHuaweiSignerVariants: what other official SDKs send is accepted, as
// long as the signature covers what the request says.
func TestHuaweiSignerVariants(t *testing.T) {
	body := `{"remark":"variant","backup_format":"aof"}` + "\n"
	cases := []struct {
		name   string
		signed []string
		hdr    map[string]string
		spaces bool
		noPort bool
	}{
		{name: "content-type and host signed", signed: []string{"content-type", "host", "x-project-id", "x-sdk-date"}},
		{name: "host without port", signed: []string{"host", "x-sdk-date"}, noPort: true},
		{name: "user-agent signed", signed: []string{"user-agent", "x-project-id", "x-sdk-date"},
			hdr: map[string]string{"User-Agent": "huaweicloud-sdk-python/3.1"}},
		{name: "content-type without charset", signed: []string{"content-type", "x-sdk-date"},
			hdr: map[string]string{"Content-Type": "application/json"}},
		{name: "untrimmed value", signed: []string{"x-project-id", "x-sdk-date", "x-client"},
			hdr: map[string]string{"X-Client": "  cli  tool  "}},
		{name: "unsigned payload", signed: []string{"x-sdk-content-sha256", "x-sdk-date"},
			hdr: map[string]string{"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}},
		{name: "no spaces in Authorization", signed: []string{"x-sdk-date"}, spaces: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHW(t, cloudemu.Options{})
			s := h.signer()
			s.signed, s.noSpaces, s.hostNoPort = tc.signed, tc.spaces, tc.noPort
			r := h.send(t, s, http.MethodPost, dcsPath(cloudemu.DCSInstance), body, tc.hdr)
			if r.status != 200 || r.body["backup_id"] == nil {
				t.Fatalf("answer %d %v, want 200 with backup_id", r.status, r.body)
			}
			if b := h.emu.Backups(); len(b) != 1 || b[0].Remark != "variant" || b[0].Format != "aof" {
				t.Fatalf("backups %+v, want one aof backup with remark variant", b)
			}
		})
	}
}

// TestHuaweiSignedHeaderChanged: a signed header altered after signing
// (here the content type) is caught; so is a request with no signature.
func TestHuaweiSignedHeaderChanged(t *testing.T) {
	h := newHW(t, cloudemu.Options{})
	s := h.signer()
	req, _ := http.NewRequest(http.MethodGet, h.url+dcsPath(cloudemu.DCSInstance)+"?limit=5", nil)
	req.Header.Set("Content-Type", "application/json")
	s.sign(req, nil)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("altered content-type: status %d, want 401", resp.StatusCode)
	}
	r := h.send(t, nil, http.MethodGet, dcsPath(cloudemu.DCSInstance), "", nil)
	if r.status != 401 || r.code() != "APIGW.0301" || r.body["request_id"] != r.reqID {
		t.Fatalf("unsigned: %d %v, want 401 APIGW.0301 with request_id", r.status, r.body)
	}
	again := h.send(t, s, http.MethodGet, dcsPath(cloudemu.DCSInstance)+"?limit=5", "", map[string]string{"Content-Type": "application/json"})
	if again.status != http.StatusNoContent { // no backups yet: 204 (ListBackupRecords.html)
		t.Fatalf("the same request, unaltered: %d %v", again.status, again.body)
	}
}

// TestHuaweiDateMustBeSigned: X-Sdk-Date is the one header that must be
// signed (https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-exclude-header.html);
// a signature that leaves it out is refused with 401 APIGW.0301, even when
// it is otherwise correct, and starts nothing.
func TestHuaweiDateMustBeSigned(t *testing.T) {
	h := newHW(t, cloudemu.Options{})
	for _, signed := range [][]string{{"content-type", "host", "x-project-id"}, {"host"}} {
		s := h.signer()
		s.signed = signed
		r := h.send(t, s, http.MethodPost, dcsPath(cloudemu.DCSInstance), `{"remark":"x"}`, nil)
		msg, _ := r.body["error_msg"].(string)
		if r.status != 401 || r.code() != "APIGW.0301" || !strings.HasPrefix(msg, "Incorrect IAM authentication information: ") ||
			!strings.Contains(msg, "x-sdk-date") || r.body["request_id"] != r.reqID {
			t.Fatalf("signed %v without x-sdk-date: %d %v; want 401 APIGW.0301 naming x-sdk-date", signed, r.status, r.body)
		}
	}
	if n := len(h.emu.Backups()); n != 0 {
		t.Fatalf("a refused call started %d backups", n)
	}
	s := h.signer()
	s.signed = []string{"host", "x-sdk-date"} // the same, with the date signed
	if r := h.send(t, s, http.MethodPost, dcsPath(cloudemu.DCSInstance), `{"remark":"x"}`, nil); r.status != 200 {
		t.Fatalf("host;x-sdk-date: %d %v, want 200", r.status, r.body)
	}
}
