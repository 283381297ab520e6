package huaweirds_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/huaweirds"
	"github.com/backupfn/backupfn/providers/providertest"
)

func target(instance, opts string) string {
	return "huawei-rds://cn-north-4/" + instance + "?project_id=" + cloudemu.HuaweiProject + opts
}

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Harness{
		New:            func(cfg providers.Config) providers.Provider { return huaweirds.New(cfg) },
		Cloud:          providers.Huawei,
		StartAction:    cloudemu.ActRDSBackup,
		Target:         target(cloudemu.RDSInstance, "&description=nightly+backup"),
		Locked:         target(cloudemu.RDSLocked, ""),
		NotFound:       target("00000000000000000000000000000000in01", ""),
		Unsupported:    target(cloudemu.RDSReplica, ""),
		MarkerInBackup: true,
		BadOptions: []string{
			target(cloudemu.RDSInstance, "&name=1nightly"),
			target(cloudemu.RDSInstance, "&name=abc"),
			target(cloudemu.RDSInstance, "&name=nightly.backup"),
			target(cloudemu.RDSInstance, "&name="+strings.Repeat("n", 65)),
			target(cloudemu.RDSInstance, "&description=a%3Db"),
			target(cloudemu.RDSInstance, "&description="+strings.Repeat("d", 257)),
			target(cloudemu.RDSInstance, "&databases=db1,,db2"),
			target(cloudemu.RDSInstance, "&databases=db1,db1"),
			target(cloudemu.RDSInstance, "&remark=x"),
			"huawei-rds://cn-north-4/" + cloudemu.RDSInstance + "?name=nightly",
		},
	})
}

func env(t *testing.T) (*cloudemu.Emulator, *huaweirds.Provider) {
	t.Helper()
	emu := cloudemu.New(cloudemu.Options{BackupDuration: -1})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	vars := map[string]string{}
	for k, v := range emu.EnvMap(srv.URL) {
		vars[k] = v
	}
	return emu, huaweirds.New(providers.Config{Getenv: func(k string) string { return vars[k] }})
}

func parse(t *testing.T, p providers.Provider, raw string) providers.Target {
	t.Helper()
	tg, err := providers.NewRegistry(p).Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestNames: the default name is backupfn-<UTC time>, the marker is
// appended within 64 characters, and a name in use is a permanent error
// that FindStarted resolves.
func TestNames(t *testing.T) {
	emu, p := env(t)
	ctx := context.Background()
	before := time.Now().UTC()
	if _, err := p.StartBackup(ctx, parse(t, p, target(cloudemu.RDSInstance, "")), providers.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	name := emu.Backups()[0].Name
	if ts, err := time.Parse("backupfn-20060102T150405", name); err != nil || ts.Before(before.Truncate(time.Second)) {
		t.Fatalf("default name %q: want backupfn-<UTC yyyymmddThhmmss>", name)
	}
	long := target(cloudemu.RDSInstance, "&name=n"+strings.Repeat("x", 62))
	s, err := p.StartBackup(ctx, parse(t, p, long), providers.StartOptions{Marker: "m1234567890ab"})
	if err != nil {
		t.Fatal(err)
	}
	name = emu.Backups()[1].Name
	if len(name) != 64 || !strings.HasSuffix(name, "-m1234567890ab") {
		t.Fatalf("name with marker %q: want 64 characters ending -m1234567890ab", name)
	}
	_, err = p.StartBackup(ctx, parse(t, p, long), providers.StartOptions{Marker: "m1234567890ab"})
	if errkind.KindOf(err) != errkind.InvalidArgument || errkind.CodeOf(err) != "DBS.201201" {
		t.Fatalf("the same name again: %v, want InvalidArgument DBS.201201", err)
	}
	got, ok, err := p.FindStarted(ctx, parse(t, p, long), "m1234567890ab", before)
	if err != nil || !ok || got.TaskIDs[0] != s.TaskIDs[0] {
		t.Fatalf("FindStarted = %v, %v, %v; want %v", got, ok, err, s.TaskIDs)
	}
}

func TestDescriptionAndDatabases(t *testing.T) {
	emu, p := env(t)
	emu.AddInstance(cloudemu.Instance{Provider: cloudemu.HuaweiRDS, Region: "cn-north-4", ProjectID: cloudemu.HuaweiProject,
		ID: "sqlserver00000000000000000000000in04", Type: "standard", Engine: "SQLServer"})
	tg := parse(t, p, target("sqlserver00000000000000000000000in04", "&name=nightly&description=kept&databases=db1,+db2"))
	if _, err := p.StartBackup(context.Background(), tg, providers.StartOptions{Remark: "before migration 42"}); err != nil {
		t.Fatal(err)
	}
	b := emu.Backups()[0]
	if b.Description != "before migration 42" || strings.Join(b.Databases, ",") != "db1,db2" {
		t.Fatalf("backup %+v: want the StartOptions remark as description and databases db1,db2", b)
	}
	_, err := p.StartBackup(context.Background(), parse(t, p, target(cloudemu.RDSInstance, "&name=partial&databases=db1")), providers.StartOptions{})
	if errkind.KindOf(err) != errkind.InvalidArgument || errkind.CodeOf(err) != "DBS.201207" {
		t.Fatalf("databases on MySQL: %v, want InvalidArgument DBS.201207 from the cloud", err)
	}
}

// TestFailedAndDeletingBackups: FAILED and DELETING are not done
// (BackupForListStatusEnum, services/rds/v3/model@v0.1.207).
func TestFailedAndDeletingBackups(t *testing.T) {
	for i, word := range []string{"FAILED", "DELETING"} {
		emu, p := env(t)
		tg := parse(t, p, target(cloudemu.RDSInstance, fmt.Sprintf("&name=nightly-%d", i)))
		s, err := p.StartBackup(context.Background(), tg, providers.StartOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !emu.SetHuaweiBackupStatus(cloudemu.HuaweiRDS, s.TaskIDs[0], word) {
			t.Fatal("SetHuaweiBackupStatus refused")
		}
		st, err := p.Status(context.Background(), tg, s.TaskIDs[0])
		if err != nil || st.State != providers.Failed || st.Detail != word || st.Progress != 0 {
			t.Fatalf("Status of a %s backup = %+v, %v; want failed (%s)", word, st, err, word)
		}
	}
}

// TestJobIDReported: the emulator answers job_id as the API page documents
// it; StartBackup reports it beside the backup ID, which stays the task ID
// that Status reads.
func TestJobIDReported(t *testing.T) {
	_, p := env(t)
	tg := parse(t, p, target(cloudemu.RDSInstance, "&name=nightly-job"))
	s, err := p.StartBackup(context.Background(), tg, providers.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.TaskIDs) != 1 || len(s.JobIDs) != 1 || len(s.JobIDs[0]) != 32 || s.JobIDs[0] == s.TaskIDs[0] {
		t.Fatalf("Started = %+v; want one backup ID and one 32-digit job ID", s)
	}
	if st, err := p.Status(context.Background(), tg, s.TaskIDs[0]); err != nil || st.State != providers.Done {
		t.Fatalf("Status(backup ID) = %+v, %v", st, err)
	}
}
