package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/cli"
	"github.com/deploy-action/deploy-action/internal/sim"
)

// End-to-end tests of the operations other than deploy: stop,
// release-plan and signal, each through the built binary.

const planOK = "716eda33-dbc6-47f3-953f-29119edd5e5c"

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
	srv, url := simulator(t, `
tasks:
  - {task_id: `+taskOK+`, already_running: 5m}
`)
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
	errs := annotations(s.stdout.String(), "error")
	require.Len(t, errs, 1, s.stdout.String())
	assert.Contains(t, errs[0], "title=No such deployment record")
	assert.Contains(t, errs[0], "Deploy.00011303")
	assert.Contains(t, errs[0], missing)
	calls := srv.Calls()
	require.NotEmpty(t, calls)
	assert.Contains(t, errs[0], "request id "+calls[0].RequestID)
	assert.Empty(t, pathCalls(srv, "PUT", "/stop"))
	assert.Equal(t, "failed", s.outputs()["status"])
}

func TestStopBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := newStep(t, url, map[string]string{"operation": "stop", "task_id": "not-a-task"})
	require.Equal(t, 1, s.run())
	assert.Empty(t, srv.Calls(), "nothing may be sent when the inputs are bad")
	errs := annotations(s.stdout.String(), "error")
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], "task_id")
	assert.Contains(t, errs[0], "record_id: required for operation stop")
	assertNoSecrets(t, s)
}

