package tencentredis_test

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
	"github.com/backupfn/backupfn/providers/providertest"
	"github.com/backupfn/backupfn/providers/tencentredis"
)

const base = "tencent-redis://ap-guangzhou/"

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Harness{
		New:         func(cfg providers.Config) providers.Provider { return tencentredis.New(cfg) },
		Cloud:       providers.Tencent,
		StartAction: cloudemu.ActTencentBackup,
		Target:      base + cloudemu.TencentInstance + "?remark=nightly&storage_days=7",
		Locked:      base + cloudemu.TencentLockedInstance,
		NotFound:    base + "crs-notfound",
		BadOptions: []string{
			base + cloudemu.TencentInstance + "?storage_days=1826",
			base + cloudemu.TencentInstance + "?storage_days=-1",
			base + cloudemu.TencentInstance + "?storage_days=seven",
			base + cloudemu.TencentInstance + "?remark=" + strings.Repeat("r", 111),
			base + cloudemu.TencentInstance + "?remark=nightly-{nope}",
			base + cloudemu.TencentInstance + "?backup_format=rdb",
		},
		MarkerInBackup: true,
	})
}

func newProvider(t *testing.T, o cloudemu.Options, timeout time.Duration) (*tencentredis.Provider, *cloudemu.Emulator) {
	emu := cloudemu.New(o)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	vars := map[string]string{}
	for k, v := range emu.EnvMap(srv.URL) {
		vars[k] = v
	}
	return tencentredis.New(providers.Config{Getenv: func(k string) string { return vars[k] }, Timeout: timeout}), emu
}

