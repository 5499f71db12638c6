package sim

import (
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is ServiceStage release plans (huawei-api.md §4): list, show,
// execute, rollback, abort and deploy-info. Like a CodeArts record, a plan's
// state is computed from the clock on every request: an execution is its
// start time plus the components' durations, batch after batch.

// Plan and component statuses (the API uses one set for both), and job
// statuses.
const (
	planCreated         = "CREATED"
	planRunning         = "RUNNING"
	planSuccess         = "SUCCESS"
	planFailed          = "FAILED"
	planPartiallyFailed = "PARTIALLY_FAILED"
	planRollbackSucceed = "ROLLBACK_SUCCEED"
	planRollbackFailed  = "ROLLBACK_FAILED"
	planAborted         = "ABORTED"

	jobCreated   = "CREATED"
	jobRunning   = "RUNNING"
	jobSucceeded = "SUCCEEDED"
	jobFailed    = "FAILED"

	failStrategyStop     = "stop"
	failStrategyContinue = "continue"

	// ServiceStage's error codes (https://support.huaweicloud.com/intl/en-us/api-servicestage/servicestage_06_0162.html):
	// 00100403 is "application not found", 00100433 "release task not
	// found"; an unknown release plan is the latter.
	svcstgInvalid  = "SVCSTG.00100400"
	svcstgNotFound = "SVCSTG.00100433"
)

var (
	failStrategies = []string{failStrategyStop, failStrategyContinue}
	// initialPlanStatuses are the statuses a scenario plan may start in.
	initialPlanStatuses = []string{planCreated, planRunning, planSuccess, planFailed, planPartiallyFailed}
	// finalPlanStatuses are the initial statuses of a plan whose seeded
	// execution has already ended.
	finalPlanStatuses = []string{planSuccess, planFailed, planPartiallyFailed}

	planIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	uuidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// defaultPlanComponents are the components of a plan no scenario names.
var defaultPlanComponents = []ScenarioPlanComponent{
	{Name: "api", Seq: 1, Version: "1.0.0"},
	{Name: "web", Seq: 1, Version: "1.0.0"},
	{Name: "worker", Seq: 2, Version: "1.0.0"},
}

func serviceStageRoutes() []route {
	path := func(more ...string) []string {
		return append([]string{"v3", "{project_id}", "cas", "release-plans"}, more...)
	}
	return []route{
		{method: http.MethodGet, segs: path(), op: "plans", handle: jsonOnly((*Server).listPlans)},
		{method: http.MethodGet, segs: path("{plan_id}"), op: "plan", handle: jsonOnly((*Server).showPlan)},
		{method: http.MethodPost, segs: path("{plan_id}", "execute"), op: "execute", handle: jsonOnly((*Server).executePlan)},
		{method: http.MethodPost, segs: path("{plan_id}", "rollback"), op: "rollback", handle: jsonOnly((*Server).rollbackPlan)},
		{method: http.MethodPost, segs: path("{plan_id}", "abort"), op: "abort", handle: jsonOnly((*Server).abortPlan)},
		{method: http.MethodGet, segs: path("{plan_id}", "deploy-info"), op: "deploy_info", handle: jsonOnly((*Server).planDeployInfo)},
	}
}

// jsonOnly refuses a request without `Content-Type: application/json`:
// ServiceStage's API pages list the header as mandatory on every call, GET
// and body-less POST included (e.g.
// https://support.huaweicloud.com/intl/en-us/api-servicestage/servicestage_06_0234.html,
// "Content-Type: Yes", default application/json;charset=utf8, so any
// application/json media type passes). What the service answers without it is not
// documented; an invalid-parameter 400 is the likeliest.
func jsonOnly(h func(*Server, *request) response) func(*Server, *request) response {
	return func(s *Server, req *request) response {
		mt, _, err := mime.ParseMediaType(req.http.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			return svcstgError(http.StatusBadRequest, svcstgInvalid, "Invalid parameter: the Content-Type header must be application/json")
		}
		return h(s, req)
	}
}

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
	switch {
	case failed == 0:
		return planSuccess
	case failed == len(comps) || strategy != failStrategyContinue:
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
	var seqs []int
	for _, c := range comps {
		seqs = append(seqs, c.Seq)
	}
	slices.Sort(seqs)
	seqs = slices.Compact(seqs)
	runs := make([]compRun, len(comps))
	t := start
	for _, seq := range seqs {
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
		t = end
		if failed && pl.spec.FailStrategy != failStrategyContinue {
			break
		}
	}
	return runs, t
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

// derivedUUID is a stable UUID-shaped id for things the simulator does not
// model (components, jobs, servers), so repeated answers agree.
func derivedUUID(parts ...string) string {
	h := sha256Hex([]byte(strings.Join(parts, ":")))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

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
	comps := pl.spec.Components
	out := make([]compView, len(comps))
	ex := pl.exec
	if ex == nil {
		for i := range out {
			out[i].status = planCreated
		}
		return planCreated, out
	}
	runs, runEnd := pl.schedule(ex.start)
	t := now
	if ex.aborted && ex.abortedAt.Before(t) {
		t = ex.abortedAt
	}
	failed := 0
	for i, c := range comps {
		v := &out[i]
		v.jobID = strp(pl.jobID(ex, c.Name, "deploy"))
		v.status, v.jobStatus = planCreated, strp(jobCreated)
		r := runs[i]
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
			failed++
			v.status, v.jobStatus, v.ran = planFailed, strp(jobFailed), true
			v.start, v.end = r.start.UnixMilli(), r.end.UnixMilli()
			msg := c.FailMessage
			if msg == "" {
				msg = fmt.Sprintf("Deployment job failed: component %s did not become ready", c.Name)
			}
			v.failMessage = strp(msg)
		default:
			v.status, v.jobStatus, v.ran = planSuccess, strp(jobSucceeded), true
			v.start, v.end = r.start.UnixMilli(), r.end.UnixMilli()
		}
	}
	var status string
	switch {
	case ex.aborted:
		status = planAborted
	case now.Before(runEnd):
		status = planRunning
	case failed == 0:
		status = planSuccess
	case failed == len(comps) || pl.spec.FailStrategy != failStrategyContinue:
		status = planFailed
	default:
		status = planPartiallyFailed
	}
	if !ex.rolledBack {
		return status, out
	}

	running, anyFailed := false, false
	for i, c := range comps {
		v := &out[i]
		if !v.ran {
			continue
		}
		end := ex.rollbackAt.Add(c.Duration)
		v.rollbackJobID = strp(pl.jobID(ex, c.Name, "rollback"))
		v.rollbackStart = ex.rollbackAt.UnixMilli()
		switch {
		case now.Before(end):
			running = true
			v.rollbackStatus = strp(jobRunning)
		case c.RollbackFails:
			anyFailed = true
			v.status, v.rollbackStatus = planRollbackFailed, strp(jobFailed)
			v.rollbackEnd = end.UnixMilli()
			v.rollbackFailMsg = strp(fmt.Sprintf("Rollback job failed: component %s could not be restored to its previous version", c.Name))
		default:
			v.status, v.rollbackStatus = planRollbackSucceed, strp(jobSucceeded)
			v.rollbackEnd = end.UnixMilli()
		}
	}
	switch {
	case running:
		return planRunning, out
	case anyFailed:
		return planRollbackFailed, out
	default:
		return planRollbackSucceed, out
	}
}

// componentDuration is the default time of a component's job.
func (s *Server) componentDuration() time.Duration {
	d := s.opts.StepDuration
	if s.scenario.StepDuration > 0 {
		d = s.scenario.StepDuration
	}
	return 3 * d
}

// newPlan resolves spec's defaults (leniently, for scenarios built in Go
// that Validate would reject) into a plan created at now.
func (s *Server) newPlan(spec ScenarioReleasePlan, now time.Time) *plan {
	if spec.Name == "" {
		spec.Name = "release-plan-" + spec.ID[:min(8, len(spec.ID))]
	}
	if spec.FailStrategy != failStrategyContinue {
		spec.FailStrategy = failStrategyStop
	}
	spec.Components = slices.Clone(spec.Components)
	for i := range spec.Components {
		c := &spec.Components[i]
		c.Seq = max(c.Seq, 1)
		if c.Version == "" {
			c.Version = "1.0.0"
		}
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
		switch {
		case spec.Status == planRunning:
			pl.execSeq = 1
			pl.exec = &planExec{n: 1, start: now}
		case slices.Contains(finalPlanStatuses, spec.Status) && len(pl.spec.Components) > 0:
			_, end := pl.schedule(now)
			pl.execSeq = 1
			pl.exec = &planExec{n: 1, start: now.Add(-end.Sub(now))}
		}
		s.plans[spec.ID] = pl
		s.planOrder = append(s.planOrder, spec.ID)
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

func svcstgError(status int, code, msg string) response {
	return deployError(status, code, msg)
}

func planNotFound() response {
	return svcstgError(http.StatusNotFound, svcstgNotFound, "Release task not found")
}

// checkProject checks the {project_id} path part of ServiceStage and RTS
// requests: 32 letters/digits and, when the request names its project in
// X-Project-Id, that one. It returns "" or what is wrong.
func checkProject(req *request) string {
	p := req.vars["project_id"]
	if !validID(p) {
		return "project_id in the path must be 32 letters/digits"
	}
	if h := req.http.Header.Get("X-Project-Id"); h != "" && h != p {
		return "project_id in the path does not match the X-Project-Id header"
	}
	return ""
}

// planFor does the checks every plan request shares and finds the plan;
// on failure it returns the answer. Callers hold s.mu.
func (s *Server) planFor(req *request) (*plan, response, bool) {
	if msg := checkProject(req); msg != "" {
		return nil, svcstgError(http.StatusBadRequest, svcstgInvalid, "Invalid parameter: "+msg), false
	}
	pl := s.lookupPlan(req.vars["plan_id"], req.now)
	if pl == nil {
		return nil, planNotFound(), false
	}
	return pl, response{}, true
}

// seqValue is a component's seq on the wire: a number, or the string the
// API documentation types it as.
func (pl *plan) seqValue(seq int) any {
	if pl.spec.SeqAsString {
		return strconv.Itoa(seq)
	}
	return seq
}

func (pl *plan) executeTime() int64 {
	if pl.exec == nil {
		return 0
	}
	return pl.exec.start.UnixMilli()
}

// List and show.

type planListItem struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Action      string `json:"action"`
	Status      string `json:"status"`
	CreateTime  int64  `json:"create_time"`
	ExecuteTime int64  `json:"execute_time"`
	Creator     string `json:"creator"`
}

type planList struct {
	Count        int            `json:"count"`
	ReleasePlans []planListItem `json:"release_plans"`
}

const planCreator = "sim_user"

// listPlans is GET /v3/{project_id}/cas/release-plans: the scenario's
// plans, then the default plans requests have touched, in that order.
func (s *Server) listPlans(req *request) response {
	if msg := checkProject(req); msg != "" {
		return svcstgError(http.StatusBadRequest, svcstgInvalid, "Invalid parameter: "+msg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := planList{ReleasePlans: []planListItem{}}
	for _, id := range s.planOrder {
		pl := s.plans[id]
		status, _ := pl.view(req.now)
		out.ReleasePlans = append(out.ReleasePlans, planListItem{
			ID: id, Name: pl.spec.Name, Action: "deploy", Status: status,
			CreateTime: pl.createdAt.UnixMilli(), ExecuteTime: pl.executeTime(), Creator: planCreator,
		})
	}
	out.Count = len(out.ReleasePlans)
	return response{status: http.StatusOK, body: out}
}

type planShow struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Action       string          `json:"action"`
	Status       string          `json:"status"`
	FailStrategy string          `json:"fail_strategy"`
	CreateTime   int64           `json:"create_time"`
	ExecuteTime  int64           `json:"execute_time"`
	Creator      string          `json:"creator"`
	Components   []planComponent `json:"components"`
}

type planComponent struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Seq     any    `json:"seq"`
	Version string `json:"version"`
	Status  string `json:"status"`
}

// showPlan is GET /v3/{project_id}/cas/release-plans/{id}.
func (s *Server) showPlan(req *request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	pl, resp, ok := s.planFor(req)
	if !ok {
		return resp
	}
	status, views := pl.view(req.now)
	out := planShow{
		ID: pl.spec.ID, Name: pl.spec.Name, Action: "deploy", Status: status, FailStrategy: pl.spec.FailStrategy,
		CreateTime: pl.createdAt.UnixMilli(), ExecuteTime: pl.executeTime(), Creator: planCreator,
	}
	for i, c := range pl.spec.Components {
		out.Components = append(out.Components, planComponent{
			ID: derivedUUID("component", pl.spec.ID, c.Name), Name: c.Name,
			Seq: pl.seqValue(c.Seq), Version: c.Version, Status: views[i].status,
		})
	}
	return response{status: http.StatusOK, body: out}
}

// Execute, rollback, abort. They answer 200 with an empty object; a client
// should not depend on the body.

type emptyBody struct{}

// executePlan is POST .../release-plans/{id}/execute: a new execution
// from now, unless one is running (including a rollback).
func (s *Server) executePlan(req *request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	pl, resp, ok := s.planFor(req)
	if !ok {
		return resp
	}
	if r := pl.spec.ExecuteRefuse; r != nil {
		st := r.Status
		if st == 0 {
			st = http.StatusBadRequest
		}
		return svcstgError(st, r.Code, r.Message)
	}
	if status, _ := pl.view(req.now); status == planRunning {
		return svcstgError(http.StatusBadRequest, svcstgInvalid, "release plan is running")
	}
	pl.execSeq++
	pl.exec = &planExec{n: pl.execSeq, start: req.now}
	pl.executions++
	return response{status: http.StatusOK, body: emptyBody{}}
}

// rollbackPlan is POST .../release-plans/{id}/rollback: only for a plan
// that ended FAILED or PARTIALLY_FAILED.
func (s *Server) rollbackPlan(req *request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	pl, resp, ok := s.planFor(req)
	if !ok {
		return resp
	}
	switch status, _ := pl.view(req.now); status {
	case planFailed, planPartiallyFailed:
	case planRunning:
		return svcstgError(http.StatusBadRequest, svcstgInvalid, "release plan is running")
	default:
		return svcstgError(http.StatusBadRequest, svcstgInvalid,
			fmt.Sprintf("release plan cannot be rolled back in status %s: only a FAILED or PARTIALLY_FAILED plan can", status))
	}
	pl.exec.rolledBack, pl.exec.rollbackAt = true, req.now
	pl.rollbacks++
	return response{status: http.StatusOK, body: emptyBody{}}
}

// abortPlan is POST .../release-plans/{id}/abort: only while an execution
// deploys (a rollback cannot be aborted).
func (s *Server) abortPlan(req *request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	pl, resp, ok := s.planFor(req)
	if !ok {
		return resp
	}
	status, _ := pl.view(req.now)
	switch {
	case status != planRunning:
		return svcstgError(http.StatusBadRequest, svcstgInvalid, fmt.Sprintf("release plan is not running (status %s)", status))
	case pl.exec.rolledBack:
		return svcstgError(http.StatusBadRequest, svcstgInvalid, "release plan is rolling back; a rollback cannot be aborted")
	}
	pl.exec.aborted, pl.exec.abortedAt = true, req.now
	pl.aborts++
	return response{status: http.StatusOK, body: emptyBody{}}
}

// Deploy-info.

type deployInfo struct {
	ID         string                `json:"id"`
	Components []deployInfoComponent `json:"components"`
}

// deployInfoComponent has the fields, order and nulls of the API notes'
// example.
type deployInfoComponent struct {
	JobID               *string `json:"job_id"`
	Status              string  `json:"status"`
	JobStatus           *string `json:"job_status"`
	Name                string  `json:"name"`
	ID                  string  `json:"id"`
	Seq                 any     `json:"seq"`
	Version             string  `json:"version"`
	RollbackJobID       *string `json:"rollback_job_id"`
	StartTime           int64   `json:"start_time"`
	EndTime             int64   `json:"end_time"`
	RollbackJobStatus   *string `json:"rollback_job_status"`
	RollbackStartTime   int64   `json:"rollback_start_time"`
	RollbackEndTime     int64   `json:"rollback_end_time"`
	FailMessage         *string `json:"fail_message"`
	RollbackFailMessage *string `json:"rollback_fail_message"`
}

// planDeployInfo is GET .../release-plans/{id}/deploy-info.
func (s *Server) planDeployInfo(req *request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	pl, resp, ok := s.planFor(req)
	if !ok {
		return resp
	}
	_, views := pl.view(req.now)
	out := deployInfo{ID: pl.spec.ID, Components: []deployInfoComponent{}}
	for i, c := range pl.spec.Components {
		v := views[i]
		out.Components = append(out.Components, deployInfoComponent{
			JobID: v.jobID, Status: v.status, JobStatus: v.jobStatus,
			Name: c.Name, ID: derivedUUID("component", pl.spec.ID, c.Name),
			Seq: pl.seqValue(c.Seq), Version: c.Version,
			RollbackJobID: v.rollbackJobID, StartTime: v.start, EndTime: v.end,
			RollbackJobStatus: v.rollbackStatus, RollbackStartTime: v.rollbackStart, RollbackEndTime: v.rollbackEnd,
			FailMessage: v.failMessage, RollbackFailMessage: v.rollbackFailMsg,
		})
	}
	return response{status: http.StatusOK, body: out}
}

// Inspection for tests.

func (s *Server) planCount(id string, count func(*plan) int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pl := s.plans[id]; pl != nil {
		return count(pl)
	}
	return 0
}

// PlanExecutions returns how many execute requests started an execution of
// plan id (a scenario's seeded execution is not one; a dropped answer's
// is).
func (s *Server) PlanExecutions(id string) int {
	return s.planCount(id, func(pl *plan) int { return pl.executions })
}

// PlanAborts returns how many abort requests stopped an execution of plan
// id.
func (s *Server) PlanAborts(id string) int {
	return s.planCount(id, func(pl *plan) int { return pl.aborts })
}

// PlanRollbacks returns how many rollback requests started a rollback of
// plan id.
func (s *Server) PlanRollbacks(id string) int {
	return s.planCount(id, func(pl *plan) int { return pl.rollbacks })
}

// PlanStatus returns plan id's status now, as show and list report it; ""
// for a plan the server does not know yet (a default plan is known from
// the first request naming it).
func (s *Server) PlanStatus(id string) string {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	pl := s.plans[id]
	if pl == nil {
		return ""
	}
	status, _ := pl.view(now)
	return status
}
