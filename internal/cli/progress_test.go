package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/run"
)

// TestProgressRendersEachEvent: each event run reports becomes exactly
// these lines of the workflow log.
func TestProgressRendersEachEvent(t *testing.T) {
	t.Parallel()
	comp := run.Component{Name: "api", Seq: 1, Version: "1.0.0", Status: "SUCCESS", JobStatus: "SUCCEEDED", Elapsed: 150 * time.Millisecond}
	failedComp := run.Component{Name: "web", Seq: 2, Status: "FAILED", JobStatus: "FAILED", FailMessage: "probe failed"}
	rolled := run.Component{Name: "web", Seq: 2, Status: "ROLLBACK_FAILED", RollbackJobStatus: "FAILED", RollbackFailMessage: "image gone"}
	step := func(state run.StepState) run.StepProgress {
		return run.StepProgress{Number: 2, Of: 3, Step: run.StepResult{Name: "Migrate", Elapsed: 1500 * time.Millisecond, State: state}}
	}
	detail := func(log *action.Log) func() { return func() { log.Infof("step log line") } }
	tests := []struct {
		name string
		emit func(p run.Logger, log *action.Log)
		want string
	}{
		{"step started", func(p run.Logger, _ *action.Log) {
			p.StepStarted(run.StepProgress{Number: 2, Of: 3, Step: run.StepResult{Name: "Migrate", State: run.StepRunning}})
		}, "▶ 2/3 Migrate…\n"},
		{"step done", func(p run.Logger, log *action.Log) { p.StepEnded(step(run.StepDone), detail(log)) },
			"::group::✓ 2/3 Migrate (1.5s)\nstep log line\n::endgroup::\n"},
		{"step failed", func(p run.Logger, log *action.Log) { p.StepEnded(step(run.StepFailed), detail(log)) },
			"::group::✗ 2/3 Migrate (1.5s) failed\nstep log line\n::endgroup::\n"},
		{"batch started", func(p run.Logger, _ *action.Log) {
			p.BatchStarted(run.Batch{Seq: 1, Components: []run.Component{comp, {Name: "web"}}})
		}, "▶ Batch 1 (2 components) running: api 1.0.0, web…\n"},
		{"batch succeeded", func(p run.Logger, _ *action.Log) {
			p.BatchEnded(run.Batch{Seq: 1, Components: []run.Component{comp}, Outcome: run.BatchSucceeded, Elapsed: 150 * time.Millisecond})
		}, "::group::✓ Batch 1 (1 component) 150ms\napi: SUCCESS, version 1.0.0, job SUCCEEDED, 150ms\n::endgroup::\n"},
		{"batch failed", func(p run.Logger, _ *action.Log) {
			p.BatchEnded(run.Batch{Seq: 2, Components: []run.Component{failedComp}, Outcome: run.BatchFailed})
		}, "::group::✗ Batch 2 (1 component) failed\nweb: FAILED, job FAILED: probe failed\n::endgroup::\n"},
		{"batch not run", func(p run.Logger, _ *action.Log) {
			p.BatchEnded(run.Batch{Seq: 3, Components: []run.Component{{Name: "worker", Status: "CREATED"}}, Outcome: run.BatchNotRun})
		}, "::group::○ Batch 3 (1 component) not run\nworker: CREATED\n::endgroup::\n"},
		{"rollback succeeded", func(p run.Logger, _ *action.Log) {
			p.RollbackEnded(run.PlanRollback{PlanID: "p-1", Components: []run.Component{{Name: "api", Status: "ROLLBACK_SUCCEED"}}})
		}, "::group::✓ Rollback (1 component)\napi: ROLLBACK_SUCCEED\n::endgroup::\n::notice::Rollback succeeded: release plan p-1 is back at its previous versions (1 component).\n"},
		{"rollback failed", func(p run.Logger, _ *action.Log) {
			p.RollbackEnded(run.PlanRollback{PlanID: "p-1", Components: []run.Component{rolled}, Failed: []run.Component{rolled}})
		}, "::group::✗ Rollback (1 component)\nweb: ROLLBACK_FAILED; rollback FAILED: image gone\n::endgroup::\n::warning::The rollback of release plan p-1 failed: web: image gone.\n"},
		{"check passed", func(p run.Logger, _ *action.Log) {
			p.CheckDone(run.Check{Name: "credentials", Passed: true, Detail: "a signed read succeeded"})
		}, "✓ credentials: a signed read succeeded\n"},
		{"check warned", func(p run.Logger, _ *action.Log) {
			p.CheckDone(run.Check{Name: "task", Passed: true, Warning: true, Detail: "busy"})
		},
			"::warning::⚠ task: busy\n"},
		{"check failed", func(p run.Logger, _ *action.Log) { p.CheckDone(run.Check{Name: "task", Detail: "not found"}) },
			"✗ task: not found\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			log := action.NewLog(&out, false)
			tt.emit(logger(log), log)
			assert.Equal(t, tt.want, out.String())
		})
	}
}

