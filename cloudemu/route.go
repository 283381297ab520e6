package cloudemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Routing: a request goes to the cloud it is addressed to.
//
// The real clouds are told apart by host: every SDK sends a request for
// redis.tencentcloudapi.com, r-kvstore.aliyuncs.com or
// dcs.cn-north-4.myhuaweicloud.com with that Host header (also through a
// proxy, which is how a test points an SDK at the emulator without changing
// its endpoint), and that cloud answers whatever arrives, in its own format.
// A bare local address (127.0.0.1:port, localhost, [::1]) names no cloud, so
// there the request's shape decides: Huawei's versioned paths, Tencent's
// X-TC-Action header or TC3 Authorization, Tencent's v1 signature
// parameters (SecretId, Nonce, Signature), Alibaba's RPC parameters
// (AccessKeyId, SignatureNonce). A local request of no cloud's shape gets a
// plain JSON 400 that says so, rather than being guessed at.

// cloudOf names the emulated clouds.
type cloudOf int

const (
	cloudNone cloudOf = iota
	cloudTencent
	cloudAlibaba
	cloudHuawei
)

// hostSuffixes are the clouds' API domains (an SDK's endpoint is
// PRODUCT[.REGION].DOMAIN): Tencent API 3.0 (tencentcloud-sdk-go
// common/profile: "tencentcloudapi.com"), Alibaba (alibaba-cloud-sdk-go
// endpoints: "aliyuncs.com"), Huawei (huaweicloud-sdk-go-v3 services/*/region:
// "myhuaweicloud.com", and "myhuaweicloud.eu" for eu-west-101).
var hostSuffixes = []struct {
	suffix string
	cloud  cloudOf
}{
	{".tencentcloudapi.com", cloudTencent},
	{".aliyuncs.com", cloudAlibaba},
	{".myhuaweicloud.com", cloudHuawei},
	{".myhuaweicloud.eu", cloudHuawei},
	{".huaweicloud.com", cloudHuawei},
}

// hostName is r's Host without the port, lower case.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.Trim(host, "[]"))
}

// isLocalHost reports whether host (with or without a port) is a loopback
// address or localhost: an address that names no cloud.
func isLocalHost(host string) bool {
	h := hostName(host)
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// hostCloud returns the cloud a host belongs to and its product label
// ("redis", "r-kvstore", "dcs", "rds"), or cloudNone.
func hostCloud(host string) (cloudOf, string) {
	h := hostName(host)
	for _, s := range hostSuffixes {
		if strings.HasSuffix(h, s.suffix) {
			product, _, _ := strings.Cut(h, ".")
			return s.cloud, product
		}
	}
	return cloudNone, ""
}

// shapeCloud guesses the cloud of a request sent to a local address from its
// shape. body is the request's body (already read).
func shapeCloud(r *http.Request, body []byte) cloudOf {
	switch {
	case isHuaweiPath(r.URL.Path):
		return cloudHuawei
	case r.Header.Get("X-TC-Action") != "" || strings.HasPrefix(r.Header.Get("Authorization"), "TC3-"):
		return cloudTencent
	}
	p := r.URL.Query()
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if form, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range form {
				p[k] = append(p[k], v...)
			}
		}
	}
	switch {
	case p.Has("SecretId") && p.Has("Nonce") && p.Has("Signature"):
		return cloudTencent // API 3.0's v1 signature (HmacSHA1 / HmacSHA256)
	case p.Has("AccessKeyId") || p.Has("SignatureNonce") || (p.Has("Action") && p.Has("SignatureMethod")):
		return cloudAlibaba
	}
	return cloudNone
}

// serveCloud routes a cloud request (not /_emulator/) to its cloud.
func (e *Emulator) serveCloud(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxHuaweiBody+1))
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	c, product := hostCloud(r.Host)
	if c == cloudNone && isLocalHost(r.Host) {
		c = shapeCloud(r, body)
	}
	switch c {
	case cloudTencent:
		e.serveTencent(w, r)
	case cloudAlibaba:
		e.serveAlibaba(w, r)
	case cloudHuawei:
		// One gateway per service: an RDS path sent to the DCS host (or the
		// reverse) is an API that host does not publish.
		if want := map[string]string{"dcs": HuaweiDCS, "rds": HuaweiRDS}[product]; want != "" {
			if got := routeHuawei(r.Method, r.URL.Path); got.provider != want {
				r.URL.Path = "/not-published-on-" + product + r.URL.Path
			}
		}
		e.serveHuawei(w, r)
	default:
		e.record("", r.Method+" "+r.URL.Path, "unroutable")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"error": "cloudemu: this request is addressed to no emulated cloud: send it to a cloud host " +
				"(redis.tencentcloudapi.com, r-kvstore.aliyuncs.com, dcs.REGION.myhuaweicloud.com, " +
				"rds.REGION.myhuaweicloud.com) or, on a local address, in one cloud's request form",
		})
	}
}
