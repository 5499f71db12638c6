package run_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/health"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/sim"
)

const featTask = "fea7f0e5fea7f0e5fea7f0e5fea7f0e5"

func watchInput(recordID string) run.WatchInput {
	return run.WatchInput{TaskID: featTask, RecordID: recordID, ShowLogs: true, Timeout: 30 * time.Second,
		PollInterval: 100 * time.Millisecond, FirstPoll: 20 * time.Millisecond}
}

func TestWatchFollowsSomeoneElsesRecord(t *testing.T) {
	t.Parallel()
	s, url := opsSim(t, "tasks:\n  - {task_id: "+featTask+", already_running: 400ms, steps: [Build, Deploy]}\n")
	running := s.Records(featTask)
	require.Len(t, running, 1)
	var found string
	log := &opLog{}
	res := run.Watch(t.Context(), codeartsClient(t, url), watchInput(""), log, func(id string) { found = id })

	require.Nil(t, res.Failure, log.String())
	assert.Equal(t, run.StatusSucceeded, res.Status)
	assert.Equal(t, run.OpWatch, res.Operation)
	assert.Equal(t, running[0].ID, res.Deploy.RecordID, "the latest record by default")
	assert.Equal(t, running[0].ID, found, "told as soon as it is known")
	assert.Zero(t, s.StartCount(featTask), "a watch starts nothing")
	assert.True(t, res.Settled)
	require.Len(t, res.Deploy.Steps, 2)
	assert.Equal(t, []string{"1/2 Build done", "2/2 Deploy done"}, stepsEnded(log))
	assert.WithinDuration(t, running[0].CreatedAt, res.StartedAt, 2*time.Second,
		"the region's zone is learnt from the end the watch saw come")
	assert.Contains(t, log.String(), "Watching deployment record "+running[0].ID)
}

// stepsEnded returns the steps reported as ended: number, name and state.
func stepsEnded(l *opLog) []string {
	var out []string
	for _, s := range eventsOf[stepEnded](l) {
		out = append(out, fmt.Sprintf("%d/%d %s %s", s.Number, s.Of, s.Step.Name, s.Step.State))
	}
	return out
}

func TestWatchEndedRecordIsReportedAtOnce(t *testing.T) {
	t.Parallel()
	s, url := opsSim(t, "tasks:\n  - {task_id: "+featTask+", fail_at_step: 2, step_duration: 3s}\n")
	failed := s.SeedRecord(featTask, "failed", time.Hour)
	log := &opLog{}
	res := run.Watch(t.Context(), codeartsClient(t, url), watchInput(failed), log, nil)
	assert.Equal(t, run.StatusFailed, res.Status)
	require.NotNil(t, res.Failure)
	assert.Equal(t, run.FailedDeployment, res.Failure.What)
	assert.Contains(t, log.String(), "had already ended")
	assert.True(t, res.StartedAt.IsZero(), "the zone of a record that ended before the watch is unknown")
	assert.Positive(t, res.Duration(), "but its duration is known")
	assert.Len(t, stateCalls(s), 2, "one look, one confirmation: no polling")
}

func stateCalls(s *sim.Server) []sim.Call {
	var out []sim.Call
	for _, c := range s.Calls() {
		if strings.HasSuffix(c.Path, "/state") {
			out = append(out, c)
		}
	}
	return out
}

func TestWatchUnknownRecord(t *testing.T) {
	t.Parallel()
	_, url := opsSim(t, "")
	for _, id := range []string{"ffffffffffffffffffffffffffffffff", ""} {
		res := run.Watch(t.Context(), codeartsClient(t, url), watchInput(id), &opLog{}, nil)
		assert.Equal(t, run.StatusFailed, res.Status)
		require.NotNil(t, res.Failure)
		assert.Equal(t, run.FailedNoRecord, res.Failure.What)
		assert.ErrorContains(t, res.Failure.Err, "Deploy.00011303")
		assert.True(t, res.Settled)
	}
}

func TestWatchTimeoutLeavesTheRecordRunning(t *testing.T) {
	t.Parallel()
	s, url := opsSim(t, "tasks:\n  - {task_id: "+featTask+", already_running: 1m}\n")
	in := watchInput("")
	in.Timeout = 300 * time.Millisecond
	res := run.Watch(t.Context(), codeartsClient(t, url), in, &opLog{}, nil)
	assert.Equal(t, run.StatusTimedOut, res.Status)
	assert.True(t, res.Settled, "left running on purpose")
	require.NotNil(t, res.Failure)
	assert.Equal(t, []run.Action{run.LeftRunning{Input: "stop_on_timeout"}}, res.Failure.Actions)
	assert.Len(t, s.Running(), 1)
}

