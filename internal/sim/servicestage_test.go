package sim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	testPlan    = "716eda33-dbc6-47f3-953f-29119edd5e5c"
	// t0 is the harness clock's start in epoch milliseconds.
	t0 = int64(1752032188000)
)

func planPath(id, suffix string) string {
	p := "/v3/" + testProject + "/cas/release-plans/" + id
	if suffix != "" {
		p += "/" + suffix
	}
	return p
}

// doProject sends a request that names its project in X-Project-Id, signed
// the way the SDK signs it.
func (h *harness) doProject(method, path, project string) reply {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, nil)
	require.NoError(h.t, err)
	req.Header.Set("X-Project-Id", project)
	req.Header.Set("Content-Type", "application/json")
	testSign(req, testAK, testSK, h.clock.Now(), nil, []string{"host", "x-project-id", "x-sdk-date"})
	return h.send(req)
}

func (h *harness) planOp(id, op string) reply {
	h.t.Helper()
	return h.do(http.MethodPost, planPath(id, op), "")
}

func (h *harness) planOpOK(id, op string) {
	h.t.Helper()
	got := h.planOp(id, op)
	require.Equal(h.t, http.StatusOK, got.status, "%s: %s", op, got.body)
	assert.Equal(h.t, "{}", string(got.body))
}

// components returns deploy-info's components by name.
func (h *harness) components(id string) map[string]map[string]any {
	h.t.Helper()
	got := h.do(http.MethodGet, planPath(id, "deploy-info"), "")
	require.Equal(h.t, http.StatusOK, got.status, "%s", got.body)
	m := got.json(h.t)
	require.Equal(h.t, id, m["id"])
	out := map[string]map[string]any{}
	for _, c := range m["components"].([]any) {
		cm := c.(map[string]any)
		out[cm["name"].(string)] = cm
	}
	return out
}

// statuses returns each component's status, job_status and
// rollback_job_status (nil when null) in one string per component.
func (h *harness) statuses(id string) map[string]string {
	h.t.Helper()
	out := map[string]string{}
	for name, c := range h.components(id) {
		s := c["status"].(string)
		for _, k := range []string{"job_status", "rollback_job_status"} {
			if v, ok := c[k].(string); ok {
				s += " " + v
			} else {
				s += " -"
			}
		}
		out[name] = s
	}
	return out
}

func TestDefaultPlanLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{}) // components take 3 × 100ms

	show := h.do(http.MethodGet, planPath(testPlan, ""), "")
	require.Equal(t, http.StatusOK, show.status, "%s", show.body)
	m := show.json(t)
	assert.Equal(t, testPlan, m["id"])
	assert.Equal(t, "release-plan-716eda33", m["name"])
	assert.Equal(t, "deploy", m["action"])
	assert.Equal(t, "CREATED", m["status"])
	assert.Equal(t, "stop", m["fail_strategy"])
	require.Len(t, m["components"], 3)
	assert.Equal(t, map[string]any{"id": m["components"].([]any)[0].(map[string]any)["id"], "name": "api", "seq": float64(1), "version": "1.0.0", "status": "CREATED"},
		m["components"].([]any)[0])

	// Before any execution: no jobs.
	api := h.components(testPlan)["api"]
	assert.Nil(t, api["job_id"])
	assert.Nil(t, api["job_status"])
	assert.Equal(t, "CREATED", api["status"])

	h.planOpOK(testPlan, "execute")
	assert.Equal(t, 1, h.srv.PlanExecutions(testPlan))
	tests := []struct {
		advance  time.Duration
		wantPlan string
		want     map[string]string
	}{
		{0, "RUNNING", map[string]string{"api": "RUNNING RUNNING -", "web": "RUNNING RUNNING -", "worker": "CREATED CREATED -"}},
		{299 * time.Millisecond, "RUNNING", map[string]string{"api": "RUNNING RUNNING -", "web": "RUNNING RUNNING -", "worker": "CREATED CREATED -"}},
		{time.Millisecond, "RUNNING", map[string]string{"api": "SUCCESS SUCCEEDED -", "web": "SUCCESS SUCCEEDED -", "worker": "RUNNING RUNNING -"}},
		{300 * time.Millisecond, "SUCCESS", map[string]string{"api": "SUCCESS SUCCEEDED -", "web": "SUCCESS SUCCEEDED -", "worker": "SUCCESS SUCCEEDED -"}},
		{time.Hour, "SUCCESS", map[string]string{"api": "SUCCESS SUCCEEDED -", "web": "SUCCESS SUCCEEDED -", "worker": "SUCCESS SUCCEEDED -"}},
	}
	for i, tc := range tests {
		h.clock.Advance(tc.advance)
		assert.Equal(t, tc.want, h.statuses(testPlan), "poll %d", i)
		assert.Equal(t, tc.wantPlan, h.srv.PlanStatus(testPlan), "poll %d", i)
		assert.Equal(t, tc.wantPlan, h.do(http.MethodGet, planPath(testPlan, ""), "").json(t)["status"], "poll %d", i)
	}

	// The exact shape of the API notes' example.
	comps := h.components(testPlan)
	worker := comps["worker"]
	assert.Regexp(t, `^JOB[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, worker["job_id"])
	assert.Regexp(t, uuidRE, worker["id"])
	assert.Equal(t, map[string]any{
		"job_id": worker["job_id"], "status": "SUCCESS", "job_status": "SUCCEEDED", "name": "worker",
		"id": worker["id"], "seq": float64(2), "version": "1.0.0",
		"rollback_job_id": nil, "start_time": float64(t0 + 300), "end_time": float64(t0 + 600),
		"rollback_job_status": nil, "rollback_start_time": float64(0), "rollback_end_time": float64(0),
		"fail_message": nil, "rollback_fail_message": nil,
	}, worker)
	assert.Equal(t, float64(t0), comps["api"]["start_time"])
	assert.NotEqual(t, comps["api"]["job_id"], comps["web"]["job_id"])

	// Executing a finished plan runs it again, with new jobs.
	h.planOpOK(testPlan, "execute")
	again := h.components(testPlan)
	assert.Equal(t, "RUNNING", again["api"]["status"])
	assert.NotEqual(t, comps["api"]["job_id"], again["api"]["job_id"])
	assert.Equal(t, comps["api"]["id"], again["api"]["id"], "the component is the same")
	assert.Equal(t, 2, h.srv.PlanExecutions(testPlan))
}

func TestPlanFailStrategies(t *testing.T) {
	t.Parallel()
	comps := func(failA, failB, failC bool) []ScenarioPlanComponent {
		return []ScenarioPlanComponent{
			{Name: "a", Seq: 1, Duration: 100 * time.Millisecond, Fail: failA, FailMessage: msgIf(failA, "a broke")},
			{Name: "b", Seq: 1, Duration: 200 * time.Millisecond, Fail: failB},
			{Name: "c", Seq: 2, Duration: 100 * time.Millisecond, Fail: failC},
		}
	}
	tests := []struct {
		name           string
		strategy       string
		comps          []ScenarioPlanComponent
		wantMid        map[string]string // at 250ms
		wantEnd        map[string]string
		wantPlan       string
		wantFailFields bool
	}{
		{
			"stop: later batches never start", "stop", comps(true, false, false),
			map[string]string{"a": "FAILED FAILED -", "b": "SUCCESS SUCCEEDED -", "c": "CREATED CREATED -"},
			map[string]string{"a": "FAILED FAILED -", "b": "SUCCESS SUCCEEDED -", "c": "CREATED CREATED -"},
			"FAILED", true,
		},
		{
			"continue: later batches run", "continue", comps(true, false, false),
			map[string]string{"a": "FAILED FAILED -", "b": "SUCCESS SUCCEEDED -", "c": "RUNNING RUNNING -"},
			map[string]string{"a": "FAILED FAILED -", "b": "SUCCESS SUCCEEDED -", "c": "SUCCESS SUCCEEDED -"},
			"PARTIALLY_FAILED", true,
		},
		{
			"continue: all failed", "continue", comps(true, true, true),
			map[string]string{"a": "FAILED FAILED -", "b": "FAILED FAILED -", "c": "RUNNING RUNNING -"},
			map[string]string{"a": "FAILED FAILED -", "b": "FAILED FAILED -", "c": "FAILED FAILED -"},
			"FAILED", true,
		},
		{
			"stop: failure in the last batch", "stop", comps(false, false, true),
			map[string]string{"a": "SUCCESS SUCCEEDED -", "b": "SUCCESS SUCCEEDED -", "c": "RUNNING RUNNING -"},
			map[string]string{"a": "SUCCESS SUCCEEDED -", "b": "SUCCESS SUCCEEDED -", "c": "FAILED FAILED -"},
			"FAILED", false,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := &Scenario{ReleasePlans: []ScenarioReleasePlan{{ID: testPlan, FailStrategy: tc.strategy, Components: tc.comps}}}
			require.NoError(t, sc.Validate())
			h := newHarness(t, Options{Scenario: sc})
			h.planOpOK(testPlan, "execute")

			h.clock.Advance(150 * time.Millisecond)
			assert.Equal(t, "RUNNING", h.srv.PlanStatus(testPlan), "b still runs, so the batch is not over")
			assert.Equal(t, "CREATED", h.components(testPlan)["c"]["status"])

			h.clock.Advance(100 * time.Millisecond)
			assert.Equal(t, tc.wantMid, h.statuses(testPlan))
			h.clock.Advance(time.Hour)
			assert.Equal(t, tc.wantEnd, h.statuses(testPlan))
			assert.Equal(t, tc.wantPlan, h.srv.PlanStatus(testPlan))

			a := h.components(testPlan)["a"]
			if tc.wantFailFields {
				assert.Equal(t, "a broke", a["fail_message"])
				assert.Equal(t, float64(t0+100), a["end_time"])
			}
			c := h.components(testPlan)["c"]
			if c["status"] == "CREATED" {
				assert.Equal(t, float64(0), c["start_time"])
				assert.Equal(t, float64(0), c["end_time"])
			} else {
				assert.Equal(t, float64(t0+200), c["start_time"], "batch 2 starts when b, the longest of batch 1, ends")
			}
		})
	}
}

func msgIf(cond bool, msg string) string {
	if cond {
		return msg
	}
	return ""
}

func TestPlanRollback(t *testing.T) {
	t.Parallel()
	sc := &Scenario{ReleasePlans: []ScenarioReleasePlan{{ID: "rp-1", FailStrategy: "stop", Components: []ScenarioPlanComponent{
		{Name: "a", Seq: 1, Duration: 100 * time.Millisecond},
		{Name: "b", Seq: 1, Duration: 200 * time.Millisecond, Fail: true, RollbackFails: true},
		{Name: "c", Seq: 2, Duration: 100 * time.Millisecond},
	}}}}
	require.NoError(t, sc.Validate())
	h := newHarness(t, Options{Scenario: sc})

	for _, tc := range []struct{ when, wantIn string }{{"before any execution", "status CREATED"}, {"while running", "release plan is running"}} {
		got := h.planOp("rp-1", "rollback")
		assert.Equal(t, http.StatusBadRequest, got.status, tc.when)
		assert.Equal(t, "SVCSTG.00100400", got.errorCode(t), tc.when)
		assert.Contains(t, got.json(t)["error_msg"], tc.wantIn, tc.when)
		if tc.when == "before any execution" {
			h.planOpOK("rp-1", "execute")
		}
	}
	h.clock.Advance(time.Second)
	require.Equal(t, "FAILED", h.srv.PlanStatus("rp-1"))
	rollbackAt := h.clock.Now().UnixMilli()
	h.planOpOK("rp-1", "rollback")
	assert.Equal(t, 1, h.srv.PlanRollbacks("rp-1"))

	// Components that ran roll back together; c never ran.
	assert.Equal(t, map[string]string{"a": "SUCCESS SUCCEEDED RUNNING", "b": "FAILED FAILED RUNNING", "c": "CREATED CREATED -"}, h.statuses("rp-1"))
	assert.Equal(t, "RUNNING", h.srv.PlanStatus("rp-1"))
	assert.Equal(t, "release plan is running", h.planOp("rp-1", "execute").json(t)["error_msg"], "a rollback is running")
	got := h.planOp("rp-1", "abort")
	assert.Equal(t, http.StatusBadRequest, got.status)
	assert.Contains(t, got.json(t)["error_msg"], "rollback cannot be aborted")

	h.clock.Advance(100 * time.Millisecond)
	assert.Equal(t, map[string]string{"a": "ROLLBACK_SUCCEED SUCCEEDED SUCCEEDED", "b": "FAILED FAILED RUNNING", "c": "CREATED CREATED -"}, h.statuses("rp-1"))
	h.clock.Advance(100 * time.Millisecond)
	assert.Equal(t, map[string]string{"a": "ROLLBACK_SUCCEED SUCCEEDED SUCCEEDED", "b": "ROLLBACK_FAILED FAILED FAILED", "c": "CREATED CREATED -"}, h.statuses("rp-1"))
	assert.Equal(t, "ROLLBACK_FAILED", h.srv.PlanStatus("rp-1"))

	comps := h.components("rp-1")
	a, b, c := comps["a"], comps["b"], comps["c"]
	assert.Regexp(t, `^JOB`, a["rollback_job_id"])
	assert.NotEqual(t, a["job_id"], a["rollback_job_id"])
	assert.Equal(t, float64(rollbackAt), a["rollback_start_time"])
	assert.Equal(t, float64(rollbackAt+100), a["rollback_end_time"])
	assert.Nil(t, a["rollback_fail_message"])
	assert.Equal(t, float64(rollbackAt+200), b["rollback_end_time"], "the component's duration again")
	assert.Contains(t, b["rollback_fail_message"], "component b")
	assert.Contains(t, b["fail_message"], "component b", "a default fail message")
	assert.Nil(t, c["rollback_job_id"])
	assert.Equal(t, float64(0), c["rollback_start_time"])

	got = h.planOp("rp-1", "rollback")
	assert.Equal(t, http.StatusBadRequest, got.status)
	assert.Contains(t, got.json(t)["error_msg"], "status ROLLBACK_FAILED")
	assert.Equal(t, 1, h.srv.PlanRollbacks("rp-1"))
}

func TestPlanRollbackSucceeds(t *testing.T) {
	t.Parallel()
	sc := &Scenario{ReleasePlans: []ScenarioReleasePlan{{ID: testPlan, FailStrategy: "continue", Components: []ScenarioPlanComponent{
		{Name: "a", Seq: 1, Fail: true}, {Name: "b", Seq: 2},
	}}}}
	require.NoError(t, sc.Validate())
	h := newHarness(t, Options{Scenario: sc})
	h.planOpOK(testPlan, "execute")
	h.clock.Advance(time.Second)
	require.Equal(t, "PARTIALLY_FAILED", h.srv.PlanStatus(testPlan))
	h.planOpOK(testPlan, "rollback")
	h.clock.Advance(time.Second)
	assert.Equal(t, "ROLLBACK_SUCCEED", h.srv.PlanStatus(testPlan))
	assert.Equal(t, map[string]string{"a": "ROLLBACK_SUCCEED FAILED SUCCEEDED", "b": "ROLLBACK_SUCCEED SUCCEEDED SUCCEEDED"}, h.statuses(testPlan))

	// A rolled-back plan can be executed again; the new execution has no
	// rollback.
	h.planOpOK(testPlan, "execute")
	assert.Equal(t, map[string]string{"a": "RUNNING RUNNING -", "b": "CREATED CREATED -"}, h.statuses(testPlan))
}

func TestPlanAbort(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})

	got := h.planOp(testPlan, "abort")
	assert.Equal(t, http.StatusBadRequest, got.status)
	assert.Contains(t, got.json(t)["error_msg"], "not running (status CREATED)")

	h.planOpOK(testPlan, "execute")
	h.clock.Advance(100 * time.Millisecond)
	abortAt := h.clock.Now().UnixMilli()
	h.planOpOK(testPlan, "abort")
	assert.Equal(t, 1, h.srv.PlanAborts(testPlan))

	h.clock.Advance(time.Hour)
	assert.Equal(t, "ABORTED", h.srv.PlanStatus(testPlan))
	assert.Equal(t, map[string]string{"api": "ABORTED FAILED -", "web": "ABORTED FAILED -", "worker": "CREATED CREATED -"}, h.statuses(testPlan),
		"running components are aborted; those not started stay CREATED")
	api := h.components(testPlan)["api"]
	assert.Equal(t, float64(abortAt), api["end_time"])
	assert.Equal(t, "The release plan was aborted.", api["fail_message"])

	for _, op := range []string{"abort", "rollback"} {
		got := h.planOp(testPlan, op)
		assert.Equal(t, http.StatusBadRequest, got.status, op)
		assert.Equal(t, "SVCSTG.00100400", got.errorCode(t), op)
	}
	assert.Equal(t, 1, h.srv.PlanAborts(testPlan))
	assert.Zero(t, h.srv.PlanRollbacks(testPlan))

	h.planOpOK(testPlan, "execute")
	assert.Equal(t, "RUNNING", h.srv.PlanStatus(testPlan))
	assert.Equal(t, 2, h.srv.PlanExecutions(testPlan))
}

func TestPlanExecuteErrors(t *testing.T) {
	t.Parallel()
	sc := &Scenario{ReleasePlans: []ScenarioReleasePlan{
		{ID: "refused", Components: []ScenarioPlanComponent{{Name: "a", Seq: 1}}, ExecuteRefuse: &ExecuteRefuse{Status: 403, Code: "SVCSTG.00100401", Message: "no permission"}},
		{ID: "defaults", Components: []ScenarioPlanComponent{{Name: "a", Seq: 1}}, ExecuteRefuse: &ExecuteRefuse{}},
	}}
	require.NoError(t, sc.Validate())
	h := newHarness(t, Options{Scenario: sc})

	got := h.planOp("refused", "execute")
	assert.Equal(t, http.StatusForbidden, got.status)
	assert.Equal(t, map[string]any{"error_code": "SVCSTG.00100401", "error_msg": "no permission"}, got.json(t))
	got = h.planOp("defaults", "execute")
	assert.Equal(t, http.StatusBadRequest, got.status)
	assert.Equal(t, map[string]any{"error_code": "SVCSTG.00100400", "error_msg": "The release plan cannot be executed."}, got.json(t))
	assert.Zero(t, h.srv.PlanExecutions("refused"))
	assert.Equal(t, "SVCSTG.00100400", lastCall(t, h.srv).Code)

	h.planOpOK(testPlan, "execute")
	got = h.planOp(testPlan, "execute")
	assert.Equal(t, http.StatusBadRequest, got.status)
	assert.Equal(t, map[string]any{"error_code": "SVCSTG.00100400", "error_msg": "release plan is running"}, got.json(t))
	assert.Equal(t, 1, h.srv.PlanExecutions(testPlan))
}

func TestPlanSeqAsString(t *testing.T) {
	t.Parallel()
	sc := &Scenario{ReleasePlans: []ScenarioReleasePlan{{ID: testPlan, SeqAsString: true, Components: []ScenarioPlanComponent{
		{Name: "db", Seq: 1}, {Name: "app", Seq: 2},
	}}}}
	h := newHarness(t, Options{Scenario: sc})
	comps := h.components(testPlan)
	assert.Equal(t, "1", comps["db"]["seq"])
	assert.Equal(t, "2", comps["app"]["seq"])
	show := h.do(http.MethodGet, planPath(testPlan, ""), "").json(t)
	assert.Equal(t, "2", show["components"].([]any)[1].(map[string]any)["seq"])
}

func TestPlanNotFoundAndProject(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	tests := []struct {
		name       string
		got        reply
		wantStatus int
		wantBody   map[string]any
	}{
		{"not a UUID", h.do(http.MethodGet, planPath("my-plan", "deploy-info"), ""), 404,
			map[string]any{"error_code": "SVCSTG.00100433", "error_msg": "Release task not found"}},
		{"execute of an unknown id", h.planOp("716eda33", "execute"), 404,
			map[string]any{"error_code": "SVCSTG.00100433", "error_msg": "Release task not found"}},
		{"short project id", h.do(http.MethodGet, "/v3/abc/cas/release-plans/"+testPlan, ""), 400,
			map[string]any{"error_code": "SVCSTG.00100400", "error_msg": "Invalid parameter: project_id in the path must be 32 letters/digits"}},
		{"project id on list", h.do(http.MethodGet, "/v3/"+strings.Repeat("-", 32)+"/cas/release-plans", ""), 400,
			map[string]any{"error_code": "SVCSTG.00100400", "error_msg": "Invalid parameter: project_id in the path must be 32 letters/digits"}},
		{"X-Project-Id differs", h.doProject(http.MethodGet, planPath(testPlan, "deploy-info"), strings.Repeat("9", 32)), 400,
			map[string]any{"error_code": "SVCSTG.00100400", "error_msg": "Invalid parameter: project_id in the path does not match the X-Project-Id header"}},
		{"X-Project-Id agrees", h.doProject(http.MethodGet, planPath(testPlan, "deploy-info"), testProject), 200, nil},
		{"wrong method", h.do(http.MethodGet, planPath(testPlan, "execute"), ""), 404,
			nil},
		{"GET without Content-Type", h.doWithout(http.MethodGet, planPath(testPlan, "deploy-info"), "Content-Type"), 400,
			map[string]any{"error_code": "SVCSTG.00100400", "error_msg": "Invalid parameter: the Content-Type header must be application/json"}},
		{"execute without Content-Type", h.doWithout(http.MethodPost, planPath(testPlan, "execute"), "Content-Type"), 400, nil},
		{"charset is fine", h.doWith(http.MethodGet, planPath(testPlan, "deploy-info"), "Content-Type", "application/json;charset=utf8"), 200, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.wantStatus, tc.got.status, "%s", tc.got.body)
			if tc.wantBody != nil {
				assert.Equal(t, tc.wantBody, tc.got.json(t))
			}
		})
	}
	assert.Equal(t, "", h.srv.PlanStatus("my-plan"))
	assert.Zero(t, h.srv.PlanExecutions("716eda33"))
	assert.Zero(t, h.srv.PlanExecutions(testPlan), "an execute without Content-Type did nothing")
}

func TestPlanList(t *testing.T) {
	t.Parallel()
	sc := &Scenario{ReleasePlans: []ScenarioReleasePlan{
		{ID: "rp-b", Name: "billing", Components: []ScenarioPlanComponent{{Name: "a", Seq: 1}}},
		{ID: "rp-a", Components: []ScenarioPlanComponent{{Name: "a", Seq: 1}}},
	}}
	h := newHarness(t, Options{Scenario: sc})
	h.clock.Advance(time.Second)
	h.planOpOK(testPlan, "execute") // a default plan is listed once touched

	got := h.do(http.MethodGet, "/v3/"+testProject+"/cas/release-plans", "")
	require.Equal(t, http.StatusOK, got.status, "%s", got.body)
	m := got.json(t)
	assert.Equal(t, float64(3), m["count"])
	plans := m["release_plans"].([]any)
	require.Len(t, plans, 3)
	assert.Equal(t, map[string]any{"id": "rp-b", "name": "billing", "action": "deploy", "status": "CREATED",
		"create_time": float64(t0), "execute_time": float64(0), "creator": "sim_user"}, plans[0])
	assert.Equal(t, "release-plan-rp-a", plans[1].(map[string]any)["name"])
	assert.Equal(t, map[string]any{"id": testPlan, "name": "release-plan-716eda33", "action": "deploy", "status": "RUNNING",
		"create_time": float64(t0 + 1000), "execute_time": float64(t0 + 1000), "creator": "sim_user"}, plans[2])

	empty := newHarness(t, Options{}).do(http.MethodGet, "/v3/"+testProject+"/cas/release-plans", "")
	assert.JSONEq(t, `{"count":0,"release_plans":[]}`, string(empty.body))
}

func TestPlanInitialStatus(t *testing.T) {
	t.Parallel()
	comps := []ScenarioPlanComponent{{Name: "a", Seq: 1, Duration: time.Second, Fail: true}, {Name: "b", Seq: 2, Duration: time.Second}}
	sc := &Scenario{ReleasePlans: []ScenarioReleasePlan{
		{ID: "running", Status: "RUNNING", FailStrategy: "continue", Components: comps},
		{ID: "failed", Status: "FAILED", Components: comps},
	}}
	require.NoError(t, sc.Validate())
	h := newHarness(t, Options{Scenario: sc})

	// Someone else's execution runs from server start.
	assert.Equal(t, "RUNNING", h.srv.PlanStatus("running"))
	assert.Equal(t, "release plan is running", h.planOp("running", "execute").json(t)["error_msg"])
	h.clock.Advance(2 * time.Second)
	assert.Equal(t, "PARTIALLY_FAILED", h.srv.PlanStatus("running"))
	assert.Zero(t, h.srv.PlanExecutions("running"), "the seeded execution is not the client's")

	// A plan that already failed can be rolled back right away.
	assert.Equal(t, "FAILED", h.srv.PlanStatus("failed"))
	a := h.components("failed")["a"]
	assert.Equal(t, "FAILED", a["status"])
	assert.Equal(t, float64(t0), a["end_time"], "the execution ended at server start")
	h.planOpOK("failed", "rollback")
	h.clock.Advance(time.Second)
	assert.Equal(t, "ROLLBACK_SUCCEED", h.srv.PlanStatus("failed"))
}
