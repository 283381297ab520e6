package huaweidcs

import (
	"context"
	"slices"
	"strings"
	"testing"

	dcsregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/region"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/internal/huaweicommon"
)

const project = "0b8f3a2c5e7d4f6a9c1b2d3e4f5a6b7c"

// TestEndpointFromSDK: with no override the host is the SDK's own
// (services/dcs/v2/region/region.go@v0.1.207, which lists eu-west-101 as
// https://dcs.eu-west-101.myhuaweicloud.com), and an unknown region is an
// InvalidArgument error saying how to override it, before any request.
func TestEndpointFromSDK(t *testing.T) {
	none := providers.Config{Getenv: func(string) string { return "" }}
	got, err := huaweicommon.Endpoints(none, service, "eu-west-101")
	if err != nil || !slices.Equal(got, dcsregion.EU_WEST_101.Endpoints) || got[0] != "https://dcs.eu-west-101.myhuaweicloud.com" {
		t.Fatalf("eu-west-101 = %v, %v; want the SDK's %v", got, err, dcsregion.EU_WEST_101.Endpoints)
	}
	p := New(none)
	tg, err := providers.ParseUnchecked("huawei-dcs://xx-unknown-7/dcs-1?project_id=" + project)
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Validate":    p.Validate(tg),
		"StartBackup": func() error { _, err := p.StartBackup(context.Background(), tg, providers.StartOptions{}); return err }(),
	} {
		if errkind.KindOf(err) != errkind.InvalidArgument || !strings.Contains(err.Error(), `"xx-unknown-7"`) ||
			!strings.Contains(err.Error(), "HUAWEICLOUD_SDK_REGION_DCS_XX_UNKNOWN_7") || !strings.Contains(err.Error(), "BACKUPFN_HUAWEI_DCS_ENDPOINT") {
			t.Errorf("%s in an unknown region: %v; want InvalidArgument naming the region and the overrides", name, err)
		}
	}
	// The SDK's override variable makes the region usable.
	env := providers.Config{Getenv: func(k string) string {
		return map[string]string{"HUAWEICLOUD_SDK_REGION_DCS_XX_UNKNOWN_7": "https://dcs.xx-unknown-7.example.com"}[k]
	}}
	if err := New(env).Validate(tg); err != nil {
		t.Errorf("with HUAWEICLOUD_SDK_REGION_DCS_XX_UNKNOWN_7 set: %v", err)
	}
}

func TestStatusOf(t *testing.T) {
	for word, want := range map[string]providers.State{
		"waiting": providers.Running, "backuping": providers.Running, "succeed": providers.Done,
		"failed": providers.Failed, "expired": providers.Failed, "deleted": providers.Failed,
	} {
		if got := statusOf(word); got != want {
			t.Errorf("statusOf(%s) = %s, want %s", word, got, want)
		}
	}
}
