package run_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// The release-plan flow executes a plan exactly once: through faults, an
// answer lost, a plan already running, a refusal.

func TestReleasePlanExecuteOnceThroughFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   string
		wantLog string
	}{
		{"throttled execute is retried", "{op: execute, kind: throttle, retry_after: 1s, times: 1}", "APIGW.0308"},
		{"execute processed but its answer dropped is not repeated", "{op: execute, kind: drop, times: 1}", "The execute request did reach ServiceStage"},
		{"execute answered 502 without effect is repeated once", "{op: execute, kind: error, status: 502, times: 1}", "No sign of the execute after 300ms; sending it again."},
		{"deploy-info polls through 503 and a slow answer", "{op: deploy_info, kind: error, status: 503, after: 2, times: 2}\n  - {op: deploy_info, kind: slow, delay: 300ms, times: 1}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := opsSim(t, "faults:\n  - "+tt.fault+"\n")
			log := &opLog{}
			opts := opsOptions()
			opts = append(opts, huawei.WithRetryNotify(func(e huawei.RetryEvent) { log.Warningf("%v; retrying", e.Err) }))
			c, err := servicestage.New(url, huawei.Credentials{AccessKeyID: opsAK, SecretAccessKey: opsSK}, opts...)
			require.NoError(t, err)
			res := run.ReleasePlan(context.Background(), c, planInput(true), log)
			assert.Equal(t, run.StatusSucceeded, res.Status, log.String())
			assert.Equal(t, 1, srv.PlanExecutions(opsPlan), "exactly one execution:\n%s", log.String())
			if tt.wantLog != "" {
				assert.Contains(t, log.String(), tt.wantLog)
			}
		})
	}
}

func TestReleasePlanUnknownOutcomeWithEvidence(t *testing.T) {
	t.Parallel()
	// The execute answer is lost, and the plan shows it took effect: the
	// flow adopts the execution instead of executing again.
	lost := &huawei.UnknownOutcomeError{Err: errors.New("connection reset")}
	f := &scriptedPlan{
		infos: [][]servicestage.Component{
			comps("a:1:SUCCESS"), // before: an earlier execution
			comps("a:1:RUNNING"), // the look after the lost answer
			comps("a:1:SUCCESS"),
		},
		statuses: []string{"SUCCESS", "RUNNING", "SUCCESS"},
		execErr:  []error{lost},
	}
	log := &opLog{}
	res := run.ReleasePlan(context.Background(), f, planInput(true), log)
	assert.Equal(t, 1, f.executes)
	assert.Equal(t, run.StatusSucceeded, res.Status, log.String())
}

func TestReleasePlanDoesNotTakeThePreviousExecutionForOurs(t *testing.T) {
	t.Parallel()
	// Right after execute the answer still shows the previous (failed)
	// execution; the flow must wait for the new one.
	old := comps("a:1:FAILED")
	old[0].StartTime = 1000
	newer := comps("a:1:SUCCESS")
	newer[0].StartTime = 2000
	f := &scriptedPlan{
		infos:    [][]servicestage.Component{old, old, old, newer},
		statuses: []string{"FAILED", "FAILED", "FAILED", "SUCCESS"},
	}
	log := &opLog{}
	res := run.ReleasePlan(context.Background(), f, planInput(true), log)
	assert.Equal(t, 1, f.executes)
	assert.Equal(t, run.StatusSucceeded, res.Status, log.String())
}

func TestReleasePlanAlreadyRunningIsWatchedNotExecuted(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, `
release_plans:
  - id: `+opsPlan+`
    status: RUNNING
    components: [{name: api, seq: 1}]
`)
	res, log := planOnSim(t, url, planInput(true))
	assert.Equal(t, run.StatusSucceeded, res.Status, log.String())
	assert.Zero(t, srv.PlanExecutions(opsPlan))
	assert.Contains(t, log.String(), "already running")
}

func TestReleasePlanRefusedExecute(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, `
release_plans:
  - id: `+opsPlan+`
    execute_refuse: {status: 400, code: SVCSTG.00100400, message: "The release plan has no environment."}
    components: [{name: api, seq: 1}]
`)
	res := run.ReleasePlan(context.Background(), stageClient(t, url), planInput(true), &opLog{})
	assert.Equal(t, run.StatusFailed, res.Status)
	assert.Equal(t, run.FailedExecute, res.Failure.What)
	assert.ErrorContains(t, res.Failure.Err, "The release plan has no environment.")
	assert.Zero(t, srv.PlanExecutions(opsPlan))
}
