package run

import (
	"context"
	"fmt"
	"time"
)

// abort aborts the plan and reads its components once more. A plan found
// ended gets its own verdict.
func (p *planner) abort(ctx context.Context) stopOutcome {
	out := abortPlan(ctx, p.api, p.in.ProjectID, p.in.PlanID, p.log)
	if info, err := p.deployInfo(ctx); err == nil {
		p.observe(info)
		if out.err != nil && p.quiet() && p.settled(ctx, info) {
			p.res.Failure = nil
			p.finish(info)
			return stopOutcome{ended: true}
		}
	}
	return out
}

// abortPlan aborts a release plan's execution: the stop of the release-plan
// flow after a cancel or timeout, and of the post step. The service
// refuses (400) to abort a plan that no longer runs.
func abortPlan(ctx context.Context, api ServiceStage, projectID, planID string, log Logger) stopOutcome {
	log.Infof("Aborting release plan %s…", planID)
	if _, err := api.Abort(ctx, projectID, planID); err != nil {
		if planBusy(err) {
			log.Infof("The abort was refused (%v); the plan was no longer running.", err)
			return stopOutcome{err: fmt.Errorf("the abort was refused: %w", err)}
		}
		log.Warningf("Aborting release plan %s failed: %v", planID, err)
		return stopOutcome{err: err}
	}
	log.Infof("Aborted release plan %s.", planID)
	return stopOutcome{stopped: true}
}

// AbortPlanInput is what AbortPlan needs.
type AbortPlanInput struct {
	ProjectID, PlanID string
	Timeout           time.Duration
}

// AbortPlan aborts a release plan's execution if it still runs; a plan
// that has ended is left alone and reported as it ended. The post step
// uses it for an execution a killed main step left behind. It never
// returns a nil Result.
func AbortPlan(ctx context.Context, api ServiceStage, in AbortPlanInput, log Logger) *Result {
	res := &Result{Operation: OpReleasePlan, Plan: &PlanDetail{PlanID: in.PlanID}, Settled: true}
	ctx, cancel := bounded(ctx, in.Timeout)
	defer cancel()
	plan, err := api.Show(ctx, in.ProjectID, in.PlanID)
	if err != nil {
		res.Status, res.Failure = StatusFailed, &Failure{What: FailedReadPlan, Err: err}
		return res
	}
	res.Plan.PlanName, res.RemoteStatus = plan.Name, plan.Status
	if planIdle(plan.Status) {
		res.Status = StatusSucceeded
		log.Infof("Release plan %s is not running (%s); nothing to abort.", in.PlanID, plan.Status)
		return res
	}
	out := abortPlan(ctx, api, in.ProjectID, in.PlanID, log)
	if res.Status = abortStatus(out); res.Status == StatusFailed {
		res.Failure = &Failure{What: FailedAbort, Err: out.err}
	}
	return res
}
