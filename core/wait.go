package core

import (
	"context"
	"time"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
)

// Task states a Result can end in after Wait.
const (
	TaskRunning = "running"
	TaskDone    = "done"
	TaskFailed  = "failed"
)

// Wait follows every started (or already-started) result's tasks through
// the provider's status API until each is done or failed, or ctx ends; it
// sets each result's TaskState ("done", "failed", or "running" when ctx
// ended first) and calls onDone (if set) as each result settles. Polls back
// off from PollInterval (default 2s) to 30s.
func (s *Service) Wait(ctx context.Context, jobs []Job, rep *Report, onDone func(i int, r Result)) {
	type task struct {
		i  int
		id string
	}
	var open []task
	left := map[int]int{} // result index -> tasks not yet final
	for i, r := range rep.Results {
		if r.Status != StatusStarted && r.Status != StatusAlreadyStarted {
			continue
		}
		rep.Results[i].TaskState = TaskRunning
		for _, id := range r.TaskIDs {
			open = append(open, task{i, id})
			left[i]++
		}
	}
	wait := s.PollInterval
	if wait <= 0 {
		wait = 2 * time.Second
	}
	for len(open) > 0 {
		var still []task
		for _, t := range open {
			r := &rep.Results[t.i]
			st, err := s.status(ctx, jobs[t.i].Target, t.id)
			switch {
			case err != nil && !errkind.Retryable(errkind.KindOf(err)) && ctx.Err() == nil:
				r.TaskState, r.Error = TaskFailed, errorInfo(err)
			case err != nil || st.State == providers.Running:
				still = append(still, t)
				continue
			case st.State == providers.Failed:
				r.TaskState = TaskFailed
				r.Error = &ErrorInfo{Kind: errkind.Unknown, Code: st.Detail, Message: "the backup task failed (" + st.Detail + ")"}
			}
			if left[t.i]--; left[t.i] == 0 {
				if r.TaskState == TaskRunning {
					r.TaskState = TaskDone
				}
				if onDone != nil {
					onDone(t.i, *r)
				}
			}
		}
		open = still
		if len(open) == 0 || !sleep(ctx, wait) {
			return
		}
		wait = min(wait*3/2, 30*time.Second)
	}
}

func (s *Service) status(ctx context.Context, t providers.Target, id string) (providers.TaskStatus, error) {
	p, err := s.Registry.Lookup(t.Scheme)
	if err != nil {
		return providers.TaskStatus{}, err
	}
	return p.Status(ctx, t, id)
}
