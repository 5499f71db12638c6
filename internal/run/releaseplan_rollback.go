package run

import (
	"context"
	"time"

	"github.com/deploy-action/deploy-action/internal/servicestage"
	"github.com/deploy-action/deploy-action/internal/wait"
)

// rollback rolls the failed plan back and waits for it. The verdict stays
// failed whatever the rollback does.
func (p *planner) rollback(ctx context.Context, decided *servicestage.DeployInfo) {
	deployed := deployedComponents(decided.Components)
	if len(deployed) == 0 {
		p.log.Noticef("rollback_on_failure: no component of release plan %s was deployed, so there is nothing to roll back.", p.in.PlanID)
		return
	}
	p.log.Noticef("Rolling back release plan %s (rollback_on_failure): %s.", p.in.PlanID, plural(len(deployed), "component"))
	rctx, cancel := context.WithTimeoutCause(ctx, p.in.Timeout, errPlanTimedOut)
	defer cancel()
	if err := p.callRollback(rctx, decided, deployed); err != nil {
		p.log.Warningf("The rollback of release plan %s could not be started: %v", p.in.PlanID, err)
		p.reportRollback(PlanRolledBack{Status: StatusFailed, NotStarted: true})
		return
	}
	if err := p.awaitRollback(rctx, deployed); err != nil {
		p.log.Warningf("The rollback of release plan %s did not finish: %v", p.in.PlanID, err)
		p.reportRollback(PlanRolledBack{Status: unfinishedRollbackStatus(ctx.Err() != nil, context.Cause(rctx))})
		return
	}
	p.showRollback(deployed)
}

// reportRollback records how the rollback ended, in the result and its
// failure.
func (p *planner) reportRollback(r PlanRolledBack) {
	p.res.Plan.RollbackStatus = r.Status
	p.res.Failure.did(r)
}

// awaitRollback polls deploy-info until every deployed component's
// rollback ended, and records the last answer read.
func (p *planner) awaitRollback(ctx context.Context, deployed []string) error {
	var last *servicestage.DeployInfo
	policy := wait.Policy{First: p.in.FirstPoll, Max: p.in.PollInterval}
	err := pollRead(ctx, p.log, policy, "the plan's deploy-info", p.deployInfo, func(_ context.Context, info *servicestage.DeployInfo) (bool, time.Duration, error) {
		last = info
		return rollbackDone(info.Components, deployed), 0, nil
	})
	if last != nil {
		p.res.Remote = last.Raw
		p.res.Plan.Components = planComponents(last.Components)
	}
	return err
}

// showRollback reports how the rollback ended, with the rolled-back
// components.
func (p *planner) showRollback(deployed []string) {
	mine, failed := rollbackFailures(p.res.Plan.Components, deployed)
	p.log.RollbackEnded(PlanRollback{PlanID: p.in.PlanID, Components: mine, Failed: failed})
	if len(failed) > 0 {
		p.reportRollback(PlanRolledBack{Status: StatusFailed, Failed: failed})
		return
	}
	p.reportRollback(PlanRolledBack{Status: StatusSucceeded})
}

// callRollback asks for the rollback exactly once: like execute it is not
// idempotent, so an unknown outcome is looked into before asking again.
func (p *planner) callRollback(ctx context.Context, decided *servicestage.DeployInfo, deployed []string) error {
	_, adopted, err := sendOnce(ctx, once[struct{}]{
		what: "rollback",
		log:  p.log,
		send: func(ctx context.Context) (struct{}, error) {
			_, err := p.api.Rollback(ctx, p.in.ProjectID, p.in.PlanID)
			return struct{}{}, err
		},
		find: func(ctx context.Context) (struct{}, bool, error) {
			info, err := p.deployInfo(ctx)
			if err != nil {
				return struct{}{}, false, err
			}
			return struct{}{}, rollbackStarted(decided, info, deployed), nil
		},
		grace: p.in.AbortGrace,
		look:  p.in.LookFor,
	})
	if err == nil && adopted {
		p.log.Noticef("The rollback request did reach ServiceStage; not asking for it again.")
	}
	return err
}
