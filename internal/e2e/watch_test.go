package e2e

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// End-to-end tests of operation: watch, which follows a deployment record
// someone else started, through the built binary.

func TestWatchFollowsAnotherJobsDeployment(t *testing.T) {
	t.Parallel()
	// The record must still run when the step looks at it, even on a
	// loaded machine where starting the binary takes seconds: a record
	// that had ended is TestWatchRecordThatHadEnded's case (no start time).
	srv, url := simulator(t, `
tasks:
  - {task_id: `+taskOK+`, name: checkout-service, steps: [Build, Deploy, Verify], already_running: 4s}
`)
	running := srv.Running()
	require.Len(t, running, 1)
	s := newStep(t, url, map[string]string{"operation": "watch", "task_id": taskOK})
	code := s.run()
	stdout := s.stdout.String()
	require.Equal(t, 0, code, stdout)

	assert.Zero(t, srv.StartCount(taskOK), "a watch starts nothing")
	out := s.outputs()
	assert.Equal(t, "succeeded", out["status"])
	assert.Equal(t, running[0].ID, out["record_id"], "the task's latest record by default")
	assert.NotEmpty(t, out["duration_seconds"])
	started, err := time.Parse(time.RFC3339, out["started_at"])
	require.NoError(t, err)
	assert.WithinDuration(t, running[0].CreatedAt, started, 2*time.Second)
	var result struct{ Result struct{ Status string } }
	require.NoError(t, json.Unmarshal([]byte(out["result"]), &result))
	assert.Equal(t, "succeeded", result.Result.Status)

	var groups []string
	for _, l := range strings.Split(stdout, "\n") {
		if g, ok := strings.CutPrefix(l, "::group::"); ok {
			groups = append(groups, g)
		}
	}
	require.Len(t, groups, 3, stdout)
	for i, name := range []string{"Build", "Deploy", "Verify"} {
		assert.Contains(t, groups[i], name)
	}
	assert.Contains(t, stdout, "Watching deployment record "+running[0].ID)
	assert.Contains(t, s.summary(), "Watched deployment succeeded: checkout-service")
	assert.Empty(t, s.state()["record_id"], "the record is someone else's: nothing for the post step")
	assert.Equal(t, "true", s.state()["done"])
	assertNoSecrets(t, s)
}

func TestWatchRecordThatHadEnded(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "tasks:\n  - {task_id: "+taskOK+", fail_at_step: 2, fail_message: 'Deploy failed: disk full', step_duration: 2s}\n")
	failed := srv.SeedRecord(taskOK, "failed", time.Hour)
	s := newStep(t, url, map[string]string{"operation": "watch", "task_id": taskOK, "record_id": failed})
	code := s.run()
	stdout := s.stdout.String()
	require.Equal(t, 1, code, stdout)
	out := s.outputs()
	assert.Equal(t, "failed", out["status"])
	assert.Equal(t, failed, out["record_id"])
	assert.Empty(t, out["started_at"], "its zone-less times tell no instant")
	assert.Equal(t, "4", out["duration_seconds"], "but a duration")
	err := oneError(t, s)
	assert.Contains(t, err, "Deployment failed")
	assert.Contains(t, err, "Deploy failed: disk full", "the failing step's log is quoted")
	assert.Contains(t, stdout, "had already ended")
	assert.Len(t, pathCalls(srv, "GET", "/state"), 2, "reported at once: one look, one confirmation, no polling")
}

func TestWatchUnknownRecord(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	tests := []struct {
		name, record, want string
	}{
		{"a record the task does not have", "ffffffffffffffffffffffffffffffff", "task " + taskOK + " has no deployment record ffffffffffffffffffffffffffffffff"},
		{"a task without records", "", "task " + taskOK + " has no deployment record to watch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStep(t, url, map[string]string{"operation": "watch", "task_id": taskOK, "record_id": tt.record})
			require.Equal(t, 1, s.run())
			err := oneError(t, s)
			assert.Contains(t, err, "No such deployment record")
			assert.Contains(t, err, tt.want)
			assert.Contains(t, err, "Deploy.00011303")
			assert.Equal(t, "failed", s.outputs()["status"])
		})
	}
	assert.Zero(t, srv.StartCount(taskOK))
}

func TestWatchCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		stopOnCancel string
		wantStopped  bool
		wantStatus   string
	}{
		{"leaves someone else's record running by default", "", false, "running"},
		{"stops it when stop_on_cancel is true", "true", true, "stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := simulator(t, runningTask)
			s := newStep(t, url, map[string]string{"operation": "watch", "task_id": taskOK, "stop_on_cancel": tt.stopOnCancel})
			s.start(false)
			recordID := s.waitForOutput("record_id", 10*time.Second)
			s.signal(syscall.SIGINT)
			assert.Equal(t, 1, s.wait())
			recs := srv.Records(taskOK)
			require.Len(t, recs, 1)
			assert.Equal(t, recordID, recs[0].ID)
			assert.Equal(t, tt.wantStopped, recs[0].Stopped)
			assert.Equal(t, tt.wantStatus, s.outputs()["status"])
			if !tt.wantStopped {
				assert.Contains(t, s.stdout.String(), "goes on (stop_on_cancel is false)")
				assert.Equal(t, "true", s.state()["done"], "nothing for the post step")
			}
		})
	}
}

func TestWatchBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	badInputSendsNothing(t, newStep, map[string]string{"operation": "watch", "record_id": "abc"}, "task_id: required for operation watch", "record_id: must be 32 letters or digits")
}
