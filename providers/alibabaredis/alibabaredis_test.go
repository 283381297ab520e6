package alibabaredis

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"github.com/backupfn/backupfn/cloudemu"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/providertest"
)

const region = "cn-hangzhou"

func target(inst string) string { return Scheme + "://" + region + "/" + inst }

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Harness{
		New:         func(cfg providers.Config) providers.Provider { return New(cfg) },
		Cloud:       providers.Alibaba,
		StartAction: cloudemu.ActAlibabaBackup,
		Target:      target(cloudemu.AlibabaInstance) + "?retention_days=30",
		Locked:      target(cloudemu.AlibabaLocked),
		NotFound:    target("r-bp1doesnotexist"),
		Unsupported: target(cloudemu.AlibabaUnsupported),
		BadOptions: []string{
			target(cloudemu.AlibabaInstance) + "?retention_days=6",
			target(cloudemu.AlibabaInstance) + "?retention_days=731",
			target(cloudemu.AlibabaInstance) + "?retention_days=-2",
			target(cloudemu.AlibabaInstance) + "?retention_days=week",
			target(cloudemu.AlibabaInstance) + "?remark=nightly",
		},
		MarkerInBackup: false,
	})
}

// emulator starts an emulator and a provider pointed at it.
func emulator(t *testing.T, o cloudemu.Options) (*cloudemu.Emulator, *Provider) {
	t.Helper()
	emu := cloudemu.New(o)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	vars := map[string]string{}
	for k, v := range emu.EnvMap(srv.URL) {
		vars[k] = v
	}
	return emu, New(providers.Config{Getenv: func(k string) string { return vars[k] }, Timeout: 5 * time.Second})
}

func parse(t *testing.T, raw string) providers.Target {
	t.Helper()
	tg, err := providers.NewRegistry(New(providers.Config{})).Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestClusterReturnsOneTaskPerShard(t *testing.T) {
	emu, p := emulator(t, cloudemu.Options{BackupDuration: 5 * time.Second})
	tg := parse(t, target(cloudemu.AlibabaCluster))
	ctx := context.Background()
	since := time.Now()
	s, err := p.StartBackup(ctx, tg, providers.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, b := range emu.Backups() {
		want = append(want, b.TaskID)
	}
	if len(s.TaskIDs) != 2 || strings.Join(s.TaskIDs, ",") != strings.Join(want, ",") {
		t.Fatalf("TaskIDs = %v, want the 2 shard jobs %v", s.TaskIDs, want)
	}
	for _, id := range s.TaskIDs {
		st, err := p.Status(ctx, tg, id)
		if err != nil || st.State != providers.Running || st.Detail == "" {
			t.Fatalf("Status(%s) = %+v, %v; want running", id, st, err)
		}
	}
	got, ok, err := p.FindStarted(ctx, tg, "", since)
	if err != nil || !ok || strings.Join(got.TaskIDs, ",") != strings.Join(want, ",") {
		t.Fatalf("FindStarted = %+v, %v, %v; want both shard jobs", got, ok, err)
	}
}

func TestWrongSecretMessageIsRedacted(t *testing.T) {
	tok := "STS/tok+en=" + strings.Repeat("q", 20)
	acct := cloudemu.DefaultAlibaba
	acct.Token = tok
	srv := httptest.NewServer(cloudemu.New(cloudemu.Options{Alibaba: acct}))
	defer srv.Close()
	env := map[string]string{
		"BACKUPFN_ENDPOINT": srv.URL, "ALIBABA_CLOUD_ACCESS_KEY_ID": acct.ID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong-secret-value", "ALIBABA_CLOUD_SECURITY_TOKEN": tok,
	}
	p := New(providers.Config{Getenv: func(k string) string { return env[k] }})
	_, err := p.StartBackup(context.Background(), parse(t, target(cloudemu.AlibabaInstance)), providers.StartOptions{})
	var ke *errkind.Error
	if !errors.As(err, &ke) || ke.Kind != errkind.Unauthenticated || ke.Code != "SignatureDoesNotMatch" {
		t.Fatalf("err = %v, want Unauthenticated SignatureDoesNotMatch", err)
	}
	if !strings.Contains(ke.Message, "server string to sign is:") || !strings.Contains(ke.Message, "[redacted]") {
		t.Fatalf("message %q: want the redacted string to sign", ke.Message)
	}
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) || se.HttpStatus() != http.StatusBadRequest {
		t.Fatalf("the SDK's ServerError is not reachable: %v", err)
	}
	for _, text := range []string{err.Error(), errors.Unwrap(ke).Error()} {
		for _, secret := range []string{acct.ID, "STS%252Ftok%252Ben%253D", "STS%2Ftok", tok} {
			if strings.Contains(text, secret) {
				t.Fatalf("error text carries a credential (%q): %s", secret, text)
			}
		}
	}
}

// recorder is a transport that records the request and fails it.
type recorder struct{ got *http.Request }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = req
	return nil, errors.New("no network in tests")
}

