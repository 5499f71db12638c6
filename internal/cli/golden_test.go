package cli

import (
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

func deployResult(status run.Status, remote string) *run.Result {
	return &run.Result{
		Operation: run.OpDeploy, Status: status, TaskID: goldenTask, TaskName: "checkout-service",
		RecordID: goldenRecord, JobName: "job_checkout_20260302", RemoteStatus: remote,
		StartedAt: t0, FinishedAt: t1, Settled: true,
		Remote: []byte(`{"status":"` + remote + `"}`),
	}
}

func summaryCases() []summaryCase {
	return append(append(deployCases(), otherDeployCases()...), append(planAndSignalCases(), dryRunCases()...)...)
}

func deployCases() []summaryCase {
	succeeded := deployResult(run.StatusSucceeded, "success")
	succeeded.Steps = deploySteps(-1, run.StepDone)

	failed := deployResult(run.StatusFailed, "failed")
	failed.Steps = deploySteps(2, run.StepFailed)
	failed.RollbackRecordID, failed.RollbackStatus = "0a0b0c0d0e0f10111213141516171819", run.StatusSucceeded
	failed.Failure = &run.Failure{Title: "Deployment failed", Message: "Deployment record " + goldenRecord + " of task " + goldenTask +
		" ended with status \"failed\" in step \"Deploy\".\nLast lines of the step's log:\nunpacking checkout-1.4.2.tar.gz\nError: disk full"}

	timedOut := deployResult(run.StatusTimedOut, "running")
	timedOut.Steps = deploySteps(3, run.StepStopped)
	timedOut.FinishedAt = t0.Add(2 * time.Minute)
	timedOut.Settled = false
	timedOut.Failure = &run.Failure{Title: "Timed out", Message: "The deployment did not finish within 2m (timeout). Deployment record " + goldenRecord + " was stopped (timeout)."}

	cancelled := deployResult(run.StatusStopped, "running")
	cancelled.Steps = deploySteps(1, run.StepStopped)
	cancelled.FinishedAt = t0.Add(40 * time.Second)
	cancelled.Failure = &run.Failure{Title: "Cancelled", Message: "The workflow was cancelled. Deployment record " + goldenRecord + " was stopped (cancel)."}

	noWait := deployResult(run.StatusRunning, "running")
	noWait.FinishedAt, noWait.Remote = time.Time{}, nil

	return []summaryCase{
		{"deploy-succeeded", action.OpDeploy, false, succeeded},
		{"deploy-failed-rolled-back", action.OpDeploy, false, failed},
		{"deploy-timed-out-stopped", action.OpDeploy, false, timedOut},
		{"deploy-cancelled-stopped", action.OpDeploy, false, cancelled},
		{"deploy-no-wait", action.OpDeploy, false, noWait},
	}
}

func healthSpecFixture() health.Spec {
	return health.Spec{URL: "https://checkout.example.com/healthz", Healthy: 3, Timeout: 6 * time.Second, Interval: 500 * time.Millisecond}
}

func otherDeployCases() []summaryCase {
	healthy := deployResult(run.StatusSucceeded, "success")
	healthy.Steps = deploySteps(-1, run.StepDone)
	healthy.Health = &health.Report{URL: "https://checkout.example.com/healthz", Healthy: true, Checks: 4, Streak: 3, Best: 3,
		Took: 1800 * time.Millisecond, Spec: healthSpecFixture()}

	unhealthy := deployResult(run.StatusUnhealthy, "success")
	unhealthy.Steps = deploySteps(-1, run.StepDone)
	unhealthy.Health = &health.Report{URL: "https://checkout.example.com/healthz", Checks: 12, Best: 1, Took: 6 * time.Second, Spec: healthSpecFixture(),
		Last: []health.Answer{
			{At: t1.Add(4 * time.Second), Status: 503, Took: 120 * time.Millisecond, Body: `{"status":"MAINTENANCE"}`, Why: "status 503 is not 200-299"},
			{At: t1.Add(5 * time.Second), Took: time.Second, Err: "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"},
			{At: t1.Add(6 * time.Second), Status: 200, Took: 80 * time.Millisecond, Body: "DOWN | <b>", Why: `the body lacks "UP"`},
		}}
	unhealthy.Failure = &run.Failure{Title: "Unhealthy", Message: "Deployment record " + goldenRecord + " succeeded, but https://checkout.example.com/healthz did not answer 3 good answers in a row within 6s."}

	watched := deployResult(run.StatusSucceeded, "success")
	watched.Operation = run.OpWatch
	watched.StartedAt, watched.FinishedAt, watched.Elapsed = time.Time{}, time.Time{}, 47*time.Second
	watched.Steps = deploySteps(-1, run.StepDone)

	return []summaryCase{
		{"deploy-healthy", action.OpDeploy, false, healthy},
		{"deploy-unhealthy", action.OpDeploy, false, unhealthy},
		{"watch-succeeded", action.OpWatch, false, watched},
	}
}

func planAndSignalCases() []summaryCase {
	stopped := &run.Result{Operation: run.OpStop, Status: run.StatusStopped, TaskID: goldenTask, TaskName: "checkout-service",
		RecordID: goldenRecord, RemoteStatus: "abort", Settled: true}
	ended := &run.Result{Operation: run.OpStop, Status: run.StatusFailed, TaskID: goldenTask, RecordID: goldenRecord, RemoteStatus: "failed", Settled: true}
	notStopped := &run.Result{Operation: run.OpStop, Status: run.StatusFailed, TaskID: goldenTask, RecordID: goldenRecord,
		Failure: &run.Failure{Title: "Could not stop the deployment", Message: "CodeArts Deploy answered 403 DEV.00000003: no permission to stop the task"}}

	plan := &run.Result{Operation: run.OpReleasePlan, Status: run.StatusFailed, PlanID: goldenPlan, PlanName: "spring release",
		RemoteStatus: "PARTIALLY_FAILED", StartedAt: t0, FinishedAt: t1, RollbackStatus: run.StatusSucceeded, Settled: true,
		Components: []run.Component{
			{ID: "c1", Name: "gateway", Seq: 1, Version: "2.0.1", Status: "SUCCESS", JobStatus: "SUCCEEDED", Elapsed: 65 * time.Second},
			{ID: "c2", Name: "checkout|api", Seq: 2, Version: "1.4.2", Status: "ROLLBACK_SUCCEED", JobStatus: "FAILED", Elapsed: 90 * time.Second,
				FailMessage: "image pull failed", RollbackJobStatus: "SUCCEEDED"},
			{ID: "c3", Name: "billing", Seq: 2, Version: "3.1.0", Status: "CREATED"},
		},
		Failure: &run.Failure{Title: "Release plan failed", Message: "Release plan " + goldenPlan + " ended PARTIALLY_FAILED: component checkout|api failed (image pull failed)."}}

	signalled := &run.Result{Operation: run.OpSignal, Status: run.StatusSucceeded, DeploymentID: "a1b2c3d4-0000-4000-8000-00000000beef", RemoteStatus: "COMPLETE",
		SoftwareDeployment: []byte(`{"status":"COMPLETE","status_reason":"Deployed by GitHub run 42","action":"UPDATE","server_id":"srv-01","output_values":{"version":"1.4.2","deploy_stdout":"ok"}}`)}
	notSignalled := &run.Result{Operation: run.OpSignal, Status: run.StatusFailed, DeploymentID: "a1b2c3d4-0000-4000-8000-00000000beef",
		Failure: &run.Failure{Title: "Signal failed", Message: "Software deployment a1b2c3d4-0000-4000-8000-00000000beef was not signalled: RTS answered 404"}}

	return []summaryCase{
		{"stop-stopped", action.OpStop, false, stopped},
		{"stop-already-ended", action.OpStop, false, ended},
		{"stop-failed", action.OpStop, false, notStopped},
		{"release-plan-failed-components", action.OpReleasePlan, false, plan},
		{"signal-signalled", action.OpSignal, false, signalled},
		{"signal-failed", action.OpSignal, false, notSignalled},
	}
}

func dryRunCases() []summaryCase {
	deploy := &run.Result{Operation: run.OpDeploy, Status: run.StatusDryRun, TaskID: goldenTask, TaskName: "checkout-service", Settled: true,
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
	plan := &run.Result{Operation: run.OpReleasePlan, Status: run.StatusDryRun, PlanID: goldenPlan,
		DryRun: &run.DryRun{Checks: []run.Check{
			{Name: "credentials", Passed: true, Detail: "the access key signs requests ServiceStage accepts"},
			{Name: "release plan", Passed: false, Detail: "ServiceStage answered 404: release plan " + goldenPlan + " not found"},
		}},
		Failure: &run.Failure{Title: "Dry run: a check failed", Message: "1 of 2 checks failed; nothing was changed."}}
	return []summaryCase{
		{"dry-run-deploy", action.OpDeploy, true, deploy},
		{"dry-run-release-plan-failed", action.OpReleasePlan, true, plan},
	}
}
