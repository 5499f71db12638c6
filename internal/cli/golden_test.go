package cli

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/health"
	"github.com/deploy-action/deploy-action/internal/run"
)

// update rewrites the golden files: go test ./internal/cli -update.
var update = flag.Bool("update", false, "rewrite the summaries' golden files (testdata/*.golden.md at the top of the repository) with what the code renders now")

// goldenDir is the repository's top-level testdata folder.
var goldenDir = filepath.Join("..", "..", "testdata")

// summaryCase is one step summary as an operation renders it from a
// fixed result.
type summaryCase struct {
	name   string // the golden file: testdata/summary-NAME.golden.md
	op     action.Operation
	dryRun bool
	result *run.Result
}

// TestSummaryGolden renders each operation's summary from fixed results
// (fixed times, no clock) and compares it byte for byte with its golden
// file; the summary's text is part of the action's contract.
func TestSummaryGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range summaryCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op, ok := operations[tc.op]
			require.True(t, ok, "operation %s is not in the table", tc.op)
			if tc.dryRun {
				op = dryRunOf(op)
			}
			got := op.summary(tc.result, "cn-north-4")
			path := filepath.Join(goldenDir, "summary-"+tc.name+".golden.md")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "no golden file; write it with go test ./internal/cli -update")
			assert.Equal(t, string(want), got, "the summary differs from %s; if the change is meant, go test ./internal/cli -update", path)
		})
	}
}

// TestEveryGoldenFileHasACase: a golden file whose case was removed or
// renamed would otherwise lie there unchecked.
func TestEveryGoldenFileHasACase(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, tc := range summaryCases() {
		assert.False(t, names[tc.name], "two cases named %s", tc.name)
		names[tc.name] = true
	}
	files, err := filepath.Glob(filepath.Join(goldenDir, "summary-*.golden.md"))
	require.NoError(t, err)
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "summary-"), ".golden.md")
		assert.True(t, names[name], "%s has no case in summaryCases", f)
	}
}

// Fixed times: the summaries show them, so they may not come from a clock.
var (
	t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	t1 = t0.Add(3*time.Minute + 12*time.Second)
)

const (
	goldenTask   = "7d3f1c2a9b8e4f60a1c2d3e4f5a6b7c8"
	goldenRecord = "f1e2d3c4b5a6978812345678abcdef01"
	goldenPlan   = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
)

// deploySteps are the five steps of the demo's task: every one done, or,
// with failedAt >= 0, those before it done, that one in state last and
// the rest not reached.
func deploySteps(failedAt int, last run.StepState) []run.StepResult {
	names := []string{"Download package", "Stop service", "Deploy", "Start service", "Health check"}
	steps := make([]run.StepResult, len(names))
	for i, n := range names {
		steps[i] = run.StepResult{Name: n, Elapsed: time.Duration(i+1) * 1500 * time.Millisecond, State: run.StepDone}
		switch {
		case i == failedAt:
			steps[i].State = last
		case failedAt >= 0 && i > failedAt:
			steps[i] = run.StepResult{Name: n, State: run.StepPending}
		}
	}
	return steps
}

// deployFixture is a deployment of the demo's task that ran from t0 to t1
// and ended with status (the service's: remote).
func deployFixture(status run.Status, remote string, f *run.Failure) *run.Result {
	return &run.Result{
		Operation: run.OpDeploy, Status: status, RemoteStatus: remote,
		StartedAt: t0, FinishedAt: t1, Settled: true, Failure: f,
		Remote: []byte(`{"status":"` + remote + `"}`),
		Deploy: &run.DeployDetail{TaskID: goldenTask, TaskName: "checkout-service", RecordID: goldenRecord, JobName: "job_checkout_20260302"},
	}
}

func summaryCases() []summaryCase {
	var cases []summaryCase
	for _, group := range [][]summaryCase{deployCases(), healthCases(), stopCases(), planCases(), signalCases(), dryRunCases()} {
		cases = append(cases, group...)
	}
	return cases
}

