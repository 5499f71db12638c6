package sim

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResponseHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	seen := map[string]bool{}
	for _, got := range []reply{
		h.start(testTask, ""),
		h.state(testTask, ""),
		h.do(http.MethodGet, "/nope", ""),
		h.send(must(http.NewRequest(http.MethodGet, h.ts.URL+"/v2/tasks/"+testTask+"/state", nil))),
	} {
		id := got.header.Get("X-Request-Id")
		assert.Regexp(t, hex32, id)
		assert.False(t, seen[id], "request ids are unique")
		seen[id] = true
		date, err := http.ParseTime(got.header.Get("Date"))
		require.NoError(t, err)
		assert.Equal(t, h.clock.Now(), date)
		assert.Equal(t, jsonContentType, got.header.Get("Content-Type"))
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestCallLog(t *testing.T) {
	t.Parallel()
	var log logLines
	h := newHarness(t, Options{Logf: log.Logf})
	first := h.start(testTask, `{"params":[{"key":"db_password","value":"hunter2","type":"encrypt"}]}`)
	id := first.json(t)["id"].(string)
	h.start(testTask, "")
	h.state(testTask, id)

	calls := h.srv.Calls()
	require.Len(t, calls, 3)
	assert.Equal(t, Call{Method: "POST", Path: "/v2/tasks/" + testTask + "/start", Status: 200,
		RequestID: first.header.Get("X-Request-Id"), At: h.clock.Now()}, calls[0])
	assert.Equal(t, "Deploy.00011027", calls[1].Code)
	assert.Equal(t, "record_id="+id+"&step_state=true", calls[2].Query)

	lines := log.All()
	require.Len(t, lines, 3)
	assert.Equal(t, "sim: POST /v2/tasks/"+testTask+"/start -> 400 Deploy.00011027", lines[1])
	for _, l := range lines {
		assert.NotContains(t, l, "hunter2")
		assert.NotContains(t, l, testSK)
	}
}

func TestFaultThrottle(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Faults: []Fault{{Op: "state", Kind: FaultThrottle, RetryAfter: 1500 * time.Millisecond, After: 1, Times: 1}}}
	require.NoError(t, sc.Validate())
	h := newHarness(t, Options{Scenario: sc})
	id := h.startOK(testTask, "")

	assert.Equal(t, http.StatusOK, h.state(testTask, id).status, "after: 1 lets the first through")
	got := h.state(testTask, id)
	require.Equal(t, http.StatusTooManyRequests, got.status)
	assert.Equal(t, "2", got.header.Get("Retry-After"), "whole seconds, rounded up")
	m := got.json(t)
	assert.Equal(t, "APIGW.0308", m["error_code"])
	assert.Contains(t, m["error_msg"], "policy user over ratelimit, limit:20, time:1 minute")
	assert.Equal(t, got.header.Get("X-Request-Id"), m["request_id"])
	assert.Equal(t, http.StatusOK, h.state(testTask, id).status, "times: 1")

	assert.Equal(t, []string{"", "", "throttle", ""}, callFaults(h.srv))
}

func TestFaultError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status   int
		wantCode string
	}{
		{500, "APIGW.0203"},
		{502, "APIGW.0202"},
		{503, "APIGW.0203"},
		{504, "APIGW.0201"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			t.Parallel()
			sc := &Scenario{Faults: []Fault{{Op: "start", Kind: FaultError, Status: tc.status, Times: 1}}}
			h := newHarness(t, Options{Scenario: sc})
			got := h.start(testTask, "")
			assert.Equal(t, tc.status, got.status)
			assert.Equal(t, tc.wantCode, got.errorCode(t))
			assert.Zero(t, h.srv.StartCount(testTask), "an error fault is not processed")
			assert.Equal(t, Call{Method: "POST", Path: "/v2/tasks/" + testTask + "/start", Status: tc.status, Code: tc.wantCode,
				RequestID: got.header.Get("X-Request-Id"), At: h.clock.Now(), Fault: "error"},
				lastCall(t, h.srv))
			h.startOK(testTask, "")
		})
	}
}

