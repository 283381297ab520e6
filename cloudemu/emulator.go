// Package cloudemu is a local stand-in for the four cloud backup APIs that
// backupfn calls: Tencent Cloud Redis, Alibaba Cloud R-kvstore, Huawei Cloud
// DCS and Huawei Cloud RDS, all on one http.Handler.
//
// It is faithful where it matters to a client: it verifies each cloud's real
// signature scheme (TC3-HMAC-SHA256, Alibaba RPC HMAC-SHA1, Huawei
// SDK-HMAC-SHA256) against its own credentials, validates parameters as the
// API docs say, answers in each cloud's success and error formats, keeps
// instance and backup state, serves the status and list APIs, enforces
// per-action rate limits and injects faults on demand. The real SDKs run
// against it unchanged, pointed at its address.
//
// Test hooks live under /_emulator/: GET instances, GET backups, GET requests,
// GET stats, POST faults (a fault spec, see ParseFaults), DELETE faults.
package cloudemu

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Provider schemes, as in target URLs.
const (
	TencentRedis = "tencent-redis"
	AlibabaRedis = "alibaba-redis"
	HuaweiDCS    = "huawei-dcs"
	HuaweiRDS    = "huawei-rds"
)

// Start actions, the ones rate limits apply to by default.
const (
	ActTencentBackup = "ManualBackupInstance"
	ActAlibabaBackup = "CreateBackup"
	ActDCSBackup     = "CopyInstance"
	ActRDSBackup     = "CreateManualBackup"
)

// Credentials are an account's keys. Token, when set, must accompany every
// request (as an STS session token would).
type Credentials struct {
	ID     string `json:"id"`
	Secret string `json:"-"`
	Token  string `json:"-"`
}

// Options configure an Emulator. The zero value is usable.
type Options struct {
	// Tencent, Alibaba and Huawei are the accounts the emulator accepts;
	// zero values get the defaults (DefaultTencent, ...).
	Tencent, Alibaba, Huawei Credentials
	// BackupDuration is how long a backup stays running; default 2s.
	// Negative means backups complete at once.
	BackupDuration time.Duration
	// Rates are requests per second per provider start action (key: scheme)
	// or per action (key: "scheme/Action"). Missing keys get DefaultRates;
	// a rate <= 0 means unlimited.
	Rates map[string]float64
	// Generate adds this many more backup-able instances per provider.
	Generate int
	// Seed makes fault injection deterministic; 0 means a random seed.
	Seed uint64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HuaweiRDSNoJobID makes CreateManualBackup answer as the SDK's model
	// reads it (no job_id) instead of as the API page documents it.
	HuaweiRDSNoJobID bool
}

// Default accounts. They are test credentials of the emulator only.
var (
	DefaultTencent = Credentials{ID: "AKIDemulatortencent0000000000000000", Secret: "emu-tencent-secret-key-000000000000"}
	DefaultAlibaba = Credentials{ID: "LTAIemulatoralibaba000000", Secret: "emu-alibaba-secret-000000000000"}
	DefaultHuawei  = Credentials{ID: "HWEMULATORHUAWEIAK00", Secret: "emu-huawei-secret-key-00000000000000000"}
)

// DefaultRates are the published limits: Tencent ManualBackupInstance 20/s,
// Huawei RDS 60 requests/min per user.
var DefaultRates = map[string]float64{
	TencentRedis: 20,
	HuaweiRDS:    1, // 60/min, burst 60
}

// Seeded IDs.
const (
	HuaweiProject = "0b8f3a2c5e7d4f6a9c1b2d3e4f5a6b7c"

	TencentInstance       = "crs-5a4py64p"
	TencentLockedInstance = "crs-locked01"
	AlibabaInstance       = "r-bp1zxszhcgatnx"
	AlibabaCluster        = "r-bp1cluster0002"
	AlibabaLocked         = "r-bp1locked00001"
	AlibabaUnsupported    = "r-bp1readonly001"
	DCSInstance           = "dcs-ms-3f2a6c1e"
	DCSSingleNode         = "dcs-single-7b9d"
	DCSLocked             = "dcs-locked-5e8a"
	RDSInstance           = "d8e6ca5a624745bcb546a227aa3ae1cfin01"
	RDSReplica            = "a1b2c3d4e5f64a7b8c9d0e1f2a3b4c5din01"
	RDSLocked             = "f0e1d2c3b4a5469788796a5b4c3d2e1fin01"
)

