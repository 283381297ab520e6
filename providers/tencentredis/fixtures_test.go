package tencentredis_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/internal/fixture"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/tencentredis"
	"github.com/backupfn/backupfn/providers/tencentredis/tcmodels"
)

// The contract fixtures in testdata/fixtures are the clouds' answers as
// Tencent's own sources give them (each file cites its source). Every one is
// served to the provider over HTTP and read through its real decode path (the
// official SDK's common client, then the provider's own decoding), and every
// success body also decodes strictly into the official SDK's response struct
// (internal/tcmodels, copied from models.go@144f6c8d) unless its note says
// why the doc's own example does not.

const fixtureDir = "testdata/fixtures"

// fixtureServer answers each request with the fixture of its X-TC-Action and
// records the request bodies by action.
type fixtureServer struct {
	url    string
	mu     sync.Mutex
	bodies map[string][]string
}

func serveFixtures(t *testing.T, byAction map[string]fixture.Fixture) *fixtureServer {
	t.Helper()
	fs := &fixtureServer{bodies: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := r.Header.Get("X-TC-Action")
		body, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		fs.bodies[action] = append(fs.bodies[action], string(body))
		fs.mu.Unlock()
		f, ok := byAction[action]
		if !ok {
			t.Errorf("unexpected call %s", action)
			http.Error(w, "no fixture", http.StatusNotImplemented)
			return
		}
		r.Body = io.NopCloser(strings.NewReader(""))
		f.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	fs.url = srv.URL
	return fs
}

func fixtureProvider(url string) *tencentredis.Provider {
	env := map[string]string{"TENCENTCLOUD_SECRET_ID": "AKIDfixture0000000000000000000000000", "TENCENTCLOUD_SECRET_KEY": "fixture-secret"}
	return tencentredis.New(providers.Config{Endpoint: url, Timeout: 5 * time.Second, Getenv: func(k string) string { return env[k] }})
}

func loadFixtures(t *testing.T) map[string]fixture.Fixture {
	t.Helper()
	m := map[string]fixture.Fixture{}
	for _, f := range fixture.Load(t, fixtureDir) {
		m[f.Name] = f
	}
	return m
}

// want is what the provider must make of a fixture: a kind (errkind.OK for
// success) and, for success, the task IDs or the status.
type want struct {
	kind   errkind.Kind
	tasks  []string
	state  providers.State
	detail string
}

var startCases = map[string]want{
	"ManualBackupInstance.ok.json":                              {tasks: []string{"6954227"}},
	"ManualBackupInstance.ok-taskid-string.json":                {tasks: []string{"6954227"}},
	"ManualBackupInstance.err-InstanceLockedError.json":         {kind: errkind.Busy},
	"ManualBackupInstance.err-InstanceStatusAbnormal.json":      {kind: errkind.Busy},
	"ManualBackupInstance.err-InstanceStateError.json":          {kind: errkind.Busy},
	"ManualBackupInstance.err-CommitFlowError.json":             {kind: errkind.Unknown},
	"ManualBackupInstance.err-SystemError.json":                 {kind: errkind.Unknown},
	"ManualBackupInstance.err-InternalError.json":               {kind: errkind.Unknown},
	"ManualBackupInstance.err-InternalError.InternalError.json": {kind: errkind.Unknown},
	"ManualBackupInstance.err-InstanceNotExists.json":           {kind: errkind.NotFound},
	"ManualBackupInstance.err-InvalidParameter.json":            {kind: errkind.InvalidArgument},
	"ManualBackupInstance.err-PermissionDenied.json":            {kind: errkind.PermissionDenied},
	"ManualBackupInstance.err-NoCAMAuthed.json":                 {kind: errkind.PermissionDenied},
	"ManualBackupInstance.err-RequestLimitExceeded.json":        {kind: errkind.Throttled},
	"ManualBackupInstance.err-SignatureFailure.json":            {kind: errkind.Unauthenticated},
	"ManualBackupInstance.err-InvalidAuthorization.json":        {kind: errkind.Unauthenticated},
}

var statusCases = map[string]want{
	"DescribeTaskInfo.succeed.json":              {state: providers.Done, detail: "succeed"},
	"DescribeTaskInfo.preparing.json":            {state: providers.Running, detail: "preparing"},
	"DescribeTaskInfo.running.json":              {state: providers.Running, detail: "running"},
	"DescribeTaskInfo.failed.json":               {state: providers.Failed, detail: "failed: backup data failed"},
	"DescribeTaskInfo.error.json":                {state: providers.Failed, detail: "error"},
	"DescribeTaskInfo.Error-capitalized.json":    {state: providers.Failed, detail: "Error"},
	"DescribeTaskInfo.unknown-status.json":       {kind: errkind.Unknown, detail: `"paused"`},
	"DescribeTaskInfo.empty-status.json":         {kind: errkind.Unknown, detail: `""`},
	"DescribeTaskInfo.err-InvalidParameter.json": {kind: errkind.NotFound},
	"DescribeTaskInfo.err-SystemError.json":      {kind: errkind.Unknown},
}

// findCases pair a DescribeInstanceBackups fixture with a DescribeTaskList
// one. The marked manual backup is paired with its flow 42381 whichever
// reading of BackupType and TaskType the answers use; the automatic backup
// (and its flow 42380) and the account-change flow 42379 must not take it.
var findCases = []struct {
	backups, taskList string
	want
}{
	{"DescribeInstanceBackups.codes.json", "DescribeTaskList.codes.json", want{tasks: []string{"42381"}}},
	{"DescribeInstanceBackups.codes.json", "DescribeTaskList.names.json", want{tasks: []string{"42381"}}},
	{"DescribeInstanceBackups.words.json", "DescribeTaskList.codes.json", want{tasks: []string{"42381"}}},
	{"DescribeInstanceBackups.words.json", "DescribeTaskList.names.json", want{tasks: []string{"42381"}}},
	{"DescribeInstanceBackups.err-DbOperationFailed.json", "", want{kind: errkind.Unknown}},
	{"DescribeInstanceBackups.err-InstanceNotExists.json", "", want{kind: errkind.NotFound}},
	{"DescribeInstanceBackups.codes.json", "DescribeTaskList.err-SystemError.json", want{kind: errkind.Unknown}},
}

// successModels are the SDK response structs success bodies must decode into.
var successModels = map[string]func() any{
	"ManualBackupInstance": func() any {
		return &struct {
			Response *tcmodels.ManualBackupInstanceResponseParams
		}{}
	},
	"DescribeTaskInfo": func() any {
		return &struct {
			Response *tcmodels.DescribeTaskInfoResponseParams
		}{}
	},
	"DescribeInstanceBackups": func() any {
		return &struct {
			Response *tcmodels.DescribeInstanceBackupsResponseParams
		}{}
	},
	"DescribeTaskList": func() any {
		return &struct {
			Response *tcmodels.DescribeTaskListResponseParams
		}{}
	},
}

// notSDKDecodable are success fixtures the SDK's struct rejects, and why.
var notSDKDecodable = map[string]bool{
	"ManualBackupInstance.ok-taskid-string.json": true, // the doc page's TaskId "6954227" is a string; the SDK's is *int64
}

func TestFixturesAreAllChecked(t *testing.T) {
	seen := map[string]bool{}
	for n := range startCases {
		seen[n] = true
	}
	for n := range statusCases {
		seen[n] = true
	}
	for _, c := range findCases {
		seen[c.backups] = true
		if c.taskList != "" {
			seen[c.taskList] = true
		}
	}
	for name, f := range loadFixtures(t) {
		if !seen[name] {
			t.Errorf("fixture %s is checked by no test case", name)
		}
		var env struct {
			Response struct {
				Error     *struct{ Code, Message string }
				RequestId string
			}
		}
		if err := json.Unmarshal(f.Body, &env); err != nil || env.Response.RequestId == "" {
			t.Errorf("%s: not a Tencent answer with a RequestId: %v", name, err)
		}
		if env.Response.Error != nil || notSDKDecodable[name] {
			continue
		}
		if err := fixture.DecodeStrict(f.Body, successModels[f.Action]()); err != nil {
			t.Errorf("%s does not decode strictly into the SDK's %s response: %v", name, f.Action, err)
		}
	}
}

func TestFixturesStartBackup(t *testing.T) {
	fs := loadFixtures(t)
	for name, w := range startCases {
		t.Run(name, func(t *testing.T) {
			f := fs[name]
			srv := serveFixtures(t, map[string]fixture.Fixture{f.Action: f})
			p := fixtureProvider(srv.url)
			s, err := p.StartBackup(context.Background(), target(t, p, base+"crs-5a4py64p?remark=nightly"), providers.StartOptions{Marker: "m1234567890ab"})
			checkKind(t, err, w.kind, f)
			if w.kind == errkind.OK && (!slices.Equal(s.TaskIDs, w.tasks) || s.RequestID == "") {
				t.Fatalf("StartBackup = %+v, want tasks %v and the request ID", s, w.tasks)
			}
		})
	}
}

func TestFixturesStatus(t *testing.T) {
	fs := loadFixtures(t)
	for name, w := range statusCases {
		t.Run(name, func(t *testing.T) {
			f := fs[name]
			srv := serveFixtures(t, map[string]fixture.Fixture{f.Action: f})
			p := fixtureProvider(srv.url)
			st, err := p.Status(context.Background(), target(t, p, base+"crs-09u2u96z"), "18215")
			checkKind(t, err, w.kind, f)
			switch {
			case w.kind != errkind.OK && !strings.Contains(err.Error(), w.detail):
				t.Fatalf("error %q does not name the status %s", err, w.detail)
			case w.kind == errkind.OK && (st.State != w.state || st.Detail != w.detail || st.RequestID == ""):
				t.Fatalf("Status = %+v, want %s (%q) with the request ID", st, w.state, w.detail)
			}
		})
	}
}

func TestFixturesFindStarted(t *testing.T) {
	fs := loadFixtures(t)
	since := time.Date(2026, 6, 1, 2, 0, 0, 0, time.FixedZone("", 8*3600))
	for _, c := range findCases {
		t.Run(c.backups+"+"+c.taskList, func(t *testing.T) {
			serve := map[string]fixture.Fixture{"DescribeInstanceBackups": fs[c.backups]}
			if c.taskList != "" {
				serve["DescribeTaskList"] = fs[c.taskList]
			}
			srv := serveFixtures(t, serve)
			p := fixtureProvider(srv.url)
			tg := target(t, p, base+"crs-ei43p3gr")
			s, ok, err := p.FindStarted(context.Background(), tg, "m1234567890ab", since)
			checkKind(t, err, c.kind, fs[c.backups])
			if c.kind != errkind.OK {
				return
			}
			if !ok || !slices.Equal(s.TaskIDs, c.tasks) || s.RequestID == "" {
				t.Fatalf("FindStarted = %+v, %v; want tasks %v", s, ok, c.tasks)
			}
			for _, b := range srv.bodies["DescribeTaskList"] {
				if strings.Contains(b, "TaskTypes") {
					t.Fatalf("DescribeTaskList was sent a TaskTypes filter (%s), whose accepted form is not documented", b)
				}
			}
			if _, ok, err := p.FindStarted(context.Background(), tg, "m0000000000zz", since); ok || err != nil {
				t.Fatalf("FindStarted of a marker no backup carries: %v, %v; want not found", ok, err)
			}
		})
	}
}

func checkKind(t *testing.T, err error, want errkind.Kind, f fixture.Fixture) {
	t.Helper()
	if got := errkind.KindOf(err); got != want {
		t.Fatalf("%s (%s): error kind %v, want %v (err: %v)", f.Name, f.Source, got, want, err)
	}
	if want == errkind.OK {
		return
	}
	var env struct {
		Response struct{ Error struct{ Code string } }
	}
	_ = json.Unmarshal(f.Body, &env)
	if code := env.Response.Error.Code; code != "" && errkind.CodeOf(err) != code {
		t.Fatalf("error code %q, want the cloud's %q", errkind.CodeOf(err), code)
	}
}