func TestFaultSequenceAndTaskFilter(t *testing.T) {
	t.Parallel()
	other := strings.Repeat("b", 32)
	sc := &Scenario{Faults: []Fault{
		{Op: "start", TaskID: other, Kind: FaultError, Status: 502},
		{Op: "start", Kind: FaultThrottle, Times: 1},
		{Op: "any", Kind: FaultError, Status: 504, Times: 1},
	}}
	require.NoError(t, sc.Validate())
	h := newHarness(t, Options{Scenario: sc})
	assert.Equal(t, 429, h.start(testTask, "").status, "first fault only for the other task")
	assert.Equal(t, 504, h.start(testTask, "").status, "requests taken earlier are not counted by later faults")
	assert.Equal(t, 200, h.start(testTask, "").status)
	assert.Equal(t, 502, h.start(other, "").status)
	assert.Equal(t, 502, h.start(other, "").status, "times: 0 is every request")
}

func TestFaultDrop(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Faults: []Fault{{Op: "start", Kind: FaultDrop, Times: 1}}}
	h := newHarness(t, Options{Scenario: sc})
	_, err := h.client.Do(h.newRequest(http.MethodPost, "/v2/tasks/"+testTask+"/start", ""))
	require.Error(t, err, "no answer")

	assert.Equal(t, 1, h.srv.StartCount(testTask), "the start was processed")
	require.Len(t, h.srv.Running(), 1)
	c := lastCall(t, h.srv)
	assert.Equal(t, "drop", c.Fault)
	assert.Equal(t, http.StatusOK, c.Status, "the status computed but not sent")

	// The client can find its record as the latest one.
	assert.Equal(t, h.srv.Running()[0].ID, h.stateResult(testTask, "")["record_id"])
}

func TestFaultSlow(t *testing.T) {
	t.Parallel()
	const delay = 30 * time.Millisecond
	sc := &Scenario{Faults: []Fault{{Op: "start", Kind: FaultSlow, Delay: delay}}}
	h := newHarness(t, Options{Scenario: sc})
	begin := time.Now()
	got := h.start(testTask, "")
	assert.GreaterOrEqual(t, time.Since(begin), delay)
	assert.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, "slow", lastCall(t, h.srv).Fault)
	assert.Equal(t, 1, h.srv.StartCount(testTask))
}

func TestFaultHang(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		delay         time.Duration
		clientTimeout time.Duration
	}{
		{"until the client gives up", 0, 50 * time.Millisecond},
		{"until the delay passes", 30 * time.Millisecond, 0},
		{"client gives up before the delay", time.Hour, 30 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := &Scenario{Faults: []Fault{{Op: "stop", Kind: FaultHang, Delay: tc.delay}}}
			h := newHarness(t, Options{Scenario: sc})
			id := h.startOK(testTask, "")

			ctx := t.Context()
			if tc.clientTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.clientTimeout)
				defer cancel()
			}
			req := h.newRequest(http.MethodPut, "/v2/tasks/"+testTask+"/records/"+id+"/stop", "").WithContext(ctx)
			_, err := h.client.Do(req)
			require.Error(t, err)

			// The handler returns once the client is gone (ts.Close in the
			// cleanup would block otherwise) and logs the call.
			require.Eventually(t, func() bool { return lastCall(t, h.srv).Fault == "hang" }, time.Second, 5*time.Millisecond)
			assert.Zero(t, lastCall(t, h.srv).Status)
			assert.Len(t, h.srv.Running(), 1, "a hung stop is not processed")
		})
	}
}

