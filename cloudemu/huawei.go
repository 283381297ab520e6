package cloudemu

import "net/http"

// TODO(helper): the Huawei API (signature check, actions, formats).
func (e *Emulator) serveHuawei(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "huawei: not implemented", http.StatusNotImplemented)
}

// isHuaweiPath reports whether path is a Huawei DCS or RDS API path.
func isHuaweiPath(p string) bool {
	return len(p) > 4 && (p[:4] == "/v2/" || p[:4] == "/v3/" || (len(p) > 6 && p[:6] == "/v1.0/"))
}