func gateSpec(url, name string) *health.Spec {
	return &health.Spec{
		URL: url + sim.HealthPath(name), Accept: func(c int) bool { return c >= 200 && c <= 399 }, Accepted: "200-399",
		Healthy: 2, Timeout: 300 * time.Millisecond, Interval: 20 * time.Millisecond, CheckTimeout: time.Second,
	}
}

func TestDeployHealthGate(t *testing.T) {
	t.Parallel()
	const scenario = `
health:
  - {name: never, never: true}
  - {name: flapping, flapping: true}
`
	tests := []struct {
		name     string
		endpoint string
		rollback bool
		want     run.Status
	}{
		{"healthy", "fine", false, run.StatusSucceeded},
		{"never healthy", "never", false, run.StatusUnhealthy},
		{"flapping, rolled back", "flapping", true, run.StatusUnhealthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, url := opsSim(t, scenario)
			good := s.SeedRecord(featTask, "succeeded", time.Hour)
			log := &opLog{}
			res := run.Deploy(t.Context(), codeartsClient(t, url), run.DeployInput{
				TaskID: featTask, Wait: true, IfRunning: run.IfRunningWait, RollbackOnFailure: tt.rollback,
				Timeout: 30 * time.Second, PollInterval: 100 * time.Millisecond, FirstPoll: 20 * time.Millisecond,
				Health: gateSpec(url, tt.endpoint),
			}, log, run.DeployHooks{})
			assert.Equal(t, tt.want, res.Status, log.String())
			require.NotNil(t, res.Deploy.Health)
			assert.Equal(t, tt.want == run.StatusSucceeded, res.Deploy.Health.Healthy)
			assert.Positive(t, len(s.HealthRequests(tt.endpoint)))
			for _, r := range s.HealthRequests(tt.endpoint) {
				assert.Empty(t, r.Credentials, "no credentials to the service's own endpoint")
			}
			if tt.want == run.StatusSucceeded {
				assert.Nil(t, res.Failure)
				return
			}
			require.NotNil(t, res.Failure)
			assert.Equal(t, run.FailedHealth, res.Failure.What)
			h := res.Deploy.Health
			assert.Equal(t, 2, h.Spec.Healthy)
			assert.Equal(t, "200-399", h.Spec.Accepted)
			require.NotEmpty(t, h.Last, "the last answers, for the annotation")
			var last []string
			for _, a := range h.Last {
				last = append(last, a.String())
			}
			assert.Contains(t, strings.Join(last, "\n"), `503 Service Unavailable`)
			assert.Contains(t, strings.Join(last, "\n"), `{"status":"DOWN"}`)
			if tt.rollback {
				assert.NotEmpty(t, res.Deploy.RollbackRecordID)
				assert.Equal(t, run.StatusSucceeded, res.Deploy.RollbackStatus)
				recs := s.Records(featTask)
				assert.Equal(t, good, recs[len(recs)-1].FromRecordID, "an unhealthy service rolls back like a failure")
			} else {
				assert.Empty(t, res.Deploy.RollbackRecordID)
			}
		})
	}
}

func TestDeployNoWaitKeepsTheStartAnswer(t *testing.T) {
	t.Parallel()
	_, url := opsSim(t, "")
	before := time.Now()
	res := run.Deploy(t.Context(), codeartsClient(t, url), run.DeployInput{TaskID: featTask, Wait: false, Timeout: 10 * time.Second}, &opLog{}, run.DeployHooks{})
	assert.Equal(t, run.StatusRunning, res.Status)
	var started struct {
		ID      string `json:"id"`
		JobName string `json:"job_name"`
	}
	require.NoError(t, json.Unmarshal(res.Remote, &started), "result holds the start answer")
	assert.Equal(t, res.Deploy.RecordID, started.ID)
	assert.NotEmpty(t, started.JobName)
	assert.False(t, res.StartedAt.Before(before), "started_at is the start time")
	assert.False(t, res.StartedAt.After(time.Now()))
}

// ---- dry run ----