// TestConcurrentStarts: of many simultaneous starts exactly one deploys.
func TestConcurrentStarts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Go(func() {
			resp, err := h.client.Do(h.newRequest(http.MethodPost, "/v2/tasks/"+testTask+"/start", ""))
			if err == nil {
				statuses[i] = resp.StatusCode
				_ = resp.Body.Close()
			}
		})
	}
	wg.Wait()
	ok := 0
	for _, st := range statuses {
		if st == http.StatusOK {
			ok++
		} else {
			assert.Equal(t, http.StatusBadRequest, st)
		}
	}
	assert.Equal(t, 1, ok)
	assert.Equal(t, 1, h.srv.StartCount(testTask))
	assert.Len(t, h.srv.Calls(), 20)
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	assert.Equal(t, DefaultAccessKeyID, s.opts.AccessKeyID)
	assert.Equal(t, DefaultSecretAccessKey, s.opts.SecretAccessKey)
	assert.Equal(t, DefaultStepDuration, s.opts.StepDuration)
	assert.Equal(t, []time.Duration{DefaultStepDuration, DefaultStepDuration, DefaultStepDuration, DefaultStepDuration},
		s.shape(testTask).durations)
}

// TestFaultsOnNewOps: every operation of the log, ServiceStage and RTS
// APIs can be faulted by its op name, and an error fault is not processed.
func TestFaultsOnNewOps(t *testing.T) {
	t.Parallel()
	// A fresh slice per subtest: Validate fills in defaults in place, and
	// the subtests run in parallel.
	scenarioPlans := func() []ScenarioReleasePlan {
		return []ScenarioReleasePlan{
			{ID: "failed", Status: "FAILED", Components: []ScenarioPlanComponent{{Name: "a", Seq: 1, Fail: true}}},
			{ID: "running", Status: "RUNNING", Components: []ScenarioPlanComponent{{Name: "a", Seq: 1, Duration: time.Hour}}},
		}
	}
	tests := []struct {
		op, method, path string
		body             string
		processed        func(s *Server) int
	}{
		{"detail", http.MethodGet, "/v2/tasks/" + testTask, "", nil},
		{"logs", http.MethodGet, "", "", nil}, // path set below: needs a record
		{"app_detail", http.MethodGet, "/v1/applications/" + derivedID("app", testTask) + "/info", "", nil},
		{"plans", http.MethodGet, "/v3/" + testProject + "/cas/release-plans", "", nil},
		{"plan", http.MethodGet, planPath(testPlan, ""), "", nil},
		{"deploy_info", http.MethodGet, planPath(testPlan, "deploy-info"), "", nil},
		{"execute", http.MethodPost, planPath(testPlan, "execute"), "", func(s *Server) int { return s.PlanExecutions(testPlan) }},
		{"rollback", http.MethodPost, planPath("failed", "rollback"), "", func(s *Server) int { return s.PlanRollbacks("failed") }},
		{"abort", http.MethodPost, planPath("running", "abort"), "", func(s *Server) int { return s.PlanAborts("running") }},
		{"signal", http.MethodPut, deploymentPath(testDeployment), `{"status":"COMPLETE"}`, func(s *Server) int { return s.SignalCount(testDeployment) }},
		{"deployment", http.MethodGet, deploymentPath(testDeployment), "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			t.Parallel()
			sc := &Scenario{ReleasePlans: scenarioPlans(), Faults: []Fault{{Op: tc.op, Kind: FaultError, Status: 502, Times: 1}}}
			require.NoError(t, sc.Validate())
			h := newHarness(t, Options{Scenario: sc})
			path := tc.path
			if tc.op == "logs" {
				id := h.startOK(testTask, "")
				path = "/v1/applications/" + derivedID("app", testTask) + "/records/" + id + "/logs?offset=0&end_offset=4096"
			}
			if tc.op == "app_detail" {
				h.appID(testTask) // the simulator learns the application
			}
			got := h.do(tc.method, path, tc.body)
			assert.Equal(t, http.StatusBadGateway, got.status, "%s", got.body)
			assert.Equal(t, "APIGW.0202", got.errorCode(t))
			assert.Equal(t, "error", lastCall(t, h.srv).Fault)
			if tc.processed != nil {
				assert.Zero(t, tc.processed(h.srv), "an error fault is not processed")
			}
			got = h.do(tc.method, path, tc.body)
			assert.Equal(t, http.StatusOK, got.status, "%s", got.body)
			if tc.processed != nil {
				assert.Equal(t, 1, tc.processed(h.srv))
			}
		})
	}
}