// Instance is one database instance the emulator knows.
type Instance struct {
	Provider  string `json:"provider"`
	Region    string `json:"region"`
	ProjectID string `json:"project_id,omitempty"`
	ID        string `json:"instance"`
	// Type: "standard", "master-standby", "cluster", "single", "replica", "readonly".
	Type string `json:"type"`
	// Locked instances refuse backups as if another flow held them.
	Locked bool `json:"locked"`
	// Shards: a cluster backup yields one job per shard (Alibaba "1022,2480").
	Shards int `json:"shards,omitempty"`
	// Engine: for RDS, "MySQL", "PostgreSQL" or "SQLServer".
	Engine string `json:"engine,omitempty"`
}

// Backup is one backup the emulator started.
type Backup struct {
	Provider    string    `json:"provider"`
	Region      string    `json:"region"`
	ProjectID   string    `json:"project_id,omitempty"`
	Instance    string    `json:"instance"`
	TaskID      string    `json:"task_id"`
	Remark      string    `json:"remark,omitempty"`
	Name        string    `json:"name,omitempty"`
	Description string    `json:"description,omitempty"`
	Format      string    `json:"format,omitempty"`
	Databases   []string  `json:"databases,omitempty"`
	Status      string    `json:"status"` // running | done
	StartedAt   time.Time `json:"started_at"`
	DoneAt      time.Time `json:"done_at"`
	// Lost is true when the emulator dropped the response to the call that
	// started this backup (the ambiguous case).
	Lost bool `json:"lost,omitempty"`
	// Automatic is true for a backup the cloud's own schedule made
	// (TencentAutoBackup, AlibabaAutoBackup), not an API call.
	Automatic bool `json:"automatic,omitempty"`
	// FinalStatus is the cloud's status word a test gave the backup
	// (SetHuaweiBackupStatus: failed, expired, deleted, FAILED, DELETING).
	FinalStatus string `json:"final_status,omitempty"`
}

// Request is one API call the emulator received (signed or not).
type Request struct {
	Provider string    `json:"provider"`
	Action   string    `json:"action"`
	Outcome  string    `json:"outcome"` // "ok", an error code, or a fault name
	At       time.Time `json:"at"`
}

// Emulator is the cloud stand-in. Create it with New; it is safe for
// concurrent use.
type Emulator struct {
	opts Options
	now  func() time.Time

	mu        sync.Mutex
	instances []*Instance
	backups   []*Backup
	requests  []Request
	faults    []*Fault
	stats     map[string]int
	limiters  map[string]*rate.Limiter
	nonces    map[string]time.Time // Alibaba SignatureNonce replay cache
	nextID    int64
	rng       *rand.Rand
	tcRead    TencentReadings // guarded by mu
	inflight  int
}

// New returns an emulator with the seeded instances.
func New(o Options) *Emulator {
	if o.Tencent.ID == "" {
		o.Tencent = DefaultTencent
	}
	if o.Alibaba.ID == "" {
		o.Alibaba = DefaultAlibaba
	}
	if o.Huawei.ID == "" {
		o.Huawei = DefaultHuawei
	}
	if o.BackupDuration == 0 {
		o.BackupDuration = 2 * time.Second
	}
	e := &Emulator{
		opts:     o,
		now:      o.Now,
		stats:    map[string]int{},
		limiters: map[string]*rate.Limiter{},
		nonces:   map[string]time.Time{},
		nextID:   6954227,
	}
	if e.now == nil {
		e.now = time.Now
	}
	seed := o.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	e.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	e.seed(o.Generate)
	return e
}

