package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file is CodeArts Deploy (huawei-api.md §1): start, state and stop of
// deployment records, and the record state machine. The record's log and
// the task and application details are in applog.go, the task's history in
// history.go.

// defaultSteps are the steps of a task no scenario names.
var defaultSteps = []string{"Download package", "Stop service", "Deploy", "Start service"}

// regionLocal is the zone of the service's `yyyy-MM-dd HH:mm:ss` times: the
// API reports region-local times without a zone, and the simulator plays
// cn-north-4 (UTC+8).
var regionLocal = time.FixedZone("CST", 8*3600)

const (
	simRegion     = "cn-north-4"
	stateTimeForm = "2006-01-02 15:04:05"
)

// Canonical record statuses, as RecordInfo reports them; the wire may show
// a scenario's replacements for running and failed.
const (
	statusRunning   = "running"
	statusSucceeded = "succeeded"
	statusFailed    = "failed"
	statusAbort     = "abort"
)

func codeArtsRoutes() []route {
	return []route{
		{method: http.MethodPost, segs: []string{"v2", "tasks", "{task_id}", "start"}, op: "start", handle: (*Server).startTask},
		{method: http.MethodGet, segs: []string{"v2", "tasks", "{task_id}", "state"}, op: "state", handle: (*Server).taskState},
		{method: http.MethodPut, segs: []string{"v2", "tasks", "{task_id}", "records", "{record_id}", "stop"}, op: "stop", handle: (*Server).stopRecord},
		{method: http.MethodGet, segs: []string{"v2", "tasks", "{task_id}"}, op: "detail", handle: (*Server).taskDetail},
		{method: http.MethodGet, segs: []string{"v1", "applications", "{app_id}", "records", "{record_id}", "logs"}, op: "logs", handle: (*Server).appLog},
		{method: http.MethodGet, segs: []string{"v2", "{project_id}", "task", "{task_id}", "history"}, op: "history", handle: (*Server).taskHistory},
		{method: http.MethodGet, segs: []string{"v1", "applications", "{app_id}", "info"}, op: "app_detail", handle: (*Server).appDetail},
		{method: http.MethodGet, segs: []string{"v2", "history", "tasks", "{task_id}", "params"}, op: "params", handle: (*Server).executionParams},
	}
}

// ParamInfo is one dynamic parameter of a record, as the start request
// gave it.
type ParamInfo struct {
	Key, Value, Type string
}

// RecordInfo is a snapshot of a deployment record for tests.
type RecordInfo struct {
	// ID and TaskID identify the record.
	ID, TaskID string
	// Status is the canonical status: running, succeeded, failed or abort
	// (a scenario's running_status/failed_status/final_status only change
	// the wire).
	Status string
	// Params are the record's parameters: those of the start request, on
	// top of the earlier record's for a redeploy.
	Params []ParamInfo
	// FromRecordID is the record_id a redeploy (rollback) was started
	// with; TriggerSource is the start request's trigger_source.
	FromRecordID, TriggerSource string
	// CreatedAt is when the record started and StoppedAt when it became
	// final (zero while running), on the gateway clock.
	CreatedAt, StoppedAt time.Time
	// Stopped reports that a stop request ended the record.
	Stopped bool
}

// record is one deployment; its status is a pure function of the clock
// and whether it was stopped.
type record struct {
	id, taskID         string
	taskName           string
	executor, nickName string
	steps              []string
	durations          []time.Duration
	failAt             int // 1-based step that fails; 0: succeeds
	failMessage        string
	runningStatus      string
	failedStatus       string
	finalStatus        string
	stringFields       bool
	params             []ParamInfo
	fromRecordID       string
	triggerSource      string
	createdAt          time.Time
	stopped            bool
	stoppedAt          time.Time
}

// naturalEnd is when the record ends unless stopped: after the failing
// step, or after the last step.
func (rec *record) naturalEnd() time.Time {
	n := len(rec.durations)
	if rec.failAt > 0 && rec.failAt < n {
		n = rec.failAt
	}
	end := rec.createdAt
	for _, d := range rec.durations[:n] {
		end = end.Add(d)
	}
	return end
}

// endAt returns when the record became final, and whether it is final at
// now.
func (rec *record) endAt(now time.Time) (time.Time, bool) {
	if rec.stopped {
		return rec.stoppedAt, true
	}
	end := rec.naturalEnd()
	if now.Before(end) {
		return time.Time{}, false
	}
	return end, true
}

// status is the canonical status at now.
func (rec *record) status(now time.Time) string {
	switch _, final := rec.endAt(now); {
	case rec.stopped:
		return statusAbort
	case !final:
		return statusRunning
	case rec.failAt > 0:
		return statusFailed
	default:
		return statusSucceeded
	}
}

