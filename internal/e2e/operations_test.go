package e2e

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// End-to-end tests of the stop and release-plan operations through the
// built binary (signal_test.go has the signal operation's).

const planOK = "716eda33-dbc6-47f3-953f-29119edd5e5c"

// planInputs execute the release plan planOK.
var planInputs = map[string]string{"operation": "release-plan", "release_plan_id": planOK, "execute": "true"}

// pathCalls returns the simulator's calls whose path ends with suffix.
func pathCalls(srv *sim.Server, method, suffix string) []sim.Call {
	var out []sim.Call
	for _, c := range srv.Calls() {
		if c.Method == method && strings.HasSuffix(c.Path, suffix) {
			out = append(out, c)
		}
	}
	return out
}

// ---- stop ----

func TestStopRunningRecord(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, runningTask)
	running := srv.Running()
	require.Len(t, running, 1)
	rec := running[0].ID
	s := newStep(t, url, map[string]string{"operation": "stop", "task_id": taskOK, "record_id": rec})
	code := s.run()
	stdout := s.stdout.String()
	require.Equal(t, 0, code, stdout)
	assert.Empty(t, srv.Running())
	recs := srv.Records(taskOK)
	require.Len(t, recs, 1)
	assert.True(t, recs[0].Stopped)
	assert.Zero(t, srv.StartCount(taskOK), "a stop never starts anything")

	out := s.outputs()
	assert.Equal(t, "stopped", out["status"])
	assert.Equal(t, rec, out["record_id"])
	var result struct {
		Status string
		Result struct{ ID string }
	}
	require.NoError(t, json.Unmarshal([]byte(out["result"]), &result), out["result"])
	assert.Equal(t, rec, result.Result.ID)
	assert.Empty(t, annotations(stdout, "error"))
	assert.Contains(t, s.summary(), "Deployment record stopped")
	assert.Empty(t, s.state()["record_id"], "the post step must not act on a stop's record")
	assertNoSecrets(t, s)
}

func TestStopFinishedRecord(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"succeeded", "failed"} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			srv, url := simulator(t, "")
			rec := srv.SeedRecord(taskOK, status, time.Hour)
			s := newStep(t, url, map[string]string{"operation": "stop", "task_id": taskOK, "record_id": rec})
			code := s.run()
			stdout := s.stdout.String()
			require.Equal(t, 0, code, "a record that already ended is not an error:\n%s", stdout)
			assert.Empty(t, pathCalls(srv, "PUT", "/stop"), "nothing to stop")
			out := s.outputs()
			assert.Equal(t, status, out["status"])
			assert.Equal(t, rec, out["record_id"])
			assert.Contains(t, out["result"], `"status":"`+status+`"`)
			notices := annotations(stdout, "notice")
			require.Len(t, notices, 1, stdout)
			assert.Contains(t, notices[0], "had already ended with status "+status)
			assert.Contains(t, s.summary(), "had already ended")
		})
	}
}

func TestStopUnknownRecord(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	const missing = "ffffffffffffffffffffffffffffffff"
	s := newStep(t, url, map[string]string{"operation": "stop", "task_id": taskOK, "record_id": missing})
	require.Equal(t, 1, s.run())
	err := oneError(t, s)
	assert.Contains(t, err, "title=No such deployment record")
	assert.Contains(t, err, "Deploy.00011303")
	assert.Contains(t, err, missing)
	calls := srv.Calls()
	require.NotEmpty(t, calls)
	assert.Contains(t, err, "request id "+calls[0].RequestID)
	assert.Empty(t, pathCalls(srv, "PUT", "/stop"))
	assert.Equal(t, "failed", s.outputs()["status"])
}

func TestStopBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	badInputSendsNothing(t, newStep, map[string]string{"operation": "stop", "task_id": "not-a-task"}, "task_id", "record_id: required for operation stop")
}

func TestStopThroughFaults(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, runningTask+`faults:
  - {op: state, kind: throttle, retry_after: 1s, times: 1}
  - {op: stop, kind: error, status: 503, times: 1}
  - {op: stop, kind: error, status: 504, times: 1}
`)
	rec := srv.Running()[0].ID
	s := newStep(t, url, map[string]string{"operation": "stop", "task_id": taskOK, "record_id": rec})
	require.Equal(t, 0, s.run(), s.stdout.String())
	assert.Equal(t, "stopped", s.outputs()["status"])
	assert.Len(t, pathCalls(srv, "PUT", "/stop"), 3, "a stop is retried through 5xx")
	assert.True(t, srv.Records(taskOK)[0].Stopped)
	assert.Contains(t, s.stdout.String(), "APIGW.0308")
}

