package huaweirds

import (
	"context"
	"slices"
	"strings"
	"testing"

	rdsregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/rds/v3/region"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/internal/huaweicommon"
)

const project = "0b8f3a2c5e7d4f6a9c1b2d3e4f5a6b7c"

// TestEndpointFromSDK: with no override the host is the SDK's own
// (services/rds/v3/region/region.go@v0.1.207: eu-west-101 is
// https://rds.eu-west-101.myhuaweicloud.eu, not .com), and an unknown region
// is an InvalidArgument error saying how to override it, before any request.
func TestEndpointFromSDK(t *testing.T) {
	none := providers.Config{Getenv: func(string) string { return "" }}
	got, err := huaweicommon.Endpoints(none, service, "eu-west-101")
	if err != nil || !slices.Equal(got, rdsregion.EU_WEST_101.Endpoints) || got[0] != "https://rds.eu-west-101.myhuaweicloud.eu" {
		t.Fatalf("eu-west-101 = %v, %v; want the SDK's https://rds.eu-west-101.myhuaweicloud.eu", got, err)
	}
	p := New(none)
	tg, err := providers.ParseUnchecked("huawei-rds://xx-unknown-7/d8e6ca5a624745bcb546a227aa3ae1cfin01?project_id=" + project)
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Validate":    p.Validate(tg),
		"StartBackup": func() error { _, err := p.StartBackup(context.Background(), tg, providers.StartOptions{}); return err }(),
	} {
		if errkind.KindOf(err) != errkind.InvalidArgument || !strings.Contains(err.Error(), `"xx-unknown-7"`) ||
			!strings.Contains(err.Error(), "HUAWEICLOUD_SDK_REGION_RDS_XX_UNKNOWN_7") || !strings.Contains(err.Error(), "BACKUPFN_HUAWEI_RDS_ENDPOINT") {
			t.Errorf("%s in an unknown region: %v; want InvalidArgument naming the region and the overrides", name, err)
		}
	}
}

func TestStatusOf(t *testing.T) {
	for word, want := range map[string]providers.State{
		"BUILDING": providers.Running, "COMPLETED": providers.Done, "FAILED": providers.Failed, "DELETING": providers.Failed,
	} {
		if got := statusOf(word); got != want {
			t.Errorf("statusOf(%s) = %s, want %s", word, got, want)
		}
	}
}
