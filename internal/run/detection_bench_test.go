package run_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/sim"
)

// detectionMix is one kind of deployment the benchmark runs: how each
// step strays from the task's previous record.
type detectionMix struct {
	name    string
	vary    string // each step on its own, within ±vary
	overrun bool   // one step (at random) takes 5x its time
	history bool   // the task has a previous record to forecast from
}

var detectionMixes = []detectionMix{
	{name: "steps ±30 %", vary: "30%", history: true},
	{name: "steps ±60 %", vary: "60%", history: true},
	{name: "one step 5x", vary: "30%", overrun: true, history: true},
	{name: "no history", vary: "30%"},
}

// Pollers compared on the same mixes in the same run.
const (
	pollerAction = "this action"
	pollerFixed  = "fixed 5 s"
)

// detectionJob is one deployment of the benchmark.
type detectionJob struct {
	mix    detectionMix
	poller string
	task   string
}

// BenchmarkDetection measures, for each mix of deployments, how soon the
// deploy flow notices the end of a deployment and how many state calls it
// spends, against a fixed 5 s poll on the same mix. Every deployment has 4
// uneven steps planned to take 10-40 s in all (the task's previous record,
// where it has one); the simulator draws each step's time on its own
// (scenario `vary`), and in one mix makes one step take 5x its time
// (`overrun`). The action polls with the default poll_interval (10s). All
// deployments run in parallel, in real time, on loopback; one iteration
// takes about two minutes on 2 cores:
//
//	go test -run '^$' -bench BenchmarkDetection -benchtime 1x ./internal/run/
//
// Per mix and poller it logs a Markdown table row: median, p95 and worst
// detection latency (from the record's end to Deploy returning), state
// calls per deployment-minute, and the most state calls any one
// deployment got in any one minute; then whether the targets of issue 11
// are met.
func BenchmarkDetection(b *testing.B) {
	const perMix = 40 // deployments per mix and poller
	for range b.N {
		rng := rand.New(rand.NewPCG(1, 2))
		var jobs []detectionJob
		var yaml strings.Builder
		yaml.WriteString("seed: 3\ntasks:\n")
		for m, mix := range detectionMixes {
			for i := range perMix {
				for p, poller := range []string{pollerAction, pollerFixed} {
					j := detectionJob{mix: mix, poller: poller, task: fmt.Sprintf("%028x%02x%02x", i, m, p)}
					jobs = append(jobs, j)
					// The fixed poll never forecasts: its tasks have no
					// history (the action's would make it forecast).
					writeDetectionTask(&yaml, j, rng, mix.history && poller == pollerAction)
				}
			}
		}
		scenario, err := sim.ParseScenario([]byte(yaml.String()))
		if err != nil {
			b.Fatal(err)
		}
		simulator := sim.New(sim.Options{AccessKeyID: "BENCHAK", SecretAccessKey: "BENCHSK", Scenario: scenario})
		srv := httptest.NewServer(simulator)
		client, err := codearts.New(srv.URL, huawei.Credentials{AccessKeyID: "BENCHAK", SecretAccessKey: "BENCHSK"})
		if err != nil {
			b.Fatal(err)
		}

		ended := make([]time.Time, len(jobs))
		results := make([]*run.Result, len(jobs))
		var wg sync.WaitGroup
		for i, j := range jobs {
			wg.Go(func() {
				in := run.DeployInput{TaskID: j.task, Wait: true, IfRunning: run.IfRunningWait, Timeout: 10 * time.Minute, PollInterval: 10 * time.Second}
				if j.poller == pollerFixed {
					in.PollInterval, in.FirstPoll = 5*time.Second, 5*time.Second
				}
				results[i] = run.Deploy(context.Background(), client, in, &quietLog{}, run.DeployHooks{})
				ended[i] = time.Now()
			})
		}
		wg.Wait()
		srv.Close()

		calls := stateCallsByRecord(simulator.Calls())
		b.Logf("| mix | poller | deployments | median latency | p95 latency | worst latency | state calls per deployment-minute | most calls in one minute |")
		b.Logf("|---|---|---|---|---|---|---|---|")
		var missed, notes []string
		for _, mix := range detectionMixes {
			for _, poller := range []string{pollerAction, pollerFixed} {
				var st detectionStats
				for i, j := range jobs {
					if j.mix.name != mix.name || j.poller != poller {
						continue
					}
					if results[i].Status != run.StatusSucceeded {
						b.Fatalf("task %s: %s %+v", j.task, results[i].Status, results[i].Failure)
					}
					recs := simulator.Records(j.task)
					last := recs[len(recs)-1]
					took := last.StoppedAt.Sub(last.CreatedAt)
					st.add(ended[i].Sub(last.StoppedAt), took, calls[last.ID])
					st.backoffCalls += backoffChecks(took)
				}
				st.sort()
				b.Logf("| %s | %s | %d | %s | %s | %s | %.1f | %d |", mix.name, poller, len(st.latencies),
					fmtSeconds(st.median()), fmtSeconds(st.p95()), fmtSeconds(st.worst()), st.perMinute(), st.busiest)
				if poller == pollerAction {
					if !mix.history {
						notes = append(notes, fmt.Sprintf("%s: this action made %d state calls; the backoff alone would make %d on the same deployments", mix.name, st.calls, st.backoffCalls))
					}
					missed = append(missed, st.missedTargets(mix)...)
					metric := strings.NewReplacer(" ", "", "%", "pct", "±", "").Replace(mix.name)
					b.ReportMetric(st.median().Seconds(), metric+"-median-s")
					b.ReportMetric(st.p95().Seconds(), metric+"-p95-s")
					b.ReportMetric(st.perMinute(), metric+"-calls/min")
				}
			}
		}
		for _, n := range notes {
			b.Logf("%s", n)
		}
		if len(missed) == 0 {
			b.Logf("targets: all met")
		}
		for _, m := range missed {
			b.Logf("target MISSED: %s", m)
		}
	}
}

