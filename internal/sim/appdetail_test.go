package sim

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appID asks ShowDeployTaskDetail for the task's application id, as a
// client must before it can read logs. The answer is the bare object.
func (h *harness) appID(taskID string) string {
	h.t.Helper()
	got := h.do(http.MethodGet, "/v2/tasks/"+taskID, "")
	require.Equal(h.t, http.StatusOK, got.status, "%s", got.body)
	return got.json(h.t)["app_id"].(string)
}

// stepIDs returns the ids of the task's steps, in step order, from the
// task detail's steps map (step1, step2, ...).
func (h *harness) stepIDs(taskID string) []string {
	h.t.Helper()
	got := h.do(http.MethodGet, "/v2/tasks/"+taskID, "")
	require.Equal(h.t, http.StatusOK, got.status, "%s", got.body)
	steps := got.json(h.t)["steps"].(map[string]any)
	out := make([]string, len(steps))
	for i := range out {
		out[i] = steps["step"+strconv.Itoa(i+1)].(map[string]any)["id"].(string)
	}
	return out
}

func TestTaskDetail(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, Name: "checkout-service", Steps: []string{"Fetch", "Roll out"}}}}
	h := newHarness(t, Options{Scenario: sc})

	got := h.do(http.MethodGet, "/v2/tasks/"+testTask, "")
	require.Equal(t, http.StatusOK, got.status, "%s", got.body)
	res := got.json(t)
	// The SDK's model is the bare object: no status/result wrapper.
	assert.NotContains(t, res, "result")
	assert.NotContains(t, res, "status")
	assert.Equal(t, testTask, res["id"])
	assert.Equal(t, testTask, res["task_id"])
	assert.Equal(t, "checkout-service", res["name"])
	assert.Regexp(t, hex32, res["app_id"])
	assert.Regexp(t, hex32, res["project_id"], "the CodeArts project id")
	steps := res["steps"].(map[string]any)
	require.Len(t, steps, 2)
	ids := map[string]bool{}
	for i, name := range []string{"Fetch", "Roll out"} {
		st := steps["step"+strconv.Itoa(i+1)].(map[string]any)
		assert.Equal(t, name, st["name"])
		assert.Equal(t, true, st["enable"])
		assert.Regexp(t, hex32, st["id"], "a step id is 32 letters/digits, not its position")
		ids[st["id"].(string)] = true
	}
	assert.Len(t, ids, 2, "step ids differ")
	again := h.do(http.MethodGet, "/v2/tasks/"+testTask, "").json(t)
	assert.Equal(t, res["steps"], again["steps"], "step ids are stable")

	// The start answer names the same application.
	start := h.start(testTask, "").json(t)
	assert.Equal(t, res["app_id"], start["app_component_list"].([]any)[0].(map[string]any)["app_id"])

	other := h.do(http.MethodGet, "/v2/tasks/"+strings.Repeat("b", 32), "").json(t)
	assert.NotEqual(t, res["app_id"], other["app_id"], "one application per task")
	assert.Equal(t, CodeArtsProjectID(testTask), res["project_id"], "the task's CodeArts project, which the history API takes")
	assert.Len(t, other["steps"], 4, "default steps")
	assert.NotContains(t, h.stepIDs(strings.Repeat("b", 32)), h.stepIDs(testTask)[0], "step ids are per task")

	bad := h.do(http.MethodGet, "/v2/tasks/abc", "")
	assert.Equal(t, http.StatusBadRequest, bad.status)
	assert.Equal(t, "DEV.CH.10001", bad.errorCode(t))
}

func TestAppDetail(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, Name: "checkout-service", Steps: []string{"Fetch", "Roll out"}}}}
	h := newHarness(t, Options{Scenario: sc})
	detail := h.do(http.MethodGet, "/v2/tasks/"+testTask, "").json(t)
	app := detail["app_id"].(string)

	got := h.do(http.MethodGet, "/v1/applications/"+app+"/info", "")
	require.Equal(t, http.StatusOK, got.status, "%s", got.body)
	m := got.json(t)
	assert.Equal(t, "success", m["status"])
	res := m["result"].(map[string]any)
	assert.Equal(t, app, res["id"])
	assert.Equal(t, "checkout-service", res["name"])
	assert.Equal(t, detail["project_id"], res["project_id"])
	infos := res["arrange_infos"].([]any)
	require.Len(t, infos, 1)
	info := infos[0].(map[string]any)
	assert.Equal(t, testTask, info["id"])
	assert.Equal(t, detail["steps"], info["steps"], "the same step ids as the task detail")

	// An application the simulator knows from a record, a scenario or
	// an earlier answer, and one it does not.
	other := strings.Repeat("c", 32)
	h.startOK(other, "")
	otherApp := h.do(http.MethodGet, "/v2/tasks/"+other, "").json(t)["app_id"].(string)
	assert.Equal(t, http.StatusOK, h.do(http.MethodGet, "/v1/applications/"+otherApp+"/info", "").status)
	unknown := h.do(http.MethodGet, "/v1/applications/"+strings.Repeat("d", 32)+"/info", "")
	assert.Equal(t, http.StatusNotFound, unknown.status)
	assert.Equal(t, "Deploy.00011020", unknown.errorCode(t))
	bad := h.do(http.MethodGet, "/v1/applications/app/info", "")
	assert.Equal(t, http.StatusBadRequest, bad.status)
}
