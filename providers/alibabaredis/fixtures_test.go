package alibabaredis

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	r_kvstore "github.com/aliyun/alibaba-cloud-sdk-go/services/r-kvstore"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/internal/fixture"
	"github.com/backupfn/backupfn/providers"
)

// serverError mirrors the fields alibaba-cloud-sdk-go@v1.63.107
// sdk/errors/server_error.go reads from an error body.
type serverError struct {
	RequestId, HostId, Code, Message, Recommend string
	AccessDeniedDetail                          map[string]any `json:",omitempty"`
}

// fixtureKinds is the kind each documented error code must map to.
var fixtureKinds = map[string]errkind.Kind{
	"Throttling.Api":               errkind.Throttled,
	"Throttling.User":              errkind.Throttled,
	"IncorrectDBInstanceState":     errkind.Busy,
	"InstanceStatus.NotSupport":    errkind.Busy,
	"IncorrectDBInstanceType":      errkind.Unsupported,
	"InvalidInstanceId.NotFound":   errkind.NotFound,
	"InvalidDbInstanceId.NotFound": errkind.NotFound,
	"InternalError":                errkind.Unknown, // ambiguous: the job may have started
	"ServiceUnavailable":           errkind.Unknown, // likewise
	"SignatureDoesNotMatch":        errkind.Unauthenticated,
	"InvalidAccessKeyId.NotFound":  errkind.Unauthenticated,
}

// fixtureSince is the first attempt's time for the FindStarted fixtures: the
// jobs' StartTime has whole seconds, so 19:24:00 counts.
var fixtureSince = time.Date(2021, 1, 5, 19, 24, 0, 400e6, time.UTC)

// fixtureWant is what the provider must make of each success fixture.
var fixtureWant = map[string]struct {
	taskIDs []string        // CreateBackup: the task IDs; DescribeBackupTasks: FindStarted's
	state   providers.State // DescribeBackupTasks: Status(29123410)
	detail  string
	percent int
}{
	"CreateBackup.ok.json":                   {taskIDs: []string{"11620001"}},
	"CreateBackup.cluster.json":              {taskIDs: []string{"1022", "2480"}},
	"CreateBackup.cluster-quoted.json":       {taskIDs: []string{"1022", "2480"}},
	"DescribeBackupTasks.NoStart.json":       {taskIDs: []string{"29123410"}, state: providers.Running, detail: "NoStart", percent: 0},
	"DescribeBackupTasks.Preparing.json":     {taskIDs: []string{"29123410"}, state: providers.Running, detail: "Preparing", percent: 5},
	"DescribeBackupTasks.Waiting.json":       {taskIDs: []string{"29123410"}, state: providers.Running, detail: "Waiting", percent: 10},
	"DescribeBackupTasks.Uploading.json":     {taskIDs: []string{"29123410"}, state: providers.Running, detail: "Uploading", percent: 45},
	"DescribeBackupTasks.Checking.json":      {taskIDs: []string{"29123410"}, state: providers.Running, detail: "Checking", percent: 90},
	"DescribeBackupTasks.Finished.json":      {taskIDs: []string{"29123410"}, state: providers.Done, detail: "Finished", percent: 100},
	"DescribeBackupTasks.Failed.json":        {state: providers.Failed, detail: "Failed", percent: 30},
	"DescribeBackupTasks.cluster-nodes.json": {taskIDs: []string{"29123410"}, state: providers.Running, detail: "Finished,Uploading", percent: 60},
	// Automatic jobs, a job started before the first attempt and a failed
	// one are not adopted.
	"DescribeBackupTasks.modes.json": {taskIDs: []string{"29123404", "29123406"}},
}

// fixtureProvider serves f and returns a provider pointed at it.
func fixtureProvider(t *testing.T, f fixture.Fixture) *Provider {
	t.Helper()
	srv := httptest.NewServer(f.Handler())
	t.Cleanup(srv.Close)
	env := map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIfixturekey000", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "fixture-secret"}
	return New(providers.Config{Endpoint: srv.URL, Getenv: func(k string) string { return env[k] }, Timeout: 5 * time.Second})
}

// Every fixture goes through the provider's real decode path: the SDK's
// client, response parsing and error wrapping, then the provider's mapping.
func TestFixtures(t *testing.T) {
	fs := fixture.Load(t, "testdata/fixtures")
	for _, f := range fs {
		t.Run(f.Name, func(t *testing.T) {
			if f.Status != 200 {
				checkErrorFixture(t, f)
				return
			}
			want, ok := fixtureWant[f.Name]
			if !ok {
				t.Fatalf("no expectation for %s: add one to fixtureWant", f.Name)
			}
			p, ctx := fixtureProvider(t, f), context.Background()
			tg := parse(t, target("r-bp1zxszhcgatnx"))
			switch f.Action {
			case "CreateBackup":
				var body r_kvstore.CreateBackupResponse
				if err := fixture.DecodeStrict(f.Body, &body); err != nil {
					t.Fatalf("the fixture is not a CreateBackupResponse: %v", err)
				}
				s, err := p.StartBackup(ctx, tg, providers.StartOptions{})
				if err != nil || strings.Join(s.TaskIDs, ",") != strings.Join(want.taskIDs, ",") || s.RequestID != body.RequestId {
					t.Fatalf("StartBackup = %+v, %v; want %v", s, err, want.taskIDs)
				}
			case "DescribeBackupTasks":
				var body r_kvstore.DescribeBackupTasksResponse
				if err := fixture.DecodeStrict(f.Body, &body); err != nil {
					t.Fatalf("the fixture is not a DescribeBackupTasksResponse: %v", err)
				}
				if want.detail != "" {
					st, err := p.Status(ctx, tg, "29123410")
					if err != nil || st.State != want.state || st.Detail != want.detail || st.Progress != want.percent || st.RequestID != body.RequestId {
						t.Fatalf("Status = %+v, %v; want %v %s %d%%", st, err, want.state, want.detail, want.percent)
					}
				}
				s, found, err := p.FindStarted(ctx, tg, "", fixtureSince)
				if err != nil || found != (len(want.taskIDs) > 0) || strings.Join(s.TaskIDs, ",") != strings.Join(want.taskIDs, ",") {
					t.Fatalf("FindStarted = %+v, %v, %v; want %v", s, found, err, want.taskIDs)
				}
			default:
				t.Fatalf("action %s is not one the provider calls", f.Action)
			}
		})
	}
	for name := range fixtureWant {
		if !slicesContainsName(fs, name) {
			t.Errorf("fixture %s is expected but missing", name)
		}
	}
}