func deployCases() []summaryCase {
	succeeded := deployFixture(run.StatusSucceeded, "success", nil)
	succeeded.Deploy.Steps = deploySteps(-1, run.StepDone)

	failed := deployFixture(run.StatusFailed, "failed", &run.Failure{What: run.FailedDeployment,
		Record:  &run.RecordVerdict{Status: "failed", Step: "Deploy", LogTail: []string{"unpacking checkout-1.4.2.tar.gz", "Error: disk full"}},
		Actions: []run.Action{run.RolledBack{Target: "0a0b0c0d0e0f10111213141516171819", Status: run.StatusSucceeded}}})
	failed.Deploy.Steps = deploySteps(2, run.StepFailed)
	failed.Deploy.RollbackRecordID, failed.Deploy.RollbackStatus = "0a0b0c0d0e0f10111213141516171819", run.StatusSucceeded

	timedOut := deployFixture(run.StatusTimedOut, "running", &run.Failure{What: run.FailedFollow, Cause: run.CauseTimedOut,
		Timeout: 2 * time.Minute, Actions: []run.Action{run.Stopped{}}})
	timedOut.Deploy.Steps = deploySteps(3, run.StepStopped)
	timedOut.FinishedAt, timedOut.Settled = t0.Add(2*time.Minute), false

	cancelled := deployFixture(run.StatusStopped, "running", &run.Failure{What: run.FailedFollow, Cause: run.CauseCancelled,
		Actions: []run.Action{run.Stopped{}}})
	cancelled.Deploy.Steps = deploySteps(1, run.StepStopped)
	cancelled.FinishedAt = t0.Add(40 * time.Second)

	unknown := deployFixture(run.StatusStopped, "", &run.Failure{What: run.FailedStart, Cause: run.CauseCancelled,
		Actions: []run.Action{run.OutcomeUnknown{Input: "stop_on_cancel"}}})
	unknown.Deploy.RecordID, unknown.Deploy.JobName, unknown.FinishedAt, unknown.Remote = "", "", t0.Add(5*time.Second), nil

	noWait := deployFixture(run.StatusRunning, "running", nil)
	noWait.FinishedAt, noWait.Remote = time.Time{}, nil

	watched := deployFixture(run.StatusSucceeded, "success", nil)
	watched.Operation = run.OpWatch
	watched.StartedAt, watched.FinishedAt, watched.Elapsed = time.Time{}, time.Time{}, 47*time.Second
	watched.Deploy.Steps = deploySteps(-1, run.StepDone)

	return []summaryCase{
		{"deploy-succeeded", action.OpDeploy, false, succeeded},
		{"deploy-failed-rolled-back", action.OpDeploy, false, failed},
		{"deploy-timed-out-stopped", action.OpDeploy, false, timedOut},
		{"deploy-cancelled-stopped", action.OpDeploy, false, cancelled},
		{"deploy-cancelled-start-unknown", action.OpDeploy, false, unknown},
		{"deploy-no-wait", action.OpDeploy, false, noWait},
		{"watch-succeeded", action.OpWatch, false, watched},
	}
}

func healthSpecFixture() health.Spec {
	return health.Spec{URL: "https://checkout.example.com/healthz", Accepted: "200-299", Healthy: 3, Timeout: 6 * time.Second, Interval: 500 * time.Millisecond}
}