// TestVerdictLine: the log's line on each verdict; a failure's line is the
// first line of its annotation's message.
func TestVerdictLine(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	deploy := &run.DeployDetail{TaskID: "t-1", RecordID: "r-1"}
	plan := &run.PlanDetail{PlanID: "p-1", PlanName: "web"}
	tests := []struct {
		name string
		res  *run.Result
		want string
	}{
		{"deployment succeeded", &run.Result{Operation: run.OpDeploy, Status: run.StatusSucceeded, StartedAt: start, FinishedAt: start.Add(90 * time.Second), Deploy: deploy},
			"✓ Deployment succeeded in 1m30s."},
		{"deployment failed", &run.Result{Operation: run.OpDeploy, Status: run.StatusFailed, Deploy: deploy,
			Failure: &run.Failure{What: run.FailedDeployment, Record: &run.RecordVerdict{Status: "failed", Step: "Migrate", LogTail: []string{"boom"}}}},
			`✗ Deployment record r-1 of task t-1 ended with status "failed" in step "Migrate".`},
		{"unknown status", &run.Result{Operation: run.OpWatch, Status: run.StatusFailed, Deploy: deploy,
			Failure: &run.Failure{What: run.FailedDeployment, Record: &run.RecordVerdict{Status: "odd", Unknown: true}}},
			`✗ Deployment record r-1 of task t-1 ended with status "odd", a status the action does not know, so it counts as a failure.`},
		{"plan succeeded", &run.Result{Operation: run.OpReleasePlan, Status: run.StatusSucceeded, Elapsed: 2 * time.Second, Plan: plan},
			"✓ Release plan p-1 (web) succeeded in 2.0s."},
		{"plan failed", &run.Result{Operation: run.OpReleasePlan, Status: run.StatusFailed, Plan: plan,
			Failure: &run.Failure{What: run.FailedReleasePlan, Plan: &run.PlanVerdict{Status: "FAILED",
				Failed: []run.Component{{Name: "b", Seq: 2, Status: "FAILED", FailMessage: "pull failed"}}, NotRun: []run.Component{{Name: "c", Seq: 3}}}}},
			"✗ Release plan p-1 (web) ended FAILED: b (batch 2) FAILED: pull failed; not run: c (batch 3)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			logger(action.NewLog(&out, false)).Verdict(tt.res)
			assert.Equal(t, tt.want+"\n", out.String())
			if tt.res.Failure != nil {
				_, msg := failureText(tt.res)
				first, _, _ := strings.Cut(msg, "\n")
				assert.Equal(t, strings.TrimPrefix(tt.want, "✗ "), first, "the annotation starts with the log's line")
			}
		})
	}
}

// TestBatchEndedListsAtMostMaxShown: a batch of more components than a
// group shows lists maxShownComponents and says how many more there are.
func TestBatchEndedListsAtMostMaxShown(t *testing.T) {
	t.Parallel()
	comps := make([]run.Component, maxShownComponents+30)
	for i := range comps {
		comps[i] = run.Component{Name: fmt.Sprintf("c%d", i), Status: "FAILED"}
	}
	var out bytes.Buffer
	logger(action.NewLog(&out, false)).BatchEnded(run.Batch{Seq: 1, Components: comps, Outcome: run.BatchFailed})
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	assert.Len(t, lines, 1+maxShownComponents+1+1, "title, components, the rest, end")
	assert.Equal(t, "… and 30 more components of this batch, not shown: the action lists at most 100 a batch. The release plan's page in the ServiceStage console lists them all.", lines[len(lines)-2])
}

// TestBatchStartedNamesAtMostMaxNamed: a batch's announcement names the
// first maxNamedComponents and counts the rest.
func TestBatchStartedNamesAtMostMaxNamed(t *testing.T) {
	t.Parallel()
	comps := make([]run.Component, maxNamedComponents+5)
	for i := range comps {
		comps[i] = run.Component{Name: fmt.Sprintf("c%d", i)}
	}
	var out bytes.Buffer
	logger(action.NewLog(&out, false)).BatchStarted(run.Batch{Seq: 1, Components: comps})
	assert.True(t, strings.HasPrefix(out.String(), "▶ Batch 1 (25 components) running: c0, c1,"), out.String())
	assert.True(t, strings.HasSuffix(out.String(), ", c19, and 5 more…\n"), out.String())
}
