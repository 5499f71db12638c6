package run

import (
	"context"
	"fmt"

	"github.com/deploy-action/deploy-action/internal/servicestage"
	"github.com/deploy-action/deploy-action/internal/wait"
)

// How the release-plan flow executes the plan exactly once.

// execute executes the plan exactly once (see ReleasePlan and sendOnce).
func (p *planner) execute(ctx context.Context, plan *servicestage.Plan) error {
	before, err := p.deployInfo(ctx)
	if err != nil {
		return fmt.Errorf("reading the plan's deploy-info before executing it: %w", err)
	}
	p.baseline = before
	if alreadyRunning(plan, before) {
		p.log.Noticef("Release plan %s is already running; watching that execution instead of executing the plan again.", p.in.PlanID)
		p.started = true
		return nil
	}
	if p.in.Executing != nil {
		p.in.Executing()
	}
	adopted, err := p.callExecute(ctx, plan)
	return p.afterExecute(ctx, plan, adopted, err)
}

// afterExecute records what the execute request did: the plan executes (the
// answer came, or one lost was found to have reached the service, or a
// refusal came because someone else's execution runs), or err.
func (p *planner) afterExecute(ctx context.Context, plan *servicestage.Plan, adopted bool, err error) error {
	switch {
	case err == nil && adopted:
		p.executed, p.started = true, true
		p.log.Noticef("The execute request did reach ServiceStage: release plan %s is executing; not executing it again.", p.in.PlanID)
		return nil
	case err == nil:
		p.executed = true
		p.log.Infof("Executed release plan %s.", p.in.PlanID)
		return nil
	case planBusy(err) && ctx.Err() == nil:
		// Refused on the first try: if the plan runs now, someone else
		// executed it; watch that execution.
		if ok, lerr := p.executedSince(ctx, plan, 1); lerr == nil && ok {
			p.executed, p.started = true, true
			p.log.Noticef("Release plan %s is already executing; watching that execution.", p.in.PlanID)
			return nil
		}
	}
	if adopted {
		p.executed, p.started = true, true
	}
	return err
}

// callExecute asks for the execute exactly once (sendOnce): it is not
// idempotent, so an unknown outcome is looked into before asking again.
// adopted says an execute whose answer was lost did reach the service.
func (p *planner) callExecute(ctx context.Context, plan *servicestage.Plan) (adopted bool, err error) {
	_, adopted, err = sendOnce(ctx, once[struct{}]{
		what: "execute",
		log:  p.log,
		send: func(ctx context.Context) (struct{}, error) {
			_, err := p.api.Execute(ctx, p.in.ProjectID, p.in.PlanID)
			return struct{}{}, err
		},
		find: func(ctx context.Context) (struct{}, bool, error) {
			ok, err := p.executedSince(ctx, plan, 1)
			return struct{}{}, ok, err
		},
		busy:  planBusy,
		grace: p.in.AbortGrace,
		look:  p.in.LookFor,
	})
	return adopted, err
}

// executedSince looks (up to looks times, FirstPoll apart) for signs that
// the plan was executed after the flow's baseline.
func (p *planner) executedSince(ctx context.Context, before *servicestage.Plan, looks int) (bool, error) {
	for i := range looks {
		if i > 0 && !wait.Pause(ctx, p.in.FirstPoll) {
			return false, context.Cause(ctx)
		}
		if ok, err := p.executedNow(ctx, before); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// executedNow is one look of executedSince: the deploy-info shows an
// execution started after the baseline, or else the plan itself shows an
// execution newer than the one in before (planExecutedSince).
func (p *planner) executedNow(ctx context.Context, before *servicestage.Plan) (bool, error) {
	info, err := p.deployInfo(ctx)
	if err != nil {
		return false, err
	}
	if startedSince(p.baseline, info) {
		return true, nil
	}
	plan, err := p.api.Show(ctx, p.in.ProjectID, p.in.PlanID)
	if err != nil {
		return false, err
	}
	return planExecutedSince(before, plan), nil
}
