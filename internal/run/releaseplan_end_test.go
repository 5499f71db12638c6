package run_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huaweitest"
	"github.com/deploy-action/deploy-action/internal/run"
)

// How the release-plan flow ends other than with a verdict alone: the
// timeout, a cancel, and the rollback after a failure.

func TestReleasePlanNeverExecutedWaitsUntilTimeout(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, "")
	in := planInput(false)
	in.Timeout = 1500 * time.Millisecond
	res, log := planOnSim(t, url, in)
	assert.Equal(t, run.StatusTimedOut, res.Status, log.String())
	require.NotNil(t, res.Failure)
	assert.Equal(t, []run.Action{run.NothingRunning{NoneStarted: true, NotExecuted: true}}, res.Failure.Actions)
	assert.Zero(t, srv.PlanAborts(opsPlan), "nothing runs, nothing to abort")
	assert.Zero(t, srv.PlanExecutions(opsPlan))
}

func TestReleasePlanTimeoutAborts(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, `
release_plans:
  - id: `+opsPlan+`
    components: [{name: api, seq: 1, duration: 1m}, {name: web, seq: 2}]
`)
	in := planInput(true)
	in.Timeout = 1500 * time.Millisecond
	res, log := planOnSim(t, url, in)
	assert.Equal(t, run.StatusTimedOut, res.Status, log.String())
	assert.Equal(t, 1, srv.PlanAborts(opsPlan))
	assert.Equal(t, "ABORTED", srv.PlanStatus(opsPlan))
	assert.Equal(t, []run.Action{run.Stopped{}}, res.Failure.Actions)
	require.Len(t, res.Plan.Components, 2)
	assert.Equal(t, "ABORTED", res.Plan.Components[0].Status, "the components are read again after the abort")
	assert.Equal(t, []batchOutcome{{1, run.BatchAborted, true}, {2, run.BatchNotRun, false}}, outcomes(log))
}

func TestReleasePlanCancelAbortsWithinGrace(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, `
release_plans:
  - id: `+opsPlan+`
    components: [{name: api, seq: 1, duration: 1m}]
`)
	log := &opLog{}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.PlanStatus(opsPlan) != "RUNNING" {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		cancel()
	}()
	res := run.ReleasePlan(ctx, stageClient(t, url), planInput(true), log)
	assert.Equal(t, run.StatusStopped, res.Status, log.String())
	assert.Equal(t, run.CauseCancelled, res.Failure.Cause)
	assert.Equal(t, 1, srv.PlanAborts(opsPlan))
	assert.Equal(t, "ABORTED", srv.PlanStatus(opsPlan))
}

func TestReleasePlanRollbackOnFailure(t *testing.T) {
	t.Parallel()
	for _, rollbackFails := range []bool{false, true} {
		name := map[bool]string{false: "rollback succeeds", true: "rollback fails"}[rollbackFails]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			flag := "false"
			if rollbackFails {
				flag = "true"
			}
			srv, url := opsSim(t, `
release_plans:
  - id: `+opsPlan+`
    components:
      - {name: api, seq: 1, rollback_fails: `+flag+`}
      - {name: web, seq: 2, fail: true}
      - {name: worker, seq: 3}
`)
			in := planInput(true)
			in.RollbackOnFailure = true
			res, log := planOnSim(t, url, in)
			assert.Equal(t, run.StatusFailed, res.Status, "the plan failed, whatever the rollback did")
			assert.False(t, res.OK())
			assert.Equal(t, 1, srv.PlanRollbacks(opsPlan))
			out := log.String()
			rollbacks := eventsOf[run.PlanRollback](log)
			require.Len(t, rollbacks, 1, out)
			assert.Equal(t, []string{"api", "web"}, componentNames(rollbacks[0].Components))
			if rollbackFails {
				assert.Equal(t, run.StatusFailed, res.Plan.RollbackStatus)
				assert.Equal(t, "ROLLBACK_FAILED", res.Plan.Components[0].Status)
				assert.Equal(t, []string{"api"}, componentNames(rollbacks[0].Failed))
				require.Len(t, res.Failure.Actions, 1)
				rb, ok := res.Failure.Actions[0].(run.PlanRolledBack)
				require.True(t, ok, "%#v", res.Failure.Actions[0])
				assert.Equal(t, run.StatusFailed, rb.Status)
				assert.Equal(t, []string{"api"}, componentNames(rb.Failed))
			} else {
				assert.Equal(t, run.StatusSucceeded, res.Plan.RollbackStatus, out)
				assert.Equal(t, "ROLLBACK_SUCCEED", res.Plan.Components[0].Status)
				assert.Equal(t, "ROLLBACK_SUCCEED", res.Plan.Components[1].Status)
				assert.Equal(t, "SUCCEEDED", res.Plan.Components[0].RollbackJobStatus)
				assert.Empty(t, rollbacks[0].Failed)
				assert.Equal(t, []run.Action{run.PlanRolledBack{Status: run.StatusSucceeded}}, res.Failure.Actions)
			}
			assert.Equal(t, "CREATED", res.Plan.Components[2].Status, "worker never ran, so it is not rolled back")
		})
	}
}

// TestReleasePlanRollbackReadsPaddedStatuses: the API notes list upper-case
// statuses only (ShowReleasePlanDeployInfo), but a service version that
// pads them must not turn a succeeded rollback into a failed one. A small
// handler pads every component status the simulator sends.
func TestReleasePlanRollbackReadsPaddedStatuses(t *testing.T) {
	t.Parallel()
	sim, _ := opsSim(t, `
release_plans:
  - id: `+opsPlan+`
    components:
      - {name: api, seq: 1}
      - {name: web, seq: 2, fail: true}
`)
	padded := huaweitest.EditJSON(sim, func(path string) bool { return strings.HasSuffix(path, "/deploy-info") },
		func(m map[string]any) {
			comps, _ := m["components"].([]any)
			for _, c := range comps {
				if c, ok := c.(map[string]any); ok {
					for _, k := range []string{"status", "rollback_job_status"} {
						if s, ok := c[k].(string); ok && s != "" {
							c[k] = " " + s + " "
						}
					}
				}
			}
		})
	srv := httptest.NewServer(padded)
	t.Cleanup(srv.Close)
	in := planInput(true)
	in.RollbackOnFailure = true
	res, log := planOnSim(t, srv.URL, in)
	assert.Equal(t, run.StatusFailed, res.Status)
	assert.Equal(t, 1, sim.PlanRollbacks(opsPlan))
	assert.Equal(t, run.StatusSucceeded, res.Plan.RollbackStatus, log.String())
}
