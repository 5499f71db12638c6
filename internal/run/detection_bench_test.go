package run_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
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

// BenchmarkDetection measures how soon the deploy flow notices the end of
// a deployment, and how many state calls it spends, against a fixed 5 s
// poll on the same deployments. Each deployment's task has a previous
// record of 15-45 s; the deployment itself takes that ±30 %. All run in
// parallel on loopback, in real time, so one iteration takes about a
// minute:
//
//	go test -run '^$' -bench BenchmarkDetection -benchtime 1x ./internal/run/
func BenchmarkDetection(b *testing.B) {
	const deployments = 120
	for range b.N {
		rng := rand.New(rand.NewPCG(1, 2))
		type job struct {
			task       string
			previous   time.Duration
			took       time.Duration
			forecasted bool // the action's own polling; else a fixed 5 s poll
		}
		var jobs []job
		var yaml strings.Builder
		yaml.WriteString("tasks:\n")
		for i := range deployments {
			previous := time.Duration(15+rng.IntN(31)) * time.Second
			took := time.Duration(float64(previous) * (0.7 + 0.6*rng.Float64())).Round(10 * time.Millisecond)
			for _, forecasted := range []bool{true, false} {
				j := job{task: fmt.Sprintf("%030x%02x", i, map[bool]int{true: 1, false: 2}[forecasted]), previous: previous, took: took, forecasted: forecasted}
				jobs = append(jobs, j)
				fmt.Fprintf(&yaml, "  - {task_id: %s, duration: %s}\n", j.task, took)
			}
		}
		scenario, err := sim.ParseScenario([]byte(yaml.String()))
		if err != nil {
			b.Fatal(err)
		}
		simulator := sim.New(sim.Options{AccessKeyID: "BENCHAK", SecretAccessKey: "BENCHSK", Scenario: scenario})
		for _, j := range jobs {
			if j.forecasted {
				// The fixed poll ignores history, so only the action's
				// own tasks need one; both see the same durations.
				simulator.SeedRecordTook(j.task, j.previous, time.Hour)
			}
		}
		srv := httptest.NewServer(simulator)
		client, err := codearts.New(srv.URL, huawei.Credentials{AccessKeyID: "BENCHAK", SecretAccessKey: "BENCHSK"})
		if err != nil {
			b.Fatal(err)
		}

		ended := make([]time.Time, len(jobs))
		results := make([]*run.Result, len(jobs))
		var wg sync.WaitGroup
		for i, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := run.DeployInput{TaskID: j.task, Wait: true, IfRunning: run.IfRunningWait, Timeout: 5 * time.Minute, PollInterval: 10 * time.Second}
				if !j.forecasted {
					in.PollInterval, in.FirstPoll = 5*time.Second, 5*time.Second
				}
				results[i] = run.Deploy(context.Background(), client, in, &quietLog{}, run.DeployHooks{})
				ended[i] = time.Now()
			}()
		}
		wg.Wait()
		srv.Close()

		calls := map[string]int{}
		for _, c := range simulator.Calls() {
			if strings.HasSuffix(c.Path, "/state") && strings.Contains(c.Query, "record_id=") {
				for _, kv := range strings.Split(c.Query, "&") {
					if id, ok := strings.CutPrefix(kv, "record_id="); ok {
						calls[id]++
					}
				}
			}
		}
		for _, forecasted := range []bool{true, false} {
			var latencies []time.Duration
			var n int
			var deployed time.Duration
			for i, j := range jobs {
				if j.forecasted != forecasted {
					continue
				}
				res := results[i]
				if res.Status != run.StatusSucceeded {
					b.Fatalf("task %s: %s %+v", j.task, res.Status, res.Failure)
				}
				rec := simulator.Records(j.task)
				last := rec[len(rec)-1]
				latencies = append(latencies, ended[i].Sub(last.StoppedAt))
				n += calls[last.ID]
				deployed += last.StoppedAt.Sub(last.CreatedAt)
			}
			slices.Sort(latencies)
			median := latencies[len(latencies)/2]
			p95 := latencies[len(latencies)*95/100]
			perMinute := float64(n) / deployed.Minutes()
			name := map[bool]string{true: "forecast", false: "fixed-5s"}[forecasted]
			b.Logf("%-9s %d deployments: detection latency median %s, p95 %s; %.1f state calls per deployment-minute (one per %.1f s)",
				name, len(latencies), median.Round(time.Millisecond), p95.Round(time.Millisecond), perMinute, 60/perMinute)
			b.ReportMetric(median.Seconds(), name+"-median-s")
			b.ReportMetric(p95.Seconds(), name+"-p95-s")
			b.ReportMetric(perMinute, name+"-calls/min")
		}
	}
}
