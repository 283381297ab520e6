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
	key, old := Key{"new", []byte("k-new")}, Key{"old", []byte("k-old")}
	good := Sign(key.Secret, now, body)
	cases := []struct {
		name    string
		secrets []Key
		header  string
		body    []byte
		at      time.Time
		errHas  string
	}{
		{"good", []Key{key}, good, body, now, ""},
		{"rotated: old secret still listed", []Key{key, old}, Sign(old.Secret, now, body), body, now, ""},
		{"two v1 values", []Key{key}, good + ",v1=00", body, now, ""},
		{"no secrets configured", nil, good, body, now, "no webhook secret is configured"},
		{"missing header", []Key{key}, "", body, now, "missing X-Backupfn-Signature"},
		{"wrong secret", []Key{old}, good, body, now, "does not match"},
		{"tampered body", []Key{key}, good, []byte(`{"groups":["all"]}`), now, "does not match"},
		{"too old", []Key{key}, good, body, now.Add(6 * time.Minute), "outside the 5m0s window"},
		{"from the future", []Key{key}, good, body, now.Add(-6 * time.Minute), "outside the 5m0s window"},
		{"bad timestamp", []Key{key}, "t=yesterday,v1=00", body, now, "is not a unix time"},
		{"no v1", []Key{key}, "t=1800000000", body, now, "has no v1= signature"},
	}
	for _, c := range cases {
		_, err := Verify(c.secrets, c.header, c.body, c.at)
		if (c.errHas == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.errHas)) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.errHas)
		}
		if err != nil && strings.Contains(err.Error(), "k-new") {
			t.Errorf("%s: the error carries the secret", c.name)
		}
	}
}

func TestKeyIDs(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{}`)
	ci, ops := Key{"ci", []byte("ci-secret")}, Key{"ops", []byte("ops-secret")}
	id, err := Verify([]Key{ci, ops}, SignWithKey(ops, now, body), body, now)
	if err != nil || id != "ops" {
		t.Fatalf("id %q, err %v", id, err)
	}
	if id, err := Verify([]Key{ci, ops}, Sign(ci.Secret, now, body), body, now); err != nil || id != "ci" {
		t.Fatalf("unnamed key: id %q, err %v", id, err)
	}
	// Naming a key restricts the check to it.
	forged := strings.Replace(SignWithKey(ci, now, body), "k=ci", "k=ops", 1)
	if _, err := Verify([]Key{ci, ops}, forged, body, now); err == nil {
		t.Fatal("a signature by ci was accepted as ops")
	}
	if _, err := Verify([]Key{ci}, SignWithKey(ops, now, body), body, now); err == nil || !strings.Contains(err.Error(), `unknown key ID k="ops"`) {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestReplayCache(t *testing.T) {
	var c ReplayCache
	now := time.Unix(1_800_000_000, 0)
	if c.Seen("sig-a", now) || !c.Seen("sig-a", now.Add(time.Minute)) || c.Seen("sig-b", now) {
		t.Fatal("a signature must be seen once, then flagged")
	}
	if c.Seen("sig-a", now.Add(11*time.Minute)) {
		t.Fatal("a signature past twice the window is no longer remembered")
	}
	small := ReplayCache{Max: 3}
	for _, s := range []string{"1", "2", "3", "4"} {
		small.Seen(s, now)
	}
	if len(small.seen) > 3 {
		t.Fatalf("the cache holds %d entries, max 3", len(small.seen))
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
