package run_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

func planInput(execute bool) run.ReleasePlanInput {
	return run.ReleasePlanInput{
		ProjectID: opsProject, PlanID: opsPlan, Execute: execute, Wait: true,
		StopOnCancel: true, StopOnTimeout: true,
		Timeout: 20 * time.Second, PollInterval: 200 * time.Millisecond, FirstPoll: 50 * time.Millisecond,
		AbortGrace: 2 * time.Second, LookFor: 300 * time.Millisecond,
	}
}

func comps(spec ...string) []servicestage.Component {
	// spec: "name:seq:STATUS"
	out := make([]servicestage.Component, len(spec))
	for i, s := range spec {
		parts := strings.Split(s, ":")
		seq, _ := strconv.Atoi(parts[1])
		out[i] = servicestage.Component{Name: parts[0], ID: parts[0], Seq: servicestage.Seq(seq), Status: parts[2]}
	}
	return out
}

func TestReleasePlanExecutesAndSucceeds(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, "")
	log := &opLog{}
	res := run.ReleasePlan(context.Background(), stageClient(t, url), planInput(true), log)
	require.Nil(t, res.Failure, log.String())
	assert.Equal(t, run.StatusSucceeded, res.Status)
	assert.True(t, res.OK())
	assert.Equal(t, 1, srv.PlanExecutions(opsPlan))
	require.Len(t, res.Plan.Components, 3)
	for i, want := range []struct {
		name string
		seq  int
	}{{"api", 1}, {"web", 1}, {"worker", 2}} {
		assert.Equal(t, want.name, res.Plan.Components[i].Name)
		assert.Equal(t, want.seq, res.Plan.Components[i].Seq)
		assert.Equal(t, "SUCCESS", res.Plan.Components[i].Status)
		assert.Equal(t, "SUCCEEDED", res.Plan.Components[i].JobStatus)
		assert.Positive(t, res.Plan.Components[i].Elapsed)
	}
	batches := eventsOf[batchEnded](log)
	require.Len(t, batches, 2, log.String())
	for i, want := range []struct{ seq, comps int }{{1, 2}, {2, 1}} {
		assert.Equal(t, want.seq, batches[i].Seq)
		assert.Len(t, batches[i].Components, want.comps)
		assert.Equal(t, run.BatchSucceeded, batches[i].Outcome)
		assert.Positive(t, batches[i].Elapsed)
	}
	assert.Equal(t, "1.0.0", batches[0].Components[0].Version)
	assert.Equal(t, []run.Status{run.StatusSucceeded}, eventsOf[run.Status](log), "one verdict")
	assert.False(t, res.StartedAt.IsZero())
	assert.True(t, res.FinishedAt.After(res.StartedAt))
	assert.GreaterOrEqual(t, res.Duration(), 250*time.Millisecond, "two batches of 150ms")
	var info map[string]any
	require.NoError(t, json.Unmarshal(res.Remote, &info), "result is the last deploy-info")
	assert.Equal(t, opsPlan, info["id"])
}

func TestReleasePlanFailureStopStrategy(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, `
release_plans:
  - id: `+opsPlan+`
    name: checkout
    components:
      - {name: api, seq: 1}
      - {name: web, seq: 2, fail: true, fail_message: "readiness probe failed"}
      - {name: worker, seq: 3}
`)
	log := &opLog{}
	res := run.ReleasePlan(context.Background(), stageClient(t, url), planInput(true), log)
	assert.Equal(t, run.StatusFailed, res.Status, log.String())
	assert.False(t, res.OK())
	require.NotNil(t, res.Failure)
	assert.Equal(t, run.FailedReleasePlan, res.Failure.What)
	v := res.Failure.Plan
	require.NotNil(t, v)
	require.Equal(t, []string{"web"}, componentNames(v.Failed))
	assert.Equal(t, 2, v.Failed[0].Seq)
	assert.Equal(t, "FAILED", v.Failed[0].Status)
	assert.Equal(t, "readiness probe failed", v.Failed[0].FailMessage)
	assert.Equal(t, []string{"worker"}, componentNames(v.NotRun))
	assert.Equal(t, "FAILED", v.Status, "the plan's own status decided the CREATED worker will not run")
	assert.Equal(t, "FAILED", srv.PlanStatus(opsPlan))
	assert.Equal(t, "CREATED", res.Plan.Components[2].Status)
	assert.Equal(t, []batchOutcome{{1, run.BatchSucceeded, true}, {2, run.BatchFailed, true}, {3, run.BatchNotRun, false}}, outcomes(log))
	assert.Zero(t, srv.PlanRollbacks(opsPlan), "rollback_on_failure is false")
}

