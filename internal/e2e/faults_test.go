package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each case runs a whole deployment through a fault and checks the verdict
// is the true one and that the run made exactly one deployment record.
func TestDeployThroughFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		scenario string
		inputs   map[string]string
		wantLog  string // a line fragment the log must show
	}{
		{
			name: "throttled start honours Retry-After",
			scenario: `
faults:
  - {op: start, kind: throttle, retry_after: 1s, times: 2}`,
			wantLog: "APIGW.0308",
		},
		{
			name: "start processed but its answer dropped is adopted",
			scenario: `
faults:
  - {op: start, kind: drop, times: 1}`,
			wantLog: "adopting record",
		},
		{
			name: "start answered 502 without a record is started again",
			scenario: `
faults:
  - {op: start, kind: error, status: 502, times: 1}`,
			wantLog: "No sign of the start after 6.0s; sending it again.",
		},
		{
			name: "state polls through 503, 504 and a slow answer",
			scenario: `
faults:
  - {op: state, kind: error, status: 503, after: 1, times: 2}
  - {op: state, kind: error, status: 504, times: 1}
  - {op: state, kind: slow, delay: 1500ms, times: 1}`,
		},
		{
			name: "hanging state poll is abandoned after request_timeout",
			scenario: `
faults:
  - {op: state, kind: hang, after: 1, times: 1}`,
			inputs: map[string]string{"request_timeout": "1s"},
		},
		{
			// The gateway answers skew with the same 401 APIGW.0301 as a
			// wrong key; the action tells them apart by its Date header.
			name:     "gateway clock 20 minutes ahead",
			scenario: `clock_skew: 20m`,
			wantLog:  "its clock is about 20 minutes ahead of the runner's: signing again by the gateway's clock",
		},
		{
			name:     "gateway clock 20 minutes behind",
			scenario: `clock_skew: -20m`,
			wantLog:  "its clock is about 20 minutes behind the runner's",
		},
		{
			name: "string-typed step fields",
			scenario: `
tasks:
  - {task_id: "*", string_fields: true}`,
			wantLog: "::group::✓ 4/4 Start service",
		},
		{
			name: "undocumented running status is waited on",
			scenario: `
tasks:
  - {task_id: "*", running_status: queued_by_scheduler}`,
			wantLog: "queued_by_scheduler",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := simulator(t, tt.scenario)
			s := newStep(t, url, merge(map[string]string{"task_id": taskOK, "params": paramsWithSecret}, tt.inputs))
			code := s.run()
			stdout := s.stdout.String()
			require.Equal(t, 0, code, stdout)
			assert.Equal(t, "succeeded", s.outputs()["status"])
			recs := srv.Records(taskOK)
			require.Len(t, recs, 1, "exactly one deployment record per run")
			assert.Equal(t, 1, srv.StartCount(taskOK))
			assert.Equal(t, recs[0].ID, s.outputs()["record_id"])
			if tt.wantLog != "" {
				assert.Contains(t, stdout, tt.wantLog)
			}
			assertNoSecrets(t, s)
		})
	}
}

func TestDeployFailedStatusAbortIsFailure(t *testing.T) {
	t.Parallel()
	_, url := simulator(t, `
tasks:
  - {task_id: "*", fail_at_step: 2, failed_status: abort}`)
	s := newStep(t, url, map[string]string{"task_id": taskOK})
	require.Equal(t, 1, s.run())
	assert.Equal(t, "failed", s.outputs()["status"])
	assert.Contains(t, s.stdout.String(), `ended with status "abort"`)
}

// TestDeployUnfamiliarFinalStatus: what a record stopped in the console
// reports is not documented. Once the record has ended (step finish, an
// end_time), a status the action does not know is a failure that names
// it, seen in one poll, not a wait until the timeout.
func TestDeployUnfamiliarFinalStatus(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, `
tasks:
  - {task_id: "*", final_status: stopped}`)
	s := newStep(t, url, map[string]string{"task_id": taskOK, "timeout": "20s"})
	err := assertFailed(t, s, s.run(), "failed", "title=Deployment failed")
	assert.Contains(t, err, `ended with status "stopped"`)
	assertVerdictLogged(t, s.stdout.String(), err)
	assert.Contains(t, s.summary(), "stopped")

	recs := srv.Records(taskOK)
	require.Len(t, recs, 1)
	after := 0
	for _, c := range srv.Calls() {
		if strings.HasSuffix(c.Path, "/state") && !c.At.Before(recs[0].StoppedAt) {
			after++
		}
	}
	assert.Equal(t, 1, after, "one state read after the record ended")
	assert.Empty(t, srv.Running())
}

