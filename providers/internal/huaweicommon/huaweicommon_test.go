package huaweicommon

import (
	"strings"
	"testing"
	"time"

	dcsregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/region"
	rdsregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rds/v3/region"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

func TestEndpoints(t *testing.T) {
	none := func(string) string { return "" }
	got, err := Endpoints(providers.Config{Getenv: none}, dcsSvc, "cn-north-4")
	if err != nil || strings.Join(got, ",") != "https://dcs.cn-north-4.myhuaweicloud.com" {
		t.Fatalf("cn-north-4 = %q, %v; want the SDK's https://dcs.cn-north-4.myhuaweicloud.com", got, err)
	}
	// services/rds/v3/region/region.go@v0.1.207: eu-west-101 is .eu.
	got, err = Endpoints(providers.Config{Getenv: none}, rdsSvc, "eu-west-101")
	if err != nil || strings.Join(got, ",") != "https://rds.eu-west-101.myhuaweicloud.eu" {
		t.Fatalf("rds eu-west-101 = %q, %v; want https://rds.eu-west-101.myhuaweicloud.eu", got, err)
	}
	env := func(k string) string {
		return map[string]string{"BACKUPFN_HUAWEI_RDS_ENDPOINT": "127.0.0.1:8787",
			"HUAWEICLOUD_SDK_REGION_DCS_XX_NORTH_9": "https://a.example, https://b.example"}[k]
	}
	if got, _ := Endpoints(providers.Config{Getenv: env}, rdsSvc, "cn-north-4"); strings.Join(got, ",") != "http://127.0.0.1:8787" {
		t.Fatalf("override = %q, want http://127.0.0.1:8787", got)
	}
	// The SDK's own override variable, read through the call's environment.
	if got, err := Endpoints(providers.Config{Getenv: env}, dcsSvc, "xx-north-9"); err != nil || strings.Join(got, ",") != "https://a.example,https://b.example" {
		t.Fatalf("HUAWEICLOUD_SDK_REGION_DCS_XX_NORTH_9 = %q, %v; want both endpoints", got, err)
	}
	if _, err := Endpoints(providers.Config{Endpoint: "ftp://x"}, rdsSvc, "cn-north-4"); errkind.KindOf(err) != errkind.InvalidArgument {
		t.Fatalf("bad override: %v, want InvalidArgument", err)
	}
	_, err = Endpoints(providers.Config{Getenv: none}, dcsSvc, "xx-north-9")
	if errkind.KindOf(err) != errkind.InvalidArgument || !strings.Contains(err.Error(), `"xx-north-9"`) ||
		!strings.Contains(err.Error(), "HUAWEICLOUD_SDK_REGION_DCS_XX_NORTH_9") || !strings.Contains(err.Error(), "BACKUPFN_HUAWEI_DCS_ENDPOINT") {
		t.Fatalf("unknown region: %v; want InvalidArgument naming the region and both overrides", err)
	}
}

var (
	dcsSvc = Service{Scheme: "huawei-dcs", Name: "DCS", Regions: dcsregion.SafeValueOf}
	rdsSvc = Service{Scheme: "huawei-rds", Name: "RDS", Regions: rdsregion.SafeValueOf}
)

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
		{"DCS.4096", 500, errkind.Unknown}, // any 5xx: the call may have been applied
		{"DCS.9999", 503, errkind.Unknown},
		{"APIGW.0201", 502, errkind.Unknown},
		{"APIGW.0201", 413, errkind.InvalidArgument},
		{"", 504, errkind.Unknown},
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
