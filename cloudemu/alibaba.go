package cloudemu

import "net/http"

// TODO(helper): the Alibaba API (signature check, actions, formats).
func (e *Emulator) serveAlibaba(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "alibaba: not implemented", http.StatusNotImplemented)
}
