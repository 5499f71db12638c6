package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/health"
	"github.com/deploy-action/deploy-action/internal/run"
)

// The texts below are the ones the action wrote before run reported
// failures as facts (issue 14): the annotation, the summary and the post
// step must not change.

func deployResult(op, recordID string, f *run.Failure) *run.Result {
	return &run.Result{Operation: op, Failure: f, Deploy: &run.DeployDetail{TaskID: "task1", RecordID: recordID}}
}

func planResult(f *run.Failure) *run.Result {
	return &run.Result{Operation: run.OpReleasePlan, Failure: f, Plan: &run.PlanDetail{PlanID: "plan1", PlanName: "shop"}}
}

func signalResult(f *run.Failure) *run.Result {
	return &run.Result{Operation: run.OpSignal, Failure: f, Signal: &run.SignalDetail{DeploymentID: "sd1"}}
}

func TestFailureTextDeploy(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name           string
		res            *run.Result
		title, wantMsg string
	}{
		{"cancelled before a start",
			deployResult(run.OpDeploy, "", &run.Failure{What: run.FailedReadTask, Cause: run.CauseCancelled, Err: context.Canceled, Actions: []run.Action{run.NothingRunning{}}}),
			"Cancelled", "The workflow was cancelled; no deployment was started."},
		{"timed out, stopped",
			deployResult(run.OpDeploy, "rec1", &run.Failure{What: run.FailedFollow, Cause: run.CauseTimedOut, Timeout: 90 * time.Second, Actions: []run.Action{run.Stopped{}}}),
			"Timed out", "The deployment did not finish within 1m30s (timeout). Deployment record rec1 was stopped (timeout)."},
		{"cancelled, stopped",
			deployResult(run.OpWatch, "rec1", &run.Failure{What: run.FailedFollow, Cause: run.CauseCancelled, Actions: []run.Action{run.Stopped{}}}),
			"Cancelled", "The workflow was cancelled. Deployment record rec1 was stopped (cancel)."},
		{"lost track, stopped",
			deployResult(run.OpDeploy, "rec1", &run.Failure{What: run.FailedFollow, Err: boom, Actions: []run.Action{run.Stopped{}}}),
			"The deployment did not finish", "boom. Deployment record rec1 was stopped (the action stopped watching it)."},
		{"stop failed",
			deployResult(run.OpDeploy, "rec1", &run.Failure{What: run.FailedFollow, Err: errors.New("reading the state: 503."), Actions: []run.Action{run.StopFailed{Err: boom}}}),
			"The deployment did not finish", "reading the state: 503. Deployment record rec1 could not be stopped: boom; the post step tries again."},
		{"left running",
			deployResult(run.OpWatch, "rec1", &run.Failure{What: run.FailedFollow, Cause: run.CauseCancelled, Actions: []run.Action{run.LeftRunning{Input: "stop_on_cancel"}}}),
			"Cancelled", "The workflow was cancelled. Deployment record rec1 goes on (stop_on_cancel is false)."},
		{"outcome unknown",
			deployResult(run.OpDeploy, "", &run.Failure{What: run.FailedStart, Cause: run.CauseCancelled, Actions: []run.Action{run.OutcomeUnknown{Input: "stop_on_cancel"}}}),
			"Cancelled", "The workflow was cancelled. The start's outcome is unknown: the post step will look for the record the start may have created and stop it if it runs (stop_on_cancel)."},
		{"an error says enough when nothing runs",
			deployResult(run.OpDeploy, "", &run.Failure{What: run.FailedTaskBusy, Err: boom, Actions: []run.Action{run.NothingRunning{}}}),
			"The task is already deploying", "boom"},
		{"no such record",
			deployResult(run.OpWatch, "", &run.Failure{What: run.FailedNoRecord, Err: boom}),
			"No such deployment record", "boom"},
		{"record failed, rolled back",
			deployResult(run.OpDeploy, "rec1", &run.Failure{What: run.FailedDeployment, Record: &run.RecordVerdict{Status: "failed", Step: "Deploy"},
				Actions: []run.Action{run.RolledBack{Target: "rec0", Status: run.StatusSucceeded}}}),
			"Deployment failed", `Deployment record rec1 of task task1 ended with status "failed" in step "Deploy". Rollback to record rec0: succeeded.`},
		{"unknown status, log tail, rollback on a new line",
			deployResult(run.OpDeploy, "rec1", &run.Failure{What: run.FailedDeployment, Record: &run.RecordVerdict{Status: "canceled", Unknown: true, LogTail: []string{"a", "b"}},
				Actions: []run.Action{run.RolledBack{Target: "rec0", Status: run.StatusTimedOut}}}),
			"Deployment failed", "Deployment record rec1 of task task1 ended with status \"canceled\", a status the action does not know, so it counts as a failure.\nLast lines of the step's log:\na\nb\nRollback to record rec0: timed_out."},
		{"not rolled back: no success",
			deployResult(run.OpDeploy, "rec1", &run.Failure{What: run.FailedDeployment, Record: &run.RecordVerdict{Status: "failed"}, Actions: []run.Action{run.NotRolledBack{Days: 30}}}),
			"Deployment failed", `Deployment record rec1 of task task1 ended with status "failed". Not rolled back: no record succeeded in the 30 days before it.`},
		{"not rolled back: no history",
			deployResult(run.OpDeploy, "rec1", &run.Failure{What: run.FailedDeployment, Record: &run.RecordVerdict{Status: "failed"}, Actions: []run.Action{run.NotRolledBack{HistoryErr: boom}}}),
			"Deployment failed", `Deployment record rec1 of task task1 ended with status "failed". Not rolled back: the deployment history could not be read.`},
		{"stop: cancelled",
			deployResult(run.OpStop, "rec1", &run.Failure{What: run.FailedReadRecord, Cause: run.CauseCancelled, Err: boom}),
			"Cancelled", "the workflow was cancelled before record rec1 was stopped: boom"},
		{"stop: timed out",
			deployResult(run.OpStop, "rec1", &run.Failure{What: run.FailedStop, Cause: run.CauseTimedOut, Timeout: 10 * time.Second, Err: boom}),
			"Timed out", "record rec1 was not stopped within 10.0s (timeout): boom"},
		{"stop: refused",
			deployResult(run.OpStop, "rec1", &run.Failure{What: run.FailedStop, Err: boom}),
			"Could not stop the deployment", "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			title, msg := failureText(tt.res)
			assert.Equal(t, tt.title, title)
			assert.Equal(t, tt.wantMsg, msg)
		})
	}
}

