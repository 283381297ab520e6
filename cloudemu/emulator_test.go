package cloudemu

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	fs, err := ParseFaults("throttle=10%, 5xx=3x ,tencent-redis/ManualBackupInstance:lost,latency=50ms@30%,huawei-rds:reset=100%")
	if err != nil {
		t.Fatal(err)
	}
	want := []Fault{
		{Kind: FaultThrottle, Probability: 0.1},
		{Kind: FaultServer, Count: 3},
		{Kind: FaultLost, Provider: TencentRedis, Action: "ManualBackupInstance"},
		{Kind: FaultLatency, Latency: 50 * time.Millisecond, Probability: 0.3},
		{Kind: FaultReset, Provider: HuaweiRDS, Probability: 1},
	}
	if len(fs) != len(want) {
		t.Fatalf("got %d faults, want %d", len(fs), len(want))
	}
	for i := range want {
		if fs[i] != want[i] {
			t.Errorf("fault %d = %+v, want %+v", i, fs[i], want[i])
		}
	}
	for spec, msg := range map[string]string{
		"explode=1%":      `unknown kind "explode"`,
		"throttle=150%":   "percentage in (0, 100]",
		"5xx=0x":          "positive number of calls",
		"latency=fast":    "latency needs a duration",
		"reset=sometimes": "want a percentage",
	} {
		if _, err := ParseFaults(spec); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseFaults(%q) = %v, want an error containing %q", spec, err, msg)
		}
	}
}

// A Count fault fires exactly Count times; a probability fault about that often.
func TestFaultCountsAndProbability(t *testing.T) {
	e := New(Options{Seed: 7})
	e.Inject(Fault{Kind: FaultServer, Provider: TencentRedis, Count: 2})
	e.Inject(Fault{Kind: FaultThrottle, Provider: AlibabaRedis, Probability: 0.3})
	r := httptest.NewRequest("POST", "/", nil)
	got := map[FaultKind]int{}
	for i := 0; i < 1000; i++ {
		got[e.admit(httptest.NewRecorder(), r, TencentRedis, "DescribeTaskInfo")]++
	}
	if got[FaultServer] != 2 {
		t.Fatalf("count fault fired %d times, want 2", got[FaultServer])
	}
	n := 0
	for i := 0; i < 1000; i++ {
		if e.admit(httptest.NewRecorder(), r, AlibabaRedis, "DescribeBackupTasks") == FaultThrottle {
			n++
		}
	}
	if n < 230 || n > 370 {
		t.Fatalf("a 30%% fault fired %d times in 1000", n)
	}
	if s := e.Stats(); s["faults.5xx"] != 2 || s["faults.throttle"] != n {
		t.Fatalf("stats = %v", s)
	}
}

func TestRateLimitDefaults(t *testing.T) {
	e := New(Options{})
	r := httptest.NewRequest("POST", "/", nil)
	throttled := 0
	for i := 0; i < 30; i++ {
		if e.admit(httptest.NewRecorder(), r, TencentRedis, ActTencentBackup) == FaultThrottle {
			throttled++
		}
	}
	// A burst of 30 against 20/s: about 10 are refused (a few may refill meanwhile).
	if throttled < 5 || throttled > 10 {
		t.Fatalf("%d of 30 burst calls throttled, want about 10 at 20/s", throttled)
	}
	for i := 0; i < 30; i++ {
		if e.admit(httptest.NewRecorder(), r, TencentRedis, "DescribeTaskInfo") != FaultNone {
			t.Fatal("the status API is not rate limited by default")
		}
	}
}

func TestAdminEndpoints(t *testing.T) {
	e := New(Options{Generate: 2})
	srv := httptest.NewServer(e)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/_emulator/instances")
	if err != nil {
		t.Fatal(err)
	}
	var ins []Instance
	if err := json.NewDecoder(resp.Body).Decode(&ins); err != nil || len(ins) != 12+8 {
		t.Fatalf("instances: %v, %d (want 20)", err, len(ins))
	}
	resp, err = http.Post(srv.URL+"/_emulator/faults", "text/plain", strings.NewReader("throttle=2x"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST faults: %v %v", err, resp.Status)
	}
	resp, _ = http.Post(srv.URL+"/_emulator/faults", "text/plain", strings.NewReader("bogus"))
	if resp.StatusCode != 400 {
		t.Fatalf("POST a bad fault spec: %s, want 400", resp.Status)
	}
	resp, _ = http.Get(srv.URL + "/_emulator/nope")
	if resp.StatusCode != 404 {
		t.Fatalf("unknown admin endpoint: %s, want 404", resp.Status)
	}
	if len(e.faults) != 1 {
		t.Fatalf("%d fault rules, want 1", len(e.faults))
	}
}

func TestBackupLifecycleAndLocking(t *testing.T) {
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	e := New(Options{BackupDuration: time.Minute, Now: func() time.Time { return now }})
	b := Backup{Provider: HuaweiRDS, Region: "cn-north-4", ProjectID: HuaweiProject, Instance: RDSInstance, Name: "n1"}
	got, st := e.startBackup(b)
	if st != stateOK || len(got) != 1 || got[0].Status != "running" {
		t.Fatalf("start = %v, %v", got, st)
	}
	if _, st := e.startBackup(b); st != stateLocked {
		t.Fatalf("second backup while the first runs: %v, want locked", st)
	}
	now = now.Add(time.Minute)
	if _, st := e.startBackup(b); st != stateNameExists {
		t.Fatalf("same RDS name again: %v, want name exists", st)
	}
	b.Name = "n2"
	if _, st := e.startBackup(b); st != stateOK {
		t.Fatalf("after the first is done: %v, want ok", st)
	}
	if bs := e.Backups(); bs[0].Status != "done" || bs[1].Status != "running" {
		t.Fatalf("statuses = %s, %s", bs[0].Status, bs[1].Status)
	}
	for _, c := range []struct {
		b    Backup
		want errState
	}{
		{Backup{Provider: HuaweiDCS, Region: "cn-north-4", ProjectID: HuaweiProject, Instance: DCSSingleNode}, stateUnsupported},
		{Backup{Provider: HuaweiDCS, Region: "cn-north-4", ProjectID: "other", Instance: DCSInstance}, stateNotFound},
		{Backup{Provider: TencentRedis, Region: "ap-beijing", Instance: TencentInstance}, stateNotFound},
		{Backup{Provider: TencentRedis, Region: "ap-guangzhou", Instance: TencentLockedInstance}, stateLocked},
	} {
		if _, st := e.startBackup(c.b); st != c.want {
			t.Errorf("%s %s/%s: %v, want %v", c.b.Provider, c.b.Region, c.b.Instance, st, c.want)
		}
	}
	ids, _ := e.startBackup(Backup{Provider: AlibabaRedis, Region: "cn-hangzhou", Instance: AlibabaCluster})
	if len(ids) != 2 {
		t.Fatalf("a 2-shard cluster backup made %d jobs, want 2", len(ids))
	}
}