func TestStopThroughFaults(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, `
tasks:
  - {task_id: `+taskOK+`, already_running: 5m}
faults:
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

func planStep(t *testing.T, url string, inputs map[string]string) *step {
	t.Helper()
	in := map[string]string{"operation": "release-plan", "release_plan_id": planOK, "execute": "true"}
	for k, v := range inputs {
		in[k] = v
	}
	return newStep(t, url, in)
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
	srv, url := simulator(t, `
release_plans:
  - id: `+planOK+`
    components:
      - {name: api, seq: 1}
      - {name: web, seq: 2, fail: true, fail_message: "readiness probe failed"}
      - {name: worker, seq: 3}
`)
	s := planStep(t, url, nil)
	require.Equal(t, 1, s.run())
	stdout := s.stdout.String()
	errs := annotations(stdout, "error")
	require.Len(t, errs, 1, stdout)
	assert.Contains(t, errs[0], "title=Release plan failed")
	assert.Contains(t, errs[0], "web (batch 2) FAILED: readiness probe failed")
	assert.Contains(t, errs[0], "not run: worker (batch 3)")
	assertVerdictLogged(t, stdout, errs[0])
	assert.Contains(t, stdout, "::group::✗ Batch 2 (1 component)")
	assert.Contains(t, stdout, "::group::○ Batch 3 (1 component) not run")
	out := s.outputs()
	assert.Equal(t, "failed", out["status"])
	assert.Contains(t, out["components"], `"fail_message":"readiness probe failed"`)
	assert.Zero(t, srv.PlanRollbacks(planOK))
	assert.Contains(t, s.summary(), "readiness probe failed")
}

func TestReleasePlanRollbackOnFailure(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, `
release_plans:
  - id: `+planOK+`
    components:
      - {name: api, seq: 1}
      - {name: web, seq: 2, fail: true}
`)
	s := planStep(t, url, map[string]string{"rollback_on_failure": "true"})
	require.Equal(t, 1, s.run(), "the plan failed, whatever the rollback did")
	stdout := s.stdout.String()
	assert.Equal(t, 1, srv.PlanRollbacks(planOK))
	assert.Equal(t, "ROLLBACK_SUCCEED", srv.PlanStatus(planOK))
	assert.Contains(t, stdout, "::notice::Rollback succeeded")
	errs := annotations(stdout, "error")
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], "Rollback: succeeded")
	out := s.outputs()
	assert.Equal(t, "failed", out["status"])
	assert.Contains(t, out["components"], `"rollback_job_status":"SUCCEEDED"`)
	assert.Contains(t, s.summary(), "Rollback")
}

func TestReleasePlanBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := planStep(t, url, map[string]string{"project_id": "", "release_plan_id": "bad id!", "execute": "yes"})
	require.Equal(t, 1, s.run())
	assert.Empty(t, srv.Calls(), "nothing may be sent when the inputs are bad")
	errs := annotations(s.stdout.String(), "error")
	require.Len(t, errs, 1)
	for _, input := range []string{"project_id", "release_plan_id", "execute"} {
		assert.Contains(t, errs[0], input)
	}
	assertNoSecrets(t, s)
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
	srv, url := simulator(t, `
release_plans:
  - id: `+planOK+`
    components: [{name: api, seq: 1, duration: 5m}, {name: web, seq: 2}]
`)
	s := planStep(t, url, nil)
	s.start(false)
	deadline := time.Now().Add(10 * time.Second)
	for srv.PlanStatus(planOK) != "RUNNING" || !strings.Contains(s.stdout.String(), "▶ Batch 1") {
		require.True(t, time.Now().Before(deadline), "the plan never ran:\n%s", s.stdout.String())
		time.Sleep(20 * time.Millisecond)
	}
	signalled := time.Now()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGINT))
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
	errs := annotations(s.stdout.String(), "error")
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], "title=Cancelled")
	assertNoSecrets(t, s)
}

func TestReleasePlanTimeoutAborts(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, `
release_plans:
  - id: `+planOK+`
    components: [{name: api, seq: 1, duration: 5m}]
`)
	s := planStep(t, url, map[string]string{"timeout": "2s"})
	require.Equal(t, 1, s.run())
	assert.Equal(t, "timed_out", s.outputs()["status"])
	assert.Equal(t, 1, srv.PlanAborts(planOK))
	assert.Equal(t, "ABORTED", srv.PlanStatus(planOK))
	errs := annotations(s.stdout.String(), "error")
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], "title=Timed out")
	assert.Contains(t, errs[0], "2.0s")
}

func TestReleasePlanNoWait(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, `
release_plans:
  - id: `+planOK+`
    components: [{name: api, seq: 1, duration: 5m}]
`)
	s := planStep(t, url, map[string]string{"wait": "false"})
	require.Equal(t, 0, s.run(), s.stdout.String())
	assert.Equal(t, "running", s.outputs()["status"])
	assert.Equal(t, "RUNNING", srv.PlanStatus(planOK))
	assert.Zero(t, srv.PlanAborts(planOK))
}

// ---- signal ----

func signalStep(t *testing.T, url string, inputs map[string]string) *step {
	t.Helper()
	in := map[string]string{"operation": "signal", "deployment_id": "sd-e2e-1"}
	for k, v := range inputs {
		in[k] = v
	}
	return newStep(t, url, in)
}

// multiLineLog returns about n bytes of log text with the characters that
// break naive quoting: quotes, backslashes, tabs, YAML and JSON marks,
// workflow-command look-alikes, non-ASCII.
func multiLineLog(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		switch i % 5 {
		case 0:
			b.WriteString("step " + strings.Repeat("=", i%40) + " ✓ done\n")
		case 1:
			b.WriteString("  key: \"value\" # not a comment, {not: json}, [x]\n")
		case 2:
			b.WriteString("\tpath C:\\temp\\x & <tag> %25 ${{ not.an.expression }}\n")
		case 3:
			b.WriteString("::warning::not a command\n")
		default:
			b.WriteString("\n")
		}
	}
	return b.String()
}

// blockScalar indents text as a YAML literal block under key, as a
// workflow author writes it (each line indented; the last newline kept).
func blockScalar(key, text string) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return key + ": |\n" + strings.Join(lines, "\n") + "\n"
}

func TestSignalSucceeds(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, `
software_deployments:
  - {id: sd-e2e-1, server_id: srv-1, action: CREATE}
`)
	stdout := multiLineLog(100 << 10) // below the 128 KiB a single environment variable may hold
	s := signalStep(t, url, map[string]string{
		"output_values": "deploy_status_code: 0\n" + blockScalar("deploy_stdout", stdout) + "result: {url: 'https://staging.example.test'}\n",
		"input_values":  `{"version": "1.4.2"}`,
		"config_id":     "cfg-42",
	})
	code := s.run()
	log := s.stdout.String()
	require.Equal(t, 0, code, log)
	assert.Equal(t, 1, srv.SignalCount("sd-e2e-1"))
	got, ok := srv.SoftwareDeployment("sd-e2e-1")
	require.True(t, ok)
	assert.Equal(t, "COMPLETE", got["status"])
	assert.Equal(t, "Outputs received", got["status_reason"])
	assert.Equal(t, "cfg-42", got["config_id"])
	outs := got["output_values"].(map[string]any)
	assert.True(t, outs["deploy_stdout"] == stdout, "deploy_stdout must arrive byte for byte")
	assert.Equal(t, json.Number("0"), outs["deploy_status_code"])
	assert.Equal(t, map[string]any{"url": "https://staging.example.test"}, outs["result"])
	assert.Equal(t, map[string]any{"version": "1.4.2"}, got["input_values"])

	out := s.outputs()
	assert.Equal(t, "COMPLETE", out["status"])
	var sd map[string]any
	require.NoError(t, json.Unmarshal([]byte(out["software_deployment"]), &sd))
	assert.Equal(t, "sd-e2e-1", sd["id"])
	assert.Equal(t, stdout, sd["output_values"].(map[string]any)["deploy_stdout"])
	assert.NotContains(t, out["software_deployment"], "\n", "compact JSON, one line")
	var result struct {
		SoftwareDeployment map[string]any `json:"software_deployment"`
	}
	require.NoError(t, json.Unmarshal([]byte(out["result"]), &result))
	assert.Equal(t, "COMPLETE", result.SoftwareDeployment["status"])
	assert.Empty(t, annotations(log, "error"))
	assert.Empty(t, annotations(log, "warning"), "the log's look-alike command must not reach stdout as one")
	assert.Contains(t, s.summary(), "Software deployment signalled: COMPLETE")
	assertNoSecrets(t, s)
}

func TestSignalReportingFailedExitsZero(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := signalStep(t, url, map[string]string{"output_values": "deploy_status_code: 2\ndeploy_stderr: boom\n"})
	require.Equal(t, 0, s.run(), "the signal was accepted: "+s.stdout.String())
	got, _ := srv.SoftwareDeployment("sd-e2e-1")
	assert.Equal(t, "FAILED", got["status"])
	assert.Equal(t, "deploy_status_code : Deployment exited with non-zero status code: 2", got["status_reason"])
	assert.Equal(t, "FAILED", s.outputs()["status"])
	notices := annotations(s.stdout.String(), "notice")
	require.Len(t, notices, 1)
	assert.Contains(t, notices[0], "reported FAILED")
}

func TestSignalExplicitStatusAndReason(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := signalStep(t, url, map[string]string{"status": "in_progress", "status_reason": "deploying batch 2", "deployment_action": "UPDATE"})
	require.Equal(t, 0, s.run(), s.stdout.String())
	got, _ := srv.SoftwareDeployment("sd-e2e-1")
	assert.Equal(t, "IN_PROGRESS", got["status"])
	assert.Equal(t, "deploying batch 2", got["status_reason"])
	assert.Equal(t, "UPDATE", got["action"])
	assert.Equal(t, "IN_PROGRESS", s.outputs()["status"])
}

func TestSignalUnknownDeployment(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := signalStep(t, url, map[string]string{"deployment_id": "missing-42", "output_values": "deploy_status_code: 0"})
	require.Equal(t, 1, s.run())
	errs := annotations(s.stdout.String(), "error")
	require.Len(t, errs, 1, s.stdout.String())
	assert.Contains(t, errs[0], "title=No such software deployment")
	assert.Contains(t, errs[0], "NotFound")
	assert.Contains(t, errs[0], "Software deployment with id missing-42 not found")
	calls := pathCalls(srv, "PUT", "/software_deployments/missing-42")
	require.Len(t, calls, 1, "a 404 is not retried")
	assert.Contains(t, errs[0], "request id "+calls[0].RequestID)
	assert.Empty(t, s.outputs()["status"])
}

func TestSignalBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := signalStep(t, url, map[string]string{
		"deployment_id": "bad/id",
		"status":        "DONE",
		"output_values": "- just\n- a list\n",
	})
	require.Equal(t, 1, s.run())
	assert.Empty(t, srv.Calls(), "nothing may be sent when the inputs are bad")
	errs := annotations(s.stdout.String(), "error")
	require.Len(t, errs, 1)
	for _, input := range []string{"deployment_id", "status", "output_values"} {
		assert.Contains(t, errs[0], input)
	}
	assertNoSecrets(t, s)
}

func TestSignalThroughFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		faults      string
		wantSignals int // PUTs the service processed
	}{
		{"throttled", "{op: signal, kind: throttle, retry_after: 1s, times: 2}", 1},
		{"503 then 502", "{op: signal, kind: error, status: 503, times: 1}\n  - {op: signal, kind: error, status: 502, times: 1}", 1},
		{"answer dropped: the same PUT again is harmless", "{op: signal, kind: drop, times: 1}", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := simulator(t, "faults:\n  - "+tt.faults+"\n")
			s := signalStep(t, url, map[string]string{"output_values": "deploy_status_code: 1\n"})
			require.Equal(t, 0, s.run(), s.stdout.String())
			assert.Equal(t, tt.wantSignals, srv.SignalCount("sd-e2e-1"))
			got, _ := srv.SoftwareDeployment("sd-e2e-1")
			assert.Equal(t, "FAILED", got["status"])
			assert.Equal(t, "FAILED", s.outputs()["status"])
		})
	}
}

// TestSignalCarries200KiBInProcess runs the action in-process, the way
// `demo` does, because one environment variable cannot hold 200 KiB
// (Linux caps each at 128 KiB), and checks the whole path from the input
// to the stored value.
func TestSignalCarries200KiBInProcess(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	text := multiLineLog(200 << 10)
	dir := t.TempDir()
	env := map[string]string{
		"GITHUB_OUTPUT":           filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY":     filepath.Join(dir, "summary"),
		"INPUT_OPERATION":         "signal",
		"INPUT_ENDPOINT":          url,
		"INPUT_PROJECT_ID":        testProject,
		"INPUT_ACCESS_KEY_ID":     testAK,
		"INPUT_SECRET_ACCESS_KEY": testSK,
		"INPUT_DEPLOYMENT_ID":     "sd-big",
		"INPUT_OUTPUT_VALUES":     "deploy_status_code: '0'\n" + blockScalar("deploy_stdout", text),
	}
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), cli.Process{
		Args: []string{"deploy-action"}, Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
	})
	require.Equal(t, 0, code, stdout.String())
	got, ok := srv.SoftwareDeployment("sd-big")
	require.True(t, ok)
	stored := got["output_values"].(map[string]any)["deploy_stdout"].(string)
	require.Greater(t, len(text), 200<<10-100)
	assert.True(t, stored == text, "deploy_stdout changed on the way: %d bytes sent, %d stored", len(text), len(stored))
	assert.Equal(t, "0", got["output_values"].(map[string]any)["deploy_status_code"], "a string stays a string")
	assert.Equal(t, "COMPLETE", got["status"])
	outputs, err := os.ReadFile(env["GITHUB_OUTPUT"])
	require.NoError(t, err)
	assert.Contains(t, string(outputs), "status<<")
}
