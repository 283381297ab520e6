package cloudemu

import (
	"encoding/json"
	"io"
	"net/http"
)

func (e *Emulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	var v any
	switch r.Method + " " + r.URL.Path {
	case "GET /_emulator/instances":
		v = e.Instances()
	case "GET /_emulator/backups":
		v = e.Backups()
	case "GET /_emulator/requests":
		v = e.Requests()
	case "GET /_emulator/stats":
		v = e.Stats()
	case "POST /_emulator/faults":
		spec := r.URL.Query().Get("spec")
		if spec == "" {
			body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
			spec = string(body)
		}
		fs, err := ParseFaults(spec)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, f := range fs {
			e.Inject(f)
		}
		v = map[string]int{"faults": len(fs)}
	case "DELETE /_emulator/faults":
		e.ClearFaults()
		v = map[string]int{"faults": 0}
	default:
		http.Error(w, "unknown emulator endpoint: want GET /_emulator/{instances,backups,requests,stats}, POST|DELETE /_emulator/faults", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
