package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// simRegionTime is how the simulator, playing cn-north-4 (UTC+8), writes
// a record's start: region-local, without a zone, like the real API.
func simRegionTime(t time.Time) string {
	return t.In(time.FixedZone("", 8*3600)).Format("2006-01-02 15:04:05")
}

const failingTask = `
tasks:
  - task_id: ` + taskOK + `
    fail_at_step: 3
`

// The latest record failed, an older one succeeded: the rollback redeploys
// the older success, found in the task's history.
func TestDeployRollsBackToLastSuccessBeforeAFailure(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, failingTask)
	good := srv.SeedRecord(taskOK, "succeeded", 72*time.Hour)
	bad := srv.SeedRecord(taskOK, "failed", time.Hour)
	s := newStep(t, url, map[string]string{"task_id": taskOK, "rollback_on_failure": "true"})
	require.Equal(t, 1, s.run(), "the deployment failed, whatever the rollback did")
	stdout := s.stdout.String()

	recs := srv.Records(taskOK)
	require.Len(t, recs, 4, "two seeds, the failed deployment and its rollback:\n%s", stdout)
	assert.Equal(t, bad, recs[1].ID)
	rollback := recs[3]
	assert.Equal(t, good, rollback.FromRecordID, "the rollback's start carries the older success's record_id")
	assert.Equal(t, "succeeded", rollback.Status)
	assert.Equal(t, 2, srv.StartCount(taskOK))

	out := s.outputs()
	assert.Equal(t, "failed", out["status"])
	assert.Equal(t, recs[2].ID, out["record_id"])
	assert.Equal(t, rollback.ID, out["rollback_record_id"])

	// The log names the target and when it ran.
	var target string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.Contains(l, "Rollback target: record "+good) {
			target = l
		}
	}
	require.NotEmpty(t, target, stdout)
	assert.Contains(t, target, simRegionTime(recs[0].CreatedAt))
	assert.Contains(t, target, bad, "and says why the latest record was passed over")
	assert.Contains(t, stdout, "::notice::Rollback succeeded")

	// The history was asked in the task's CodeArts project.
	calls := pathCalls(srv, "GET", "/history")
	require.NotEmpty(t, calls)
	for _, c := range calls {
		assert.Equal(t, 200, c.Status, "%s?%s", c.Path, c.Query)
	}
	err := oneError(t, s)
	assert.Contains(t, err, "Rollback to record "+good+": succeeded")
}

// Nothing succeeded within the history's 30 days: nothing is rolled back,
// and the deployment's own failure is what the job reports.
func TestDeployNoSuccessWithinThirtyDays(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, failingTask)
	srv.SeedRecord(taskOK, "succeeded", 40*24*time.Hour)
	srv.SeedRecord(taskOK, "failed", time.Hour)
	s := newStep(t, url, map[string]string{"task_id": taskOK, "rollback_on_failure": "true"})
	require.Equal(t, 1, s.run())
	stdout := s.stdout.String()

	assert.Equal(t, 1, srv.StartCount(taskOK), "no rollback start")
	out := s.outputs()
	assert.Equal(t, "failed", out["status"])
	assert.Empty(t, out["rollback_record_id"])
	warnings := strings.Join(annotations(stdout, "warning"), "\n")
	assert.Contains(t, warnings, "nothing to roll back to")
	assert.Contains(t, warnings, "30 days")
	err := oneError(t, s)
	assert.Contains(t, err, "title=Deployment failed")
}

// A history the action may not read (403, 404) does not fail the
// deployment's report or start anything: it warns and falls back to the
// latest record, which here did not succeed.
func TestDeployHistoryRefusedFallsBack(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ status, code string }{
		{"403", "Deploy.00011154"},
		{"404", "Deploy.00011020"},
	} {
		t.Run(tt.status, func(t *testing.T) {
			t.Parallel()
			srv, url := simulator(t, failingTask+"    refuse_history: {status: "+tt.status+", code: "+tt.code+"}\n")
			srv.SeedRecord(taskOK, "succeeded", 72*time.Hour)
			srv.SeedRecord(taskOK, "failed", time.Hour)
			s := newStep(t, url, map[string]string{"task_id": taskOK, "rollback_on_failure": "true"})
			require.Equal(t, 1, s.run())
			stdout := s.stdout.String()

			assert.Equal(t, 1, srv.StartCount(taskOK), "no rollback start")
			assert.Len(t, pathCalls(srv, "GET", "/history"), 1, "a refusal is not retried")
			out := s.outputs()
			assert.Equal(t, "failed", out["status"])
			assert.Empty(t, out["rollback_record_id"])
			warnings := strings.Join(annotations(stdout, "warning"), "\n")
			assert.Contains(t, warnings, "history could not be read")
			assert.Contains(t, warnings, tt.code, "the warning carries the remote error code")
			err := oneError(t, s)
			assert.Contains(t, err, "title=Deployment failed")
		})
	}
}

// When the latest record succeeded it is the target, as before: no
// history call is needed.
func TestDeployRollbackToLatestSuccessReadsNoHistory(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, failingTask)
	srv.SeedRecord(taskOK, "failed", 72*time.Hour)
	good := srv.SeedRecord(taskOK, "succeeded", time.Hour)
	s := newStep(t, url, map[string]string{"task_id": taskOK, "rollback_on_failure": "true"})
	require.Equal(t, 1, s.run())
	recs := srv.Records(taskOK)
	require.Len(t, recs, 4)
	assert.Equal(t, good, recs[3].FromRecordID)
	assert.Empty(t, pathCalls(srv, "GET", "/history"))
	assert.Contains(t, s.stdout.String(), "Rollback target: record "+good)
}
