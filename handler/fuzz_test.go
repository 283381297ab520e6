package handler_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/backupfn/backupfn/handler"
)

// FuzzHandleHTTP: any signed body on any route gets an answer with a JSON
// body, never a panic; a 4xx carries {"error":{"kind","message"}}. No
// credentials are set, so nothing reaches a cloud.
func FuzzHandleHTTP(f *testing.F) {
	for _, s := range []string{`{"groups":["nightly"]}`, `{"targets":["orders","tencent-redis://ap-guangzhou/crs-1"]}`,
		`{"specversion":"1.0","id":"1","source":"s","type":"t","data":{"groups":["nightly"]}}`, `{`, `[]`, `"nightly"`} {
		f.Add("/v1/backups", "application/json", []byte(s))
		f.Add("/v1/events", "application/cloudevents+json", []byte(s))
	}
	f.Add("/v1/slack/command", "application/x-www-form-urlencoded", []byte("team_id=T1&user_id=U1&command=%2Fbackup&text=nightly"))
	env := map[string]string{"BACKUPFN_WEBHOOK_SECRET": secret, "SLACK_SIGNING_SECRET": slackSecret}
	h, err := handler.New(context.Background(), handler.Options{Platform: "http", ConfigYAML: []byte(testConfig),
		Getenv: func(k string) string { return env[k] }, Log: io.Discard})
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	f.Fuzz(func(t *testing.T, path, contentType string, body []byte) {
		n++
		at := time.Now().Add(-time.Duration(n%250) * time.Second)
		hd := http.Header{"Content-Type": {contentType}, handler.SignatureHeader: {handler.Sign([]byte(secret), at, body)}}
		ts, sig := handler.SignSlack([]byte(slackSecret), at, body)
		hd.Set("X-Slack-Request-Timestamp", ts)
		hd.Set("X-Slack-Signature", sig)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp := h.HandleHTTP(ctx, &handler.HTTPRequest{Method: http.MethodPost, Path: path, Header: hd, Body: body}, false)
		if resp.Status == 0 || (resp.Status != 200 && len(resp.Body) == 0) {
			t.Fatalf("%s: status %d body %q", path, resp.Status, resp.Body)
		}
		if resp.Status >= 400 && resp.Status < 500 && resp.Status != 401 {
			var e struct {
				Error struct{ Kind, Message string }
			}
			if json.Unmarshal(resp.Body, &e) != nil || e.Error.Kind == "" || e.Error.Message == "" {
				t.Fatalf("%s: %d with body %s: want {\"error\":{kind,message}}", path, resp.Status, resp.Body)
			}
		}
	})
}