func (e *Emulator) seed(n int) {
	add := func(in Instance) { e.instances = append(e.instances, &in) }
	add(Instance{Provider: TencentRedis, Region: "ap-guangzhou", ID: TencentInstance, Type: "standard"})
	add(Instance{Provider: TencentRedis, Region: "ap-guangzhou", ID: TencentLockedInstance, Type: "standard", Locked: true})
	add(Instance{Provider: AlibabaRedis, Region: "cn-hangzhou", ID: AlibabaInstance, Type: "standard"})
	add(Instance{Provider: AlibabaRedis, Region: "cn-hangzhou", ID: AlibabaCluster, Type: "cluster", Shards: 2})
	add(Instance{Provider: AlibabaRedis, Region: "cn-hangzhou", ID: AlibabaLocked, Type: "standard", Locked: true})
	add(Instance{Provider: AlibabaRedis, Region: "cn-hangzhou", ID: AlibabaUnsupported, Type: "readonly"})
	add(Instance{Provider: HuaweiDCS, Region: "cn-north-4", ProjectID: HuaweiProject, ID: DCSInstance, Type: "master-standby"})
	add(Instance{Provider: HuaweiDCS, Region: "cn-north-4", ProjectID: HuaweiProject, ID: DCSSingleNode, Type: "single"})
	add(Instance{Provider: HuaweiDCS, Region: "cn-north-4", ProjectID: HuaweiProject, ID: DCSLocked, Type: "master-standby", Locked: true})
	add(Instance{Provider: HuaweiRDS, Region: "cn-north-4", ProjectID: HuaweiProject, ID: RDSInstance, Type: "standard", Engine: "MySQL"})
	add(Instance{Provider: HuaweiRDS, Region: "cn-north-4", ProjectID: HuaweiProject, ID: RDSReplica, Type: "replica", Engine: "MySQL"})
	add(Instance{Provider: HuaweiRDS, Region: "cn-north-4", ProjectID: HuaweiProject, ID: RDSLocked, Type: "standard", Engine: "MySQL", Locked: true})
	for i := 0; i < n; i++ {
		add(Instance{Provider: TencentRedis, Region: "ap-guangzhou", ID: fmt.Sprintf("crs-gen%05d", i), Type: "standard"})
		add(Instance{Provider: AlibabaRedis, Region: "cn-hangzhou", ID: fmt.Sprintf("r-bp1gen%08d", i), Type: "standard"})
		add(Instance{Provider: HuaweiDCS, Region: "cn-north-4", ProjectID: HuaweiProject, ID: fmt.Sprintf("dcs-gen-%05d", i), Type: "master-standby"})
		add(Instance{Provider: HuaweiRDS, Region: "cn-north-4", ProjectID: HuaweiProject, ID: fmt.Sprintf("%028xin01", i), Type: "standard", Engine: "MySQL"})
	}
}

// AddInstance adds an instance (for tests).
func (e *Emulator) AddInstance(in Instance) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.instances = append(e.instances, &in)
}

// Instances returns a snapshot of the known instances.
func (e *Emulator) Instances() []Instance {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Instance, len(e.instances))
	for i, in := range e.instances {
		out[i] = *in
	}
	return out
}

// Backups returns a snapshot of every backup started, oldest first, with
// statuses as of now.
func (e *Emulator) Backups() []Backup {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	out := make([]Backup, len(e.backups))
	for i, b := range e.backups {
		out[i] = b.at(now)
	}
	return out
}

// Requests returns every API call received so far.
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Request(nil), e.requests...)
}

// Stats returns counters: requests per action, faults injected per kind.
func (e *Emulator) Stats() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int, len(e.stats))
	for k, v := range e.stats {
		out[k] = v
	}
	return out
}

// Credentials returns the account the emulator accepts for cloud
// ("tencent", "alibaba" or "huawei").
func (e *Emulator) Credentials(cloud string) Credentials {
	switch cloud {
	case "tencent":
		return e.opts.Tencent
	case "alibaba":
		return e.opts.Alibaba
	case "huawei":
		return e.opts.Huawei
	}
	return Credentials{}
}

// Env returns the environment that points backupfn at this emulator,
// listening at endpoint (e.g. "http://127.0.0.1:8787"), as NAME=value pairs
// in a stable order. The values are the emulator's test credentials.
func (e *Emulator) Env(endpoint string) []string {
	env := []string{
		"BACKUPFN_ENDPOINT=" + endpoint,
		"TENCENTCLOUD_SECRET_ID=" + e.opts.Tencent.ID,
		"TENCENTCLOUD_SECRET_KEY=" + e.opts.Tencent.Secret,
		"ALIBABA_CLOUD_ACCESS_KEY_ID=" + e.opts.Alibaba.ID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + e.opts.Alibaba.Secret,
		"HUAWEICLOUD_SDK_AK=" + e.opts.Huawei.ID,
		"HUAWEICLOUD_SDK_SK=" + e.opts.Huawei.Secret,
	}
	for _, t := range []struct{ name, tok string }{
		{"TENCENTCLOUD_SESSION_TOKEN", e.opts.Tencent.Token},
		{"ALIBABA_CLOUD_SECURITY_TOKEN", e.opts.Alibaba.Token},
		{"HUAWEICLOUD_SDK_SECURITY_TOKEN", e.opts.Huawei.Token},
	} {
		if t.tok != "" {
			env = append(env, t.name+"="+t.tok)
		}
	}
	return env
}

// EnvMap is Env as a map, for a getenv func or a child's environment.
func (e *Emulator) EnvMap(endpoint string) map[string]string {
	m := map[string]string{}
	for _, kv := range e.Env(endpoint) {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// ServeHTTP routes a request to the cloud it is addressed to.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_emulator/") {
		e.serveAdmin(w, r)
		return
	}
	e.mu.Lock()
	e.inflight++
	e.stats["inflight.max"] = max(e.stats["inflight.max"], e.inflight)
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.inflight--
		e.mu.Unlock()
	}()
	e.serveCloud(w, r) // route.go
}
