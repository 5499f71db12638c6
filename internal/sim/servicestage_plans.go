package sim

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is the release plan of ServiceStage and its state machine:
// like a CodeArts record, a plan's state is computed from the clock on
// every request. An execution is its start time plus the components'
// durations, batch after batch; a rollback takes each component's
// duration again.

// planOutcome is how an execution of components ends when it runs to its
// end: with stop, any failure fails the plan (the batch holding the first
// failure is always reached); with continue every batch runs.
func planOutcome(comps []ScenarioPlanComponent, strategy string) string {
	failed := 0
	for _, c := range comps {
		if c.Fail {
			failed++
		}
	}
	return outcome(failed, len(comps), strategy)
}

// outcome is the status of an execution that ran to its end with failed
// of its total components failed.
func outcome(failed, total int, strategy string) string {
	switch {
	case failed == 0:
		return planSuccess
	case failed == total || strategy != failStrategyContinue:
		return planFailed
	default:
		return planPartiallyFailed
	}
}

// plan is one release plan and its latest execution.
type plan struct {
	spec      ScenarioReleasePlan // defaults resolved
	createdAt time.Time
	exec      *planExec // nil before the first execution
	execSeq   int       // executions so far, seeded ones included (job ids)

	executions, aborts, rollbacks int // done by requests
}

// planExec is one execution; its state is a function of the clock.
type planExec struct {
	n          int
	start      time.Time
	aborted    bool
	abortedAt  time.Time
	rolledBack bool
	rollbackAt time.Time
}

// compRun is when one component runs in an execution.
type compRun struct {
	runs       bool // its batch starts at all
	start, end time.Time
}

// schedule lays an execution starting at start out in batches: the
// components of a batch start together, the next batch when all of them
// have ended. With fail strategy stop, no batch starts after one with a
// failure. It also returns when the last batch that runs ends.
func (pl *plan) schedule(start time.Time) ([]compRun, time.Time) {
	comps := pl.spec.Components
	runs := make([]compRun, len(comps))
	t := start
	for _, seq := range batches(comps) {
		end, failed := runBatch(comps, seq, t, runs)
		t = end
		if failed && pl.spec.FailStrategy != failStrategyContinue {
			break
		}
	}
	return runs, t
}

// runBatch schedules the components of batch seq to start together at
// t, filling their entries of runs; it returns when the last of them
// ends and whether any of them fails.
func runBatch(comps []ScenarioPlanComponent, seq int, t time.Time, runs []compRun) (time.Time, bool) {
	end, failed := t, false
	for i, c := range comps {
		if c.Seq != seq {
			continue
		}
		runs[i] = compRun{runs: true, start: t, end: t.Add(c.Duration)}
		if runs[i].end.After(end) {
			end = runs[i].end
		}
		failed = failed || c.Fail
	}
	return end, failed
}

// batches are the components' distinct seq values, in order: the batches
// of an execution.
func batches(comps []ScenarioPlanComponent) []int {
	var seqs []int
	for _, c := range comps {
		seqs = append(seqs, c.Seq)
	}
	slices.Sort(seqs)
	return slices.Compact(seqs)
}

// compView is a component as deploy-info shows it; nil strings are JSON
// null, zero times are 0.
type compView struct {
	status                        string
	jobID, jobStatus              *string
	start, end                    int64
	failMessage                   *string
	rollbackJobID, rollbackStatus *string
	rollbackStart, rollbackEnd    int64
	rollbackFailMsg               *string
	ran                           bool // deployed (successfully or not), so a rollback concerns it
}

func strp(s string) *string { return &s }

// idPrefix is the first 8 characters of an id (all of a shorter one),
// enough to tell scenario entries apart in a default name.
func idPrefix(id string) string { return id[:min(8, len(id))] }