// wireStatus is the status as the API reports it.
func (rec *record) wireStatus(now time.Time) string {
	st := rec.status(now)
	switch {
	case st != statusRunning && rec.finalStatus != "":
		return rec.finalStatus
	case st == statusRunning && rec.runningStatus != "":
		return rec.runningStatus
	case st == statusFailed && rec.failedStatus != "":
		return rec.failedStatus
	}
	return st
}

// elapsed returns each step's elapsed time at now: full for steps done,
// time so far for the current one, 0 for steps not reached. Time stops at
// the record's end, so a failed or stopped record keeps its numbers.
func (rec *record) elapsed(now time.Time) []time.Duration {
	if end, final := rec.endAt(now); final {
		now = end
	}
	out := make([]time.Duration, len(rec.durations))
	start := rec.createdAt
	for i, d := range rec.durations {
		if rec.failAt > 0 && i >= rec.failAt {
			break
		}
		switch ran := now.Sub(start); {
		case ran <= 0:
			return out
		case ran >= d:
			out[i] = d
		default:
			out[i] = ran
			return out
		}
		start = start.Add(d)
	}
	return out
}

func (rec *record) info(now time.Time) RecordInfo {
	ri := RecordInfo{
		ID: rec.id, TaskID: rec.taskID, Status: rec.status(now),
		Params:       append([]ParamInfo(nil), rec.params...),
		FromRecordID: rec.fromRecordID, TriggerSource: rec.triggerSource,
		CreatedAt: rec.createdAt, Stopped: rec.stopped,
	}
	if end, final := rec.endAt(now); final {
		ri.StoppedAt = end
	}
	return ri
}

// taskShape is a task's resolved behaviour: scenario entry plus defaults.
type taskShape struct {
	ScenarioTask
	steps     []string
	durations []time.Duration
}

// shape resolves how taskID's deployments run. Duration precedence: the
// task's duration or step_duration, the scenario's step_duration, then
// Options.StepDuration.
func (s *Server) shape(taskID string) taskShape {
	t := s.scenario.taskScenario(taskID)
	steps := t.Steps
	if len(steps) == 0 {
		steps = defaultSteps
	}
	// Clamp what Validate would reject, for scenarios built in Go.
	t.FailAtStep = min(max(t.FailAtStep, 0), len(steps))
	if t.Name == "" {
		t.Name = "task-" + strings.ToLower(taskID[:min(8, len(taskID))])
	}
	return taskShape{ScenarioTask: t, steps: steps, durations: s.stepDurations(t, len(steps), t.Duration)}
}

func (s *Server) stepDurations(t ScenarioTask, n int, total time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	if total <= 0 && len(t.StepDurations) == n {
		copy(out, t.StepDurations)
		return out
	}
	if total > 0 {
		// Spread evenly; the last step absorbs the rounding.
		each := total / time.Duration(n)
		for i := range out {
			out[i] = each
		}
		out[n-1] = total - each*time.Duration(n-1)
		return out
	}
	d := s.opts.StepDuration
	if s.scenario.StepDuration > 0 {
		d = s.scenario.StepDuration
	}
	if t.StepDuration > 0 {
		d = t.StepDuration
	}
	for i := range out {
		out[i] = d
	}
	return out
}

// drawDurations returns the step times of the n-th deployment (from 0) a
// start of taskID makes: each step's time scaled by its own factor drawn
// from [1-vary, 1+vary], then the overrun step's by the overrun factor.
// The draws depend only on the scenario's seed, the task and n, so a run
// repeats whatever the order of the requests.
func (s *Server) drawDurations(taskID string, sh taskShape, n int) []time.Duration {
	out := slices.Clone(sh.durations)
	if v := sh.Vary; v > 0 && v < 1 {
		seed := s.scenario.Seed
		if seed == 0 {
			seed = 1
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "vary:%s:%d", taskID, n))
		rng := rand.New(rand.NewPCG(seed, binary.BigEndian.Uint64(sum[:8])))
		for i, d := range out {
			out[i] = time.Duration(float64(d) * (1 - v + 2*v*rng.Float64()))
		}
	}
	if o := sh.Overrun; o != nil && o.Step >= 1 && o.Step <= len(out) && o.Factor > 0 {
		out[o.Step-1] = time.Duration(float64(out[o.Step-1]) * o.Factor)
	}
	for i := range out {
		// A step that ran has an elapsed time above 0 (the state API
		// tells the running step by it).
		out[i] = max(out[i], time.Millisecond)
	}
	return out
}

