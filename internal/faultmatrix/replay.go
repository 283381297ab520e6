package faultmatrix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/handler"
	"github.com/backupfn/backupfn/signature"
)

// The cross-instance replay round (issue #13): an attacker who captured
// signed webhook requests replays each to every instance of a fleet sharing
// Redis, unchanged and with what decides deduplication changed: the
// Idempotency-Key altered, removed or added, binary-mode CloudEvent headers
// added, the other route. The emulator faults calls meanwhile. Every target
// must be backed up exactly once.

// ReplayOptions size the round.
type ReplayOptions struct {
	PerProvider int    // targets per provider (4 providers)
	Requests    int    // the targets are split over this many signed requests
	Instances   int    // handler instances sharing Redis
	Faults      string // cloudemu fault spec
	RedisURL    string
	Seed        uint64
}

// ReplayResult holds the round's figures.
type ReplayResult struct {
	Targets, Requests, Sent  int
	Accepted, Refused, Other int // HTTP 200 / 401 / anything else
	Altered                  int // replays with a dedupe header altered, removed or added (each must be refused)
	Backups, Duplicates      int
	Lost                     int
	Faults                   map[string]int
	Wall                     time.Duration
}

const replaySecret = "replay-round-webhook-secret-0123456789"

// RunReplay runs the round.
func RunReplay(ctx context.Context, o ReplayOptions) (ReplayResult, error) {
	res := ReplayResult{Faults: map[string]int{}}
	emu := cloudemu.New(cloudemu.Options{Generate: o.PerProvider, BackupDuration: -1, Seed: o.Seed,
		Rates: map[string]float64{cloudemu.HuaweiRDS: 50}})
	faults, err := cloudemu.ParseFaults(o.Faults)
	if err != nil {
		return res, err
	}
	for _, f := range faults {
		emu.Inject(f)
	}
	es := httptest.NewServer(emu)
	defer es.Close()
	urls := generated(emu)
	var cfg strings.Builder
	cfg.WriteString("idempotency: {store: redis, url: \"${REDIS_URL}\"}\ntargets:\n")
	names := make([]string, len(urls))
	for i, u := range urls {
		names[i] = fmt.Sprintf("t%05d", i)
		fmt.Fprintf(&cfg, "  %s: %q\n", names[i], u)
	}
	env := map[string]string{"BACKUPFN_WEBHOOK_SECRET": replaySecret, "REDIS_URL": o.RedisURL, "BACKUPFN_MAX_TARGETS": "100000"}
	for k, v := range emu.EnvMap(es.URL) {
		env[k] = v
	}
	yaml := cfg.String()
	var fleet []*httptest.Server
	for i := 0; i < o.Instances; i++ {
		h, err := handler.New(ctx, handler.Options{Platform: "http", ConfigYAML: []byte(yaml), Getenv: func(k string) string { return env[k] }, Log: io.Discard})
		if err != nil {
			return res, fmt.Errorf("instance %d: %w", i, err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		fleet = append(fleet, srv)
	}
	run := fmt.Sprintf("%d", time.Now().UnixNano()) // Redis outlives the round: this run's keys only
	per := (len(names) + o.Requests - 1) / o.Requests
	type send struct {
		inst         int
		route        string
		header       http.Header
		body         []byte
		wantAccepted bool
	}
	var sends []send
	for r := 0; r < o.Requests; r++ {
		part := names[min(r*per, len(names)):min((r+1)*per, len(names))]
		if len(part) == 0 {
			continue
		}
		res.Requests++
		quoted, _ := json.Marshal(part)
		body := []byte(fmt.Sprintf(`{"targets":%s,"remark":"replay-%s-%d"}`, quoted, run, r))
		now := time.Now()
		var h http.Header
		if r%2 == 0 { // a client with an Idempotency-Key (signature v2 covers it)
			h = http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {fmt.Sprintf("deploy-%s-%d", run, r)}}
			h.Set(signature.Header, signature.SignRequest([]byte(replaySecret), now, "/v1/backups", h, body))
		} else { // an old client: v1, no dedupe header (the signature is its key)
			h = http.Header{"Content-Type": {"application/json"}, signature.Header: {signature.Sign([]byte(replaySecret), now, body)}}
		}
		for i := range fleet { // the captured request, to every instance
			sends = append(sends, send{i, "/v1/backups", h, body, true})
		}
		edits := map[string]func(http.Header){
			"key altered": func(h http.Header) { h.Set("Idempotency-Key", "attacker-"+run) },
			"key removed": func(h http.Header) { h.Del("Idempotency-Key") },
			"cloudevent headers added": func(h http.Header) {
				h.Set("Ce-Specversion", "1.0")
				h.Set("Ce-Id", "attacker-"+run)
				h.Set("Ce-Source", "/attacker")
				h.Set("Ce-Type", "x")
			},
		}
		for name, edit := range edits {
			if r%2 == 1 && name == "key removed" {
				continue // an old client's request has none to remove
			}
			e := h.Clone()
			edit(e)
			route := "/v1/backups"
			if strings.HasPrefix(name, "cloudevent") {
				route = "/v1/events"
			}
			for i := range fleet {
				sends = append(sends, send{i, route, e, body, false})
				res.Altered++
			}
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, s := range sends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fleet[s.inst].URL+s.route, bytes.NewReader(s.body))
			req.Header = s.header.Clone()
			resp, err := http.DefaultClient.Do(req)
			mu.Lock()
			defer mu.Unlock()
			res.Sent++
			if err != nil {
				res.Other++
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				res.Accepted++
			case http.StatusUnauthorized:
				res.Refused++
			default:
				res.Other++ // a 503 after faults: retried by the platform, replayed as already-started
			}
		}()
	}
	wg.Wait()
	res.Wall = time.Since(start)
	c := count(emu, urls, nil)
	res.Targets, res.Backups, res.Duplicates, res.Lost = c.Targets, c.Backups, c.Duplicates, c.Lost
	res.Faults = c.Faults
	// A delivery that failed (faults past its retries) is what a platform
	// retries: redeliver every captured request once more, as it would, so
	// that "lost" counts only targets no delivery could start.
	if res.Lost > 0 {
		for _, s := range sends {
			if !s.wantAccepted || s.inst != 0 {
				continue
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fleet[0].URL+s.route, bytes.NewReader(s.body))
			req.Header = s.header.Clone()
			if resp, err := http.DefaultClient.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		c = count(emu, urls, nil)
		res.Backups, res.Duplicates, res.Lost = c.Backups, c.Duplicates, c.Lost
	}
	return res, nil
}
