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
		{"no v1", []Key{key}, "t=1800000000", body, now, "has no v2= (or v1=) signature"},
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

// A v2 signature covers the route and the dedupe headers: altering,
// removing or adding one breaks it; a v1 signature is refused when such a
// header is there.
func TestVerifyRequest(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	key := Key{"default", []byte("k-secret")}
	body := []byte(`{"groups":["nightly"]}`)
	hdr := func(kv ...string) http.Header {
		h := http.Header{"Content-Type": {"application/json"}}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	withSig := func(h http.Header, sig string) http.Header { h = h.Clone(); h.Set(Header, sig); return h }
	signedIdem := withSig(hdr("Idempotency-Key", "deploy-42"), SignRequest(key.Secret, now, "/v1/backups", hdr("Idempotency-Key", "deploy-42"), body))
	v, err := VerifyRequest([]Key{key}, "/v1/backups", signedIdem, body, now)
	if err != nil || v.Version != 2 || v.Key != "default" || !v.Time.Equal(now) || v.ID == "" {
		t.Fatalf("v2: %+v, %v", v, err)
	}
	altered := signedIdem.Clone()
	altered.Set("Idempotency-Key", "deploy-43")
	removed := signedIdem.Clone()
	removed.Del("Idempotency-Key")
	ceSigned := hdr("Ce-Specversion", "1.0", "Ce-Id", "e-1", "Ce-Source", "ci", "Ce-Type", "t")
	ce := withSig(ceSigned, SignRequest(key.Secret, now, "/v1/events", ceSigned, body))
	ceAltered := ce.Clone()
	ceAltered.Set("Ce-Id", "e-2")
	ceSource := ce.Clone()
	ceSource.Del("Ce-Source")
	plain := withSig(hdr(), SignRequest(key.Secret, now, "/v1/backups", hdr(), body))
	added := plain.Clone()
	added.Set("Idempotency-Key", "new")
	v1 := Sign(key.Secret, now, body)
	for _, c := range []struct {
		name, route string
		h           http.Header
		errHas      string
	}{
		{"altered Idempotency-Key", "/v1/backups", altered, "does not match the request"},
		{"removed Idempotency-Key", "/v1/backups", removed, "does not match the request"},
		{"added Idempotency-Key", "/v1/backups", added, "does not match the request"},
		{"another route", "/v1/events", plain, "does not match the request"},
		{"altered ce-id", "/v1/events", ceAltered, "does not match the request"},
		{"removed ce-source", "/v1/events", ceSource, "does not match the request"},
		{"v1 with an Idempotency-Key", "/v1/backups", withSig(hdr("Idempotency-Key", "deploy-42"), v1), "v1 signature covers the body only, and this request carries Idempotency-Key"},
		{"v1 in binary mode", "/v1/events", withSig(ceSigned, v1), "carries Ce-Id, Ce-Source, Ce-Specversion, Ce-Type"},
		{"v1 with ce-specversion alone", "/v1/events", withSig(hdr("Ce-Specversion", "1.0"), v1), "carries Ce-Specversion"},
		{"control character", "/v1/backups", withSig(hdr("Idempotency-Key", "a\nb"), SignRequest(key.Secret, now, "/v1/backups", hdr("Idempotency-Key", "a\nb"), body)), "control character"},
	} {
		if _, err := VerifyRequest([]Key{key}, c.route, c.h, body, now); err == nil || !strings.Contains(err.Error(), c.errHas) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.errHas)
		}
	}
	// v1 alone, with no dedupe header: an old client, accepted.
	old, err := VerifyRequest([]Key{key}, "/v1/backups", withSig(hdr(), v1), body, now)
	if err != nil || old.Version != 1 {
		t.Fatalf("v1 without dedupe headers: %+v, %v", old, err)
	}
	// The ID (and so the derived dedupe key) is the same whichever values
	// the header keeps: v1, v2, both, reordered.
	v2 := SignRequest(key.Secret, now, "/v1/backups", hdr(), body)
	_, v2val, _ := strings.Cut(v2, ",")
	for _, sig := range []string{v1 + "," + v2val, v2, v2val + "," + strings.Split(v1, ",")[0]} {
		got, err := VerifyRequest([]Key{key}, "/v1/backups", withSig(hdr(), sig), body, now)
		if err != nil || got.ID != old.ID || got.DedupeKey() != old.DedupeKey() {
			t.Fatalf("%s: %+v %v; want ID %s", sig, got, err, old.ID)
		}
	}
	if dk := old.DedupeKey(); !strings.HasPrefix(dk, "sig:") || strings.Contains(old.ID, dk[4:]) {
		t.Fatalf("dedupe key %q must be a hash of the ID, not the HMAC", dk)
	}
	// A named key, v2.
	ci := Key{"ci", []byte("ci-secret")}
	if got, err := VerifyRequest([]Key{key, ci}, "/v1/backups", withSig(hdr(), SignRequestWithKey(ci, now, "/v1/backups", hdr(), body)), body, now); err != nil || got.Key != "ci" {
		t.Fatalf("named key: %+v %v", got, err)
	}
}

// Precheck refuses what needs no body to refuse.
func TestPrecheck(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	keys := []Key{{"default", []byte("k")}}
	for _, c := range []struct{ header, errHas string }{
		{"", "missing X-Backupfn-Signature"},
		{"garbage", "is not a unix time"},
		{"t=1800000000", "has no v2="},
		{"t=1700000000,v2=00", "outside the 5m0s window"},
		{"t=1800000000,k=ops,v2=00", "unknown key ID"},
		{strings.Repeat("v2=00,", 1000), "over 4096 bytes"},
	} {
		if err := Precheck(keys, c.header, now); err == nil || !strings.Contains(err.Error(), c.errHas) {
			t.Errorf("%.30q: %v, want %q", c.header, err, c.errHas)
		}
	}
	if err := Precheck(keys, "t=1800000000,v2=00", now); err != nil {
		t.Fatalf("a well-formed header: %v", err)
	}
	if err := Precheck(nil, "t=1800000000,v2=00", now); err == nil {
		t.Fatal("no keys configured must refuse")
	}
}
