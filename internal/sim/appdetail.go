package sim

import (
	"net/http"
	"strconv"
)

// This file is the task and application details of CodeArts Deploy
// (ShowDeployTaskDetail, ShowAppDetailById, huawei-api.md §1), in which a
// client finds the application id and the step ids the log API
// (applog.go) needs.

// Step ids.

// stepID is the id of step index (0-based) of taskID: 32 letters and
// digits, stable for the task. ShowAppLog's step_id takes it, not the
// step's position: the API reference says step_id comes from the
// application detail, result.arrange_infos[0].steps.step1.id, and is 1-32
// letters and digits
// (https://support.huaweicloud.com/intl/en-us/api-deployman/ShowAppLog.html).
func stepID(taskID string, index int, name string) string {
	return derivedID("step", taskID+"/"+strconv.Itoa(index+1)+"/"+name)
}

// detailStep is one entry of a task's steps map (huaweicloud-sdk-go-v3
// v0.1.207 services/codeartsdeploy/v2/model/model_step.go).
type detailStep struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Enable bool   `json:"enable"`
}

// detailSteps is a task's steps map: step1..stepN, each with its id.
func detailSteps(taskID string, steps []string) map[string]detailStep {
	out := make(map[string]detailStep, len(steps))
	for i, name := range steps {
		out["step"+strconv.Itoa(i+1)] = detailStep{ID: stepID(taskID, i, name), Name: name, Enable: true}
	}
	return out
}

// Applications. The simulator has one application per task, with a
// derived id; it learns which task an application id belongs to when it
// hands the id out (start answer, task detail).

// appIDFor is the application id of taskID, derived so that every part
// of the simulator agrees on it.
func appIDFor(taskID string) string { return derivedID("app", taskID) }

// appIDOf returns taskID's application id and remembers it. Callers hold
// s.mu.
func (s *Server) appIDOf(taskID string) string {
	id := appIDFor(taskID)
	if s.apps == nil {
		s.apps = map[string]string{}
	}
	s.apps[id] = taskID
	return id
}

// taskOfApp is the task of application appID: one whose id the simulator
// handed out, or of a task that has records or that the scenario names.
// Callers hold s.mu.
func (s *Server) taskOfApp(appID string) (string, bool) {
	if t, ok := s.apps[appID]; ok {
		return t, true
	}
	for t := range s.records {
		if appIDFor(t) == appID {
			return t, true
		}
	}
	for _, t := range s.scenario.Tasks {
		if validID(t.TaskID) && appIDFor(t.TaskID) == appID {
			return t.TaskID, true
		}
	}
	return "", false
}

// ShowDeployTaskDetail.

// taskDetail is the bare object ShowDeployTaskDetail answers: the SDK's
// response model has no status/result wrapper (huaweicloud-sdk-go-v3
// v0.1.207 services/codeartsdeploy/v2/model/model_show_deploy_task_detail_response.go).
// project_id is the CodeArts project's id. Its fields overlap arrangeInfo's
// but stand in this order on the wire: each struct follows its own SDK
// model, so the two are kept apart on purpose.
type taskDetail struct {
	ID           string                `json:"id"`
	TaskID       string                `json:"task_id"`
	Name         string                `json:"name"`
	AppID        string                `json:"app_id"`
	ProjectID    string                `json:"project_id"`
	ProjectName  string                `json:"project_name"`
	DeploySystem string                `json:"deploy_system"`
	State        string                `json:"state"`
	Steps        map[string]detailStep `json:"steps"`
}

// taskDetail is ShowDeployTaskDetail: GET /v2/tasks/{task_id}
// (https://support.huaweicloud.com/intl/en-us/api-deployman/ShowDeployTaskDetail.html).
// steps is keyed step1..stepN and each step's id is what ShowAppLog's
// step_id takes.
func (s *Server) taskDetail(req *request) response {
	taskID := req.vars["task_id"]
	if resp, refused := s.refuseTask(taskID); refused {
		return resp
	}
	sh := s.shape(taskID)
	s.mu.Lock()
	appID := s.appIDOf(taskID)
	s.mu.Unlock()
	return response{status: http.StatusOK, body: taskDetail{
		ID: taskID, TaskID: taskID, Name: sh.Name,
		AppID:        appID,
		ProjectID:    CodeArtsProjectID(taskID),
		ProjectName:  "simulator",
		DeploySystem: "deployTemplate",
		State:        "Available",
		Steps:        detailSteps(taskID, sh.steps),
	}}
}

// ShowAppDetailById.

// appDetailEnvelope is ShowAppDetailById's answer (huaweicloud-sdk-go-v3
// v0.1.207 services/codeartsdeploy/v2/model/model_show_app_detail_by_id_response.go,
// model_app_detail_info.go and model_task_v2_info.go).
type appDetailEnvelope struct {
	Status string        `json:"status"`
	Result appDetailInfo `json:"result"`
}

type appDetailInfo struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Region       string        `json:"region"`
	ProjectID    string        `json:"project_id"`
	ProjectName  string        `json:"project_name"`
	ArrangeInfos []arrangeInfo `json:"arrange_infos"`
}

type arrangeInfo struct {
	ID           string                `json:"id"`
	Name         string                `json:"name"`
	State        string                `json:"state"`
	ProjectID    string                `json:"project_id"`
	DeploySystem string                `json:"deploy_system"`
	AppID        string                `json:"app_id"`
	Steps        map[string]detailStep `json:"steps"`
}

// appDetail is ShowAppDetailById: GET /v1/applications/{app_id}/info,
// where the ShowAppLog reference says step ids come from
// (result.arrange_infos[0].steps.step1.id). An application id the
// simulator never handed out is Deploy.00011020, no such application.
func (s *Server) appDetail(req *request) response {
	appID := req.vars["app_id"]
	if !validID(appID) {
		return paramInvalid("Param invalid")
	}
	s.mu.Lock()
	taskID, ok := s.taskOfApp(appID)
	s.mu.Unlock()
	if !ok {
		return appNotFound()
	}
	info := appDetailOf(appID, taskID, s.shape(taskID))
	return response{status: http.StatusOK, body: appDetailEnvelope{Status: "success", Result: info}}
}

// appDetailOf describes application appID, whose one arrangement is the
// task taskID of shape sh.
func appDetailOf(appID, taskID string, sh taskShape) appDetailInfo {
	return appDetailInfo{
		ID: appID, Name: sh.Name, Region: simRegion,
		ProjectID: CodeArtsProjectID(taskID), ProjectName: "simulator",
		ArrangeInfos: []arrangeInfo{{
			ID: taskID, Name: sh.Name, State: "Available",
			ProjectID: CodeArtsProjectID(taskID), DeploySystem: "deployTemplate", AppID: appID,
			Steps: detailSteps(taskID, sh.steps),
		}},
	}
}
