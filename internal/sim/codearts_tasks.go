package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is the CodeArts Deploy operations on deployment records
// (huawei-api.md §1): start, state, stop, and the parameters a record ran
// with.

// Start.

type startParam struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Type  string `json:"type"`
}

type startBody struct {
	Params        []startParam `json:"params"`
	RecordID      string       `json:"record_id"`
	TriggerSource string       `json:"trigger_source"`
}

type appComponent struct {
	TaskID   string `json:"task_id"`
	AppID    string `json:"app_id"`
	AppName  string `json:"app_name"`
	CompID   string `json:"comp_id"`
	CompName string `json:"comp_name"`
	DomainID string `json:"domain_id"`
	Region   string `json:"region"`
	State    string `json:"state"`
}

type startResult struct {
	ID               string         `json:"id"`
	TaskID           string         `json:"task_id"`
	JobName          string         `json:"job_name"`
	AppComponentList []appComponent `json:"app_component_list"`
}

var (
	paramKeyRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	paramTypes = []string{"text", "host_group", "encrypt", "enum"}
)

const maxParamValue = 8192

// validateParams applies the service's rules for dynamic parameters; the
// message names the offending parameter but never echoes a value, which
// may be a secret.
func validateParams(params []startParam) string {
	for i, p := range params {
		switch {
		case !paramKeyRE.MatchString(p.Key):
			return fmt.Sprintf("Param invalid: params[%d].key %q must be 1-128 characters of A-Z a-z 0-9 . _ -", i, p.Key)
		case len([]rune(p.Value)) > maxParamValue:
			return fmt.Sprintf("Param invalid: params[%d] (%s): value is longer than %d characters", i, p.Key, maxParamValue)
		case strings.Contains(p.Value, "{{") || strings.Contains(p.Value, "{%") || strings.Contains(p.Value, "{#"):
			return fmt.Sprintf("Param invalid: params[%d] (%s): value must not contain {{, {%% or {#", i, p.Key)
		case !slices.Contains(paramTypes, p.Type):
			return fmt.Sprintf("Param invalid: params[%d] (%s): type %q is not one of %s", i, p.Key, p.Type, strings.Join(paramTypes, ", "))
		}
	}
	return ""
}

// startTask is StartDeployTask: POST /v2/tasks/{task_id}/start.
func (s *Server) startTask(req *request) response {
	taskID := req.vars["task_id"]
	body, resp, ok := s.checkStart(taskID, req.body)
	if !ok {
		return resp
	}
	sh := s.shape(taskID)
	if rs := sh.RefuseStart; rs != nil {
		return refused(rs.Status, rs.Code, rs.Message)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	from, resp, ok := s.startable(taskID, body.RecordID, req.now)
	if !ok {
		return resp
	}
	rec := s.newStart(taskID, sh, body, from, req.now)
	return response{status: http.StatusOK, body: s.startAnswer(rec, sh, req.now)}
}

// checkStart checks what a start request says, before the task's records
// are looked at: the task id, the body's JSON (an empty body is no
// parameters), its parameters and its trigger_source.
func (s *Server) checkStart(taskID string, data []byte) (startBody, response, bool) {
	if resp, refused := s.refuseTask(taskID); refused {
		return startBody{}, resp, false
	}
	body, msg := parseStartBody(data)
	if msg != "" {
		return body, paramInvalid(msg), false
	}
	return body, response{}, true
}

// parseStartBody reads a start request's body; the message (the
// DEV.CH.10001 text) says what is wrong with it, or is empty.
func parseStartBody(data []byte) (startBody, string) {
	var body startBody
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &body); err != nil {
			return body, "Param invalid: the request body is not valid JSON"
		}
	}
	if msg := validateParams(body.Params); msg != "" {
		return body, msg
	}
	if body.TriggerSource != "" && body.TriggerSource != "0" && body.TriggerSource != "1" {
		return body, `Param invalid: trigger_source must be "0" or "1"`
	}
	return body, ""
}

// startable checks that taskID may start at now: fromID, when given,
// must be a record of the task (which the start redeploys), and no record
// of the task may still be running. Callers hold s.mu.
func (s *Server) startable(taskID, fromID string, now time.Time) (*record, response, bool) {
	var from *record
	if fromID != "" {
		if from = s.taskRecord(taskID, fromID); from == nil {
			return nil, deployError(http.StatusNotFound, "Deploy.00011303", "The deployment record or its parameters were not found."), false
		}
	}
	for _, rec := range s.records[taskID] {
		if _, final := rec.endAt(now); !final {
			return nil, deployError(http.StatusBadRequest, "Deploy.00011027", "The application is being deployed. Try again later."), false
		}
	}
	return from, response{}, true
}