// writeDetectionTask adds j's task to the scenario: 4 uneven steps of
// 10-40 s in all.
func writeDetectionTask(w *strings.Builder, j detectionJob, rng *rand.Rand, history bool) {
	total := 10 + 30*rng.Float64()
	weights := make([]float64, 4)
	var sum float64
	for i := range weights {
		weights[i] = 0.5 + rng.Float64()
		sum += weights[i]
	}
	steps := make([]string, len(weights))
	for i, wt := range weights {
		steps[i] = (time.Duration(total * wt / sum * float64(time.Second))).Round(10 * time.Millisecond).String()
	}
	fmt.Fprintf(w, "  - {task_id: %s, step_durations: [%s], vary: %q, history: %t", j.task, strings.Join(steps, ", "), j.mix.vary, history)
	if j.mix.overrun {
		fmt.Fprintf(w, ", overrun: {step: %d, factor: 5}", 1+rng.IntN(len(weights)))
	}
	w.WriteString("}\n")
}

// stateCallsByRecord returns the times of the state calls about each
// record (those naming a record_id), in order.
func stateCallsByRecord(calls []sim.Call) map[string][]time.Time {
	out := map[string][]time.Time{}
	for _, c := range calls {
		if !strings.HasSuffix(c.Path, "/state") {
			continue
		}
		q, err := url.ParseQuery(c.Query)
		if id := q.Get("record_id"); err == nil && id != "" {
			out[id] = append(out[id], c.At)
		}
	}
	return out
}

// detectionStats gathers one mix's figures for one poller.
type detectionStats struct {
	latencies []time.Duration
	calls     int
	deployed  time.Duration
	busiest   int // most calls about one record in any minute
	// backoffCalls is what the backoff alone, as before the forecast
	// (from 1 s, 1.5x a check, up to 10 s; no jitter), would have spent
	// on the same deployments.
	backoffCalls int
}

// backoffChecks is how many checks the backoff alone makes on a
// deployment that takes took: one at once, then after 1 s, 1.5 s, 2.25 s,
// ... up to 10 s apart, until one sees the end.
func backoffChecks(took time.Duration) int {
	n, at, gap := 1, time.Duration(0), time.Second
	for at < took {
		at += gap
		gap = min(gap*3/2, 10*time.Second)
		n++
	}
	return n
}

func (s *detectionStats) add(latency, took time.Duration, calls []time.Time) {
	s.latencies = append(s.latencies, latency)
	s.deployed += took
	s.calls += len(calls)
	j := 0
	for i := range calls {
		for calls[i].Sub(calls[j]) >= time.Minute {
			j++
		}
		s.busiest = max(s.busiest, i-j+1)
	}
}

func (s *detectionStats) sort()                 { slices.Sort(s.latencies) }
func (s *detectionStats) median() time.Duration { return s.latencies[len(s.latencies)/2] }
func (s *detectionStats) p95() time.Duration    { return s.latencies[len(s.latencies)*95/100] }
func (s *detectionStats) worst() time.Duration  { return s.latencies[len(s.latencies)-1] }
func (s *detectionStats) perMinute() float64    { return float64(s.calls) / s.deployed.Minutes() }
func fmtSeconds(d time.Duration) string         { return fmt.Sprintf("%.2f s", d.Seconds()) }
func (s *detectionStats) missedTargets(m detectionMix) []string {
	var out []string
	miss := func(ok bool, format string, args ...any) {
		if !ok {
			out = append(out, m.name+": "+fmt.Sprintf(format, args...))
		}
	}
	switch {
	case m.name == detectionMixes[0].name:
		miss(s.median() < time.Second, "median %s, want under 1 s", s.median())
		miss(s.p95() < 2*time.Second, "p95 %s, want under 2 s", s.p95())
		miss(s.perMinute() <= 15, "%.1f calls per deployment-minute, want at most 15", s.perMinute())
	case !m.history:
		miss(float64(s.calls) <= 1.05*float64(s.backoffCalls), "%d calls, the backoff alone makes %d", s.calls, s.backoffCalls)
	case m.overrun:
		miss(s.perMinute() <= 15, "%.1f calls per deployment-minute, want at most 15", s.perMinute())
		miss(s.worst() <= 10*time.Second, "an end seen %s late, want within poll_interval (10s)", s.worst())
	}
	miss(s.busiest <= 30, "%d calls in one minute of one deployment, want at most 30", s.busiest)
	return out
}
