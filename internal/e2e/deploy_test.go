package e2e

import (
	"encoding/json"
	neturl "net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeploySucceeds(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, `
tasks:
  - task_id: `+taskOK+`
    name: checkout-service
    steps: [Download package, Deploy, Health check]
`)
	s := newStep(t, url, map[string]string{"task_id": taskOK, "params": paramsWithSecret})
	code := s.run()
	stdout := s.stdout.String()
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, s.stderr.String())

	records := srv.Records(taskOK)
	require.Len(t, records, 1)
	rec := records[0]
	assert.Equal(t, 1, srv.StartCount(taskOK))
	assert.Equal(t, "succeeded", rec.Status)
	// The params reached the service as typed entries.
	require.Len(t, rec.Params, 2)
	assert.Equal(t, "version", rec.Params[0].Key)
	assert.Equal(t, "1.4.2", rec.Params[0].Value)
	assert.Equal(t, "text", rec.Params[0].Type)
	assert.Equal(t, encryptValue, rec.Params[1].Value)
	assert.Equal(t, "encrypt", rec.Params[1].Type)

	out := s.outputs()
	assert.Equal(t, "succeeded", out["status"])
	assert.Equal(t, rec.ID, out["record_id"])
	assert.True(t, strings.HasPrefix(out["job_name"], "job_"+rec.ID), out["job_name"])
	started, err := time.Parse(time.RFC3339, out["started_at"])
	require.NoError(t, err)
	finished, err := time.Parse(time.RFC3339, out["finished_at"])
	require.NoError(t, err)
	assert.WithinDuration(t, rec.CreatedAt, started, 2*time.Second, "started_at is the record's start in UTC")
	assert.False(t, finished.Before(started))
	assert.Contains(t, []string{"0", "1"}, out["duration_seconds"])
	var result struct {
		Status string
		Result struct {
			RecordID string `json:"record_id"`
			Status   string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out["result"]), &result))
	assert.Equal(t, rec.ID, result.Result.RecordID)
	assert.Equal(t, "succeeded", result.Result.Status)

	state := s.state()
	assert.Equal(t, rec.ID, state["record_id"])
	assert.Equal(t, taskOK, state["task_id"])
	assert.Equal(t, "true", state["done"])

	// One group per step, with its elapsed time, in order.
	var groups []string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "::group::") {
			groups = append(groups, l)
		}
	}
	require.Len(t, groups, 3, stdout)
	for i, name := range []string{"Download package", "Deploy", "Health check"} {
		assert.Contains(t, groups[i], name)
		assert.Regexp(t, `\(\d+ms\)|\(\d+\.\ds\)`, groups[i])
	}
	assert.Equal(t, strings.Count(stdout, "::group::"), strings.Count(stdout, "::endgroup::"))
	assert.Empty(t, annotations(stdout, "error"))

	sum := s.summary()
	assert.Contains(t, sum, "Deployment succeeded")
	assert.Contains(t, sum, "checkout-service")
	assert.Contains(t, sum, rec.ID)
	assert.Contains(t, sum, "| 3 | Health check |")
	assertNoSecrets(t, s)
	assert.Contains(t, stdout, "::add-mask::"+encryptValue)
}

func TestDeployFailsAtStep(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, `
tasks:
  - task_id: `+taskOK+`
    steps: [Download package, Stop service, Deploy, Start service]
    fail_at_step: 3
    fail_message: "Deploy failed: disk full"
`)
	s := newStep(t, url, map[string]string{"task_id": taskOK, "params": paramsWithSecret})
	code := s.run()
	stdout := s.stdout.String()
	require.Equal(t, 1, code, stdout)
	out := s.outputs()
	assert.Equal(t, "failed", out["status"])
	rec := srv.Records(taskOK)[0]
	assert.Equal(t, rec.ID, out["record_id"])
	msg := oneError(t, s)
	assert.Contains(t, msg, "title=Deployment failed")
	assert.Contains(t, msg, rec.ID)
	assert.Contains(t, msg, "Deploy")
	assert.Contains(t, msg, "Deploy failed: disk full", "the annotation quotes the failing step's log")
	assert.Contains(t, stdout, "::group::✗ 3/4 Deploy")
	// The deployment's own log is printed under each step's group, once.
	groups := strings.Split(stdout, "::group::")
	require.GreaterOrEqual(t, len(groups), 4)
	assert.Contains(t, groups[1], "[Download package]")
	assert.NotContains(t, groups[1], "[Stop service]")
	assert.Contains(t, groups[2], "[Stop service]")
	assert.NotContains(t, groups[2], "[Deploy]")
	assert.Contains(t, groups[3], "[Deploy]")
	assert.NotContains(t, groups[3], "[Stop service]")
	assert.Contains(t, groups[3], "Deploy failed: disk full")
	assert.Equal(t, 1, strings.Count(stdout, `step 1/4 "Download package" started`))
	assert.NotContains(t, stdout, "cannot be shown")
	// The log requests keep the API's rules, which the simulator
	// enforces: both offsets, and a step's id string, not its position.
	logCalls := 0
	for _, c := range srv.Calls() {
		if !strings.HasSuffix(c.Path, "/logs") {
			continue
		}
		logCalls++
		assert.Equal(t, 200, c.Status, "%s?%s answered %s", c.Path, c.Query, c.Code)
		q, err := neturl.ParseQuery(c.Query)
		require.NoError(t, err)
		assert.Regexp(t, `^\d{1,19}$`, q.Get("offset"))
		assert.Regexp(t, `^\d{1,19}$`, q.Get("end_offset"))
		assert.Regexp(t, `^[0-9a-f]{32}$`, q.Get("step_id"))
	}
	assert.GreaterOrEqual(t, logCalls, 3, "one step's log per group")
	assert.Contains(t, stdout, "db_password=******")
	sum := s.summary()
	assert.Contains(t, sum, "Deployment failed")
	assert.Contains(t, sum, "| 3 | Deploy |")
	assert.Contains(t, sum, "❌ failed")
	assert.Contains(t, sum, "⚪ not reached")
	assertNoSecrets(t, s)
}

func TestDeployShowLogsFalse(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := newStep(t, url, map[string]string{"task_id": taskOK, "show_logs": "false"})
	require.Equal(t, 0, s.run())
	assert.NotContains(t, s.stdout.String(), "[Download package]")
	for _, c := range srv.Calls() {
		assert.NotContains(t, c.Path, "/logs", "show_logs: false reads no log")
	}
}

func TestDeployBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	s := badInputSendsNothing(t, newStep, map[string]string{
		"task_id":       "too-short",
		"wait":          "yes",
		"timeout":       "10",
		"params":        "- {key: 'bad key', value: " + encryptValue + ", type: encrypt}",
		"poll_interval": "1s",
	}, "task_id", "wait", "timeout", "params")
	assert.Empty(t, s.outputs()["record_id"])
}

func TestDeployRefusedStartCarriesRemoteError(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, `
tasks:
  - task_id: `+taskOK+`
    refuse_start: {status: 400, code: Deploy.00011042, message: "A draft application cannot be executed."}
`)
	s := newStep(t, url, map[string]string{"task_id": taskOK})
	require.Equal(t, 1, s.run())
	err := oneError(t, s)
	assert.Contains(t, err, "Deploy.00011042")
	assert.Contains(t, err, "A draft application cannot be executed.")
	var requestID string
	for _, c := range srv.Calls() {
		if strings.HasSuffix(c.Path, "/start") {
			requestID = c.RequestID
		}
	}
	require.NotEmpty(t, requestID)
	assert.Contains(t, err, "request id "+requestID)
	assert.Equal(t, "failed", s.outputs()["status"])
	assert.Zero(t, srv.StartCount(taskOK))
}

func TestDeployWrongSecretIsNotRetried(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	wrong := "wrong-secret-key-value-0000"
	s := newStep(t, url, map[string]string{"task_id": taskOK, "secret_access_key": wrong})
	require.Equal(t, 1, s.run())
	err := oneError(t, s)
	assert.Contains(t, err, "APIGW.0301")
	assert.Len(t, srv.Calls(), 1, "a signature failure must not be retried (AK lockout)")
	assertNoSecrets(t, s, wrong)
}

func TestDeployNoWait(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := newStep(t, url, map[string]string{"task_id": taskOK, "wait": "false"})
	require.Equal(t, 0, s.run(), s.stdout.String())
	out := s.outputs()
	assert.Equal(t, "running", out["status"])
	recs := srv.Records(taskOK)
	require.Len(t, recs, 1)
	assert.Equal(t, recs[0].ID, out["record_id"])
	assert.Equal(t, "true", s.state()["done"], "the post step must leave a deployment alone after wait: false")
	// The start answer decided the status: it is the result, and
	// started_at is when it came.
	var started struct {
		ID      string `json:"id"`
		TaskID  string `json:"task_id"`
		JobName string `json:"job_name"`
	}
	require.NoError(t, json.Unmarshal([]byte(out["result"]), &started), "result: %q", out["result"])
	assert.Equal(t, recs[0].ID, started.ID)
	assert.Equal(t, taskOK, started.TaskID)
	assert.Equal(t, out["job_name"], started.JobName)
	at, err := time.Parse(time.RFC3339, out["started_at"])
	require.NoError(t, err, "started_at: %q", out["started_at"])
	// The local time the answer came and the simulator's time it made
	// the record, in whole seconds: close, on any machine.
	assert.WithinDuration(t, recs[0].CreatedAt, at, 30*time.Second)
	assert.Empty(t, out["finished_at"])
	assert.Empty(t, out["duration_seconds"])
}

func TestDeployCancelStopsRecord(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, longTask)
	s := newStep(t, url, map[string]string{"task_id": taskOK, "params": paramsWithSecret})
	s.start(false)
	recordID := s.waitForOutput("record_id", 10*time.Second)
	signalled := time.Now()
	s.signal(syscall.SIGINT)
	code := s.wait()
	exited := time.Since(signalled)
	assert.NotEqual(t, 0, code)
	assert.Less(t, exited, 7*time.Second, "the action must exit before the runner escalates to SIGTERM")

	recs := srv.Records(taskOK)
	require.Len(t, recs, 1)
	assert.Equal(t, recordID, recs[0].ID)
	assert.True(t, recs[0].Stopped)
	assert.Less(t, recs[0].StoppedAt.Sub(signalled), 5*time.Second, "the stop must arrive within 5 s of the signal")
	assert.Equal(t, "stopped", s.outputs()["status"])
	assert.Empty(t, srv.Running())
	assertNoSecrets(t, s)
}

func TestDeployTimeoutStopsRecord(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, longTask)
	s := newStep(t, url, map[string]string{"task_id": taskOK, "timeout": "2s"})
	require.Equal(t, 1, s.run())
	out := s.outputs()
	assert.Equal(t, "timed_out", out["status"])
	recs := srv.Records(taskOK)
	require.Len(t, recs, 1)
	assert.True(t, recs[0].Stopped, "a timed-out deployment is stopped")
	err := oneError(t, s)
	assert.Contains(t, err, "2.0s")
}

func TestPostStopsRecordLeftByKilledStep(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, longTask)
	main := newStep(t, url, map[string]string{"task_id": taskOK})
	main.start(false)
	recordID := main.waitForOutput("record_id", 10*time.Second)
	require.NoError(t, main.cmd.Process.Kill()) // no chance to clean up
	main.wait()
	require.Len(t, srv.Running(), 1)

	post := newStep(t, url, map[string]string{"task_id": taskOK})
	post.setState(main.state())
	post.start(true)
	require.Equal(t, 0, post.wait(), post.stdout.String())
	assert.Empty(t, srv.Running(), "the post step stops the record the killed step left")
	recs := srv.Records(taskOK)
	require.Len(t, recs, 1)
	assert.Equal(t, recordID, recs[0].ID)
	assert.True(t, recs[0].Stopped)
	assert.Equal(t, 1, srv.StartCount(taskOK), "the post step never starts a deployment")
}

func TestPostLeavesFinishedRunAlone(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	main := newStep(t, url, map[string]string{"task_id": taskOK})
	require.Equal(t, 0, main.run())
	calls := len(srv.Calls())
	post := newStep(t, url, map[string]string{"task_id": taskOK})
	post.setState(main.state())
	post.start(true)
	require.Equal(t, 0, post.wait())
	assert.Len(t, srv.Calls(), calls, "nothing to do after a final status")
}