func TestFaultDropExecuteAndLogsTaskFilter(t *testing.T) {
	t.Parallel()
	other := strings.Repeat("b", 32)
	sc := &Scenario{Faults: []Fault{
		{Op: "execute", Kind: FaultDrop, Times: 1},
		{Op: "logs", TaskID: other, Kind: FaultThrottle},
		{Op: "app_detail", TaskID: other, Kind: FaultThrottle},
	}}
	require.NoError(t, sc.Validate())
	h := newHarness(t, Options{Scenario: sc})

	_, err := h.client.Do(h.newRequest(http.MethodPost, planPath(testPlan, "execute"), ""))
	require.Error(t, err, "no answer")
	assert.Equal(t, 1, h.srv.PlanExecutions(testPlan), "the execution started all the same")
	assert.Equal(t, "RUNNING", h.srv.PlanStatus(testPlan))

	mine := h.startOK(testTask, "")
	theirs := h.startOK(other, "")
	logs := func(task, rec string) int {
		return h.do(http.MethodGet, "/v1/applications/"+derivedID("app", task)+"/records/"+rec+"/logs?offset=0&end_offset=4096", "").status
	}
	assert.Equal(t, http.StatusOK, logs(testTask, mine))
	assert.Equal(t, http.StatusTooManyRequests, logs(other, theirs), "the record's task matches")
	appDetail := func(task string) int {
		return h.do(http.MethodGet, "/v1/applications/"+derivedID("app", task)+"/info", "").status
	}
	assert.Equal(t, http.StatusOK, appDetail(testTask))
	assert.Equal(t, http.StatusTooManyRequests, appDetail(other), "the application's task matches")
}

// TestLenientScenario: a scenario built in Go that Validate would reject
// is served, not crashed on.
func TestLenientScenario(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, FailAtStep: 9, StepDuration: -time.Second, AlreadyRunning: -time.Second}}}
	h := newHarness(t, Options{Scenario: sc})
	id := h.startOK(testTask, "")
	h.clock.Advance(time.Second)
	assert.Equal(t, "failed", h.stateResult(testTask, id)["status"], "fails at the last step")
	assert.NotEmpty(t, h.srv.SeedRecord(testTask, "failed", time.Millisecond))
	assert.Equal(t, 9, sc.Tasks[0].FailAtStep, "the caller's scenario is not modified")
}

// TestLenientPlansAndDeployments: the same for release plans and software
// deployments.
func TestLenientPlansAndDeployments(t *testing.T) {
	t.Parallel()
	sc := &Scenario{
		ReleasePlans: []ScenarioReleasePlan{
			{ID: "odd", FailStrategy: "sideways", Status: "ABORTED", Components: []ScenarioPlanComponent{{Name: "a", Seq: 0, Duration: -time.Second}}},
			{ID: "empty", Status: "FAILED"},
			{ID: ""},
		},
		SoftwareDeployments: []ScenarioSoftwareDeployment{{ID: "x", Status: "WEIRD"}, {ID: ""}},
	}
	h := newHarness(t, Options{Scenario: sc})
	h.planOpOK("odd", "execute")
	assert.Equal(t, "RUNNING", h.srv.PlanStatus("odd"))
	h.clock.Advance(time.Second)
	assert.Equal(t, "SUCCESS", h.srv.PlanStatus("odd"), "seq and duration clamped to defaults")
	assert.Equal(t, "CREATED", h.srv.PlanStatus("empty"))
	h.planOpOK("empty", "execute")
	assert.Equal(t, "SUCCESS", h.srv.PlanStatus("empty"), "a plan without components ends at once")
	assert.Empty(t, h.components("empty"))
	assert.Equal(t, "WEIRD", swResult(t, h.do(http.MethodGet, deploymentPath("x"), ""))["status"])
	assert.Equal(t, "sideways", sc.ReleasePlans[0].FailStrategy, "the caller's scenario is not modified")
}
