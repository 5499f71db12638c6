package run

import (
	"context"
	"errors"
	"time"

	"github.com/deploy-action/deploy-action/internal/servicestage"
	"github.com/deploy-action/deploy-action/internal/wait"
)

// ServiceStage is the part of the ServiceStage client the release-plan
// flow uses.
type ServiceStage interface {
	Show(ctx context.Context, projectID, planID string) (*servicestage.Plan, error)
	DeployInfo(ctx context.Context, projectID, planID string) (*servicestage.DeployInfo, error)
	Execute(ctx context.Context, projectID, planID string) ([]byte, error)
	Rollback(ctx context.Context, projectID, planID string) ([]byte, error)
	Abort(ctx context.Context, projectID, planID string) ([]byte, error)
}

// ReleasePlanInput is what the release-plan operation needs.
type ReleasePlanInput struct {
	ProjectID, PlanID string
	// Execute executes the plan first; without it the flow watches
	// whatever execution the plan has (or gets).
	Execute bool
	// Wait false returns after executing (status running) or, without
	// Execute, after one look.
	Wait              bool
	RollbackOnFailure bool
	// StopOnCancel and StopOnTimeout abort a running execution when the
	// workflow is cancelled or the timeout passes.
	StopOnCancel, StopOnTimeout bool
	Timeout, PollInterval       time.Duration
	// FirstPoll is the first gap between checks (default wait.DefaultFirst).
	FirstPoll time.Duration
	// AbortGrace bounds the abort after a cancel (default 5 s), so the
	// action exits before the runner escalates to SIGTERM 7.5 s after SIGINT.
	AbortGrace time.Duration
	// LookFor is how long to look for signs of an execute whose outcome is
	// unknown before executing again (default 10 s).
	LookFor time.Duration
	// Executing is called before the plan is executed, so the post step
	// can abort an execution a killed step left running.
	Executing func()
}

// errPlanTimedOut is the cause of the flow's context when `timeout` passes.
var errPlanTimedOut = errors.New("the release plan did not finish within the timeout")

// ReleasePlan optionally executes a ServiceStage release plan, waits until
// every component is done and reports how it ended. It never returns a nil
// Result.
//
// The plan is done when one deploy-info answer shows (planSettled in
// releaseplan_verdict.go):
//   - every component in a final status (SUCCESS, FAILED, PARTIALLY_FAILED,
//     ROLLBACK_*, ABORTED), nothing rolling back; or
//   - no component running or rolling back, at least one failed, the rest
//     CREATED, and the plan itself (GET plan) in a final status. Those
//     CREATED components are in batches that will never run, because an
//     earlier batch failed with fail_strategy stop, or the plan was
//     aborted. Asking the plan tells this apart from the moment between
//     two batches of a fail_strategy continue plan, when nothing runs
//     either; or
//   - only CREATED components, and the plan was in a final status when the
//     flow began without executing it (it ended without starting any).
//
// A plan whose components are all CREATED and never start (nobody executes
// it) is not done: the flow waits for it until the timeout, then reports
// timed_out.
//
// With Execute the plan is executed exactly once: execute is not
// idempotent, so after an answer that leaves its outcome unknown the flow
// looks at the plan, takes it as executed when the plan is RUNNING, its
// execute_time moved, or a component started after the look taken before
// the attempt (or runs now), and executes again only when none of that
// shows on two looks about a second apart. A plan already running when the
// flow begins is watched, not executed again.
func ReleasePlan(ctx context.Context, api ServiceStage, in ReleasePlanInput, log Logger) *Result {
	if in.AbortGrace <= 0 {
		in.AbortGrace = 5 * time.Second
	}
	if in.FirstPoll <= 0 {
		in.FirstPoll = wait.DefaultFirst
	}
	p := &planner{api: api, in: in, log: log, res: &Result{Operation: OpReleasePlan, Plan: &PlanDetail{PlanID: in.PlanID}},
		shown: map[int]bool{}, announced: map[int]bool{}, unknownSeen: map[string]bool{}}
	p.run(ctx)
	return p.res
}