func TestDeployIfRunning(t *testing.T) {
	t.Parallel()
	const scenario = `
tasks:
  - task_id: ` + taskOK + `
    already_running: 1500ms
`
	t.Run("wait", func(t *testing.T) {
		t.Parallel()
		srv, url := simulator(t, scenario)
		other := srv.Running()
		require.Len(t, other, 1)
		s := newStep(t, url, map[string]string{"task_id": taskOK})
		require.Equal(t, 0, s.run(), s.stdout.String())
		recs := srv.Records(taskOK)
		require.Len(t, recs, 2)
		assert.Equal(t, "succeeded", recs[0].Status, "the other deployment ran to its end")
		assert.False(t, recs[0].Stopped)
		assert.Equal(t, recs[1].ID, s.outputs()["record_id"])
		assert.Contains(t, s.stdout.String(), "waiting for it to finish first")
	})
	t.Run("fail", func(t *testing.T) {
		t.Parallel()
		srv, url := simulator(t, scenario)
		other := srv.Running()[0]
		s := newStep(t, url, map[string]string{"task_id": taskOK, "if_running": "fail"})
		require.Equal(t, 1, s.run())
		assert.Zero(t, srv.StartCount(taskOK))
		err := oneError(t, s)
		assert.Contains(t, err, other.ID)
		assert.Equal(t, "failed", s.outputs()["status"])
	})
	t.Run("stop", func(t *testing.T) {
		t.Parallel()
		srv, url := simulator(t, strings.Replace(scenario, "1500ms", "10m", 1))
		other := srv.Running()[0]
		s := newStep(t, url, map[string]string{"task_id": taskOK, "if_running": "stop"})
		require.Equal(t, 0, s.run(), s.stdout.String())
		recs := srv.Records(taskOK)
		require.Len(t, recs, 2)
		assert.Equal(t, other.ID, recs[0].ID)
		assert.True(t, recs[0].Stopped)
		assert.Equal(t, "succeeded", recs[1].Status)
	})
}

func TestDeployRollbackOnFailure(t *testing.T) {
	t.Parallel()
	for _, rollbackFails := range []bool{false, true} {
		name := map[bool]string{false: "rollback succeeds", true: "rollback fails"}[rollbackFails]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			scenario := `
tasks:
  - task_id: ` + taskOK + `
    fail_at_step: 3
`
			if rollbackFails {
				scenario += "    rollback_fails: true\n"
			}
			srv, url := simulator(t, scenario)
			good := srv.SeedRecord(taskOK, "succeeded", time.Hour)
			s := newStep(t, url, map[string]string{"task_id": taskOK, "rollback_on_failure": "true", "params": paramsWithSecret})
			require.Equal(t, 1, s.run(), "the deployment failed, whatever the rollback did")
			out := s.outputs()
			assert.Equal(t, "failed", out["status"])
			recs := srv.Records(taskOK)
			require.Len(t, recs, 3, "the seed, the failed deployment and its rollback")
			assert.Equal(t, 2, srv.StartCount(taskOK), "one start plus one for the rollback")
			rollback := recs[2]
			assert.Equal(t, good, rollback.FromRecordID, "the rollback redeploys the last good record")
			assert.Equal(t, rollback.ID, out["rollback_record_id"])
			stdout := s.stdout.String()
			if rollbackFails {
				assert.Equal(t, "failed", rollback.Status)
				assert.Contains(t, stdout, "::warning::Rollback record")
			} else {
				assert.Equal(t, "succeeded", rollback.Status)
				assert.Contains(t, stdout, "::notice::Rollback succeeded")
			}
			assert.Contains(t, s.summary(), "Rollback")
			assertNoSecrets(t, s)
		})
	}
}
