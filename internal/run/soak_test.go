package run_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/sim"
)

// quietLog discards the flow's log but counts warnings.
type quietLog struct {
	discardEvents
	warnings atomic.Int64
}

func (*quietLog) Infof(string, ...any)      {}
func (*quietLog) Debugf(string, ...any)     {}
func (*quietLog) Noticef(string, ...any)    {}
func (l *quietLog) Warningf(string, ...any) { l.warnings.Add(1) }
func (*quietLog) Group(string)              {}
func (*quietLog) EndGroup()                 {}

// soakFaults are the wire faults a soak task may meet (at most two each).
var soakFaults = []string{
	"{op: start, kind: throttle, retry_after: 1s, times: 1}",
	"{op: start, kind: drop, times: 1}",
	"{op: start, kind: error, status: 502, times: 1}",
	"{op: start, kind: error, status: 504, times: 1}",
	"{op: state, kind: error, status: 503, times: 2}",
	"{op: state, kind: throttle, retry_after: 1s, times: 1}",
	"{op: state, kind: slow, delay: 300ms, times: 1}",
	"{op: state, kind: hang, times: 1}",
	"{op: state, kind: drop, times: 1}",
	"{op: stop, kind: error, status: 503, times: 1}",
}

// TestSoak runs a few hundred deployments through random faults and
// cancellations, in parallel, and checks every verdict against the
// simulator's truth: no wrong verdict, no duplicate start, nothing left
// running. Run it with -v to see its figures.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	const deployments = 300
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0x50a4))
	t.Logf("seed %d", seed)

	type plan struct {
		task     string
		fails    bool
		cancelIn time.Duration // 0: not cancelled
		showLogs bool
	}
	plans := make([]plan, deployments)
	var yaml strings.Builder
	yaml.WriteString("tasks:\n")
	var faults strings.Builder
	for i := range plans {
		p := plan{task: fmt.Sprintf("%032x", uint64(i)+1<<40)}
		p.fails = rng.IntN(4) == 0
		p.showLogs = rng.IntN(2) == 0
		if rng.IntN(8) == 0 {
			p.cancelIn = time.Duration(50+rng.IntN(400)) * time.Millisecond
		}
		plans[i] = p
		fmt.Fprintf(&yaml, "  - {task_id: %s, steps: [Fetch, Deploy, Verify]", p.task)
		if p.fails {
			fmt.Fprintf(&yaml, ", fail_at_step: %d", 1+rng.IntN(3))
		}
		yaml.WriteString("}\n")
		for range rng.IntN(3) {
			f := soakFaults[rng.IntN(len(soakFaults))]
			fmt.Fprintf(&faults, "  - %s, task_id: %s}\n", strings.TrimSuffix(f, "}"), p.task)
		}
	}
	yaml.WriteString("faults:\n" + faults.String())
	scenario, err := sim.ParseScenario([]byte(yaml.String()))
	require.NoError(t, err)
	simulator := sim.New(sim.Options{AccessKeyID: "SOAKAK", SecretAccessKey: "SOAKSK", StepDuration: 60 * time.Millisecond, Scenario: scenario})
	srv := httptest.NewServer(simulator)
	defer srv.Close()

	policy := huawei.RetryPolicy{InitialInterval: 20 * time.Millisecond, MaxInterval: 200 * time.Millisecond, MaxTries: 6, MaxElapsed: 20 * time.Second, AttemptTimeout: 400 * time.Millisecond}
	client, err := codearts.New(srv.URL, huawei.Credentials{AccessKeyID: "SOAKAK", SecretAccessKey: "SOAKSK"}, huawei.WithRetryPolicy(policy))
	require.NoError(t, err)

	results := make([]*run.Result, deployments)
	log := &quietLog{}
	started := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 60)
	for i, p := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if p.cancelIn > 0 {
				timer := time.AfterFunc(p.cancelIn, cancel)
				defer timer.Stop()
			}
			results[i] = run.Deploy(ctx, client, run.DeployInput{
				TaskID: p.task, Wait: true, IfRunning: run.IfRunningWait,
				StopOnCancel: true, StopOnTimeout: true,
				Timeout: 30 * time.Second, PollInterval: 150 * time.Millisecond, FirstPoll: 50 * time.Millisecond,
				StopGrace: 3 * time.Second, LookFor: 3 * time.Second,
			}, log, run.DeployHooks{})
		}()
	}
	wg.Wait()
	elapsed := time.Since(started)

	var wrong, duplicates, cancelled int
	for i, p := range plans {
		res := results[i]
		recs := simulator.Records(p.task)
		if len(recs) > 1 || simulator.StartCount(p.task) > 1 {
			duplicates++
			t.Errorf("task %s: %d records, %d starts", p.task, len(recs), simulator.StartCount(p.task))
			continue
		}
		want := run.StatusSucceeded
		switch {
		case len(recs) == 0:
			want = run.StatusStopped // cancelled before any record existed
		case recs[0].Stopped:
			want = run.StatusStopped
		case recs[0].Status == "failed":
			want = run.StatusFailed
		}
		if p.cancelIn > 0 {
			cancelled++
		}
		if res.Status != want || (len(recs) == 1 && res.Deploy.RecordID != recs[0].ID) {
			wrong++
			t.Errorf("task %s (fails %v, cancel %s): verdict %s, truth %s; failure %+v", p.task, p.fails, p.cancelIn, res.Status, want, res.Failure)
		}
		if p.cancelIn == 0 && p.fails != (want == run.StatusFailed) {
			wrong++
			t.Errorf("task %s: scenario says fails=%v, verdict %s", p.task, p.fails, res.Status)
		}
	}
	leaked := len(simulator.Running())
	faultsInjected := 0
	for _, c := range simulator.Calls() {
		if c.Fault != "" {
			faultsInjected++
		}
	}
	t.Logf("soak: %d deployments (%d cancelled) in %s, %d calls, %d faults injected, %d retries or warnings; wrong verdicts %d, duplicate starts %d, leaked running records %d",
		deployments, cancelled, elapsed.Round(time.Millisecond), len(simulator.Calls()), faultsInjected, log.warnings.Load(), wrong, duplicates, leaked)
	require.Zero(t, wrong, "wrong verdicts")
	require.Zero(t, duplicates, "duplicate starts")
	require.Zero(t, leaked, "leaked running records")
	require.Positive(t, faultsInjected)
}
