package sim

import (
	"fmt"
	"mime"
	"net/http"
	"regexp"
)

// This file is ServiceStage release plans (huawei-api.md §4): list, show,
// execute, rollback, abort and deploy-info. The plan's state machine is in
// servicestage_plans.go.

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
		{method: http.MethodGet, segs: path("{plan_id}"), op: "plan", handle: planOp((*Server).showPlan)},
		{method: http.MethodPost, segs: path("{plan_id}", "execute"), op: "execute", handle: planOp((*Server).executePlan)},
		{method: http.MethodPost, segs: path("{plan_id}", "rollback"), op: "rollback", handle: planOp((*Server).rollbackPlan)},
		{method: http.MethodPost, segs: path("{plan_id}", "abort"), op: "abort", handle: planOp((*Server).abortPlan)},
		{method: http.MethodGet, segs: path("{plan_id}", "deploy-info"), op: "deploy_info", handle: planOp((*Server).planDeployInfo)},
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

// planOp is jsonOnly for a handler of one plan: it gets the plan the
// request names, under s.mu.
func planOp(h func(*Server, *request, *plan) response) func(*Server, *request) response {
	return jsonOnly(withObject((*Server).planFor, h))
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
func (s *Server) showPlan(req *request, pl *plan) response {
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
func (s *Server) executePlan(req *request, pl *plan) response {
	if r := pl.spec.ExecuteRefuse; r != nil {
		return refused(r.Status, r.Code, r.Message)
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
func (s *Server) rollbackPlan(req *request, pl *plan) response {
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
func (s *Server) abortPlan(req *request, pl *plan) response {
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
func (s *Server) planDeployInfo(req *request, pl *plan) response {
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