func TestDryRunDeploy(t *testing.T) {
	t.Parallel()
	s, url := opsSim(t, "")
	c := codeartsClient(t, url)
	// The previous execution had version and region; this one gives
	// version (as encrypt), replicas and a secret.
	prev := run.Deploy(t.Context(), c, run.DeployInput{TaskID: featTask, Wait: true, Timeout: 30 * time.Second,
		PollInterval: 100 * time.Millisecond, FirstPoll: 20 * time.Millisecond,
		Params: []codearts.Param{{Key: "version", Value: "1.4.1", Type: "text"}, {Key: "region", Value: "north", Type: "text"}}}, &opLog{}, run.DeployHooks{})
	require.Equal(t, run.StatusSucceeded, prev.Status)
	calls := len(s.Calls())

	log := &opLog{}
	res := run.DryRunDeploy(t.Context(), c, run.DeployInput{
		TaskID: featTask, Wait: true, IfRunning: run.IfRunningWait, RollbackOnFailure: true, Timeout: 10 * time.Second,
		Params: []codearts.Param{{Key: "version", Value: "1.4.2", Type: "enum"}, {Key: "replicas", Value: "3", Type: "text"},
			{Key: "db_password", Value: "s3cret-value", Type: "encrypt"}},
		Health: gateSpec(url, "app"),
	}, log)

	assert.Equal(t, run.StatusDryRun, res.Status)
	assert.True(t, res.OK(), log.String())
	assert.Nil(t, res.Failure)
	assert.True(t, res.Settled)
	for _, call := range s.Calls()[calls:] {
		assert.Equal(t, http.MethodGet, call.Method, "a dry run only reads: %s %s", call.Method, call.Path)
	}
	assert.Equal(t, 1, s.StartCount(featTask))
	assert.Empty(t, s.HealthRequests("app"), "the health gate is described, not asked")

	require.NotNil(t, res.DryRun)
	byName := map[string]run.Check{}
	for _, c := range res.DryRun.Checks {
		byName[c.Name] = c
	}
	for _, name := range []string{"credentials", "task", "params", "params vs. the previous execution", "running deployment", "rollback_on_failure", "health gate"} {
		assert.True(t, byName[name].Passed, "%s: %+v", name, byName[name])
	}
	cmp := byName["params vs. the previous execution"]
	assert.True(t, cmp.Warning)
	assert.Contains(t, cmp.Detail, "not in it (a typo? the task must declare them): replicas, db_password")
	assert.Contains(t, cmp.Detail, "in it but not given now (the task's values apply): region")
	assert.Contains(t, cmp.Detail, "of another type: version (enum now, text before)")
	assert.Contains(t, byName["rollback_on_failure"].Detail, "redeploy record "+prev.Deploy.RecordID)

	require.Len(t, res.DryRun.WouldSend, 1)
	w := res.DryRun.WouldSend[0]
	assert.Equal(t, "POST /v2/tasks/"+featTask+"/start", w.Method+" "+w.Path)
	assert.JSONEq(t, `{"params":[{"key":"version","value":"1.4.2","type":"enum"},{"key":"replicas","value":"3","type":"text"},{"key":"db_password","value":"***","type":"encrypt"}]}`, string(w.Body))
	assert.NotContains(t, log.String(), "s3cret-value")
	assert.NotContains(t, string(res.Remote), "s3cret-value")
	assert.Contains(t, string(res.Remote), `"dry_run":true`)
}

func TestDryRunDeployFailingChecks(t *testing.T) {
	t.Parallel()
	const deleted = "de1e7edde1e7edde1e7edde1e7edde1e"
	scenario := "tasks:\n  - {task_id: " + featTask + ", already_running: 1m}\n  - {task_id: " + deleted + ", deleted: true}\n"
	tests := []struct {
		name   string
		task   string
		edit   func(*run.DeployInput)
		sk     string
		failed []string
	}{
		{name: "a deployment running and if_running fail", task: featTask, edit: func(in *run.DeployInput) { in.IfRunning = run.IfRunningFail },
			failed: []string{"running deployment"}},
		{name: "a deleted task", task: deleted, failed: []string{"task"}},
		{name: "a record to redeploy that does not exist", task: featTask, edit: func(in *run.DeployInput) { in.RecordID = "ffffffffffffffffffffffffffffffff" },
			failed: []string{"record_id"}},
		{name: "wrong credentials", task: featTask, sk: "not-the-secret", failed: []string{"credentials", "task"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, url := opsSim(t, scenario)
			sk := opsSK
			if tt.sk != "" {
				sk = tt.sk
			}
			c, err := codearts.New(url, huawei.Credentials{AccessKeyID: opsAK, SecretAccessKey: sk}, opsOptions()...)
			require.NoError(t, err)
			in := run.DeployInput{TaskID: tt.task, Wait: true, IfRunning: run.IfRunningWait, Timeout: 10 * time.Second}
			if tt.edit != nil {
				tt.edit(&in)
			}
			res := run.DryRunDeploy(t.Context(), c, in, &opLog{})
			assert.Equal(t, run.StatusDryRun, res.Status)
			assert.False(t, res.OK())
			require.NotNil(t, res.Failure)
			assert.Equal(t, run.FailedDryRun, res.Failure.What)
			var failed []string
			for _, c := range res.DryRun.Checks {
				if !c.Passed {
					failed = append(failed, c.Name)
				}
			}
			assert.Equal(t, tt.failed, failed)
			for _, call := range s.Calls() {
				assert.Equal(t, http.MethodGet, call.Method)
			}
		})
	}
}

