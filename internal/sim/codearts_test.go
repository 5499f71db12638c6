package sim

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// elapsedOf returns step_state[].elapsed_time as numbers, whichever way
// they were encoded.
func elapsedOf(t *testing.T, result map[string]any) []int64 {
	t.Helper()
	steps, ok := result["step_state"].([]any)
	require.True(t, ok, "step_state missing: %v", result)
	var out []int64
	for _, s := range steps {
		switch v := s.(map[string]any)["elapsed_time"].(type) {
		case float64:
			out = append(out, int64(v))
		case string:
			d, err := time.ParseDuration(v + "ms")
			require.NoError(t, err)
			out = append(out, d.Milliseconds())
		default:
			t.Fatalf("elapsed_time has type %T", v)
		}
	}
	return out
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{StepDuration: 100 * time.Millisecond})
	start := h.clock.Now()

	got := h.start(testTask, `{"params":[{"key":"version","value":"1.4.2","type":"text"},{"key":"db_password","value":"s3cret","type":"encrypt"}],"trigger_source":"0"}`)
	require.Equal(t, http.StatusOK, got.status, "%s", got.body)
	assert.Equal(t, jsonContentType, got.header.Get("Content-Type"))
	m := got.json(t)
	id := m["id"].(string)
	assert.Regexp(t, hex32, id)
	assert.Equal(t, testTask, m["task_id"])
	assert.Equal(t, "job_"+id+"_1752032188000", m["job_name"])
	comps := m["app_component_list"].([]any)
	require.Len(t, comps, 1)
	for _, k := range []string{"task_id", "app_id", "app_name", "comp_id", "comp_name", "domain_id", "region", "state"} {
		assert.Contains(t, comps[0], k)
	}

	tests := []struct {
		advance     time.Duration
		wantStatus  string
		wantStep    string
		wantElapsed []int64
	}{
		{0, "running", "running", []int64{0, 0, 0, 0}},
		{50 * time.Millisecond, "running", "running", []int64{50, 0, 0, 0}},
		{100 * time.Millisecond, "running", "running", []int64{100, 50, 0, 0}},
		{200 * time.Millisecond, "running", "running", []int64{100, 100, 100, 50}},
		{50 * time.Millisecond, "succeeded", "finish", []int64{100, 100, 100, 100}},
		{time.Hour, "succeeded", "finish", []int64{100, 100, 100, 100}},
	}
	for i, tc := range tests {
		h.clock.Advance(tc.advance)
		res := h.stateResult(testTask, id)
		assert.Equal(t, tc.wantStatus, res["status"], "poll %d", i)
		assert.Equal(t, tc.wantStep, res["step"], "poll %d", i)
		assert.Equal(t, tc.wantElapsed, elapsedOf(t, res), "poll %d", i)
		assert.Equal(t, "2025-07-09 11:36:28", res["start_time"], "UTC+8")
		if tc.wantStep == "running" {
			assert.Equal(t, "", res["end_time"])
		} else {
			assert.Equal(t, "2025-07-09 11:36:28", res["end_time"], "400ms later, same second")
		}
	}

	res := h.stateResult(testTask, id)
	for _, k := range []string{"record_id", "task_id", "task_name", "executor", "nick_name"} {
		assert.NotEmpty(t, res[k], k)
	}
	step := res["step_state"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{
		"id": float64(1), "name": "Download package", "enable": true, "offset": float64(0),
		"current_offset": float64(len(stepText(h.srv.LogText(id), "Download package"))),
		"elapsed_time":   float64(100), "region": "cn-north-4", "faq_url": "",
	}, step)

	recs := h.srv.Records(testTask)
	require.Len(t, recs, 1)
	assert.Equal(t, RecordInfo{
		ID: id, TaskID: testTask, Status: "succeeded",
		Params:        []ParamInfo{{"version", "1.4.2", "text"}, {"db_password", "s3cret", "encrypt"}},
		TriggerSource: "0",
		CreatedAt:     start, StoppedAt: start.Add(400 * time.Millisecond),
	}, recs[0])
	assert.Equal(t, 1, h.srv.StartCount(testTask))
	assert.Empty(t, h.srv.Running())
}

func TestStateWithoutStepState(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	id := h.startOK(testTask, "")
	got := h.do(http.MethodGet, "/v2/tasks/"+testTask+"/state?record_id="+id, "")
	require.Equal(t, http.StatusOK, got.status)
	assert.NotContains(t, got.json(t)["result"], "step_state")
}

func TestFailAtStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		task       ScenarioTask
		wantStatus string
	}{
		{"default failed status", ScenarioTask{TaskID: testTask, FailAtStep: 2}, "failed"},
		{"failed_status abort", ScenarioTask{TaskID: testTask, FailAtStep: 2, FailedStatus: "abort"}, "abort"},
		{"star entry", ScenarioTask{TaskID: "*", FailAtStep: 2}, "failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, id, res := startMidway(t, tc.task)
			assert.Equal(t, []int64{100, 50, 0, 0}, elapsedOf(t, res))

			h.clock.Advance(50 * time.Millisecond)
			res = h.stateResult(testTask, id)
			assert.Equal(t, tc.wantStatus, res["status"])
			assert.Equal(t, "finish", res["step"])
			assert.Equal(t, []int64{100, 100, 0, 0}, elapsedOf(t, res), "steps after the failure never ran")
			assert.Equal(t, "failed", h.srv.Records(testTask)[0].Status, "RecordInfo keeps the canonical status")
		})
	}
}

func TestFinalStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		task      ScenarioTask
		stop      bool
		canonical string
	}{
		{"on success", ScenarioTask{TaskID: testTask, FinalStatus: "stopped"}, false, "succeeded"},
		{"on failure", ScenarioTask{TaskID: testTask, FailAtStep: 2, FinalStatus: "canceled"}, false, "failed"},
		{"on a stop", ScenarioTask{TaskID: testTask, FinalStatus: "stopped"}, true, "abort"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, id, res := startMidway(t, tc.task)
			assert.Equal(t, "running", res["step"])
			assert.Empty(t, res["end_time"])

			if tc.stop {
				require.Equal(t, http.StatusOK, h.stop(testTask, id).status)
			}
			h.clock.Advance(time.Hour)
			res = h.stateResult(testTask, id)
			assert.Equal(t, tc.task.FinalStatus, res["status"])
			assert.Equal(t, "finish", res["step"])
			assert.NotEmpty(t, res["end_time"])
			assert.Equal(t, tc.canonical, h.srv.Records(testTask)[0].Status, "RecordInfo keeps the canonical status")
		})
	}
}

func TestCustomStepsAndDuration(t *testing.T) {
	t.Parallel()
	sc := &Scenario{StepDuration: time.Second, Tasks: []ScenarioTask{
		{TaskID: testTask, Name: "checkout", Steps: []string{"A", "B", "C"}, Duration: 2 * time.Minute},
		{TaskID: "*", StepDuration: 3 * time.Second},
	}}
	h := newHarness(t, Options{Scenario: sc})
	id := h.startOK(testTask, "")
	other := strings.Repeat("ab", 16)
	otherID := h.startOK(other, "")

	h.clock.Advance(time.Hour)
	res := h.stateResult(testTask, id)
	assert.Equal(t, "checkout", res["task_name"])
	assert.Equal(t, []int64{40000, 40000, 40000}, elapsedOf(t, res))
	assert.Equal(t, []int64{3000, 3000, 3000, 3000}, elapsedOf(t, h.stateResult(other, otherID)))
}

func TestRunningStatusAndStringFields(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, RunningStatus: "pending", StringFields: true}}}
	h := newHarness(t, Options{Scenario: sc})
	id := h.startOK(testTask, "")
	h.clock.Advance(150 * time.Millisecond)

	res := h.stateResult(testTask, id)
	assert.Equal(t, "pending", res["status"])
	step := res["step_state"].([]any)[1].(map[string]any)
	log := h.srv.LogText(id)
	first := len(stepText(log, "Download package"))
	assert.Equal(t, map[string]any{
		"id": "2", "name": "Stop service", "enable": "true", "offset": strconv.Itoa(first),
		"current_offset": strconv.Itoa(first + len(stepText(log, "Stop service"))),
		"elapsed_time":   "50", "region": "cn-north-4", "faq_url": "",
	}, step)
	assert.Equal(t, "running", h.srv.Records(testTask)[0].Status)
}