func target(t *testing.T, p providers.Provider, raw string) providers.Target {
	tg, err := providers.NewRegistry(p).Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestWrongRegionIsNotFound(t *testing.T) {
	p, _ := newProvider(t, cloudemu.Options{}, 5*time.Second)
	_, err := p.StartBackup(context.Background(), target(t, p, "tencent-redis://ap-shanghai/"+cloudemu.TencentInstance), providers.StartOptions{})
	if errkind.KindOf(err) != errkind.NotFound || errkind.CodeOf(err) != "ResourceNotFound.InstanceNotExists" {
		t.Fatalf("err = %v, want NotFound ResourceNotFound.InstanceNotExists", err)
	}
}

func TestFindStartedReturnsEveryMarkedTask(t *testing.T) {
	p, emu := newProvider(t, cloudemu.Options{BackupDuration: -1}, 5*time.Second)
	tg := target(t, p, base+cloudemu.TencentInstance+"?remark=nightly")
	ctx, since := context.Background(), time.Now()
	var want []string
	for _, m := range []string{"m1234567890ab", "m0000000000cc", "m1234567890ab"} {
		s, err := p.StartBackup(ctx, tg, providers.StartOptions{Marker: m})
		if err != nil {
			t.Fatal(err)
		}
		if m == "m1234567890ab" {
			want = append(want, s.TaskIDs[0])
		}
	}
	got, ok, err := p.FindStarted(ctx, tg, "m1234567890ab", since)
	if err != nil || !ok || strings.Join(got.TaskIDs, ",") != strings.Join(want, ",") || got.RequestID == "" {
		t.Fatalf("FindStarted = %+v, %v, %v; want tasks %v", got, ok, err, want)
	}
	if st, err := p.Status(ctx, tg, got.TaskIDs[1]); err != nil || st.State != providers.Done || st.Detail != "succeed" {
		t.Fatalf("Status of a found task = %+v, %v; want done (succeed)", st, err)
	}
	for _, b := range emu.Backups() {
		for _, id := range got.TaskIDs {
			if b.TaskID == id && !strings.HasSuffix(b.Remark, "bfn:m1234567890ab") {
				t.Fatalf("task %s is the backup remarked %q", id, b.Remark)
			}
		}
	}
}

func TestStatusOfAnotherInstanceTask(t *testing.T) {
	p, _ := newProvider(t, cloudemu.Options{Generate: 1}, 5*time.Second)
	ctx := context.Background()
	s, err := p.StartBackup(ctx, target(t, p, base+"crs-gen00000"), providers.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Status(ctx, target(t, p, base+cloudemu.TencentInstance), s.TaskIDs[0])
	if errkind.KindOf(err) != errkind.NotFound {
		t.Fatalf("Status of another instance's task: %v, want NotFound", err)
	}
	if _, err := p.Status(ctx, target(t, p, base+cloudemu.TencentInstance), "backup-1"); errkind.KindOf(err) != errkind.InvalidArgument {
		t.Fatalf("Status of a non-integer ID: %v, want InvalidArgument", err)
	}
}

func TestErrorTable(t *testing.T) {
	for code, want := range map[string]errkind.Kind{
		"ResourceUnavailable.InstanceLockedError": errkind.Busy,
		"RequestLimitExceeded.UinLimitExceeded":   errkind.Throttled,
		"InternalError.DbOperationFailed":         errkind.Unknown,
		"InternalError.InternalError":             errkind.Unknown,
		"InternalError":                           errkind.Unknown,
		"FailedOperation.SystemError":             errkind.Unknown,
		"FailedOperation.CommitFlowError":         errkind.Unknown,
		"InvalidParameter.PermissionDenied":       errkind.PermissionDenied,
		"ResourceUnavailable.InstanceStateError":  errkind.Busy,
		"AuthFailure.InvalidAuthorization":        errkind.Unauthenticated,
		"AuthFailure.SignatureExpire":             errkind.Unauthenticated,
		"AuthFailure.UnauthorizedOperation":       errkind.PermissionDenied,
		"UnauthorizedOperation.NoCAMAuthed":       errkind.PermissionDenied,
		"InvalidParameter.InvalidParameter":       errkind.InvalidArgument,
		"ResourceNotFound.InstanceNotExists":      errkind.NotFound,
		"FailedOperation.SomethingNew":            errkind.Unknown,
	} {
		if got := tencentredis.KindOf(code); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestRemarkOverride(t *testing.T) {
	p, emu := newProvider(t, cloudemu.Options{}, 5*time.Second)
	tg := target(t, p, base+cloudemu.TencentInstance+"?remark=nightly")
	ctx := context.Background()
	long := providers.StartOptions{Remark: strings.Repeat("x", 111), Marker: "m1234567890ab"}
	if _, err := p.StartBackup(ctx, tg, long); errkind.KindOf(err) != errkind.InvalidArgument {
		t.Fatalf("a 111-character remark: %v, want InvalidArgument", err)
	}
	o := providers.StartOptions{Remark: "before {migration} 42", Marker: "m1234567890ab"}
	if _, err := p.StartBackup(ctx, tg, o); err != nil {
		t.Fatal(err)
	}
	if bs := emu.Backups(); len(bs) != 1 || bs[0].Remark != "before {migration} 42 bfn:m1234567890ab" {
		t.Fatalf("backups = %+v, want the override remark with the marker", bs)
	}
}

// FindStarted pairs each marked manual backup with its own flow while the
// nightly automatic backups (BackupType "1" / "systemBackupInstance", flow
// FLOW_AUTOBACKUP "017") run around it, whichever documented reading of
// BackupType and TaskType the cloud answers with.
func TestFindStartedAmongAutomaticBackups(t *testing.T) {
	for _, r := range []cloudemu.TencentReadings{{}, {BackupTypeWords: true}, {TaskTypeNames: true}, {BackupTypeWords: true, TaskTypeNames: true}} {
		t.Run(fmt.Sprintf("words=%v,names=%v", r.BackupTypeWords, r.TaskTypeNames), func(t *testing.T) {
			p, emu := newProvider(t, cloudemu.Options{BackupDuration: -1}, 5*time.Second)
			emu.SetTencentReadings(r)
			tg := target(t, p, base+cloudemu.TencentInstance+"?remark=nightly")
			ctx, since := context.Background(), time.Now()
			var want []string
			for i, m := range []string{"", "m1234567890ab", "", "m0000000000cc", "m1234567890ab", ""} {
				if m == "" {
					if _, err := emu.TencentAutoBackup("ap-guangzhou", cloudemu.TencentInstance); err != nil {
						t.Fatal(err)
					}
					continue
				}
				s, err := p.StartBackup(ctx, tg, providers.StartOptions{Marker: m})
				if err != nil {
					t.Fatalf("backup %d: %v", i, err)
				}
				if m == "m1234567890ab" {
					want = append(want, s.TaskIDs[0])
				}
			}
			got, ok, err := p.FindStarted(ctx, tg, "m1234567890ab", since)
			if err != nil || !ok || strings.Join(got.TaskIDs, ",") != strings.Join(want, ",") {
				t.Fatalf("FindStarted = %+v, %v, %v; want tasks %v", got, ok, err, want)
			}
			for _, id := range got.TaskIDs {
				if st, err := p.Status(ctx, tg, id); err != nil || st.State != providers.Done {
					t.Fatalf("Status(%s) = %+v, %v; want done", id, st, err)
				}
			}
		})
	}
}

// An unknown TaskId: the emulator answers InvalidParameter.InvalidParameter,
// the code DescribeTaskInfo documents; Status reads it as NotFound.
func TestStatusOfUnknownTask(t *testing.T) {
	p, _ := newProvider(t, cloudemu.Options{}, 5*time.Second)
	_, err := p.Status(context.Background(), target(t, p, base+cloudemu.TencentInstance), "999999")
	if errkind.KindOf(err) != errkind.NotFound || errkind.CodeOf(err) != "InvalidParameter.InvalidParameter" {
		t.Fatalf("Status of an unknown task: %v, want NotFound (InvalidParameter.InvalidParameter)", err)
	}
}
