package cloudemu

import (
	"fmt"
	"sort"
	"time"
)

// errState is a state error a per-cloud handler renders in its own format.
type errState int

const (
	stateOK          errState = iota
	stateNotFound             // no such instance (in that region/project)
	stateLocked               // another flow holds the instance (incl. a running backup)
	stateUnsupported          // the instance type cannot be backed up
	stateNameExists           // RDS backup name already used in the project
)

func (s errState) String() string {
	return [...]string{"ok", "not found", "locked", "unsupported", "name exists"}[s]
}

// findInstance returns the instance, or nil. region and project are
// ignored when "" (a Huawei request to a loopback address names no region).
func (e *Emulator) findInstance(provider, region, project, id string) *Instance {
	for _, in := range e.instances {
		if in.Provider == provider && in.ID == id && (region == "" || in.Region == region) && (project == "" || in.ProjectID == project) {
			return in
		}
	}
	return nil
}

// Instance returns a copy of the instance, and whether it exists.
func (e *Emulator) Instance(provider, region, project, id string) (Instance, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := e.findInstance(provider, region, project, id)
	if in == nil {
		return Instance{}, false
	}
	return *in, true
}

// startBackup records a new backup of b.Instance if the instance exists and
// is free. b's Provider, Region, ProjectID, Instance and the descriptive
// fields are taken from the caller; TaskID, Status and times are set here.
// For a sharded instance, shards backups are made; all are returned.
func (e *Emulator) startBackup(b Backup) ([]Backup, errState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := e.findInstance(b.Provider, b.Region, b.ProjectID, b.Instance)
	if in == nil {
		return nil, stateNotFound
	}
	switch in.Type {
	case "single", "replica", "readonly":
		return nil, stateUnsupported
	}
	now := e.now()
	if in.Locked {
		return nil, stateLocked
	}
	for _, o := range e.backups {
		if o.Provider != b.Provider {
			continue
		}
		if o.Instance == b.Instance && o.Region == b.Region && o.at(now).Status == "running" {
			return nil, stateLocked
		}
		if b.Provider == HuaweiRDS && b.Name != "" && o.Name == b.Name && o.ProjectID == b.ProjectID {
			return nil, stateNameExists
		}
	}
	n := max(in.Shards, 1)
	out := make([]Backup, 0, n)
	for i := 0; i < n; i++ {
		nb := b
		e.nextID++
		nb.TaskID = e.taskID(b.Provider, e.nextID)
		nb.StartedAt = now
		nb.DoneAt = now.Add(max(e.opts.BackupDuration, 0))
		e.backups = append(e.backups, &nb)
		out = append(out, nb.at(now))
	}
	return out, stateOK
}

func (e *Emulator) taskID(provider string, n int64) string {
	switch provider {
	case TencentRedis, AlibabaRedis:
		return fmt.Sprint(n)
	}
	// Huawei IDs are 32 hex digits (+ a suffix for RDS backups).
	h := fmt.Sprintf("%016x%016x", e.rng.Uint64(), uint64(n)*0x9e3779b97f4a7c15)
	if provider == HuaweiRDS {
		return h + "br01"
	}
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// markLost flags the backups with these task IDs as started by a call whose
// response was dropped.
func (e *Emulator) markLost(provider string, ids []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, b := range e.backups {
		for _, id := range ids {
			if b.Provider == provider && b.TaskID == id {
				b.Lost = true
			}
		}
	}
}

// findBackups returns backups of provider matching keep, with current status.
func (e *Emulator) findBackups(provider string, keep func(*Backup) bool) []Backup {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	var out []Backup
	for _, b := range e.backups {
		if b.Provider == provider && keep(b) {
			out = append(out, b.at(now))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartedAt.Before(out[j].StartedAt) })
	return out
}

func (b *Backup) at(now time.Time) Backup {
	c := *b
	c.Status = "running"
	if !now.Before(b.DoneAt) {
		c.Status = "done"
	}
	return c
}

// record notes an API call and its outcome.
func (e *Emulator) record(provider, action, outcome string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests = append(e.requests, Request{Provider: provider, Action: action, Outcome: outcome, At: e.now()})
	e.stats["requests"]++
	e.stats["requests."+provider+"."+action]++
	if outcome != "ok" {
		e.stats["errors."+outcome]++
	}
}

// checkNonce records an Alibaba SignatureNonce; false when it was seen within
// the last 15 minutes.
func (e *Emulator) checkNonce(nonce string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	for k, t := range e.nonces {
		if now.Sub(t) > 15*time.Minute {
			delete(e.nonces, k)
		}
	}
	if _, seen := e.nonces[nonce]; seen {
		return false
	}
	e.nonces[nonce] = now
	return true
}