func healthCases() []summaryCase {
	healthy := deployFixture(run.StatusSucceeded, "success", nil)
	healthy.Deploy.Steps = deploySteps(-1, run.StepDone)
	healthy.Deploy.Health = &health.Report{URL: "https://checkout.example.com/healthz", Healthy: true, Checks: 4, Streak: 3, Best: 3,
		Took: 1800 * time.Millisecond, Spec: healthSpecFixture()}

	unhealthy := deployFixture(run.StatusUnhealthy, "success", &run.Failure{What: run.FailedHealth,
		Actions: []run.Action{run.NotRolledBack{Days: 30}}})
	unhealthy.Deploy.Steps = deploySteps(-1, run.StepDone)
	unhealthy.Deploy.Health = &health.Report{URL: "https://checkout.example.com/healthz", Checks: 12, Best: 1, Took: 6 * time.Second, Spec: healthSpecFixture(),
		Last: []health.Answer{
			{At: t1.Add(4 * time.Second), Status: 503, Took: 120 * time.Millisecond, Body: `{"status":"MAINTENANCE"}`, Why: "status 503 is not 200-299"},
			{At: t1.Add(5 * time.Second), Took: time.Second, Err: "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"},
			{At: t1.Add(6 * time.Second), Status: 200, Took: 80 * time.Millisecond, Body: "DOWN | <b>", Why: `the body lacks "UP"`},
		}}

	return []summaryCase{
		{"deploy-healthy", action.OpDeploy, false, healthy},
		{"deploy-unhealthy", action.OpDeploy, false, unhealthy},
	}
}

func stopFixture(status run.Status, remote string, f *run.Failure) *run.Result {
	return &run.Result{Operation: run.OpStop, Status: status, RemoteStatus: remote, Settled: f == nil, Failure: f,
		Deploy: &run.DeployDetail{TaskID: goldenTask, RecordID: goldenRecord}}
}

func stopCases() []summaryCase {
	stopped := stopFixture(run.StatusStopped, "abort", nil)
	stopped.Deploy.TaskName = "checkout-service"
	notStopped := stopFixture(run.StatusFailed, "", &run.Failure{What: run.FailedStop,
		Err: errors.New("CodeArts Deploy answered 403 DEV.00000003: no permission to stop the task")})
	return []summaryCase{
		{"stop-stopped", action.OpStop, false, stopped},
		{"stop-already-ended", action.OpStop, false, stopFixture(run.StatusFailed, "failed", nil)},
		{"stop-failed", action.OpStop, false, notStopped},
	}
}

func planCases() []summaryCase {
	comps := []run.Component{
		{ID: "c1", Name: "gateway", Seq: 1, Version: "2.0.1", Status: "SUCCESS", JobStatus: "SUCCEEDED", Elapsed: 65 * time.Second},
		{ID: "c2", Name: "checkout|api", Seq: 2, Version: "1.4.2", Status: "ROLLBACK_SUCCEED", JobStatus: "FAILED", Elapsed: 90 * time.Second,
			FailMessage: "image pull failed", RollbackJobStatus: "SUCCEEDED"},
		{ID: "c3", Name: "billing", Seq: 3, Version: "3.1.0", Status: "CREATED"},
	}
	failed := &run.Result{Operation: run.OpReleasePlan, Status: run.StatusFailed, RemoteStatus: "PARTIALLY_FAILED",
		StartedAt: t0, FinishedAt: t1, Settled: true,
		Plan: &run.PlanDetail{PlanID: goldenPlan, PlanName: "spring release", RollbackStatus: run.StatusSucceeded, Components: comps},
		Failure: &run.Failure{What: run.FailedReleasePlan,
			Plan:    &run.PlanVerdict{Status: "PARTIALLY_FAILED", Failed: comps[1:2], NotRun: comps[2:]},
			Actions: []run.Action{run.PlanRolledBack{Status: run.StatusSucceeded}}}}

	timedOut := &run.Result{Operation: run.OpReleasePlan, Status: run.StatusTimedOut, RemoteStatus: "RUNNING",
		StartedAt: t0, FinishedAt: t0.Add(10 * time.Minute),
		Plan: &run.PlanDetail{PlanID: goldenPlan, Components: []run.Component{
			{ID: "c1", Name: "gateway", Seq: 1, Version: "2.0.1", Status: "RUNNING", JobStatus: "RUNNING"}}},
		Failure: &run.Failure{What: run.FailedFollowPlan, Cause: run.CauseTimedOut, Timeout: 10 * time.Minute,
			Actions: []run.Action{run.Stopped{}}}}

	return []summaryCase{
		{"release-plan-failed-components", action.OpReleasePlan, false, failed},
		{"release-plan-timed-out-aborted", action.OpReleasePlan, false, timedOut},
	}
}