func TestProductionEndpointIsHTTPS(t *testing.T) {
	env := map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIproductionkey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret-value"}
	for reg, host := range map[string]string{
		"cn-hangzhou":    "r-kvstore.aliyuncs.com",
		"ap-southeast-1": "r-kvstore.ap-southeast-1.aliyuncs.com",
	} {
		rec := &recorder{}
		p := New(providers.Config{Getenv: func(k string) string { return env[k] }})
		p.base = rec
		_, err := p.StartBackup(context.Background(), parse(t, Scheme+"://"+reg+"/r-abc"), providers.StartOptions{})
		if rec.got == nil || rec.got.URL.Scheme != "https" || rec.got.URL.Host != host {
			t.Fatalf("%s: request to %v, want https://%s", reg, rec.got.URL, host)
		}
		if q := rec.got.URL.Query(); q.Get("RegionId") != reg || q.Get("Action") != "CreateBackup" {
			t.Fatalf("%s: query %v", reg, q)
		}
		if errkind.KindOf(err) != errkind.Unknown || strings.Contains(err.Error(), "LTAIproductionkey") {
			t.Fatalf("%s: err = %v, want Unknown without the key ID", reg, err)
		}
	}
}

func TestKindOf(t *testing.T) {
	for _, c := range []struct {
		code   string
		status int
		want   errkind.Kind
	}{
		{"Throttling.User", 400, errkind.Throttled},
		{"Throttling.Something", 403, errkind.Throttled},
		{"IncorrectDBInstanceState", 403, errkind.Busy},
		{"InvalidInstanceId.NotFound", 404, errkind.NotFound},
		{"InvalidBackupId.NotFound", 404, errkind.NotFound},
		{"InvalidAccessKeyId.NotFound", 404, errkind.Unauthenticated},
		{"InvalidSecurityToken.Expired", 403, errkind.Unauthenticated},
		{"InstanceStatus.NotSupport", 403, errkind.Busy},
		{"IncorrectDBInstanceType", 403, errkind.Unsupported},
		{"Throttling.Api", 403, errkind.Throttled},
		{"InvalidDbInstanceId.NotFound", 404, errkind.NotFound},
		{"Forbidden.InstanceNotFound", 404, errkind.NotFound},
		{"Forbidden.RAM", 403, errkind.PermissionDenied},
		{"InvalidBackupRetentionPeriod.Malformed", 400, errkind.InvalidArgument},
		// Server-side failures may have been applied: ambiguous.
		{"InternalError", 500, errkind.Unknown},
		{"ServiceUnavailable", 503, errkind.Unknown},
		{"", 503, errkind.Unknown},
		{"", 502, errkind.Unknown},
		{"", 500, errkind.Unknown},
		{"", 429, errkind.Throttled},
		{"SomethingNew", 400, errkind.Unknown},
	} {
		if got := kindOf(c.code, c.status); got != c.want {
			t.Errorf("kindOf(%q, %d) = %v, want %v", c.code, c.status, got, c.want)
		}
	}
}

func TestStateOf(t *testing.T) {
	for word, want := range map[string]providers.State{
		"NoStart": providers.Running, "Uploading": providers.Running, "Checking": providers.Running,
		"Preparing": providers.Running, "Waiting": providers.Running,
		"Finished": providers.Done, "Failed": providers.Failed, "BackupFailed": providers.Failed, "NewWord": providers.Running,
	} {
		if got := stateOf(word); got != want {
			t.Errorf("stateOf(%q) = %v, want %v", word, got, want)
		}
	}
}
