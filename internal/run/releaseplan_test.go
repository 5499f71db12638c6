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

	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// planOnSim runs the release plan of in on the simulator at url and
// returns its result and log.
func planOnSim(t *testing.T, url string, in run.ReleasePlanInput) (*run.Result, *opLog) {
	t.Helper()
	log := &opLog{}
	return run.ReleasePlan(context.Background(), stageClient(t, url), in, log), log
}

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
	res, log := planOnSim(t, url, planInput(true))
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
	res, log := planOnSim(t, url, planInput(true))
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
	res, log := planOnSim(t, url, planInput(true))
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
	start := time.Now()
	res, log := planOnSim(t, url, planInput(false))
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, run.StatusFailed, res.Status, log.String())
	require.Len(t, res.Failure.Plan.Failed, 1)
	assert.Equal(t, "image pull failed", res.Failure.Plan.Failed[0].FailMessage)
	assert.Zero(t, srv.PlanExecutions(opsPlan))
}

func TestReleasePlanNoWait(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, `
release_plans:
  - id: `+opsPlan+`
    components: [{name: api, seq: 1, duration: 1m}]
`)
	in := planInput(true)
	in.Wait = false
	res, log := planOnSim(t, url, in)
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