const goldenDeployment = "a1b2c3d4-0000-4000-8000-00000000beef"

func signalCases() []summaryCase {
	signalled := &run.Result{Operation: run.OpSignal, Status: run.StatusSucceeded, RemoteStatus: "COMPLETE",
		Signal: &run.SignalDetail{DeploymentID: goldenDeployment,
			SoftwareDeployment: []byte(`{"status":"COMPLETE","status_reason":"Deployed by GitHub run 42","action":"UPDATE","server_id":"srv-01","output_values":{"version":"1.4.2","deploy_stdout":"ok"}}`)}}
	notSignalled := &run.Result{Operation: run.OpSignal, Status: run.StatusFailed,
		Signal:  &run.SignalDetail{DeploymentID: goldenDeployment},
		Failure: &run.Failure{What: run.FailedSignal, Err: errors.New("RTS answered 404 SoftwareDeployment not found")}}
	return []summaryCase{
		{"signal-signalled", action.OpSignal, false, signalled},
		{"signal-failed", action.OpSignal, false, notSignalled},
	}
}

func dryRunCases() []summaryCase {
	deploy := &run.Result{Operation: run.OpDeploy, Status: run.StatusDryRun, Settled: true,
		Deploy: &run.DeployDetail{TaskID: goldenTask, TaskName: "checkout-service"},
		DryRun: &run.DryRun{
			Checks: []run.Check{
				{Name: "credentials", Passed: true, Detail: "the access key signs requests CodeArts Deploy accepts"},
				{Name: "params", Passed: true, Warning: true, Detail: "compared with record " + goldenRecord + ", keys new: db_password (encrypt)"},
				{Name: "running deployment", Passed: true, Detail: "none runs"},
			},
			WouldSend: []run.WouldSend{{Method: "POST", Path: "/v2/tasks/" + goldenTask + "/start",
				Body: []byte(`{"params":[{"key":"version","value":"1.4.2","type":"text"},{"key":"db_password","value":"***","type":"encrypt"},{"key":"q","value":"a ` + "```" + ` b","type":"text"}]}`),
				Note: "Then the action follows the record (GET .../state) until it ends."}},
		}}
	plan := &run.Result{Operation: run.OpReleasePlan, Status: run.StatusDryRun, Settled: true,
		Plan: &run.PlanDetail{PlanID: goldenPlan},
		DryRun: &run.DryRun{Checks: []run.Check{
			{Name: "credentials", Passed: true, Detail: "the access key signs requests ServiceStage accepts"},
			{Name: "release plan", Passed: false, Detail: "ServiceStage answered 404: release plan " + goldenPlan + " not found"},
		}},
		Failure: &run.Failure{What: run.FailedDryRun}}
	signal := &run.Result{Operation: run.OpSignal, Status: run.StatusDryRun, Settled: true,
		Signal: &run.SignalDetail{DeploymentID: goldenDeployment},
		DryRun: &run.DryRun{Checks: []run.Check{{Name: "software deployment", Passed: true, Detail: "exists, status IN_PROGRESS"}},
			WouldSend: []run.WouldSend{{Method: "PUT", Path: "/v1/p/software-deployments/" + goldenDeployment}}}}
	return []summaryCase{
		{"dry-run-deploy", action.OpDeploy, true, deploy},
		{"dry-run-release-plan-failed", action.OpReleasePlan, true, plan},
		{"dry-run-signal", action.OpSignal, true, signal},
	}
}