func TestFailureTextHealthAndDryRun(t *testing.T) {
	t.Parallel()
	answer := health.Answer{At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Status: 503, Took: 12 * time.Millisecond, Body: `{"status":"DOWN"}`}
	report := &health.Report{URL: "https://shop.example/health", Checks: 5, Best: 1, Last: []health.Answer{answer},
		Spec: health.Spec{Healthy: 2, Accepted: "200-399", Timeout: 30 * time.Second}}
	unhealthy := deployResult(run.OpDeploy, "rec1", &run.Failure{What: run.FailedHealth, Actions: []run.Action{run.RolledBack{Target: "rec0", Status: run.StatusSucceeded}}})
	unhealthy.Deploy.Health = report
	cancelled := deployResult(run.OpWatch, "rec1", &run.Failure{What: run.FailedHealth, Cause: run.CauseCancelled})
	cancelled.Deploy.Health = report
	dry := &run.Result{Operation: run.OpDeploy, Failure: &run.Failure{What: run.FailedDryRun}, Deploy: &run.DeployDetail{},
		DryRun: &run.DryRun{Checks: []run.Check{{Name: "task", Passed: true}, {Name: "credentials", Detail: "refused"}, {Name: "params", Detail: "x is not declared"}}}}
	tests := []struct {
		name           string
		res            *run.Result
		title, wantMsg string
	}{
		{"unhealthy, rolled back", unhealthy, "Unhealthy",
			"Deployment record rec1 succeeded, but https://shop.example/health did not give 2 good answers in a row (200-399) within 30.0s: 5 checks, the longest run 1.\nLast answers:\n" +
				answer.String() + "\nRollback to record rec0: succeeded."},
		{"cancelled in the health check", cancelled, "Cancelled",
			"The workflow was cancelled during the health check of https://shop.example/health; deployment record rec1 had succeeded, and nothing was stopped."},
		{"dry run", dry, "Dry run: a check failed", "2 of 3 checks failed; nothing was changed.\ncredentials: refused\nparams: x is not declared"},
	}
	for _, tt := range tests {
		title, msg := failureText(tt.res)
		assert.Equal(t, tt.title, title, tt.name)
		assert.Equal(t, tt.wantMsg, msg, tt.name)
	}
}

