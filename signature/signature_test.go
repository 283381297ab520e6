package signature

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"groups":["nightly"]}`)
	key, old := []byte("k-new"), []byte("k-old")
	good := Sign(key, now, body)
	cases := []struct {
		name    string
		secrets [][]byte
		header  string
		body    []byte
		at      time.Time
		errHas  string
	}{
		{"good", [][]byte{key}, good, body, now, ""},
		{"rotated: old secret still listed", [][]byte{key, old}, Sign(old, now, body), body, now, ""},
		{"two v1 values", [][]byte{key}, good + ",v1=00", body, now, ""},
		{"no secrets configured", nil, good, body, now, "no webhook secret is configured"},
		{"missing header", [][]byte{key}, "", body, now, "missing X-Backupfn-Signature"},
		{"wrong secret", [][]byte{old}, good, body, now, "does not match"},
		{"tampered body", [][]byte{key}, good, []byte(`{"groups":["all"]}`), now, "does not match"},
		{"too old", [][]byte{key}, good, body, now.Add(6 * time.Minute), "outside the 5m0s window"},
		{"from the future", [][]byte{key}, good, body, now.Add(-6 * time.Minute), "outside the 5m0s window"},
		{"bad timestamp", [][]byte{key}, "t=yesterday,v1=00", body, now, "is not a unix time"},
		{"no v1", [][]byte{key}, "t=1800000000", body, now, "has no v1= signature"},
	}
	for _, c := range cases {
		err := Verify(c.secrets, c.header, c.body, c.at)
		if (c.errHas == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.errHas)) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.errHas)
		}
		if err != nil && strings.Contains(err.Error(), "k-new") {
			t.Errorf("%s: the error carries the secret", c.name)
		}
	}
}

func TestVerifySlack(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte("team_id=T1&text=nightly")
	ts, sig := SignSlack([]byte("s3cret"), now, body)
	h := http.Header{"X-Slack-Request-Timestamp": {ts}, "X-Slack-Signature": {sig}}
	if err := VerifySlack([]byte("s3cret"), h, body, now); err != nil {
		t.Fatal(err)
	}
	if err := VerifySlack([]byte("other"), h, body, now); err == nil {
		t.Fatal("a wrong Slack secret was accepted")
	}
	if err := VerifySlack([]byte("s3cret"), h, body, now.Add(10*time.Minute)); err == nil {
		t.Fatal("an old Slack request was accepted")
	}
	if err := VerifySlack(nil, h, body, now); err == nil || !strings.Contains(err.Error(), "SLACK_SIGNING_SECRET") {
		t.Fatalf("no secret: %v", err)
	}
}
