package run

import (
	"slices"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// The verdict rules of the release-plan flow: pure functions of the plan,
// the deploy-info and the components as read. They do no I/O, log nothing
// and read no clock, so each rule is table-tested on its own
// (releaseplan_verdict_test.go) and the flow in releaseplan.go only asks
// and acts.

// verdict is what one deploy-info answer says about a plan's execution.
type verdict int

// The verdicts of planSettled.
const (
	// verdictRunning: something runs, or may still start.
	verdictRunning verdict = iota
	// verdictDone: every component is final.
	verdictDone
	// verdictAskPlan: nothing runs, some component failed and others are
	// CREATED; the plan's own status decides whether they will ever run.
	verdictAskPlan
)

// planSettled applies the final-state rule of ReleasePlan to one
// deploy-info's components. Components rolling back (rollback job created
// or running) count as running.
func planSettled(comps []servicestage.Component) verdict {
	if len(comps) == 0 {
		return verdictRunning
	}
	pending, failed := false, false
	for _, c := range comps {
		if rollingBack(c) {
			return verdictRunning
		}
		switch servicestage.Classify(c.Status) {
		case servicestage.PhaseRunning, servicestage.PhaseUnknown:
			return verdictRunning
		case servicestage.PhasePending:
			pending = true
		case servicestage.PhaseFailed:
			failed = true
		}
	}
	switch {
	case !pending:
		return verdictDone
	case failed:
		return verdictAskPlan
	}
	return verdictRunning
}

// rollingBack reports a component whose rollback job was created or runs:
// it counts as running.
func rollingBack(c servicestage.Component) bool {
	s := servicestage.Normalize(c.RollbackJobStatus)
	return s == servicestage.JobRunning || s == servicestage.JobCreated
}

// allPending reports components of which none has started (and there is
// at least one).
func allPending(comps []servicestage.Component) bool {
	for _, c := range comps {
		if servicestage.Classify(c.Status) != servicestage.PhasePending {
			return false
		}
	}
	return len(comps) > 0
}

// nothingRunning reports components of which none runs, has a status the
// action does not know (it may be running) or is rolling back: an
// execution that needs no abort.
func nothingRunning(comps []servicestage.Component) bool {
	for _, c := range comps {
		switch servicestage.Classify(c.Status) {
		case servicestage.PhaseRunning, servicestage.PhaseUnknown:
			return false
		}
		if rollingBack(c) {
			return false
		}
	}
	return true
}

// endedUnstarted is the third rule of ReleasePlan: only CREATED
// components, and the plan, which this run did not execute, was in a
// final status when the flow began: it ended without starting any.
func endedUnstarted(initial *servicestage.Plan, executing bool, comps []servicestage.Component) bool {
	return !executing && initial != nil && servicestage.Final(initial.Status) && allPending(comps)
}

// alreadyRunning reports a plan found running before the flow executes
// it: the plan says RUNNING, or a component of its deploy-info runs.
func alreadyRunning(plan *servicestage.Plan, info *servicestage.DeployInfo) bool {
	return servicestage.Classify(plan.Status) == servicestage.PhaseRunning || anyRunning(info.Components)
}

// planExecutedSince reports a plan that shows an execution newer than the
// one in before: it runs, or its execute_time moved on.
func planExecutedSince(before, now *servicestage.Plan) bool {
	return servicestage.Classify(now.Status) == servicestage.PhaseRunning || now.ExecuteTime > before.ExecuteTime
}

// planSucceeded reports a settled execution whose components all
// succeeded; an execution without components did not succeed.
func planSucceeded(comps []Component) bool {
	ok := len(comps) > 0
	for _, c := range comps {
		ok = ok && servicestage.Classify(c.Status) == servicestage.PhaseSucceeded
	}
	return ok
}

// planVerdict sorts the components of a failed plan: those that failed,
// and those that will not run. planStatus is the plan's own status when it
// decided the verdict.
func planVerdict(planStatus string, comps []Component) *PlanVerdict {
	v := &PlanVerdict{Status: planStatus}
	for _, c := range comps {
		switch servicestage.Classify(c.Status) {
		case servicestage.PhaseFailed:
			v.Failed = append(v.Failed, c)
		case servicestage.PhasePending:
			v.NotRun = append(v.NotRun, c)
		}
	}
	return v
}

// idleFacts say what did not run when a flow that ends early leaves the
// plan alone, for when the latest answer (nil before any) shows nothing
// running.
func idleFacts(last *servicestage.DeployInfo, execute bool) NothingRunning {
	if last == nil || !allPending(last.Components) {
		return NothingRunning{}
	}
	return NothingRunning{NoneStarted: true, NotExecuted: !execute}
}

// planIdle reports a plan status with nothing to abort: ended, or never
// started.
func planIdle(status string) bool {
	return servicestage.Final(status) || servicestage.Classify(status) == servicestage.PhasePending
}

// abortStatus is AbortPlan's status for an abort's outcome: stopped when
// the abort was accepted, succeeded when refused because the plan no
// longer ran, failed otherwise.
func abortStatus(out stopOutcome) Status {
	switch {
	case out.stopped:
		return StatusStopped
	case out.err != nil && planBusy(out.err):
		return StatusSucceeded
	}
	return StatusFailed
}

// startedSince reports whether info shows an execution newer than the one
// in before: a component running, or one that started later than it had.
// Times are compared with the service's own earlier answer, never with
// our clock, so clock skew cannot mislead the comparison.
func startedSince(before, info *servicestage.DeployInfo) bool {
	if anyRunning(info.Components) {
		return true
	}
	if before == nil {
		return false
	}
	prev := map[string]servicestage.EpochMillis{}
	for _, c := range before.Components {
		prev[componentKey(c)] = c.StartTime
	}
	for _, c := range info.Components {
		if c.StartTime > 0 && c.StartTime > prev[componentKey(c)] {
			return true
		}
	}
	return false
}

// componentKey identifies a component across answers: by ID, or by name
// when the service sent none.
func componentKey(c servicestage.Component) string {
	if c.ID != "" {
		return c.ID
	}
	return "name:" + c.Name
}

// anyRunning reports a component in status RUNNING.
func anyRunning(comps []servicestage.Component) bool {
	for _, c := range comps {
		if servicestage.Classify(c.Status) == servicestage.PhaseRunning {
			return true
		}
	}
	return false
}

// planBusy recognises ServiceStage refusing an execute or rollback, which
// it does (400) while the plan runs.
func planBusy(err error) bool {
	apiErr, ok := huawei.AsAPIError(err)
	return ok && apiErr.HTTPStatus == 400
}

// batchState reports whether every component of a batch is final, and
// whether one of them runs.
func batchState(comps []Component) (complete, running bool) {
	complete = true
	for _, c := range comps {
		if !servicestage.Final(c.Status) {
			complete = false
		}
		if servicestage.Classify(c.Status) == servicestage.PhaseRunning {
			running = true
		}
	}
	return complete, running
}

// batchOutcome sums up a batch's components.
func batchOutcome(comps []Component) BatchOutcome {
	succeeded, failed, aborted, pending := 0, 0, 0, 0
	for _, c := range comps {
		switch servicestage.Classify(c.Status) {
		case servicestage.PhaseSucceeded:
			succeeded++
		case servicestage.PhaseFailed:
			if servicestage.Normalize(c.Status) == servicestage.StatusAborted {
				aborted++
			} else {
				failed++
			}
		case servicestage.PhasePending:
			pending++
		}
	}
	switch {
	case failed > 0:
		return BatchFailed
	case aborted > 0:
		return BatchAborted
	case succeeded == len(comps):
		return BatchSucceeded
	case pending == len(comps):
		return BatchNotRun
	}
	return BatchUnfinished
}

// deployedComponents lists the keys of the components an execution
// deployed (SUCCESS, FAILED or PARTIALLY_FAILED): the ones a rollback
// restores.
func deployedComponents(comps []servicestage.Component) []string {
	var deployed []string
	for _, c := range comps {
		switch servicestage.Normalize(c.Status) {
		case servicestage.StatusSuccess, servicestage.StatusFailed, servicestage.StatusPartiallyFailed:
			deployed = append(deployed, componentKey(c))
		}
	}
	return deployed
}

// rollbackStarted reports whether info shows a rollback that decided did
// not: a rollback job or start time on a deployed component.
func rollbackStarted(decided, info *servicestage.DeployInfo, deployed []string) bool {
	prev := map[string]servicestage.Component{}
	for _, c := range decided.Components {
		prev[componentKey(c)] = c
	}
	for _, c := range info.Components {
		k := componentKey(c)
		if !slices.Contains(deployed, k) {
			continue
		}
		was := prev[k]
		if c.RollbackStartTime > was.RollbackStartTime || c.RollbackJobStatus != "" && was.RollbackJobStatus == "" ||
			rollbackEnded(c.Status) {
			return true
		}
	}
	return false
}

// rollbackDone reports whether every deployed component's rollback ended.
func rollbackDone(comps []servicestage.Component, deployed []string) bool {
	seen := 0
	for _, c := range comps {
		if !slices.Contains(deployed, componentKey(c)) {
			continue
		}
		seen++
		status := servicestage.Normalize(c.Status)
		if servicestage.Classify(status) == servicestage.PhaseRunning || rollingBack(c) {
			return false
		}
		if !rollbackEnded(status) && !servicestage.JobFinal(c.RollbackJobStatus) {
			return false
		}
	}
	return seen > 0
}

// rollbackEnded reports a component status a rollback ends in.
func rollbackEnded(status string) bool {
	s := servicestage.Normalize(status)
	return s == servicestage.StatusRollbackSucceed || s == servicestage.StatusRollbackFailed
}

// rolledBack reports a component whose rollback succeeded.
func rolledBack(status, rollbackJobStatus string) bool {
	switch servicestage.Normalize(status) {
	case servicestage.StatusRollbackSucceed:
		return true
	case servicestage.StatusRollbackFailed:
		return false
	}
	return servicestage.Normalize(rollbackJobStatus) == servicestage.JobSucceeded
}

// rollbackFailures picks the deployed components out of comps, and of
// those the ones whose rollback did not succeed.
func rollbackFailures(comps []Component, deployed []string) (mine, failed []Component) {
	for _, c := range comps {
		if !slices.Contains(deployed, componentKey(servicestage.Component{ID: c.ID, Name: c.Name})) {
			continue
		}
		mine = append(mine, c)
		if !rolledBack(c.Status, c.RollbackJobStatus) {
			failed = append(failed, c)
		}
	}
	return mine, failed
}

// unfinishedRollbackStatus is the status of a rollback whose wait ended
// early: timed_out when the rollback's own timeout passed and the workflow
// was not cancelled, failed otherwise.
func unfinishedRollbackStatus(cancelled bool, cause error) Status {
	if !cancelled && cause == errPlanTimedOut {
		return StatusTimedOut
	}
	return StatusFailed
}