type planner struct {
	api ServiceStage
	in  ReleasePlanInput
	log Logger
	res *Result

	localStart time.Time
	initial    *servicestage.Plan       // the plan as the flow found it
	baseline   *servicestage.DeployInfo // deploy-info before our execute; nil when we did not execute
	started    bool                     // the execution being watched has shown itself
	executed   bool                     // this run executed the plan (or adopted an execute whose answer was lost)
	last       *servicestage.DeployInfo // the latest deploy-info of the watched execution
	planStatus string                   // the plan's status when it decided the verdict

	shown       map[int]bool // batches whose group was printed
	announced   map[int]bool // batches announced as running
	unknownSeen map[string]bool
}

// deployInfo reads the components of the plan's latest execution.
func (p *planner) deployInfo(ctx context.Context) (*servicestage.DeployInfo, error) {
	return p.api.DeployInfo(ctx, p.in.ProjectID, p.in.PlanID)
}

// run is the flow: read the plan, execute it (or adopt the execution it
// has), then report after one look (wait: false) or follow it to its end.
func (p *planner) run(ctx context.Context) {
	tctx, cancel := context.WithTimeoutCause(ctx, p.in.Timeout, errPlanTimedOut)
	defer cancel()
	p.localStart = time.Now()

	plan, ok := p.readPlan(ctx, tctx)
	if !ok {
		return
	}
	if !p.in.Execute {
		p.started = true
	} else if err := p.execute(tctx, plan); err != nil {
		p.end(ctx, tctx, FailedExecute, err)
		return
	}
	if !p.in.Wait {
		p.noWait(ctx, tctx)
		return
	}
	p.await(ctx, tctx)
}

// readPlan reads the plan as it is before this run does anything, and says
// what it is. It reports false when the flow ended there.
func (p *planner) readPlan(ctx, tctx context.Context) (*servicestage.Plan, bool) {
	plan, err := p.api.Show(tctx, p.in.ProjectID, p.in.PlanID)
	if err != nil {
		p.end(ctx, tctx, notFound(err, FailedReadPlan), err)
		return nil, false
	}
	p.initial = plan
	p.res.Plan.PlanName = plan.Name
	p.log.Infof("%s", planLine(p.in.PlanID, plan))
	return plan, true
}

// await follows the watched execution to its verdict, and rolls a failed
// plan back when asked to.
func (p *planner) await(ctx, tctx context.Context) {
	info, err := p.follow(tctx)
	if err != nil {
		p.end(ctx, tctx, FailedFollowPlan, err)
		return
	}
	p.finish(info)
	if p.res.Status == StatusFailed && p.in.RollbackOnFailure {
		p.rollback(ctx, info)
	}
}

// notFound is what failed when err says the application or the plan does
// not exist; otherwise it is otherwise.
func notFound(err error, otherwise Failed) Failed {
	switch servicestage.NotFound(err) {
	case "application":
		return FailedNoApplication
	case "release plan":
		return FailedNoPlan
	}
	return otherwise
}

// noWait reports after one look (wait: false).
func (p *planner) noWait(ctx, tctx context.Context) {
	info, err := p.deployInfo(tctx)
	if err != nil {
		p.noWaitUnread(ctx, tctx, err)
		return
	}
	if !p.ours(info) {
		p.goesOn()
		p.res.Remote = info.Raw
		p.log.Infof("wait is false: release plan %s was executed and goes on.", p.in.PlanID)
		return
	}
	p.observe(info)
	if !p.executed && p.settled(tctx, info) {
		p.finish(info)
		return
	}
	p.goesOn()
	p.setTimes(false)
	p.log.Infof("wait is false: release plan %s goes on.", p.in.PlanID)
}

// noWaitUnread ends a wait: false run whose one look at the deploy-info
// failed: a plan this run executed goes on all the same (only the look
// failed); otherwise the plan's state is unknown, and that is the failure.
func (p *planner) noWaitUnread(ctx, tctx context.Context, err error) {
	if p.executed {
		p.log.Warningf("Could not read the plan's deploy-info: %v", err)
		p.goesOn()
		return
	}
	p.end(ctx, tctx, FailedReadPlan, err)
}

// ours reports whether info shows this run's execution. Right after an
// execute the answer may still show the previous execution, which must not
// be taken for ours (its components are not this run's to report); once an
// answer shows ours, p.started stays set.
func (p *planner) ours(info *servicestage.DeployInfo) bool {
	if !p.started {
		p.started = startedSince(p.baseline, info)
	}
	return p.started
}

// goesOn reports the plan as left running on purpose (wait: false).
func (p *planner) goesOn() {
	p.res.Status = StatusRunning
	p.res.Settled = true
}

