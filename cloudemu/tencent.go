package cloudemu

import "net/http"

// TODO(helper): the Tencent API (signature check, actions, formats).
func (e *Emulator) serveTencent(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "tencent: not implemented", http.StatusNotImplemented)
}
