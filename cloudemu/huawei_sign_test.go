package cloudemu_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	dcs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2"

	"github.com/backupfn/backupfn/cloudemu"
)

// hwEnv is an emulator behind a loopback test server.
type hwEnv struct {
	emu *cloudemu.Emulator
	url string
}

func newHW(t *testing.T, o cloudemu.Options) *hwEnv {
	t.Helper()
	emu := cloudemu.New(o)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &hwEnv{emu: emu, url: srv.URL}
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// dcsClient is the official SDK's DCS client; rt (optional) sees every
// request after the SDK signed it.
func (h *hwEnv) dcsClient(ak, sk, token string, rt http.RoundTripper) *dcs.DcsClient {
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).
		WithProjectId(cloudemu.HuaweiProject).WithSecurityToken(token).SafeBuild()
	if err != nil {
		panic(err)
	}
	cfg := config.DefaultHttpConfig()
	if rt != nil {
		cfg = cfg.WithHttpRoundTripper(rt)
	}
	hc, err := core.NewHcHttpClientBuilder().WithEndpoints([]string{h.url}).
		WithCredential(cred).WithHttpConfig(cfg).SafeBuild()
	if err != nil {
		panic(err)
	}
	return dcs.NewDcsClient(hc)
}

// sdkCode returns the service error code of an SDK error, or fails.
func sdkCode(t *testing.T, err error) (int, string) {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a service error", err)
	}
	if se.RequestId == "" {
		t.Errorf("error %s carries no X-Request-Id", se.ErrorCode)
	}
	return se.StatusCode, se.ErrorCode
}

// hwSigner signs a request independently of the SDK, as the API signing
// guide describes, with a chosen set of signed headers.
type hwSigner struct {
	ak, sk, token string
	date          time.Time
	signed        []string
	noSpaces      bool // "Access=a,SignedHeaders=b,Signature=c"
	hostNoPort    bool // sign host as "127.0.0.1", not "127.0.0.1:port"
}

func (s hwSigner) sign(r *http.Request, body []byte) {
	date := s.date.UTC().Format("20060102T150405Z")
	r.Header.Set("X-Sdk-Date", date)
	if s.token != "" {
		r.Header.Set("X-Security-Token", s.token)
	}
	var hdrs []string
	for _, h := range s.signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
			if s.hostNoPort {
				v = r.URL.Hostname()
			}
		}
		hdrs = append(hdrs, h+":"+strings.TrimSpace(v))
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if v := r.Header.Get("X-Sdk-Content-Sha256"); v != "" {
		hash = v
	}
	q := r.URL.Query()
	var keys, qs []string
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		qs = append(qs, k+"="+url.QueryEscape(q.Get(k)))
	}
	canonical := strings.Join([]string{r.Method, r.URL.EscapedPath() + "/", strings.Join(qs, "&"),
		strings.Join(hdrs, "\n") + "\n", strings.Join(s.signed, ";"), hash}, "\n")
	ch := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(s.sk))
	mac.Write([]byte("SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(ch[:])))
	sep := ", "
	if s.noSpaces {
		sep = ","
	}
	r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+s.ak+sep+"SignedHeaders="+
		strings.Join(s.signed, ";")+sep+"Signature="+hex.EncodeToString(mac.Sum(nil)))
}

// hwResp is a decoded answer.
type hwResp struct {
	status int
	reqID  string
	body   map[string]any
	raw    []byte
}

func (r hwResp) code() string { s, _ := r.body["error_code"].(string); return s }

// send signs (unless s is nil) and sends a request with extra headers.
func (h *hwEnv) send(t *testing.T, s *hwSigner, method, path, body string, hdr map[string]string) hwResp {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("X-Project-Id", cloudemu.HuaweiProject)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if s != nil {
		s.sign(req, []byte(body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out := hwResp{status: resp.StatusCode, reqID: resp.Header.Get("X-Request-Id"), body: map[string]any{}}
	raw, _ := io.ReadAll(resp.Body)
	out.raw = raw
	if resp.StatusCode == http.StatusNoContent && len(raw) == 0 {
		// ListBackupRecords: "204 No DCS instance backup record is found."
	} else if err := json.Unmarshal(raw, &out.body); err != nil {
		t.Fatalf("%s %s: answer %q is not JSON", method, path, raw)
	}
	if out.reqID == "" {
		t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	return out
}

func (h *hwEnv) signer() *hwSigner {
	c := h.emu.Credentials("huawei")
	return &hwSigner{ak: c.ID, sk: c.Secret, token: c.Token, date: time.Now(),
		signed: []string{"content-type", "host", "x-project-id", "x-sdk-date"}}
}

func dcsPath(instance string) string {
	return "/v2/" + cloudemu.HuaweiProject + "/instances/" + instance + "/backups"
}

// TestHuaweiSignerMatchesSDK checks the test signer against the SDK's own
// signature, so the variants below test the emulator, not the test.
func TestHuaweiSignerMatchesSDK(t *testing.T) {
	h := newHW(t, cloudemu.Options{})
	c := h.emu.Credentials("huawei")
	var seen []*http.Request
	var bodies [][]byte
	rt := rtFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		seen, bodies = append(seen, r.Clone(r.Context())), append(bodies, b)
		return http.DefaultTransport.RoundTrip(r)
	})
	if _, err := h.dcsClient(c.ID, c.Secret, "", rt).CopyInstance(copyReq(cloudemu.DCSInstance, "sdk")); err != nil {
		t.Fatalf("CopyInstance through the SDK: %v", err)
	}
	if _, err := h.dcsClient(c.ID, c.Secret, "", rt).ListBackupRecords(listReq(cloudemu.DCSInstance, 10)); err != nil {
		t.Fatalf("ListBackupRecords through the SDK: %v", err)
	}
	for i, r := range seen {
		auth := r.Header.Get("Authorization")
		_, sh, _ := strings.Cut(auth, "SignedHeaders=")
		sh, _, _ = strings.Cut(sh, ",")
		date, _ := time.Parse("20060102T150405Z", r.Header.Get("X-Sdk-Date"))
		mine := hwSigner{ak: c.ID, sk: c.Secret, date: date, signed: strings.Split(sh, ";")}
		r2 := r.Clone(r.Context())
		mine.sign(r2, bodies[i])
		if got := r2.Header.Get("Authorization"); got != auth {
			t.Fatalf("%s %s: test signer gives\n%s\nthe SDK\n%s", r.Method, r.URL, got, auth)
		}
	}
}