func slicesContainsName(fs []fixture.Fixture, name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

func checkErrorFixture(t *testing.T, f fixture.Fixture) {
	var body serverError
	if err := fixture.DecodeStrict(f.Body, &body); err != nil {
		t.Fatalf("the fixture is not an error body the SDK reads: %v", err)
	}
	want, ok := fixtureKinds[body.Code]
	if !ok {
		t.Fatalf("no expected kind for %s: add it to fixtureKinds", body.Code)
	}
	p, ctx := fixtureProvider(t, f), context.Background()
	tg := parse(t, target("r-bp1zxszhcgatnx"))
	var err error
	switch f.Action {
	case "CreateBackup":
		_, err = p.StartBackup(ctx, tg, providers.StartOptions{})
	case "DescribeBackupTasks":
		_, err = p.Status(ctx, tg, "29123410")
		if _, _, ferr := p.FindStarted(ctx, tg, "", fixtureSince); errkind.KindOf(ferr) != want {
			t.Fatalf("FindStarted: %v, want %v", ferr, want)
		}
	default:
		t.Fatalf("action %s is not one the provider calls", f.Action)
	}
	var ke *errkind.Error
	if !errors.As(err, &ke) || ke.Kind != want || ke.Code != body.Code || ke.RequestID != body.RequestId {
		t.Fatalf("err = %#v, want %v %s (request %s)", err, want, body.Code, body.RequestId)
	}
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) || se.HttpStatus() != f.Status {
		t.Fatalf("the SDK's ServerError (status %d) is not reachable: %v", f.Status, err)
	}
}

// clk is a settable clock for the emulator.
type clk struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clk) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clk) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// FindStarted adopts only manual jobs started since the first attempt, with
// the instance's automatic backups listed beside them.
func TestFindStartedSkipsAutomaticBackups(t *testing.T) {
	c := &clk{t: time.Now().UTC().Truncate(time.Second)}
	emu, p := emulator(t, cloudemu.Options{BackupDuration: 10 * time.Second, Now: c.now})
	tg := parse(t, target(cloudemu.AlibabaCluster))
	ctx := context.Background()

	if _, err := emu.AlibabaAutoBackup(region, cloudemu.AlibabaCluster); err != nil { // before the first attempt
		t.Fatal(err)
	}
	c.add(11 * time.Second)
	since := c.now()
	auto, err := emu.AlibabaAutoBackup(region, cloudemu.AlibabaCluster) // after it, still running
	if err != nil {
		t.Fatal(err)
	}
	if s, ok, err := p.FindStarted(ctx, tg, "", since); err != nil || ok {
		t.Fatalf("FindStarted = %+v, %v, %v; want nothing: only automatic jobs ran", s, ok, err)
	}
	if _, err := p.StartBackup(ctx, tg, providers.StartOptions{}); errkind.KindOf(err) != errkind.Busy {
		t.Fatalf("StartBackup during an automatic backup: %v, want Busy", err)
	}
	for _, id := range auto {
		if st, err := p.Status(ctx, tg, id); err != nil || st.State != providers.Running {
			t.Fatalf("Status(%s) = %+v, %v", id, st, err)
		}
	}
	c.add(11 * time.Second)
	s, err := p.StartBackup(ctx, tg, providers.StartOptions{})
	if err != nil || len(s.TaskIDs) != 2 {
		t.Fatalf("StartBackup = %+v, %v", s, err)
	}
	got, ok, err := p.FindStarted(ctx, tg, "", since)
	if err != nil || !ok || strings.Join(got.TaskIDs, ",") != strings.Join(s.TaskIDs, ",") {
		t.Fatalf("FindStarted = %+v, %v, %v; want the manual jobs %v only", got, ok, err, s.TaskIDs)
	}
}

// A fixture's note and source survive the loader (so its provenance shows).
func TestFixturesCiteTheirSources(t *testing.T) {
	for _, f := range fixture.Load(t, "testdata/fixtures") {
		if !strings.Contains(f.Source, "@v1.63.107") && !strings.Contains(f.Source, "https://") {
			t.Errorf("%s: source %q", f.Name, f.Source)
		}
		var v map[string]json.RawMessage
		if json.Unmarshal(f.Body, &v) != nil || len(v) == 0 {
			t.Errorf("%s: body is not an object", f.Name)
		}
	}
}