// newStart creates and registers the record a start makes: a deployment
// with this start's drawn step times, or with from, a redeploy of that
// record's parameters. Callers hold s.mu.
func (s *Server) newStart(taskID string, sh taskShape, body startBody, from *record, now time.Time) *record {
	rec := s.newRecord(taskID, sh, now)
	rec.durations = s.drawDurations(taskID, sh, s.starts[taskID])
	rec.triggerSource = body.TriggerSource
	rec.params = mergeParams(nil, body.Params)
	if from != nil {
		// A redeploy with an earlier record's parameters: the rollback
		// path, which succeeds unless the scenario says otherwise.
		rec.fromRecordID = from.id
		rec.params = mergeParams(from.params, body.Params)
		rec.failAt = 0
		if sh.RollbackFails {
			rec.failAt = sh.failingStep()
		}
	}
	s.addRecord(rec)
	s.starts[taskID]++
	return rec
}

// startAnswer is the start's answer for rec. Callers hold s.mu (the
// application id is remembered).
func (s *Server) startAnswer(rec *record, sh taskShape, now time.Time) startResult {
	return startResult{
		ID:      rec.id,
		TaskID:  rec.taskID,
		JobName: fmt.Sprintf("job_%s_%d", rec.id, now.UnixMilli()),
		AppComponentList: []appComponent{{
			TaskID:   rec.taskID,
			AppID:    s.appIDOf(rec.taskID),
			AppName:  sh.Name,
			CompID:   derivedID("component", rec.taskID),
			CompName: sh.Name + "-component",
			DomainID: derivedID("domain", "simulator"),
			Region:   simRegion,
			State:    "1",
		}},
	}
}

// mergeParams returns base with override's keys replaced or appended.
func mergeParams(base []ParamInfo, override []startParam) []ParamInfo {
	out := append([]ParamInfo(nil), base...)
	for _, p := range override {
		pi := ParamInfo(p)
		replaced := false
		for i := range out {
			if out[i].Key == p.Key {
				out[i], replaced = pi, true
			}
		}
		if !replaced {
			out = append(out, pi)
		}
	}
	return out
}

// State.

type stateEnvelope struct {
	Status string      `json:"status"`
	Result stateResult `json:"result"`
}

type stateResult struct {
	RecordID  string `json:"record_id"`
	TaskID    string `json:"task_id"`
	TaskName  string `json:"task_name"`
	Executor  string `json:"executor"`
	NickName  string `json:"nick_name"`
	Status    string `json:"status"`
	Step      string `json:"step"`
	StartTime string `json:"start_time"`
	EndTime   string `json:"end_time"`
	StepState any    `json:"step_state,omitempty"`
}

// stepState is the SDK model's typing; stepStateStrings is the other
// documented typing. A client must decode both.
type stepState struct {
	ID            int    `json:"id"`
	Name          string `json:"name"`
	Enable        bool   `json:"enable"`
	Offset        int64  `json:"offset"`
	CurrentOffset int64  `json:"current_offset"`
	ElapsedTime   int64  `json:"elapsed_time"`
	Region        string `json:"region"`
	FAQURL        string `json:"faq_url"`
}

type stepStateStrings struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Enable        string `json:"enable"`
	Offset        string `json:"offset"`
	CurrentOffset string `json:"current_offset"`
	ElapsedTime   string `json:"elapsed_time"`
	Region        string `json:"region"`
	FAQURL        string `json:"faq_url"`
}

// taskState is ShowDeployStatus: GET /v2/tasks/{task_id}/state.
func (s *Server) taskState(req *request) response {
	taskID := req.vars["task_id"]
	if resp, refused := s.refuseTask(taskID); refused {
		return resp
	}
	q := req.http.URL.Query()
	withSteps, _ := strconv.ParseBool(q.Get("step_state"))
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.recordOf(taskID, q.Get("record_id"))
	if rec == nil {
		return recordNotFound()
	}
	res := rec.state(req.now)
	if withSteps {
		res.StepState = rec.stepStates(req.now)
	}
	return response{status: http.StatusOK, body: stateEnvelope{Status: "success", Result: res}}
}