// ---- release-plan ----

// planWith is a scenario of the release plan planOK with components
// (YAML flow mappings).
func planWith(components ...string) string {
	return "release_plans:\n  - id: " + planOK + "\n    components:\n      - " + strings.Join(components, "\n      - ") + "\n"
}

// longSinglePlan is the release plan planOK with one component, which
// runs for 5 minutes.
var longSinglePlan = planWith("{name: api, seq: 1, duration: 5m}")

// planStep is a step executing the release plan planOK, with inputs on
// top.
func planStep(t *testing.T, url string, inputs map[string]string) *step {
	t.Helper()
	return newStep(t, url, merge(planInputs, inputs))
}

func TestReleasePlanSucceeds(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, `
release_plans:
  - id: `+planOK+`
    name: checkout-release
    seq_as_string: true
    components:
      - {name: api, seq: 1, version: 1.4.2}
      - {name: web, seq: 1, version: 1.4.2}
      - {name: worker, seq: 2, version: 1.4.2}
`)
	s := planStep(t, url, nil)
	code := s.run()
	stdout := s.stdout.String()
	require.Equal(t, 0, code, stdout)
	assert.Equal(t, 1, srv.PlanExecutions(planOK))
	assert.Equal(t, "SUCCESS", srv.PlanStatus(planOK))

	out := s.outputs()
	assert.Equal(t, "succeeded", out["status"])
	var comps []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out["components"]), &comps), out["components"])
	require.Len(t, comps, 3)
	for i, name := range []string{"api", "web", "worker"} {
		assert.Equal(t, name, comps[i]["name"])
		assert.Equal(t, "SUCCESS", comps[i]["status"])
		assert.Equal(t, "SUCCEEDED", comps[i]["job_status"])
		assert.Equal(t, "1.4.2", comps[i]["version"])
		for _, k := range []string{"id", "seq", "fail_message", "rollback_job_status"} {
			assert.Contains(t, comps[i], k)
		}
	}
	assert.Equal(t, float64(2), comps[2]["seq"], "seq is a number in the output, even when the service sends a string")
	started, err := time.Parse(time.RFC3339, out["started_at"])
	require.NoError(t, err)
	finished, err := time.Parse(time.RFC3339, out["finished_at"])
	require.NoError(t, err)
	assert.False(t, finished.Before(started))
	assert.Contains(t, []string{"0", "1", "2"}, out["duration_seconds"])
	var result struct {
		ID         string
		Components []any
	}
	require.NoError(t, json.Unmarshal([]byte(out["result"]), &result))
	assert.Equal(t, planOK, result.ID)
	assert.Len(t, result.Components, 3)

	assert.Contains(t, stdout, "::group::✓ Batch 1 (2 components)")
	assert.Contains(t, stdout, "::group::✓ Batch 2 (1 component)")
	assert.Equal(t, strings.Count(stdout, "::group::"), strings.Count(stdout, "::endgroup::"))
	assert.Empty(t, annotations(stdout, "error"))
	sum := s.summary()
	assert.Contains(t, sum, "Release plan succeeded: checkout-release")
	assert.Contains(t, sum, "| 2 | worker | 1.4.2 | ✅ SUCCESS | SUCCEEDED |")
	assertNoSecrets(t, s)
}

func TestReleasePlanFails(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, planWith("{name: api, seq: 1}", `{name: web, seq: 2, fail: true, fail_message: "readiness probe failed"}`, "{name: worker, seq: 3}"))
	s := planStep(t, url, nil)
	err := assertFailed(t, s, s.run(), "failed", "title=Release plan failed")
	assert.Contains(t, err, "web (batch 2) FAILED: readiness probe failed")
	assert.Contains(t, err, "not run: worker (batch 3)")
	stdout := s.stdout.String()
	assertVerdictLogged(t, stdout, err)
	assert.Contains(t, stdout, "::group::✗ Batch 2 (1 component)")
	assert.Contains(t, stdout, "::group::○ Batch 3 (1 component) not run")
	out := s.outputs()
	assert.Contains(t, out["components"], `"fail_message":"readiness probe failed"`)
	assert.Zero(t, srv.PlanRollbacks(planOK))
	assert.Contains(t, s.summary(), "readiness probe failed")
}

