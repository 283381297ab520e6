package core

import (
	"context"
	"strings"
	"time"

	"github.com/backupfn/backupfn/errkind"
)

// The pipeline: every trigger, whoever received it (a platform function,
// the HTTP server, the CLI, the demo), goes through Service.Handle once:
//
//	trigger -> policy -> resolve -> run -> (wait) -> publish -> report
//
// What the pipeline needs from outside core it gets through the small
// interfaces below, implemented by the packages that import core
// (policy.Policy, config.Config, sinks.Publisher): core imports none of them.

// Policy decides whether a trigger may back up what it names.
// policy.Policy implements it.
type Policy interface {
	// Allow returns a PermissionDenied error naming the deciding rule when
	// trig may not back up every target and group it names.
	Allow(trig Trigger) error
}

// Resolver turns a trigger's target names or URLs and group names into
// jobs, each instance once, in request order. config.Config implements it.
type Resolver interface {
	Resolve(targets, groups []string) ([]Job, error)
}

// Publisher sends one run's outcome where callers listen (the log, webhooks,
// Kafka, chat) and says how each destination fared. sinks.Publisher
// implements it. waited is true when the report's tasks were followed
// (Result.TaskState set), so completions can be published too.
type Publisher interface {
	PublishRun(ctx context.Context, trig Trigger, rep Report, waited bool) []SinkStatus
}

// HandleOptions adapt one Handle call to its caller.
type HandleOptions struct {
	// Margin is how long before ctx's deadline to stop starting backups
	// (they are reported pending); 0 means Service.DeadlineMargin.
	Margin time.Duration
	// Wait, when > 0, follows the started tasks until each is done or
	// failed, for up to Wait and never past ctx's deadline less
	// PublishReserve (publishing needs time too).
	Wait time.Duration
	// DryRun checks the policy, resolves the targets and validates them as a
	// run would (templates expanded), and calls nothing: each target is
	// reported skipped (or failed, if invalid); nothing is published.
	DryRun bool
	// OnResolved, when set, is called with the jobs before the run.
	OnResolved func(jobs []Job)
	// OnResult, when set, is called as each backup call finishes (from
	// several goroutines at once), e.g. to draw progress.
	OnResult func(i int, r Result)
	// OnStarted, when set, is called with the run's report before any wait
	// (e.g. to print the task IDs while the tasks run).
	OnStarted func(rep Report)
	// OnSettled, when set, is called as each followed task settles.
	OnSettled func(i int, j Job, r Result)
}

// PublishReserve is the time a wait leaves before ctx's deadline for
// publishing the results.
const PublishReserve = 5 * time.Second

// publishBudget bounds publishing when ctx has no (nearer) deadline.
const publishBudget = 30 * time.Second

// Handle takes one trigger through the whole pipeline: the policy check,
// the resolution of its targets and groups, the backups, the optional wait
// for their tasks, and publishing. Callers only adapt their input to a
// Trigger and the Report to their output.
//
// The error is non-nil when nothing was started: the policy refused (a
// PermissionDenied error; the report holds one failed entry naming the
// rule, and the refusal is published), or the trigger names something
// unknown (an InvalidArgument error; the report is empty and nothing is
// published). Redelivering will not help either.
func (s *Service) Handle(ctx context.Context, trig Trigger, o HandleOptions) (Report, error) {
	if s.Policy != nil {
		if err := s.Policy.Allow(trig); err != nil {
			rep := Report{Results: []Result{deniedResult(trig, err)}}
			if !o.DryRun {
				rep.Sinks = s.publish(ctx, trig, rep, false)
			}
			return rep, err
		}
	}
	jobs, err := s.Jobs(trig)
	if err != nil {
		return Report{Results: []Result{}}, err
	}
	if o.OnResolved != nil {
		o.OnResolved(jobs)
	}
	if o.DryRun {
		return s.dryRun(ctx, trig, jobs), nil
	}
	margin := o.Margin
	if margin == 0 {
		margin = s.DeadlineMargin
	}
	rep := s.run(ctx, trig, jobs, margin, o.OnResult)
	if o.OnStarted != nil {
		o.OnStarted(rep)
	}
	waited := o.Wait > 0
	if waited {
		wctx, cancel := context.WithTimeout(ctx, o.Wait)
		if d, ok := ctx.Deadline(); ok {
			var cancel2 context.CancelFunc
			wctx, cancel2 = context.WithDeadline(wctx, d.Add(-PublishReserve))
			defer cancel2()
		}
		var onDone func(int, Result)
		if o.OnSettled != nil {
			onDone = func(i int, r Result) { o.OnSettled(i, jobs[i], r) }
		}
		s.Wait(wctx, jobs, &rep, onDone)
		cancel()
	}
	rep.Sinks = s.publish(ctx, trig, rep, waited)
	return rep, nil
}

// Jobs resolves a trigger's targets and groups through s.Resolver.
func (s *Service) Jobs(trig Trigger) ([]Job, error) {
	if s.Resolver == nil {
		return nil, errkind.New(errkind.InvalidArgument, "no config to resolve %s with", describeTrigger(trig))
	}
	return s.Resolver.Resolve(trig.Targets, trig.Groups)
}

// publish sends the run's outcome to s.Publisher after every backup call
// has finished. It gets its own time: the run's context may be nearly
// spent (at most 30s, at least 500ms, within ctx's deadline).
func (s *Service) publish(ctx context.Context, trig Trigger, rep Report, waited bool) []SinkStatus {
	if s.Publisher == nil {
		return nil
	}
	budget := publishBudget
	if d, ok := ctx.Deadline(); ok { // e.g. a synchronous slash command's 2.5 s
		budget = min(budget, max(time.Until(d), 500*time.Millisecond))
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	defer cancel()
	return s.Publisher.PublishRun(pctx, trig, rep, waited)
}

// deniedResult is the one failed entry of a trigger the policy refused.
func deniedResult(trig Trigger, err error) Result {
	return Result{Target: describeTrigger(trig), Status: StatusFailed, TaskIDs: []string{},
		Error: &ErrorInfo{Kind: errkind.PermissionDenied, Code: "PolicyDenied", Message: errkind.MessageOf(err)}}
}

// describeTrigger names what a trigger asks for: "a,b,group:nightly".
func describeTrigger(trig Trigger) string {
	what := append([]string{}, trig.Targets...)
	for _, g := range trig.Groups {
		what = append(what, "group:"+g)
	}
	return strings.Join(what, ",")
}
