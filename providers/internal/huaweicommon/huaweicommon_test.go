package huaweicommon

import (
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/core/errkind"
	"github.com/backupfn/backupfn/providers"
)

func TestEndpoint(t *testing.T) {
	none := func(string) string { return "" }
	got, err := Endpoint(providers.Config{Getenv: none}, "huawei-dcs", "dcs", "cn-north-4")
	if err != nil || got != "https://dcs.cn-north-4.myhuaweicloud.com" {
		t.Fatalf("default endpoint = %q, %v", got, err)
	}
	env := func(k string) string {
		return map[string]string{"BACKUPFN_HUAWEI_RDS_ENDPOINT": "127.0.0.1:8787"}[k]
	}
	if got, _ := Endpoint(providers.Config{Getenv: env}, "huawei-rds", "rds", "cn-north-4"); got != "http://127.0.0.1:8787" {
		t.Fatalf("override = %q, want http://127.0.0.1:8787", got)
	}
	if _, err := Endpoint(providers.Config{Endpoint: "ftp://x"}, "huawei-rds", "rds", "cn-north-4"); errkind.KindOf(err) != errkind.InvalidArgument {
		t.Fatalf("bad override: %v, want InvalidArgument", err)
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2016, 8, 23, 3, 59, 26, 0, time.UTC)
	for _, s := range []string{"2016-08-23T03:59:26Z", "2016-08-23T11:59:26+0800", "2016-08-23T03:59:26.000Z", "2016-08-23T03:59:26"} {
		if got, ok := ParseTime(s); !ok || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	if _, ok := ParseTime("yesterday"); ok {
		t.Error("ParseTime accepted yesterday")
	}
}

func TestTableKind(t *testing.T) {
	tb := Table{Codes: map[string]errkind.Kind{"DCS.4096": errkind.Busy},
		Prefixes: map[string]errkind.Kind{"DCS.1": errkind.Unauthenticated, "DCS.10": errkind.PermissionDenied}}
	for _, c := range []struct {
		code   string
		status int
		want   errkind.Kind
	}{
		{"DCS.4096", 400, errkind.Busy},
		{"APIGW.0308", 429, errkind.Throttled},
		{"DCS.1004", 401, errkind.PermissionDenied}, // the longest prefix wins
		{"DCS.1999", 401, errkind.Unauthenticated},
		{"DCS.9999", 404, errkind.NotFound},
		{"DCS.9999", 503, errkind.Unavailable},
		{"DCS.9999", 500, errkind.Unknown},
	} {
		if got := tb.Kind(c.code, c.status); got != c.want {
			t.Errorf("Kind(%s, %d) = %v, want %v", c.code, c.status, got, c.want)
		}
	}
}

func TestFound(t *testing.T) {
	since := time.Date(2026, 1, 1, 2, 0, 0, 500e6, time.UTC)
	var f Found
	f.Add("late", "2026-01-01T02:00:09Z", since)
	f.Add("early", "2026-01-01T01:59:59Z", since) // before since
	f.Add("same-second", "2026-01-01T02:00:00+0000", since)
	f.Add("garbled", "soon", since)
	if got := strings.Join(f.IDs(), ","); got != "same-second,late" || f.Len() != 2 {
		t.Fatalf("found %q, want same-second,late", got)
	}
}

func TestCheckProject(t *testing.T) {
	for opt, ok := range map[string]bool{"": false, "abc": false, strings.Repeat("a", 32): true, strings.Repeat("g", 32): false} {
		tg := providers.Target{Scheme: "huawei-dcs", Region: "cn-north-4", Instance: "i", Options: map[string][]string{}}
		if opt != "" {
			tg.Options.Set("project_id", opt)
		}
		if err := CheckProject(tg); (err == nil) != ok {
			t.Errorf("CheckProject(%q) = %v, want ok=%v", opt, err, ok)
		}
	}
}