// derivedUUID is a stable UUID-shaped id for things the simulator does not
// model (components, jobs, servers), so repeated answers agree.
func derivedUUID(parts ...string) string {
	h := sha256Hex([]byte(strings.Join(parts, ":")))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// jobID is the id of component comp's job of kind (deploy, rollback) in
// execution ex.
func (pl *plan) jobID(ex *planExec, comp, kind string) string {
	return "JOB" + derivedUUID("job", pl.spec.ID, strconv.Itoa(ex.n), comp, kind)
}

// view is the plan's status and its components at now.
//
// Deployment: a component is CREATED until its batch starts, RUNNING while
// it runs, then SUCCESS or FAILED; components whose batch never starts stay
// CREATED. An abort turns the running components ABORTED (job FAILED) and
// leaves those not started CREATED.
//
// Rollback: the components that ran roll back together, each taking its
// duration again; meanwhile their status stays SUCCESS/FAILED with
// rollback_job_status RUNNING and the plan is RUNNING; then they are
// ROLLBACK_SUCCEED or ROLLBACK_FAILED and so is the plan (FAILED if any
// failed).
func (pl *plan) view(now time.Time) (string, []compView) {
	ex := pl.exec
	if ex == nil {
		out := make([]compView, len(pl.spec.Components))
		for i := range out {
			out[i].status = planCreated
		}
		return planCreated, out
	}
	views, status := pl.deployViews(ex, now)
	if !ex.rolledBack {
		return status, views
	}
	return pl.rollbackViews(ex, views, now), views
}

// clock is the time the execution's components are seen at: now, or
// the moment of an earlier abort, which stops every component.
func (ex *planExec) clock(now time.Time) time.Time {
	if ex.aborted && ex.abortedAt.Before(now) {
		return ex.abortedAt
	}
	return now
}

// deployViews is the deployment of execution ex at now: each component
// and the plan's status.
func (pl *plan) deployViews(ex *planExec, now time.Time) ([]compView, string) {
	comps := pl.spec.Components
	runs, runEnd := pl.schedule(ex.start)
	t := ex.clock(now)
	out := make([]compView, len(comps))
	failed := 0
	for i, c := range comps {
		out[i] = pl.deployView(ex, c, runs[i], t)
		if out[i].status == planFailed {
			failed++
		}
	}
	switch {
	case ex.aborted:
		return out, planAborted
	case now.Before(runEnd):
		return out, planRunning
	}
	return out, outcome(failed, len(comps), pl.spec.FailStrategy)
}

// deployView is component c of execution ex at t (now, or when the
// execution was aborted), which runs as r.
func (pl *plan) deployView(ex *planExec, c ScenarioPlanComponent, r compRun, t time.Time) compView {
	v := compView{status: planCreated, jobID: strp(pl.jobID(ex, c.Name, "deploy")), jobStatus: strp(jobCreated)}
	switch {
	case !r.runs || r.start.After(t):
	case t.Before(r.end) && ex.aborted:
		v.status, v.jobStatus = planAborted, strp(jobFailed)
		v.start, v.end = r.start.UnixMilli(), ex.abortedAt.UnixMilli()
		v.failMessage = strp("The release plan was aborted.")
	case t.Before(r.end):
		v.status, v.jobStatus = planRunning, strp(jobRunning)
		v.start = r.start.UnixMilli()
	case c.Fail:
		v.status, v.jobStatus, v.ran = planFailed, strp(jobFailed), true
		v.start, v.end = r.start.UnixMilli(), r.end.UnixMilli()
		v.failMessage = strp(c.failMessage())
	default:
		v.status, v.jobStatus, v.ran = planSuccess, strp(jobSucceeded), true
		v.start, v.end = r.start.UnixMilli(), r.end.UnixMilli()
	}
	return v
}

// failMessage is the scenario's fail_message of a failing component, or
// the simulator's own.
func (c ScenarioPlanComponent) failMessage() string {
	return cmp.Or(c.FailMessage, fmt.Sprintf("Deployment job failed: component %s did not become ready", c.Name))
}

// rollbackViews adds the rollback of execution ex at now to the views of
// the components that ran, and returns the plan's status.
func (pl *plan) rollbackViews(ex *planExec, views []compView, now time.Time) string {
	running, anyFailed := false, false
	for i, c := range pl.spec.Components {
		if !views[i].ran {
			continue
		}
		switch pl.rollbackView(ex, c, &views[i], now) {
		case jobRunning:
			running = true
		case jobFailed:
			anyFailed = true
		}
	}
	switch {
	case running:
		return planRunning
	case anyFailed:
		return planRollbackFailed
	default:
		return planRollbackSucceed
	}
}

// rollbackView adds the rollback of component c at now to its view v and
// returns the rollback job's status.
func (pl *plan) rollbackView(ex *planExec, c ScenarioPlanComponent, v *compView, now time.Time) string {
	end := ex.rollbackAt.Add(c.Duration)
	v.rollbackJobID = strp(pl.jobID(ex, c.Name, "rollback"))
	v.rollbackStart = ex.rollbackAt.UnixMilli()
	switch {
	case now.Before(end):
		v.rollbackStatus = strp(jobRunning)
	case c.RollbackFails:
		v.status, v.rollbackStatus = planRollbackFailed, strp(jobFailed)
		v.rollbackEnd = end.UnixMilli()
		v.rollbackFailMsg = strp(fmt.Sprintf("Rollback job failed: component %s could not be restored to its previous version", c.Name))
	default:
		v.status, v.rollbackStatus = planRollbackSucceed, strp(jobSucceeded)
		v.rollbackEnd = end.UnixMilli()
	}
	return *v.rollbackStatus
}

// componentDuration is the default time of a component's job.
func (s *Server) componentDuration() time.Duration {
	return 3 * s.baseStepDuration()
}

// newPlan resolves spec's defaults (leniently, for scenarios built in Go
// that Validate would reject) into a plan created at now.
func (s *Server) newPlan(spec ScenarioReleasePlan, now time.Time) *plan {
	spec.Name = cmp.Or(spec.Name, "release-plan-"+idPrefix(spec.ID))
	if spec.FailStrategy != failStrategyContinue {
		spec.FailStrategy = failStrategyStop
	}
	spec.Components = slices.Clone(spec.Components)
	for i := range spec.Components {
		c := &spec.Components[i]
		c.Seq = max(c.Seq, 1)
		c.Version = cmp.Or(c.Version, "1.0.0")
		if c.Duration <= 0 {
			c.Duration = s.componentDuration()
		}
	}
	return &plan{spec: spec, createdAt: now}
}

// seedPlans registers the scenario's plans; a plan whose scenario status
// says someone else executed it gets that execution: RUNNING from now, a
// final status ending now.
func (s *Server) seedPlans() {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, spec := range s.scenario.ReleasePlans {
		if spec.ID == "" || s.plans[spec.ID] != nil {
			continue
		}
		pl := s.newPlan(spec, now)
		pl.seedExecution(spec.Status, now)
		s.plans[spec.ID] = pl
		s.planOrder = append(s.planOrder, spec.ID)
	}
}

// seedExecution gives a plan whose scenario status says someone else
// executed it that execution: RUNNING from now, or a final status ending
// now (a plan without components has nothing to end).
func (pl *plan) seedExecution(status string, now time.Time) {
	switch {
	case status == planRunning:
		pl.execSeq = 1
		pl.exec = &planExec{n: 1, start: now}
	case slices.Contains(finalPlanStatuses, status) && len(pl.spec.Components) > 0:
		_, end := pl.schedule(now)
		pl.execSeq = 1
		pl.exec = &planExec{n: 1, start: now.Add(-end.Sub(now))}
	}
}

// lookupPlan finds a plan, creating the default plan for a UUID no
// scenario names. Callers hold s.mu.
func (s *Server) lookupPlan(id string, now time.Time) *plan {
	if pl := s.plans[id]; pl != nil {
		return pl
	}
	if !uuidRE.MatchString(id) {
		return nil
	}
	pl := s.newPlan(ScenarioReleasePlan{ID: id, Components: defaultPlanComponents}, now)
	s.plans[id] = pl
	s.planOrder = append(s.planOrder, id)
	return pl
}

// seqValue is a component's seq on the wire: a number, or the string the
// API documentation types it as.
func (pl *plan) seqValue(seq int) any {
	if pl.spec.SeqAsString {
		return strconv.Itoa(seq)
	}
	return seq
}

// executeTime is when the latest execution started, in epoch
// milliseconds; 0 before the first.
func (pl *plan) executeTime() int64 {
	if pl.exec == nil {
		return 0
	}
	return pl.exec.start.UnixMilli()
}
