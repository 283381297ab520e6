package huaweidcs_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/huaweidcs"
	"github.com/backupfn/backupfn/providers/providertest"
)

func target(instance, opts string) string {
	return "huawei-dcs://cn-north-4/" + instance + "?project_id=" + cloudemu.HuaweiProject + opts
}

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Harness{
		New:            func(cfg providers.Config) providers.Provider { return huaweidcs.New(cfg) },
		Cloud:          providers.Huawei,
		StartAction:    cloudemu.ActDCSBackup,
		Target:         target(cloudemu.DCSInstance, "&remark=nightly&format=rdb"),
		Locked:         target(cloudemu.DCSLocked, ""),
		NotFound:       target("dcs-missing-0000", ""),
		Unsupported:    target(cloudemu.DCSSingleNode, ""),
		MarkerInBackup: true,
		BadOptions: []string{
			target(cloudemu.DCSInstance, "&format=json"),
			target(cloudemu.DCSInstance, "&remark="+strings.Repeat("r", 111)),
			target(cloudemu.DCSInstance, "&storage_days=7"),
			"huawei-dcs://cn-north-4/" + cloudemu.DCSInstance + "?remark=x",
			"huawei-dcs://cn-north-4/" + cloudemu.DCSInstance + "?project_id=not-a-project",
		},
	})
}

// env starts an emulator and returns a provider pointed at it.
func env(t *testing.T, o cloudemu.Options, timeout time.Duration) (*cloudemu.Emulator, *huaweidcs.Provider, map[string]string) {
	t.Helper()
	emu := cloudemu.New(o)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	vars := map[string]string{}
	for k, v := range emu.EnvMap(srv.URL) {
		vars[k] = v
	}
	get := func(k string) string { return vars[k] }
	return emu, huaweidcs.New(providers.Config{Getenv: get, Timeout: timeout}), vars
}

func parse(t *testing.T, p providers.Provider, raw string) providers.Target {
	t.Helper()
	tg, err := providers.NewRegistry(p).Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestRemarkAndFormat(t *testing.T) {
	emu, p, _ := env(t, cloudemu.Options{}, 0)
	tg := parse(t, p, target(cloudemu.DCSInstance, "&remark=nightly&format=aof"))
	s, err := p.StartBackup(context.Background(), tg, providers.StartOptions{Marker: "m1", Remark: "before migration 42"})
	if err != nil {
		t.Fatal(err)
	}
	b := emu.Backups()
	if len(b) != 1 || b[0].TaskID != s.TaskIDs[0] || b[0].Remark != "before migration 42 bfn:m1" || b[0].Format != "aof" {
		t.Fatalf("backups %+v: want remark from StartOptions with the marker, format aof", b)
	}
	st, err := p.Status(context.Background(), tg, s.TaskIDs[0])
	if err != nil || st.State != providers.Running || st.Detail != "backuping" || st.RequestID == "" {
		t.Fatalf("Status = %+v, %v; want running (backuping) with a request ID", st, err)
	}
}

func TestUnknownKeyRedacted(t *testing.T) {
	_, p, vars := env(t, cloudemu.Options{}, 0)
	vars["HUAWEICLOUD_SDK_AK"] = "HWUNKNOWNACCESSKEY01"
	_, err := p.StartBackup(context.Background(), parse(t, p, target(cloudemu.DCSInstance, "")), providers.StartOptions{})
	if errkind.KindOf(err) != errkind.Unauthenticated || errkind.CodeOf(err) != "APIGW.0301" {
		t.Fatalf("unknown AK: %v, want Unauthenticated APIGW.0301", err)
	}
	if strings.Contains(err.Error(), "HWUNKNOWNACCESSKEY01") || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("the gateway echoes the AK; the error must redact it: %v", err)
	}
}

// TestExpiredBackup: a backup the cloud lists as expired, deleted or failed
// is not done (BackupRecordResponseStatusEnum, services/dcs/v2/model@v0.1.207).
func TestExpiredBackup(t *testing.T) {
	for _, word := range []string{"expired", "deleted", "failed"} {
		emu, p, _ := env(t, cloudemu.Options{BackupDuration: -1}, 0)
		tg := parse(t, p, target(cloudemu.DCSInstance, ""))
		s, err := p.StartBackup(context.Background(), tg, providers.StartOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if st, err := p.Status(context.Background(), tg, s.TaskIDs[0]); err != nil || st.State != providers.Done {
			t.Fatalf("Status = %+v, %v; want done first", st, err)
		}
		if !emu.SetHuaweiBackupStatus(cloudemu.HuaweiDCS, s.TaskIDs[0], word) {
			t.Fatal("SetHuaweiBackupStatus refused")
		}
		st, err := p.Status(context.Background(), tg, s.TaskIDs[0])
		if err != nil || st.State != providers.Failed || st.Detail != word {
			t.Fatalf("Status of a %s backup = %+v, %v; want failed (%s)", word, st, err, word)
		}
	}
}