// newRecord builds a record of taskID per its shape; the caller fixes
// failure behaviour and registers it.
func (s *Server) newRecord(taskID string, sh taskShape, created time.Time) *record {
	return &record{
		id:            newHexID(),
		taskID:        taskID,
		taskName:      sh.Name,
		executor:      "sim_user",
		nickName:      "Simulator",
		steps:         sh.steps,
		durations:     sh.durations,
		failAt:        sh.FailAtStep,
		failMessage:   sh.FailMessage,
		runningStatus: sh.RunningStatus,
		failedStatus:  sh.FailedStatus,
		finalStatus:   sh.FinalStatus,
		stringFields:  sh.StringFields,
		createdAt:     created,
	}
}

// addRecord registers rec, keeping the task's records ordered by creation
// so "latest" and Records agree. Callers hold s.mu.
func (s *Server) addRecord(rec *record) {
	list := append(s.records[rec.taskID], rec)
	sort.SliceStable(list, func(i, j int) bool { return list[i].createdAt.Before(list[j].createdAt) })
	s.records[rec.taskID] = list
	s.byID[rec.id] = rec
}

// seedHistory creates, for tasks with history, the succeeded record of
// their planned times that ended a minute before the server started.
func (s *Server) seedHistory() {
	now := s.clock()
	for _, t := range s.scenario.Tasks {
		if !t.History || !validID(t.TaskID) || t.Deleted {
			continue
		}
		sh := s.shape(t.TaskID)
		var total time.Duration
		for _, d := range sh.durations {
			total += d
		}
		rec := s.newRecord(t.TaskID, sh, now.Add(-total-time.Minute))
		rec.failAt = 0
		rec.triggerSource = "0"
		s.mu.Lock()
		s.addRecord(rec)
		s.mu.Unlock()
	}
}

// seedAlreadyRunning creates the records of tasks the scenario says are
// being deployed by someone else when the server starts.
func (s *Server) seedAlreadyRunning() {
	now := s.clock()
	for _, t := range s.scenario.Tasks {
		if t.AlreadyRunning <= 0 || !validID(t.TaskID) {
			continue
		}
		sh := s.shape(t.TaskID)
		rec := s.newRecord(t.TaskID, sh, now)
		rec.durations = s.stepDurations(t, len(sh.steps), t.AlreadyRunning)
		rec.failAt = 0
		rec.executor, rec.nickName = "another_user", "Someone else"
		rec.triggerSource = "0"
		s.mu.Lock()
		s.addRecord(rec)
		s.mu.Unlock()
	}
}

// SeedRecord adds a finished record of taskID created age ago, with status
// succeeded or failed, and returns its id; tests use it as the target of a
// rollback or as the history a client estimates durations from. A record
// whose steps would outlast age is compressed to end now. It panics on a
// malformed task id or another status, which are bugs in the test.
func (s *Server) SeedRecord(taskID string, status string, age time.Duration) string {
	if !validID(taskID) {
		panic(fmt.Sprintf("sim: SeedRecord: task id %q is not 32 letters/digits", taskID))
	}
	if status != statusSucceeded && status != statusFailed {
		panic(fmt.Sprintf("sim: SeedRecord: status %q is not succeeded or failed", status))
	}
	age = max(age, 0)
	now := s.clock()
	sh := s.shape(taskID)
	rec := s.newRecord(taskID, sh, now.Add(-age))
	rec.failAt = 0
	if status == statusFailed {
		rec.failAt = sh.FailAtStep
		if rec.failAt == 0 {
			rec.failAt = len(rec.steps)
		}
	}
	if now.Before(rec.naturalEnd()) {
		// Squeeze the steps that ran into age so the record is final now.
		n := len(rec.durations)
		if rec.failAt > 0 {
			n = rec.failAt
		}
		each := age / time.Duration(n)
		for i := range rec.durations {
			rec.durations[i] = each
		}
		rec.durations[n-1] = age - each*time.Duration(n-1)
	}
	rec.triggerSource = "0"
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addRecord(rec)
	return rec.id
}

// SeedRecordTook is SeedRecord for a succeeded record whose steps took
// took in all (each step scaled alike), ending age after it started plus
// took: the history a client predicts the next deployment's duration from.
func (s *Server) SeedRecordTook(taskID string, took, endedAgo time.Duration) string {
	if !validID(taskID) {
		panic(fmt.Sprintf("sim: SeedRecordTook: task id %q is not 32 letters/digits", taskID))
	}
	now := s.clock()
	sh := s.shape(taskID)
	rec := s.newRecord(taskID, sh, now.Add(-endedAgo-took))
	rec.failAt = 0
	var total time.Duration
	for _, d := range sh.durations {
		total += d
	}
	rec.durations = make([]time.Duration, len(sh.durations))
	for i, d := range sh.durations {
		rec.durations[i] = time.Duration(float64(d) * float64(took) / float64(max(total, 1)))
	}
	rec.triggerSource = "0"
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addRecord(rec)
	return rec.id
}

