package huaweidcs_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/model"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/internal/fixture"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/huaweidcs"
)

// fixtureWant is what the provider must make of one fixture.
type fixtureWant struct {
	kind errkind.Kind // the error's kind; OK for success
	code string       // the error's code

	taskID string          // CopyInstance: the task ID reported
	state  providers.State // ListBackupRecords: the state of statusTask
	detail string
	pct    int

	sdkRejects bool // the body does not decode into the SDK model (a doc quirk)
}

// statusTask is the backup the Status fixtures are asked about.
const statusTask = "4631832a-14c6-45b0-a0b3-3abd8f591ad1"

var dcsWants = map[string]fixtureWant{
	"CopyInstance.ok.json":                        {taskID: "548ceeff-2cbb-47ab-9a1c-7b085a8c08d7"},
	"CopyInstance.DCS.3022.not-found.json":        {kind: errkind.NotFound, code: "DCS.3022"},
	"CopyInstance.DCS.4022.engine-mismatch.json":  {kind: errkind.InvalidArgument, code: "DCS.4022"},
	"CopyInstance.DCS.4096.backing-up.json":       {kind: errkind.Busy, code: "DCS.4096"},
	"CopyInstance.DCS.4017.job-running.json":      {kind: errkind.Busy, code: "DCS.4017"},
	"CopyInstance.DCS.4086.single-node.json":      {kind: errkind.Unsupported, code: "DCS.4086"},
	"CopyInstance.DCS.4098.remark-too-long.json":  {kind: errkind.InvalidArgument, code: "DCS.4098"},
	"CopyInstance.DCS.1004.project-mismatch.json": {kind: errkind.Unauthenticated, code: "DCS.1004"},
	"CopyInstance.DCS.5000.internal.json":         {kind: errkind.Unknown, code: "DCS.5000"},
	"CopyInstance.DCS.5006.submit-job.json":       {kind: errkind.Unknown, code: "DCS.5006"},
	"CopyInstance.DCS.4069.config-500.json":       {kind: errkind.Unknown, code: "DCS.4069"},
	"CopyInstance.APIGW.0308.throttled.json":      {kind: errkind.Throttled, code: "APIGW.0308"},
	"CopyInstance.APIGW.0301.signature.json":      {kind: errkind.Unauthenticated, code: "APIGW.0301"},

	"ListBackupRecords.doc-example.json":        {kind: errkind.Unknown, sdkRejects: true},
	"ListBackupRecords.succeed.json":            {state: providers.Done, detail: "succeed", pct: 100},
	"ListBackupRecords.waiting.json":            {state: providers.Running, detail: "waiting"},
	"ListBackupRecords.backuping.json":          {state: providers.Running, detail: "backuping", pct: 42},
	"ListBackupRecords.failed.json":             {state: providers.Failed, detail: "failed", pct: 100},
	"ListBackupRecords.expired.json":            {state: providers.Failed, detail: "expired", pct: 100},
	"ListBackupRecords.deleted.json":            {state: providers.Failed, detail: "deleted", pct: 100},
	"ListBackupRecords.other-backup.json":       {kind: errkind.NotFound},
	"ListBackupRecords.empty-204.json":          {kind: errkind.NotFound},
	"ListBackupRecords.DCS.3022.not-found.json": {kind: errkind.NotFound, code: "DCS.3022"},
	"ListBackupRecords.DCS.5000.internal.json":  {kind: errkind.Unknown, code: "DCS.5000"},
}

// TestFixtures parses every recorded DCS answer through the provider's real
// decode path: the SDK client, pointed at a server that answers with the
// fixture.
func TestFixtures(t *testing.T) {
	fs := fixture.Load(t, "testdata/fixtures")
	fixture.CheckCoverage(t, fs, dcsWants)
	for _, f := range fs {
		t.Run(f.Name, func(t *testing.T) {
			want, ok := dcsWants[f.Name]
			if !ok {
				t.Skip("no expectation (reported above)")
			}
			checkSDKModel(t, f, want)
			srv := httptest.NewServer(f.Handler())
			defer srv.Close()
			env := map[string]string{"HUAWEICLOUD_SDK_AK": cloudemu.DefaultHuawei.ID, "HUAWEICLOUD_SDK_SK": cloudemu.DefaultHuawei.Secret}
			p := huaweidcs.New(providers.Config{Endpoint: srv.URL, Getenv: func(k string) string { return env[k] }})
			tg := parse(t, p, target("5560df16-cebf-4473-95c4-d1b573c16e79", ""))
			ctx := context.Background()
			var (
				err   error
				reqID string
			)
			switch f.Action {
			case "CopyInstance":
				var s providers.Started
				s, err = p.StartBackup(ctx, tg, providers.StartOptions{Marker: "m1"})
				if err == nil {
					reqID = s.RequestID
					if !slices.Equal(s.TaskIDs, []string{want.taskID}) {
						t.Errorf("task IDs %v, want [%s]", s.TaskIDs, want.taskID)
					}
				}
			case "ListBackupRecords":
				var st providers.TaskStatus
				st, err = p.Status(ctx, tg, statusTask)
				if err == nil {
					reqID = st.RequestID
					if st.State != want.state || st.Detail != want.detail || st.Progress != want.pct {
						t.Errorf("status %+v, want %s (%s) %d%%", st, want.state, want.detail, want.pct)
					}
				}
			default:
				t.Fatalf("action %s is not one the provider calls", f.Action)
			}
			fixture.CheckOutcome(t, f, err, reqID, want.kind, want.code, "X-Request-Id")
		})
	}
}

// checkSDKModel: a 200 fixture decodes strictly into the SDK's response
// model, so a fixture cannot carry a field the SDK does not know.
func checkSDKModel(t *testing.T, f fixture.Fixture, want fixtureWant) {
	t.Helper()
	if f.Status != 200 {
		return
	}
	var v any
	switch f.Action {
	case "CopyInstance":
		v = &model.CopyInstanceResponse{}
	case "ListBackupRecords":
		v = &model.ListBackupRecordsResponse{}
	}
	err := fixture.DecodeStrict(f.Body, v)
	if (err != nil) != want.sdkRejects {
		t.Fatalf("strict decode into %T: %v (sdkRejects %v)", v, err, want.sdkRejects)
	}
	if r, ok := v.(*model.ListBackupRecordsResponse); ok && err == nil {
		statuses := model.GetBackupRecordResponseStatusEnum()
		for _, rec := range *r.BackupRecordResponse {
			if !slices.Contains([]string{statuses.WAITING.Value(), statuses.BACKUPING.Value(), statuses.SUCCEED.Value(),
				statuses.FAILED.Value(), statuses.EXPIRED.Value(), statuses.DELETED.Value()}, rec.Status.Value()) {
				t.Errorf("status %q is outside BackupRecordResponseStatusEnum", rec.Status.Value())
			}
		}
	}
}