// state is the record as the state API reports it at now, without its
// steps.
func (rec *record) state(now time.Time) stateResult {
	end, final := rec.endAt(now)
	res := stateResult{
		RecordID: rec.id, TaskID: rec.taskID, TaskName: rec.taskName,
		Executor: rec.executor, NickName: rec.nickName,
		Status:    rec.wireStatus(now),
		Step:      "running",
		StartTime: regionStamp(rec.createdAt),
	}
	if final {
		res.Step = "finish"
		res.EndTime = regionStamp(end)
	}
	return res
}

// stepStates is the record's step_state at now, typed as the task's
// scenario says. offset/current_offset are where each step's log starts
// and currently ends in the record's whole log (0, 0 before the step has
// logged anything).
func (rec *record) stepStates(now time.Time) any {
	elapsed, spans := rec.elapsed(now), rec.logSpans(now)
	if rec.stringFields {
		return stringStepStates(rec.steps, elapsed, spans)
	}
	steps := make([]stepState, len(rec.steps))
	for i, name := range rec.steps {
		steps[i] = stepState{
			ID: i + 1, Name: name, Enable: true,
			Offset: int64(spans[i].start), CurrentOffset: int64(spans[i].end),
			ElapsedTime: elapsed[i].Milliseconds(), Region: simRegion,
		}
	}
	return steps
}

// stringStepStates is step_state with every value a string.
func stringStepStates(names []string, elapsed []time.Duration, spans []span) []stepStateStrings {
	steps := make([]stepStateStrings, len(names))
	for i, name := range names {
		steps[i] = stepStateStrings{
			ID: strconv.Itoa(i + 1), Name: name, Enable: "true",
			Offset:        strconv.Itoa(spans[i].start),
			CurrentOffset: strconv.Itoa(spans[i].end),
			ElapsedTime:   strconv.FormatInt(elapsed[i].Milliseconds(), 10), Region: simRegion,
		}
	}
	return steps
}

// Stop.

type stopEnvelope struct {
	Status string `json:"status"`
	Result struct {
		ID     string `json:"id"`
		TaskID string `json:"task_id"`
	} `json:"result"`
}

// stopRecord is StopDeployTaskRecord:
// PUT /v2/tasks/{task_id}/records/{record_id}/stop.
func (s *Server) stopRecord(req *request) response {
	taskID, recordID := req.vars["task_id"], req.vars["record_id"]
	if resp, refused := s.refuseTask(taskID, recordID); refused {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.taskRecord(taskID, recordID)
	if rec == nil {
		return recordNotFound()
	}
	if _, final := rec.endAt(req.now); final {
		return deployError(http.StatusBadRequest, "Deploy.00011304", "The deployment record has finished and cannot be stopped.")
	}
	rec.stopped, rec.stoppedAt = true, req.now
	var out stopEnvelope
	out.Status, out.Result.ID, out.Result.TaskID = "success", rec.id, taskID
	return response{status: http.StatusOK, body: out}
}

// Execution parameters.

// configInfo is ConfigInfo, one parameter a record ran with.
type configInfo struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

// executionParams is ShowExecutionParams:
// GET /v2/history/tasks/{task_id}/params?record_id=
//
// https://support.huaweicloud.com/intl/en-us/api-deployman/ShowExecutionParams.html
// task_id and record_id are 32 letters and digits; record_id is optional
// (without it the simulator takes the latest record: the page does not
// say). The answer is a bare array of {name, type, value}; an encrypt
// value is answered "", as in the page's example. The page documents 400
// and 403 only, so an unknown record is 400 Deploy.00011303 ("record or
// parameters not found", huawei-api.md §1).
func (s *Server) executionParams(req *request) response {
	taskID := req.vars["task_id"]
	q := req.http.URL.Query()
	recordID, given := q.Get("record_id"), q.Has("record_id")
	if !validID(taskID) {
		return paramInvalid("Param invalid: task_id must be 32 letters or digits")
	}
	if given && !validID(recordID) {
		return paramInvalid("Param invalid: record_id must be 32 letters or digits")
	}
	if gone, ok := s.taskGone(taskID); ok {
		return gone
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.recordOf(taskID, recordID)
	if rec == nil {
		return deployError(http.StatusBadRequest, "Deploy.00011303", "The deployment record or its parameters were not found.")
	}
	return response{status: http.StatusOK, body: rec.configInfos()}
}

// configInfos are the record's parameters as ShowExecutionParams answers
// them: an encrypt value is "".
func (rec *record) configInfos() []configInfo {
	out := make([]configInfo, 0, len(rec.params))
	for _, p := range rec.params {
		v := p.Value
		if p.Type == "encrypt" {
			v = ""
		}
		out = append(out, configInfo{Name: p.Key, Type: p.Type, Value: v})
	}
	return out
}