func TestStop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	id := h.startOK(testTask, "")
	h.clock.Advance(150 * time.Millisecond)
	stopAt := h.clock.Now()

	got := h.stop(testTask, id)
	require.Equal(t, http.StatusOK, got.status, "%s", got.body)
	assert.Equal(t, map[string]any{"status": "success", "result": map[string]any{"id": id, "task_id": testTask}}, got.json(t))

	h.clock.Advance(time.Hour)
	res := h.stateResult(testTask, id)
	assert.Equal(t, "abort", res["status"])
	assert.Equal(t, "finish", res["step"])
	assert.Equal(t, []int64{100, 50, 0, 0}, elapsedOf(t, res), "time stops at the stop")

	recs := h.srv.Records(testTask)
	assert.True(t, recs[0].Stopped)
	assert.Equal(t, stopAt, recs[0].StoppedAt)
	assert.Equal(t, "abort", recs[0].Status)

	got = h.stop(testTask, id)
	assert.Equal(t, http.StatusBadRequest, got.status)
	assert.Equal(t, "Deploy.00011304", got.errorCode(t), "already final")

	// A new start is possible right away.
	h.startOK(testTask, "")
}

func TestSecondStartWhileRunning(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.startOK(testTask, "")

	got := h.start(testTask, "")
	assert.Equal(t, http.StatusBadRequest, got.status)
	assert.Equal(t, map[string]any{"error_code": "Deploy.00011027", "error_msg": "The application is being deployed. Try again later."}, got.json(t))
	assert.Equal(t, 1, h.srv.StartCount(testTask))
	assert.Len(t, h.srv.Running(), 1)

	h.clock.Advance(400 * time.Millisecond)
	h.startOK(testTask, "")
	assert.Equal(t, 2, h.srv.StartCount(testTask))
}

func TestLatestRecord(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})

	got := h.do(http.MethodGet, "/v2/tasks/"+testTask+"/state?step_state=true", "")
	assert.Equal(t, http.StatusNotFound, got.status)
	assert.Equal(t, "Deploy.00011303", got.errorCode(t), "no record yet")

	seeded := h.srv.SeedRecord(testTask, "succeeded", time.Hour)
	assert.Equal(t, seeded, h.stateResult(testTask, "")["record_id"])

	id := h.startOK(testTask, "")
	for _, path := range []string{"/state", "/state?record_id=", "/state?record_id=&step_state=true"} {
		got := h.do(http.MethodGet, "/v2/tasks/"+testTask+path, "")
		require.Equal(t, http.StatusOK, got.status, path)
		assert.Equal(t, id, got.json(t)["result"].(map[string]any)["record_id"], path)
	}
	// The older record can still be asked for by id.
	assert.Equal(t, "succeeded", h.stateResult(testTask, seeded)["status"])
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	id := h.startOK(testTask, "")
	other := strings.Repeat("1", 32)
	unknown := strings.Repeat("f", 32)

	tests := []struct {
		name       string
		got        reply
		wantStatus int
		wantCode   string
	}{
		{"state of unknown record", h.state(testTask, unknown), 404, "Deploy.00011303"},
		{"state of another task's record", h.state(other, id), 404, "Deploy.00011303"},
		{"stop of unknown record", h.stop(testTask, unknown), 404, "Deploy.00011303"},
		{"stop of another task's record", h.stop(other, id), 404, "Deploy.00011303"},
		{"start from unknown record", h.start(testTask, `{"record_id":"`+unknown+`"}`), 404, "Deploy.00011303"},
		{"malformed task id", h.start("abc", ""), 400, "DEV.CH.10001"},
		{"malformed task id on state", h.state("0123456789abcdef0123456789abcde!", id), 400, "DEV.CH.10001"},
		{"unknown path", h.do(http.MethodGet, "/v2/tasks/"+testTask+"/nothing", ""), 404, "APIGW.0101"},
		{"wrong method", h.do(http.MethodGet, "/v2/tasks/"+testTask+"/start", ""), 404, "APIGW.0101"},
		{"trailing slash", h.do(http.MethodPost, "/v2/tasks/"+testTask+"/start/", ""), 404, "APIGW.0101"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.wantStatus, tc.got.status, "%s", tc.got.body)
			assert.Equal(t, tc.wantCode, tc.got.errorCode(t))
		})
	}
	// The malformed id uses the other error shape.
	assert.Equal(t, map[string]any{"error": map[string]any{"code": "DEV.CH.10001", "message": "Param invalid"}, "status": "failed"},
		h.start("abc", "").json(t))
}

func TestStartValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 8193)
	tests := []struct {
		name     string
		body     string
		wantCode string // "" = accepted
		wantMsg  string
	}{
		{"empty body", "", "", ""},
		{"empty object", "{}", "", ""},
		{"all types", `{"params":[{"key":"a","value":"1","type":"text"},{"key":"b.c-d_e","value":"x","type":"host_group"},{"key":"s","value":"y","type":"encrypt"},{"key":"e","value":"z","type":"enum"}]}`, "", ""},
		{"max value", `{"params":[{"key":"a","value":"` + long[:8192] + `","type":"text"}]}`, "", ""},
		{"trigger source 1", `{"trigger_source":"1"}`, "", ""},
		{"bad key", `{"params":[{"key":"bad key","value":"1","type":"text"}]}`, "DEV.CH.10001", "params[0].key"},
		{"empty key", `{"params":[{"key":"","value":"1","type":"text"}]}`, "DEV.CH.10001", "params[0].key"},
		{"long key", `{"params":[{"key":"` + strings.Repeat("k", 129) + `","value":"1","type":"text"}]}`, "DEV.CH.10001", "params[0].key"},
		{"long value", `{"params":[{"key":"a","value":"` + long + `","type":"text"}]}`, "DEV.CH.10001", "params[0] (a)"},
		{"template braces", `{"params":[{"key":"ok","value":"1","type":"text"},{"key":"t","value":"{{ x }}","type":"text"}]}`, "DEV.CH.10001", "params[1] (t)"},
		{"template percent", `{"params":[{"key":"t","value":"{% x %}","type":"text"}]}`, "DEV.CH.10001", "params[0] (t)"},
		{"template hash", `{"params":[{"key":"t","value":"{# x #}","type":"text"}]}`, "DEV.CH.10001", "params[0] (t)"},
		{"unknown type", `{"params":[{"key":"t","value":"1","type":"secret"}]}`, "DEV.CH.10001", "text, host_group, encrypt, enum"},
		{"missing type", `{"params":[{"key":"t","value":"1"}]}`, "DEV.CH.10001", "params[0] (t)"},
		{"bad trigger source", `{"trigger_source":"2"}`, "DEV.CH.10001", "trigger_source"},
		{"not json", `{"params":`, "DEV.CH.10001", "JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			got := h.start(testTask, tc.body)
			if tc.wantCode == "" {
				assert.Equal(t, http.StatusOK, got.status, "%s", got.body)
				return
			}
			require.Equal(t, http.StatusBadRequest, got.status)
			m := got.json(t)
			assert.Equal(t, "failed", m["status"])
			e := m["error"].(map[string]any)
			assert.Equal(t, tc.wantCode, e["code"])
			assert.Contains(t, e["message"], tc.wantMsg)
			assert.Zero(t, h.srv.StartCount(testTask))
		})
	}
}

func TestRedeploy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		rollbackFails bool
		wantStatus    string
	}{
		{"rollback succeeds despite fail_at_step", false, "succeeded"},
		{"rollback_fails", true, "failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, FailAtStep: 3, RollbackFails: tc.rollbackFails}}}
			h := newHarness(t, Options{Scenario: sc})
			good := h.startOK(testTask, `{"params":[{"key":"version","value":"1.0","type":"text"},{"key":"env","value":"prod","type":"text"}]}`)
			h.clock.Advance(time.Second)
			assert.Equal(t, "failed", h.stateResult(testTask, good)["status"], "the scenario fails normal starts")

			id := h.startOK(testTask, `{"record_id":"`+good+`","params":[{"key":"version","value":"0.9","type":"text"}]}`)
			h.clock.Advance(time.Second)
			assert.Equal(t, tc.wantStatus, h.stateResult(testTask, id)["status"])

			recs := h.srv.Records(testTask)
			require.Len(t, recs, 2)
			assert.Equal(t, good, recs[1].FromRecordID)
			assert.Equal(t, []ParamInfo{{"version", "0.9", "text"}, {"env", "prod", "text"}}, recs[1].Params,
				"the earlier record's parameters, overridden by the request's")
		})
	}
}

func TestRefuseStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		refuse               RefuseStart
		wantStatus           int
		wantCode, wantPrefix string
	}{
		{"defaults", RefuseStart{}, 400, "Deploy.00011042", "A draft application"},
		{"forbidden", RefuseStart{Status: 403, Code: "Deploy.00011154", Message: "Insufficient permissions."}, 403, "Deploy.00011154", "Insufficient"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, RefuseStart: &tc.refuse}}}
			require.NoError(t, sc.Validate())
			h := newHarness(t, Options{Scenario: sc})
			got := h.start(testTask, "")
			assert.Equal(t, tc.wantStatus, got.status)
			m := got.json(t)
			assert.Equal(t, tc.wantCode, m["error_code"])
			assert.Contains(t, m["error_msg"], tc.wantPrefix)
			assert.Zero(t, h.srv.StartCount(testTask))
			assert.Equal(t, tc.wantCode, lastCall(t, h.srv).Code)
		})
	}
}