// settled decides whether the watched execution is over, asking the plan
// when the components alone cannot tell.
func (p *planner) settled(ctx context.Context, info *servicestage.DeployInfo) bool {
	switch planSettled(info.Components) {
	case verdictDone:
		return true
	case verdictAskPlan:
		return p.planEnded(ctx)
	}
	// Only CREATED components: a plan found already ended (and not
	// executed by us) ran none of them.
	if endedUnstarted(p.initial, p.baseline != nil, info.Components) {
		p.planStatus = p.initial.Status
		return true
	}
	return false
}

// planEnded asks the plan itself whether it has ended, for components that
// cannot tell (some failed, some never ran); a failed read says no, and
// the next look asks again.
func (p *planner) planEnded(ctx context.Context) bool {
	plan, err := p.api.Show(ctx, p.in.ProjectID, p.in.PlanID)
	if err != nil {
		p.log.Warningf("Could not read the plan's status; trying again: %v", err)
		return false
	}
	if !servicestage.Final(plan.Status) {
		return false
	}
	p.planStatus = plan.Status
	p.res.RemoteStatus = plan.Status
	return true
}

// follow polls deploy-info until the watched execution is over.
func (p *planner) follow(ctx context.Context) (*servicestage.DeployInfo, error) {
	policy := wait.Policy{First: p.in.FirstPoll, Max: p.in.PollInterval}
	var done *servicestage.DeployInfo
	emptyWarned := false
	err := pollRead(ctx, p.log, policy, "the plan's deploy-info", p.deployInfo, func(ctx context.Context, info *servicestage.DeployInfo) (bool, time.Duration, error) {
		if !p.ours(info) {
			return false, 0, nil
		}
		if len(info.Components) == 0 && !emptyWarned {
			emptyWarned = true
			p.log.Warningf("Release plan %s lists no components yet; waiting.", p.in.PlanID)
		}
		p.observe(info)
		if p.settled(ctx, info) {
			done = info
			return true, 0, nil
		}
		return false, 0, nil
	})
	return done, err
}

// observe records an answer and prints the progress it shows.
func (p *planner) observe(info *servicestage.DeployInfo) {
	p.last = info
	p.res.Remote = info.Raw
	p.res.Plan.Components = planComponents(info.Components)
	for _, c := range info.Components {
		if servicestage.Classify(c.Status) == servicestage.PhaseUnknown && !p.unknownSeen[c.Status] {
			p.unknownSeen[c.Status] = true
			p.log.Warningf("ServiceStage reported a component status the action does not know, %q; treating it as still running.", c.Status)
		}
	}
	p.progress(false)
}

// finish records a settled execution.
func (p *planner) finish(info *servicestage.DeployInfo) {
	p.res.Settled = true
	p.observe(info)
	p.progress(true)
	p.setTimes(true)
	fillTimes(p.res, p.localStart)
	p.res.Status = StatusSucceeded
	if !planSucceeded(p.res.Plan.Components) {
		p.res.Status = StatusFailed
		p.res.Failure = &Failure{What: FailedReleasePlan, Plan: planVerdict(p.planStatus, p.res.Plan.Components)}
	}
	p.log.Verdict(p.res)
}

// end settles a flow that stopped early: cancelled, timed out, or failed
// (settleEarly).
func (p *planner) end(ctx, tctx context.Context, what Failed, err error) {
	p.setTimes(false)
	if p.res.StartedAt.IsZero() {
		p.res.StartedAt = p.localStart
	}
	settleEarly(ctx, tctx, p.res, ending{
		what: what, err: err, timedOut: errPlanTimedOut, timeout: p.in.Timeout,
		stopOnCancel: p.in.StopOnCancel, stopOnTimeout: p.in.StopOnTimeout,
		grace: p.in.AbortGrace,
	}, remoteWork{idle: idleFacts(p.last, p.in.Execute), running: p.mayRun(), stop: p.abort})
	if p.res.Status != StatusSucceeded {
		p.progress(true)
	}
}

// mayRun says whether the plan may still run, for an early end, which
// aborts only what runs: the latest answer says, or, before any answer of
// our execution came, the fact that we executed the plan.
func (p *planner) mayRun() bool {
	if p.last != nil {
		return !p.quiet()
	}
	return p.executed
}

// quiet reports whether the latest answer shows nothing running.
func (p *planner) quiet() bool {
	return nothingRunning(p.last.Components)
}