// StartCount returns how many start requests created a record of taskID:
// the number a client's "never start twice" logic is judged by. Refused
// starts do not count; dropped ones do, since the backend processed them.
func (s *Server) StartCount(taskID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts[taskID]
}

// Records returns taskID's records, oldest first.
func (s *Server) Records(taskID string) []RecordInfo {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RecordInfo
	for _, rec := range s.records[taskID] {
		out = append(out, rec.info(now))
	}
	return out
}

// Running returns the records of all tasks that are not final yet, oldest
// first: a test's check that nothing was left deploying.
func (s *Server) Running() []RecordInfo {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RecordInfo
	for _, list := range s.records {
		for _, rec := range list {
			if _, final := rec.endAt(now); !final {
				out = append(out, rec.info(now))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}

// Error answers of the service itself (both shapes of huawei-api.md §1).

type deployErrorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

type devErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Status string `json:"status"`
}

func deployError(status int, code, msg string) response {
	return response{status: status, code: code, body: deployErrorBody{ErrorCode: code, ErrorMsg: msg}}
}

// paramInvalid is the other error shape, used by request validation.
func paramInvalid(msg string) response {
	var b devErrorBody
	b.Error.Code, b.Error.Message, b.Status = "DEV.CH.10001", msg, "failed"
	return response{status: http.StatusBadRequest, code: "DEV.CH.10001", body: b}
}

// taskGone is the answer to any request about a task the scenario marks
// deleted: 404 Deploy.00011020, "no such application / deleted"
// (huawei-api.md §1).
func (s *Server) taskGone(taskID string) (response, bool) {
	if !s.shape(taskID).Deleted {
		return response{}, false
	}
	return deployError(http.StatusNotFound, "Deploy.00011020", "The application does not exist or has been deleted."), true
}

func recordNotFound() response {
	return deployError(http.StatusNotFound, "Deploy.00011303", "The deployment record does not exist.")
}

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
	if !validID(taskID) {
		return paramInvalid("Param invalid")
	}
	if gone, ok := s.taskGone(taskID); ok {
		return gone
	}
	var body startBody
	if len(strings.TrimSpace(string(req.body))) > 0 {
		if err := json.Unmarshal(req.body, &body); err != nil {
			return paramInvalid("Param invalid: the request body is not valid JSON")
		}
	}
	if msg := validateParams(body.Params); msg != "" {
		return paramInvalid(msg)
	}
	if body.TriggerSource != "" && body.TriggerSource != "0" && body.TriggerSource != "1" {
		return paramInvalid(`Param invalid: trigger_source must be "0" or "1"`)
	}
	sh := s.shape(taskID)
	if rs := sh.RefuseStart; rs != nil {
		st := rs.Status
		if st == 0 {
			st = http.StatusBadRequest
		}
		return deployError(st, rs.Code, rs.Message)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var from *record
	if body.RecordID != "" {
		from = s.byID[body.RecordID]
		if from == nil || from.taskID != taskID {
			return deployError(http.StatusNotFound, "Deploy.00011303", "The deployment record or its parameters were not found.")
		}
	}
	for _, rec := range s.records[taskID] {
		if _, final := rec.endAt(req.now); !final {
			return deployError(http.StatusBadRequest, "Deploy.00011027", "The application is being deployed. Try again later.")
		}
	}

	rec := s.newRecord(taskID, sh, req.now)
	rec.durations = s.drawDurations(taskID, sh, s.starts[taskID])
	rec.triggerSource = body.TriggerSource
	if from != nil {
		// A redeploy with an earlier record's parameters: the rollback
		// path, which succeeds unless the scenario says otherwise.
		rec.fromRecordID = from.id
		rec.params = mergeParams(from.params, body.Params)
		rec.failAt = 0
		if sh.RollbackFails {
			rec.failAt = sh.FailAtStep
			if rec.failAt == 0 {
				rec.failAt = len(rec.steps)
			}
		}
	} else {
		rec.params = mergeParams(nil, body.Params)
	}
	s.addRecord(rec)
	s.starts[taskID]++

	return response{status: http.StatusOK, body: startResult{
		ID:      rec.id,
		TaskID:  taskID,
		JobName: fmt.Sprintf("job_%s_%d", rec.id, req.now.UnixMilli()),
		AppComponentList: []appComponent{{
			TaskID:   taskID,
			AppID:    s.appIDOf(taskID),
			AppName:  sh.Name,
			CompID:   derivedID("component", taskID),
			CompName: sh.Name + "-component",
			DomainID: derivedID("domain", "simulator"),
			Region:   simRegion,
			State:    "1",
		}},
	}}
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

// derivedID is a stable 32-hex id for things the simulator does not model
// (application, component, domain), so repeated answers agree.
func derivedID(kind, key string) string {
	return sha256Hex([]byte(kind + ":" + key))[:32]
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
	if !validID(taskID) {
		return paramInvalid("Param invalid")
	}
	if gone, ok := s.taskGone(taskID); ok {
		return gone
	}
	q := req.http.URL.Query()
	recordID := q.Get("record_id")
	withSteps, _ := strconv.ParseBool(q.Get("step_state"))

	s.mu.Lock()
	defer s.mu.Unlock()
	var rec *record
	if recordID == "" {
		// Without record_id the latest record (unconfirmed in the API
		// notes; the simulator takes the friendly reading).
		if list := s.records[taskID]; len(list) > 0 {
			rec = list[len(list)-1]
		}
	} else if r := s.byID[recordID]; r != nil && r.taskID == taskID {
		rec = r
	}
	if rec == nil {
		return recordNotFound()
	}

	now := req.now
	end, final := rec.endAt(now)
	res := stateResult{
		RecordID: rec.id, TaskID: rec.taskID, TaskName: rec.taskName,
		Executor: rec.executor, NickName: rec.nickName,
		Status:    rec.wireStatus(now),
		Step:      "running",
		StartTime: rec.createdAt.In(regionLocal).Format(stateTimeForm),
	}
	if final {
		res.Step = "finish"
		res.EndTime = end.In(regionLocal).Format(stateTimeForm)
	}
	if withSteps {
		elapsed := rec.elapsed(now)
		// offset/current_offset: where each step's log starts and
		// currently ends in the record's whole log (0, 0 before the step
		// has logged anything).
		spans := rec.logSpans(now)
		if rec.stringFields {
			steps := make([]stepStateStrings, len(rec.steps))
			for i, name := range rec.steps {
				steps[i] = stepStateStrings{
					ID: strconv.Itoa(i + 1), Name: name, Enable: "true",
					Offset:        strconv.Itoa(spans[i].start),
					CurrentOffset: strconv.Itoa(spans[i].end),
					ElapsedTime:   strconv.FormatInt(elapsed[i].Milliseconds(), 10), Region: simRegion,
				}
			}
			res.StepState = steps
		} else {
			steps := make([]stepState, len(rec.steps))
			for i, name := range rec.steps {
				steps[i] = stepState{
					ID: i + 1, Name: name, Enable: true,
					Offset: int64(spans[i].start), CurrentOffset: int64(spans[i].end),
					ElapsedTime: elapsed[i].Milliseconds(), Region: simRegion,
				}
			}
			res.StepState = steps
		}
	}
	return response{status: http.StatusOK, body: stateEnvelope{Status: "success", Result: res}}
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
	if !validID(taskID) || !validID(recordID) {
		return paramInvalid("Param invalid")
	}
	if gone, ok := s.taskGone(taskID); ok {
		return gone
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.byID[recordID]
	if rec == nil || rec.taskID != taskID {
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
	var rec *record
	if !given {
		if list := s.records[taskID]; len(list) > 0 {
			rec = list[len(list)-1]
		}
	} else if r := s.byID[recordID]; r != nil && r.taskID == taskID {
		rec = r
	}
	if rec == nil {
		return deployError(http.StatusBadRequest, "Deploy.00011303", "The deployment record or its parameters were not found.")
	}
	out := make([]configInfo, 0, len(rec.params))
	for _, p := range rec.params {
		v := p.Value
		if p.Type == "encrypt" {
			v = ""
		}
		out = append(out, configInfo{Name: p.Key, Type: p.Type, Value: v})
	}
	return response{status: http.StatusOK, body: out}
}

// SetRecordParams replaces the parameters record recordID ran with, as
// ShowExecutionParams answers them: for a seeded record, which no start
// request gave any. It panics on an unknown record, a bug in the caller.
func (s *Server) SetRecordParams(recordID string, params ...ParamInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.byID[recordID]
	if rec == nil {
		panic(fmt.Sprintf("sim: SetRecordParams: no record %q", recordID))
	}
	rec.params = append([]ParamInfo(nil), params...)
}