func TestReleasePlanRollbackOnFailure(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, planWith("{name: api, seq: 1}", "{name: web, seq: 2, fail: true}"))
	s := planStep(t, url, map[string]string{"rollback_on_failure": "true"})
	require.Equal(t, 1, s.run(), "the plan failed, whatever the rollback did")
	stdout := s.stdout.String()
	assert.Equal(t, 1, srv.PlanRollbacks(planOK))
	assert.Equal(t, "ROLLBACK_SUCCEED", srv.PlanStatus(planOK))
	assert.Contains(t, stdout, "::notice::Rollback succeeded")
	err := oneError(t, s)
	assert.Contains(t, err, "Rollback: succeeded")
	out := s.outputs()
	assert.Equal(t, "failed", out["status"])
	assert.Contains(t, out["components"], `"rollback_job_status":"SUCCEEDED"`)
	assert.Contains(t, s.summary(), "Rollback")
}

func TestReleasePlanBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	badInputSendsNothing(t, planStep, map[string]string{"project_id": "", "release_plan_id": "bad id!", "execute": "yes"}, "project_id", "release_plan_id", "execute")
}

func TestReleasePlanThroughFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		faults  string
		wantLog string
	}{
		{"throttled execute and deploy-info", `
  - {op: execute, kind: throttle, retry_after: 1s, times: 1}
  - {op: deploy_info, kind: throttle, retry_after: 1s, after: 1, times: 1}`, "APIGW.0308"},
		{"execute answered 502 is executed again", `
  - {op: execute, kind: error, status: 502, times: 1}`, "No sign of the execute after 6.0s; sending it again."},
		{"execute processed but its answer dropped is adopted", `
  - {op: execute, kind: drop, times: 1}`, "did reach ServiceStage"},
		{"deploy-info polls through 503 and 504", `
  - {op: deploy_info, kind: error, status: 503, after: 2, times: 2}
  - {op: deploy_info, kind: error, status: 504, times: 1}`, "APIGW.0203"},
		{"show answered 500 once", `
  - {op: plan, kind: error, status: 500, times: 1}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := simulator(t, "faults:"+tt.faults+"\n")
			s := planStep(t, url, nil)
			require.Equal(t, 0, s.run(), s.stdout.String())
			assert.Equal(t, "succeeded", s.outputs()["status"])
			assert.Equal(t, 1, srv.PlanExecutions(planOK), "exactly one execution")
			if tt.wantLog != "" {
				assert.Contains(t, s.stdout.String(), tt.wantLog)
			}
			assertNoSecrets(t, s)
		})
	}
}

func TestReleasePlanCancelAborts(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, longPlan)
	s := planStep(t, url, nil)
	s.start(false)
	deadline := time.Now().Add(10 * time.Second)
	for srv.PlanStatus(planOK) != "RUNNING" || !strings.Contains(s.stdout.String(), "▶ Batch 1") {
		require.True(t, time.Now().Before(deadline), "the plan never ran:\n%s", s.stdout.String())
		time.Sleep(20 * time.Millisecond)
	}
	signalled := time.Now()
	s.signal(syscall.SIGINT)
	code := s.wait()
	assert.NotEqual(t, 0, code)
	assert.Less(t, time.Since(signalled), 7*time.Second, "the action must exit before the runner escalates to SIGTERM")
	assert.Equal(t, 1, srv.PlanAborts(planOK))
	assert.Equal(t, "ABORTED", srv.PlanStatus(planOK))
	aborts := pathCalls(srv, "POST", "/abort")
	require.Len(t, aborts, 1)
	assert.Less(t, aborts[0].At.Sub(signalled), 5*time.Second, "the abort must arrive within 5 s of the signal")
	out := s.outputs()
	assert.Equal(t, "stopped", out["status"])
	assert.Contains(t, out["components"], `"status":"ABORTED"`)
	err := oneError(t, s)
	assert.Contains(t, err, "title=Cancelled")
	assertNoSecrets(t, s)
}

func TestReleasePlanTimeoutAborts(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, longSinglePlan)
	s := planStep(t, url, map[string]string{"timeout": "2s"})
	err := assertFailed(t, s, s.run(), "timed_out", "title=Timed out")
	assert.Equal(t, 1, srv.PlanAborts(planOK))
	assert.Equal(t, "ABORTED", srv.PlanStatus(planOK))
	assert.Contains(t, err, "2.0s")
}

func TestReleasePlanNoWait(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, longSinglePlan)
	s := planStep(t, url, map[string]string{"wait": "false"})
	require.Equal(t, 0, s.run(), s.stdout.String())
	assert.Equal(t, "running", s.outputs()["status"])
	assert.Equal(t, "RUNNING", srv.PlanStatus(planOK))
	assert.Zero(t, srv.PlanAborts(planOK))
}
