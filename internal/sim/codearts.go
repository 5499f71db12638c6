package sim

import (
	"net/http"
	"time"
)

// This file is CodeArts Deploy (huawei-api.md §1): its routes, its error
// answers and the look-ups its handlers share. Start, state, stop and the
// execution parameters are in codearts_tasks.go, the record state machine
// in codearts_records.go, seeded records in codearts_seed.go, the record's
// log in applog.go, the task and application details in appdetail.go and
// the task's history in history.go.

// defaultSteps are the steps of a task no scenario names.
var defaultSteps = []string{"Download package", "Stop service", "Deploy", "Start service"}

// regionLocal is the zone of the service's `yyyy-MM-dd HH:mm:ss` times: the
// API reports region-local times without a zone, and the simulator plays
// cn-north-4 (UTC+8).
var regionLocal = time.FixedZone("CST", 8*3600)

// regionStamp is t as the state and history APIs write their times.
func regionStamp(t time.Time) string { return t.In(regionLocal).Format(stateTimeForm) }

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

// deployError is the error_code/error_msg shape.
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
	return appNotFound(), true
}

// appNotFound is the answer about an application (or its task) that does
// not exist or was deleted.
func appNotFound() response {
	return deployError(http.StatusNotFound, "Deploy.00011020", "The application does not exist or has been deleted.")
}

// recordNotFound is the answer about a record the task does not have.
func recordNotFound() response {
	return deployError(http.StatusNotFound, "Deploy.00011303", "The deployment record does not exist.")
}

// refused is the answer a scenario's refusal (refuse_start,
// execute_refuse) configures; a status left 0 is 400, the default
// Validate fills in.
func refused(status int, code, msg string) response {
	if status == 0 {
		status = http.StatusBadRequest
	}
	return deployError(status, code, msg)
}

// refuseTask answers what CodeArts refuses before it looks at records: a
// malformed task id or other path id (DEV.CH.10001), or a deleted task
// (Deploy.00011020). ok is false when neither applies.
func (s *Server) refuseTask(taskID string, ids ...string) (resp response, ok bool) {
	for _, id := range append([]string{taskID}, ids...) {
		if !validID(id) {
			return paramInvalid("Param invalid"), true
		}
	}
	return s.taskGone(taskID)
}

// recordOf finds record recordID of taskID, or the task's latest record
// when recordID is "" (the state and parameters APIs without record_id:
// unconfirmed in the API notes; the simulator takes the friendly
// reading). Callers hold s.mu.
func (s *Server) recordOf(taskID, recordID string) *record {
	if recordID == "" {
		if list := s.records[taskID]; len(list) > 0 {
			return list[len(list)-1]
		}
		return nil
	}
	return s.taskRecord(taskID, recordID)
}

// taskRecord is the record recordID if it is one of taskID's, or nil.
// Callers hold s.mu.
func (s *Server) taskRecord(taskID, recordID string) *record {
	if rec := s.byID[recordID]; rec != nil && rec.taskID == taskID {
		return rec
	}
	return nil
}

// derivedID is a stable 32-hex id for things the simulator does not model
// (application, component, domain), so repeated answers agree.
func derivedID(kind, key string) string {
	return sha256Hex([]byte(kind + ":" + key))[:32]
}
