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
// lists; but its items carry a BackupId and no TaskId, while Status needs the
// TaskId that ManualBackupInstance returned (DescribeTaskInfo takes only a
// TaskId). The API's own way from an instance to its TaskIds is
// DescribeTaskList. An instance runs one backup flow at a time (a second one
// gets InstanceLockedError), so each manual backup pairs with the manual
// backup flow whose StartTime is nearest its own, within taskSlack;
// FindStarted pairs every manual backup of the window in start order (TaskId
// order within a second) and returns the TaskIds of the marked ones: the
// same IDs StartBackup returns, so Status needs no second ID form. If a
// marked backup is found but no flow matches, FindStarted still reports ok
// (the backup did start) with no task ID rather than let a retry start a
// second backup.
//
// Which backups are manual. RedisBackupSet.BackupType is "0" for a manual
// backup and "1" for the nightly automatic one (tencentcloud-sdk-go
// tencentcloud/redis/v20180412/models.go@144f6c8d, and the doc examples in
// tencentcloud-cli tccli/services/redis/v20180412/examples.json@6e53beb5 and
// @526dc69d: "1" on an unremarked 02:00 backup, "0" on a remarked afternoon
// one). The SDK's docs have said otherwise: "manualBackupInstance" /
// "systemBackupInstance" up to models.go@6fb5155f (v1.0.376), and "1" manual
// / "0" system from v1.0.377 to v1.0.646. So: "1" and
// "systemBackupInstance" are automatic, anything else ("0",
// "manualBackupInstance", "", a new word) is manual, and a backup carrying
// our marker is ours whatever its type says (under the 2022-23 reading,
// others' unmarked manual backups would drop out of the pairing; marked ones
// never do). An automatic backup runs as
// FLOW_AUTOBACKUP, not FLOW_BACKUPINSTANCE, so it must not take a manual
// flow in the pairing.
//
// Which tasks are manual backup flows. models.go lists the task types as
// `FLOW_BACKUPINSTANCE："012"`, which does not say whether the API takes or
// returns the name or the code (the doc's DescribeTaskList example answers
// TaskType "037", a code). FindStarted therefore sends no TaskTypes filter,
// whose accepted form it cannot know (a filter in the wrong form would list
// nothing and silently lose every pairing), lists the instance's tasks of
// the window and keeps, client-side, those whose TaskType is either form.
// The window's EndTime is now: "任务运行的终止时间" may filter on the
// task's end, and a flow still running must be listed.
const (
	actBackups  = "DescribeInstanceBackups"
	actTaskList = "DescribeTaskList"
	timeLayout  = "2006-01-02 15:04:05"
	pageSize    = 100 // the API's maximum Limit
	maxPages    = 20
	maxSpan     = 30 * 24 * time.Hour // the longest BeginTime..EndTime the API accepts
	taskSlack   = 2 * time.Minute
)

// backupFlows are the two forms of the manual backup flow's TaskType.
var backupFlows = map[string]bool{"FLOW_BACKUPINSTANCE": true, "012": true}

// automatic are the BackupType values of an automatic (system) backup.
var automatic = map[string]bool{"1": true, "systemBackupInstance": true}

// beijing is the zone of the API's times (UTC+8, no DST): a fixed zone needs
// no tzdata in the function image.
var beijing = time.FixedZone("UTC+8", 8*3600)

// listed is a backup or task as the list APIs give them.
type listed struct {
	TaskId     flexID
	BackupId   string
	BackupType string
	TaskType   string
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
	backups, rid, err := p.list(ctx, t, actBackups, since, end)
	if err != nil {
		return providers.Started{}, false, err
	}
	var manual []listed
	marked := map[string]bool{}
	for _, b := range backups {
		ours := providers.HasMarker(b.Remark, marker)
		if automatic[b.BackupType] && !ours {
			continue // a system backup: its flow is FLOW_AUTOBACKUP
		}
		manual = append(manual, b)
		if ours && !b.start.Before(since) {
			marked[b.BackupId] = true
		}
	}
	if len(marked) == 0 {
		return providers.Started{}, false, nil
	}
	sortListed(manual)
	from, to := manual[0].start.Add(-taskSlack), manual[len(manual)-1].start.Add(taskSlack)
	if end.After(to) {
		to = end // the flows still running too (see above)
	}
	all, rid2, err := p.list(ctx, t, actTaskList, from, to)
	if err != nil {
		return providers.Started{}, false, err
	}
	var tasks []listed
	for _, k := range all {
		if backupFlows[k.TaskType] {
			tasks = append(tasks, k)
		}
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
// DescribeTaskList) for t's instance between from and to.
func (p *Provider) list(ctx context.Context, t providers.Target, action string, from, to time.Time) ([]listed, string, error) {
	if to.Sub(from) > maxSpan {
		from = to.Add(-maxSpan)
	}
	params := map[string]any{
		"InstanceId": t.Instance, "Limit": pageSize,
		"BeginTime": from.In(beijing).Format(timeLayout), "EndTime": to.In(beijing).Format(timeLayout),
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