func TestReleasePlanContinueStrategyRunsLaterBatches(t *testing.T) {
	t.Parallel()
	_, url := opsSim(t, `
release_plans:
  - id: `+opsPlan+`
    fail_strategy: continue
    seq_as_string: true
    components:
      - {name: api, seq: 1, fail: true}
      - {name: web, seq: 2}
`)
	log := &opLog{}
	res := run.ReleasePlan(context.Background(), stageClient(t, url), planInput(true), log)
	assert.Equal(t, run.StatusFailed, res.Status, log.String())
	require.Len(t, res.Plan.Components, 2)
	assert.Equal(t, 2, res.Plan.Components[1].Seq, "a string seq is decoded")
	assert.Equal(t, "SUCCESS", res.Plan.Components[1].Status, "with continue, batch 2 runs after batch 1 failed")
	assert.Equal(t, []string{"api"}, componentNames(res.Failure.Plan.Failed))
	assert.Empty(t, res.Failure.Plan.NotRun)
}

// componentNames are the names of comps, in order.
// batchOutcome is a batch's end as a test compares it.
type batchOutcome struct {
	seq     int
	outcome run.BatchOutcome
	timed   bool // its Elapsed is known
}

// outcomes returns how each batch ended, in order.
func outcomes(l *opLog) []batchOutcome {
	var out []batchOutcome
	for _, b := range eventsOf[batchEnded](l) {
		out = append(out, batchOutcome{b.Seq, b.Outcome, b.Elapsed > 0})
	}
	return out
}

func componentNames(comps []run.Component) []string {
	var out []string
	for _, c := range comps {
		out = append(out, c.Name)
	}
	return out
}

// scriptedPlan is a fake ServiceStage answering deploy-info from a script
// (repeating its last entry) and show with a plan status per step.
type scriptedPlan struct {
	mu       sync.Mutex
	infos    [][]servicestage.Component
	statuses []string // the plan status while infos[i] is served
	step     int
	executes int
	aborts   int
	execErr  []error // answers to execute, in order (nil: success)
}

func (f *scriptedPlan) cur() int { return min(f.step, len(f.infos)-1) }

func (f *scriptedPlan) Show(context.Context, string, string) (*servicestage.Plan, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &servicestage.Plan{ID: opsPlan, Name: "scripted", Status: f.statuses[f.cur()]}, nil
}

func (f *scriptedPlan) DeployInfo(context.Context, string, string) (*servicestage.DeployInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.cur()
	f.step++
	raw, _ := json.Marshal(map[string]any{"id": opsPlan, "step": i})
	return &servicestage.DeployInfo{ID: opsPlan, Components: f.infos[i], Raw: raw}, nil
}

func (f *scriptedPlan) Execute(context.Context, string, string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.executes++
	if len(f.execErr) > 0 {
		err := f.execErr[0]
		f.execErr = f.execErr[1:]
		return nil, err
	}
	return []byte(`{}`), nil
}

func (f *scriptedPlan) Rollback(context.Context, string, string) ([]byte, error) {
	return nil, errors.New("not scripted")
}

func (f *scriptedPlan) Abort(context.Context, string, string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.aborts++
	return []byte(`{}`), nil
}

func TestReleasePlanWaitsThroughAGapBetweenBatches(t *testing.T) {
	t.Parallel()
	// fail_strategy continue: batch 1 failed, batch 2 has not started yet
	// and nothing runs. Only the plan's RUNNING status tells the flow to
	// wait for batch 2 rather than call the plan over.
	f := &scriptedPlan{
		infos: [][]servicestage.Component{
			comps("a:1:FAILED", "b:2:CREATED"),
			comps("a:1:FAILED", "b:2:CREATED"),
			comps("a:1:FAILED", "b:2:RUNNING"),
			comps("a:1:FAILED", "b:2:SUCCESS"),
		},
		statuses: []string{"RUNNING", "RUNNING", "RUNNING", "PARTIALLY_FAILED"},
	}
	log := &opLog{}
	in := planInput(false)
	res := run.ReleasePlan(context.Background(), f, in, log)
	assert.Equal(t, run.StatusFailed, res.Status, log.String())
	require.Len(t, res.Plan.Components, 2)
	assert.Equal(t, "SUCCESS", res.Plan.Components[1].Status, "batch 2 was waited for")
	assert.Empty(t, res.Failure.Plan.NotRun)
}

