package tencentredis

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/backupfn/backupfn/providers"
)

// How FindStarted gets from a remark back to a TaskId.
//
// The marker lives in the backup's remark, which DescribeInstanceBackups
// lists; but its items carry a BackupId (a long decimal string) and no
// TaskId, while Status needs the TaskId that ManualBackupInstance returned
// (DescribeTaskInfo takes only a TaskId). The API's own way from an instance
// to its TaskIds is DescribeTaskList, filtered to backup flows
// (FLOW_BACKUPINSTANCE). An instance runs one backup flow at a time (a second
// one gets InstanceLockedError), so each manual backup pairs with the backup
// flow whose StartTime is nearest its own, within taskSlack; FindStarted
// pairs every manual backup of the window in start order (TaskId order
// within a second) and returns the TaskIds of the marked ones: the same IDs
// StartBackup returns, so Status needs no second ID form. If a marked backup
// is found but no flow matches, FindStarted still reports ok (the backup did
// start) with no task ID rather than let a retry start a second backup.
const (
	actBackups  = "DescribeInstanceBackups"
	actTaskList = "DescribeTaskList"
	backupFlow  = "FLOW_BACKUPINSTANCE"
	timeLayout  = "2006-01-02 15:04:05"
	pageSize    = 100 // the API's maximum Limit
	maxPages    = 20
	maxSpan     = 30 * 24 * time.Hour // the longest BeginTime..EndTime the API accepts
	taskSlack   = 2 * time.Minute
)

// beijing is the zone of the API's times (UTC+8, no DST): a fixed zone needs
// no tzdata in the function image.
var beijing = time.FixedZone("UTC+8", 8*3600)

// listed is a backup or task as the list APIs give them.
type listed struct {
	TaskId     flexID
	BackupId   string
	BackupType string
	Remark     string
	StartTime  string
	start      time.Time
}

// FindStarted looks for a backup of t whose remark carries marker and that
// started at or after since, and returns the TaskId of its backup flow.
func (p *Provider) FindStarted(ctx context.Context, t providers.Target, marker string, since time.Time) (providers.Started, bool, error) {
	since = since.Truncate(time.Second) // the API's times have whole seconds
	end := time.Now().Add(time.Minute)
	if since.After(end) {
		end = since.Add(time.Minute)
	}
	backups, rid, err := p.list(ctx, t, actBackups, since, end, nil)
	if err != nil {
		return providers.Started{}, false, err
	}
	var manual []listed
	marked := map[string]bool{}
	for _, b := range backups {
		if b.BackupType != "" && b.BackupType != "manualBackupInstance" {
			continue // a system backup: its flow is FLOW_AUTOBACKUP
		}
		manual = append(manual, b)
		if providers.HasMarker(b.Remark, marker) && !b.start.Before(since) {
			marked[b.BackupId] = true
		}
	}
	if len(marked) == 0 {
		return providers.Started{}, false, nil
	}
	sortListed(manual)
	from, to := manual[0].start.Add(-taskSlack), manual[len(manual)-1].start.Add(taskSlack)
	tasks, rid2, err := p.list(ctx, t, actTaskList, from, to, []string{backupFlow})
	if err != nil {
		return providers.Started{}, false, err
	}
	sortListed(tasks)
	s := providers.Started{RequestID: cmp.Or(rid2, rid)}
	used := map[flexID]bool{}
	for _, b := range manual {
		id := nearest(tasks, b.start, used)
		used[id] = true
		if marked[b.BackupId] && id != "" {
			s.TaskIDs = append(s.TaskIDs, string(id))
		}
	}
	return s, true, nil
}

// nearest returns the first unused task that started nearest to at, within
// taskSlack. Every manual backup takes one, in start order, so backups of the
// same second pair with tasks of that second in TaskId order.
func nearest(tasks []listed, at time.Time, used map[flexID]bool) flexID {
	var best flexID
	bestGap := taskSlack + 1
	for _, k := range tasks {
		gap := k.start.Sub(at).Abs()
		if k.TaskId != "" && !used[k.TaskId] && gap < bestGap {
			best, bestGap = k.TaskId, gap
		}
	}
	return best
}

// sortListed orders by start time, then by ID (as a number: shorter first).
func sortListed(ls []listed) {
	key := func(l listed) string { return fmt.Sprintf("%030s", string(l.TaskId)+l.BackupId) }
	sort.SliceStable(ls, func(i, j int) bool {
		if !ls[i].start.Equal(ls[j].start) {
			return ls[i].start.Before(ls[j].start)
		}
		return key(ls[i]) < key(ls[j])
	})
}

// list pages through a list action (DescribeInstanceBackups or
// DescribeTaskList, of task types) for t's instance between from and to.
func (p *Provider) list(ctx context.Context, t providers.Target, action string, from, to time.Time, types []string) ([]listed, string, error) {
	if to.Sub(from) > maxSpan {
		from = to.Add(-maxSpan)
	}
	params := map[string]any{
		"InstanceId": t.Instance, "Limit": pageSize,
		"BeginTime": from.In(beijing).Format(timeLayout), "EndTime": to.In(beijing).Format(timeLayout),
	}
	if types != nil {
		params["TaskTypes"] = types
	}
	var all []listed
	var rid string
	for page := 0; page < maxPages; page++ {
		params["Offset"] = page * pageSize
		var out struct {
			TotalCount       int
			BackupSet, Tasks []listed
		}
		var err error
		if rid, err = p.call(ctx, t, action, params, &out); err != nil {
			return nil, rid, err
		}
		items := append(out.BackupSet, out.Tasks...)
		for _, it := range items {
			// An unparsable time stays zero: before any since, so never matched.
			it.start, _ = time.ParseInLocation(timeLayout, it.StartTime, beijing)
			all = append(all, it)
		}
		if len(items) < pageSize || len(all) >= out.TotalCount {
			break
		}
	}
	return all, rid, nil
}