func TestFailureTextReleasePlan(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	api := run.Component{Name: "api", Seq: 1, Status: "FAILED", FailMessage: "image pull failed", RollbackFailMessage: "no previous version"}
	worker := run.Component{Name: "worker", Seq: 2, Status: "CREATED"}
	var many []run.Component
	for i := range 22 {
		many = append(many, run.Component{Name: fmt.Sprintf("c%d", i), Seq: 1, Status: "FAILED"})
	}
	manyText := make([]string, 20)
	for i := range manyText {
		manyText[i] = fmt.Sprintf("c%d (batch 1) FAILED", i)
	}
	tests := []struct {
		name           string
		f              *run.Failure
		title, wantMsg string
	}{
		{"failed, rollback failed",
			&run.Failure{What: run.FailedReleasePlan, Plan: &run.PlanVerdict{Status: "FAILED", Failed: []run.Component{api}, NotRun: []run.Component{worker}},
				Actions: []run.Action{run.PlanRolledBack{Status: run.StatusFailed, Failed: []run.Component{api, worker}}}},
			"Release plan failed", "Release plan plan1 (shop) ended FAILED: api (batch 1) FAILED: image pull failed; not run: worker (batch 2). Rollback: failed (api: no previous version; worker)."},
		{"failed by its components, rollback not started",
			&run.Failure{What: run.FailedReleasePlan, Plan: &run.PlanVerdict{Failed: []run.Component{worker}},
				Actions: []run.Action{run.PlanRolledBack{Status: run.StatusFailed, NotStarted: true}}},
			"Release plan failed", "Release plan plan1 (shop) failed: worker (batch 2) CREATED. Rollback: failed (it could not be started)."},
		{"many failed, rolled back",
			&run.Failure{What: run.FailedReleasePlan, Plan: &run.PlanVerdict{Failed: many}, Actions: []run.Action{run.PlanRolledBack{Status: run.StatusSucceeded}}},
			"Release plan failed", "Release plan plan1 (shop) failed: " + strings.Join(manyText, "; ") + "; and 2 more. Rollback: succeeded."},
		{"timed out, aborted",
			&run.Failure{What: run.FailedFollowPlan, Cause: run.CauseTimedOut, Timeout: time.Minute, Actions: []run.Action{run.Stopped{}}},
			"Timed out", "Release plan plan1 did not finish within 1m00s (timeout). Release plan plan1 was aborted (timeout)."},
		{"abort failed",
			&run.Failure{What: run.FailedFollowPlan, Err: boom, Actions: []run.Action{run.StopFailed{Err: boom}}},
			"The release plan did not finish", "boom. Release plan plan1 could not be aborted: boom; the post step tries again."},
		{"cancelled, never executed",
			&run.Failure{What: run.FailedFollowPlan, Cause: run.CauseCancelled, Actions: []run.Action{run.NothingRunning{NoneStarted: true, NotExecuted: true}}},
			"Cancelled", "The workflow was cancelled; none of its components started (nobody executed it; set execute: true to execute it)."},
		{"timed out, none started",
			&run.Failure{What: run.FailedFollowPlan, Cause: run.CauseTimedOut, Timeout: time.Minute, Actions: []run.Action{run.NothingRunning{NoneStarted: true}}},
			"Timed out", "Release plan plan1 did not finish within 1m00s (timeout); none of its components started."},
		{"cancelled, not running",
			&run.Failure{What: run.FailedExecute, Cause: run.CauseCancelled, Actions: []run.Action{run.NothingRunning{}}},
			"Cancelled", "The workflow was cancelled; release plan plan1 was not running."},
		{"left running",
			&run.Failure{What: run.FailedFollowPlan, Cause: run.CauseTimedOut, Timeout: time.Minute, Actions: []run.Action{run.LeftRunning{Input: "stop_on_timeout"}}},
			"Timed out", "Release plan plan1 did not finish within 1m00s (timeout). Release plan plan1 goes on (stop_on_timeout is false)."},
		{"no such application", &run.Failure{What: run.FailedNoApplication, Err: boom}, "No such application", "boom"},
		{"no such plan", &run.Failure{What: run.FailedNoPlan, Err: boom}, "No such release plan", "boom"},
		{"abort refused", &run.Failure{What: run.FailedAbort, Err: boom}, "Could not abort the release plan", "boom"},
		{"not read", &run.Failure{What: run.FailedReadPlan, Err: boom}, "Could not read the release plan", "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			title, msg := failureText(planResult(tt.f))
			assert.Equal(t, tt.title, title)
			assert.Equal(t, tt.wantMsg, msg)
		})
	}
}

func TestFailureTextSignal(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		f              *run.Failure
		title, wantMsg string
	}{
		{&run.Failure{What: run.FailedSignal, Err: boom}, "Signal failed", "Software deployment sd1 was not signalled: boom"},
		{&run.Failure{What: run.FailedNoDeployment, Err: boom}, "No such software deployment", "Software deployment sd1 was not signalled: boom"},
		{&run.Failure{What: run.FailedSignal, Cause: run.CauseCancelled, Err: boom}, "Cancelled",
			"Software deployment sd1 was not signalled: the workflow was cancelled before the signal was accepted: boom"},
		{&run.Failure{What: run.FailedSignal, Cause: run.CauseTimedOut, Timeout: 2 * time.Minute, Err: boom}, "Timed out",
			"Software deployment sd1 was not signalled: the signal was not accepted within 2m00s (timeout): boom"},
	}
	for _, tt := range tests {
		title, msg := failureText(signalResult(tt.f))
		assert.Equal(t, tt.title, title)
		assert.Equal(t, tt.wantMsg, msg)
	}
}

// TestEveryFailureHasATitle: a new run.Failed without a title would give
// an annotation without one.
func TestEveryFailureHasATitle(t *testing.T) {
	t.Parallel()
	for what := run.FailedReadTask; what <= run.FailedDryRun; what++ {
		assert.NotEmpty(t, failureTitles[what], "run.Failed %d", what)
	}
}

func TestSentenceAndCapitalized(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, sentence, capitalized string }{
		{"", "", ""},
		{"done.", "done.", "Done."},
		{"release plan p", "release plan p.", "Release plan p"},
		{"Record x", "Record x.", "Record x"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.sentence, sentence(tt.in), tt.in)
		assert.Equal(t, tt.capitalized, capitalized(tt.in), tt.in)
	}
}