func TestReleasePlanCreatedComponentsOfAFailedPlanAreFinal(t *testing.T) {
	t.Parallel()
	f := &scriptedPlan{
		infos:    [][]servicestage.Component{comps("a:1:RUNNING", "b:2:CREATED"), comps("a:1:FAILED", "b:2:CREATED")},
		statuses: []string{"RUNNING", "FAILED"},
	}
	log := &opLog{}
	res := run.ReleasePlan(context.Background(), f, planInput(false), log)
	assert.Equal(t, run.StatusFailed, res.Status, log.String())
	assert.Equal(t, "FAILED", res.Failure.Plan.Status)
	assert.Equal(t, []string{"b"}, componentNames(res.Failure.Plan.NotRun))
	assert.Zero(t, f.aborts)
}

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
	log := &opLog{}
	res := run.ReleasePlan(context.Background(), stageClient(t, url), planInput(true), log)
	assert.Equal(t, run.StatusSucceeded, res.Status, log.String())
	assert.Zero(t, srv.PlanExecutions(opsPlan))
	assert.Contains(t, log.String(), "already running")
}

func TestReleasePlanWatchReportsAFinishedPlan(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, `
release_plans:
  - id: `+opsPlan+`
    status: FAILED
    components:
      - {name: api, seq: 1, fail: true, fail_message: "image pull failed"}
      - {name: web, seq: 2}
`)
	log := &opLog{}
	start := time.Now()
	res := run.ReleasePlan(context.Background(), stageClient(t, url), planInput(false), log)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, run.StatusFailed, res.Status, log.String())
	require.Len(t, res.Failure.Plan.Failed, 1)
	assert.Equal(t, "image pull failed", res.Failure.Plan.Failed[0].FailMessage)
	assert.Zero(t, srv.PlanExecutions(opsPlan))
}

func TestReleasePlanNeverExecutedWaitsUntilTimeout(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, "")
	log := &opLog{}
	in := planInput(false)
	in.Timeout = 1500 * time.Millisecond
	res := run.ReleasePlan(context.Background(), stageClient(t, url), in, log)
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
	log := &opLog{}
	in := planInput(true)
	in.Timeout = 1500 * time.Millisecond
	res := run.ReleasePlan(context.Background(), stageClient(t, url), in, log)
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
			log := &opLog{}
			in := planInput(true)
			in.RollbackOnFailure = true
			res := run.ReleasePlan(context.Background(), stageClient(t, url), in, log)
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

func TestReleasePlanNoWait(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, `
release_plans:
  - id: `+opsPlan+`
    components: [{name: api, seq: 1, duration: 1m}]
`)
	log := &opLog{}
	in := planInput(true)
	in.Wait = false
	res := run.ReleasePlan(context.Background(), stageClient(t, url), in, log)
	assert.Equal(t, run.StatusRunning, res.Status, log.String())
	assert.True(t, res.OK())
	assert.Equal(t, "RUNNING", srv.PlanStatus(opsPlan))
	assert.Zero(t, srv.PlanAborts(opsPlan))
	require.Len(t, res.Plan.Components, 1)
	assert.Equal(t, "RUNNING", res.Plan.Components[0].Status)
}

func TestReleasePlanUnknownPlan(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, "")
	in := planInput(true)
	in.PlanID = "no-such-plan"
	res := run.ReleasePlan(context.Background(), stageClient(t, url), in, &opLog{})
	assert.Equal(t, run.StatusFailed, res.Status)
	assert.Equal(t, run.FailedNoPlan, res.Failure.What)
	assert.ErrorContains(t, res.Failure.Err, "SVCSTG.00100433")
	assert.Zero(t, srv.PlanExecutions("no-such-plan"))
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