func TestDryRunIfRunningStopShowsTheStop(t *testing.T) {
	t.Parallel()
	s, url := opsSim(t, "tasks:\n  - {task_id: "+featTask+", already_running: 1m}\n")
	running := s.Records(featTask)[0].ID
	res := run.DryRunDeploy(t.Context(), codeartsClient(t, url), run.DeployInput{TaskID: featTask, IfRunning: run.IfRunningStop, Wait: true, Timeout: 10 * time.Second}, &opLog{})
	require.True(t, res.OK())
	require.Len(t, res.DryRun.WouldSend, 2)
	assert.Equal(t, "PUT /v2/tasks/"+featTask+"/records/"+running+"/stop", res.DryRun.WouldSend[0].Method+" "+res.DryRun.WouldSend[0].Path)
	assert.Len(t, s.Running(), 1, "nothing stopped")
}

func TestDryRunOtherOperations(t *testing.T) {
	t.Parallel()
	s, url := opsSim(t, "tasks:\n  - {task_id: "+featTask+", already_running: 1m}\n")
	running := s.Records(featTask)[0].ID
	c := codeartsClient(t, url)
	ctx := context.Background()

	w := run.DryRunWatch(ctx, c, watchInput(""), &opLog{})
	assert.True(t, w.OK())
	assert.Equal(t, running, w.Deploy.RecordID)
	w = run.DryRunWatch(ctx, c, watchInput("ffffffffffffffffffffffffffffffff"), &opLog{})
	assert.False(t, w.OK())

	st := run.DryRunStop(ctx, c, run.StopInput{TaskID: featTask, RecordID: running, Timeout: 10 * time.Second}, &opLog{})
	assert.True(t, st.OK())
	require.Len(t, st.DryRun.WouldSend, 1)
	assert.Equal(t, http.MethodPut, st.DryRun.WouldSend[0].Method)
	assert.Len(t, s.Running(), 1, "nothing stopped")

	pl := run.DryRunReleasePlan(ctx, stageClient(t, url), run.ReleasePlanInput{ProjectID: opsProject, PlanID: opsPlan, Execute: true, Timeout: 10 * time.Second}, &opLog{})
	assert.True(t, pl.OK(), "%+v", pl.DryRun)
	require.Len(t, pl.DryRun.WouldSend, 1)
	assert.True(t, strings.HasSuffix(pl.DryRun.WouldSend[0].Path, "/execute"))
	assert.Contains(t, pl.DryRun.Checks[2].Detail, "would run batch 1:")

	sg := run.DryRunSignal(ctx, rtsClient(t, url), run.SignalInput{ProjectID: opsProject, DeploymentID: "d-1",
		OutputValues: map[string]any{"deploy_status_code": 1}}, &opLog{})
	assert.True(t, sg.OK())
	require.Len(t, sg.DryRun.WouldSend, 1)
	assert.JSONEq(t, `{"output_values":{"deploy_status_code":1},"status":"FAILED","status_reason":"deploy_status_code : Deployment exited with non-zero status code: 1"}`, string(sg.DryRun.WouldSend[0].Body))
	sg = run.DryRunSignal(ctx, rtsClient(t, url), run.SignalInput{ProjectID: opsProject, DeploymentID: "missing-1"}, &opLog{})
	assert.False(t, sg.OK())

	for _, call := range s.Calls() {
		assert.Equal(t, http.MethodGet, call.Method, "%s", call.Path)
	}
}
