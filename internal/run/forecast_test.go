package run

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

func secs(s ...float64) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, v := range s {
		out[i] = time.Duration(v * float64(time.Second))
	}
	return out
}

func TestNextGap(t *testing.T) {
	t.Parallel()
	prev := secs(10, 10, 10, 10)
	tests := []struct {
		name string
		done []time.Duration
		ran  time.Duration
		want time.Duration
	}{
		// Window: 20 % of the 40 s left, 8 s before the end.
		{"far from the end: sleep until the window", nil, 0, 32 * time.Second},
		{"finished steps count as they took", secs(12, 8, 10), 0, 8 * time.Second},
		// Last step: window 2 s before its forecast end.
		{"in the window: dense", secs(10, 10, 10), 9 * time.Second, time.Second},
		{"just past the forecast end: dense", secs(10, 10, 10), 11 * time.Second, time.Second},
		{"the gaps grow with the overrun", secs(10, 10, 10), 16 * time.Second, 3 * time.Second},
		{"and keep growing (the caller caps them)", secs(10, 10, 10), 70 * time.Second, 30 * time.Second},
		// An overrunning step in the middle: the end is at least the
		// later steps' 20 s away, and their window opens 6 s before.
		{"overrun mid-way: no sooner than the later steps need", secs(10), 15 * time.Second, 14 * time.Second},
		{"long overrun mid-way: half the overrun", secs(10), 80 * time.Second, 35 * time.Second},
		// Two finished steps both 1.5x slower or more: the steps left
		// are assumed 1.5x slower too (30 s, window 6 s).
		{"a pace both finished steps agree on", secs(15, 16), 0, 24 * time.Second},
		// One step 5x slower says nothing about the others.
		{"one slow step does not stretch the later ones", secs(50), time.Second, 23 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, nextGap(prev, tt.done, tt.ran))
		})
	}
}

func TestNextGapLongWindow(t *testing.T) {
	t.Parallel()
	// A 10-minute last step: its window (2 minutes) is covered in quarters,
	// not every second.
	assert.Equal(t, 30*time.Second, nextGap(secs(5, 600), secs(5), 9*time.Minute))
	assert.Equal(t, 484*time.Second, nextGap(secs(5, 600), nil, 0))
}

func TestPace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		prev, done []time.Duration
		want       float64
	}{
		{"nothing finished", secs(10, 10), nil, 1},
		{"one finished step is not a pace", secs(10, 10), secs(30), 1},
		{"all slower: the least slow", secs(10, 10, 10), secs(13, 12), 1.2},
		{"all faster: the least fast", secs(10, 10, 10), secs(5, 8), 0.8},
		{"disagreeing steps", secs(10, 10, 10), secs(15, 8), 1},
		{"bounded above", secs(10, 10, 10), secs(50, 60), maxPace},
		{"bounded below", secs(10, 10, 10), secs(1, 2), 1 / maxPace},
		{"steps without a time are skipped", secs(0, 10, 10), secs(3, 12), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.InDelta(t, tt.want, pace(tt.prev[:len(tt.done)], tt.done), 1e-9)
		})
	}
}

func TestCarriedPace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		n              int
		slower, faster float64
		want           float64
	}{
		{"no finished step", 0, 0, 0, 1},
		{"one step is not a pace", 1, 3, 0, 1},
		{"slower", 2, 1.5, 0, 1.5},
		{"faster", 3, 0, 0.75, 0.75},
		{"as fast as last time", 2, 0, 0, 1},
		{"slower, bounded", 2, 5, 0, maxPace},
		{"faster, bounded", 2, 0, 0.1, 1 / maxPace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.InDelta(t, tt.want, carriedPace(tt.n, tt.slower, tt.faster), 1e-9)
		})
	}
}

// play runs a deployment whose steps take took, of a task whose previous
// record took prev, through the deploy flow's forecast as follow uses it
// (the first check after firstDelay, each gap the forecast's, capped at
// poll), on a model clock. It returns the checks' times from the start and
// how late the last one saw the end.
func play(t *testing.T, prev, took []time.Duration, poll time.Duration) (checks []time.Duration, latency time.Duration) {
	t.Helper()
	d := &deployer{res: &Result{Deploy: &DeployDetail{RecordID: "rec"}}, previous: &codearts.Record{Status: "succeeded", Steps: recordAt(prev, time.Hour)}}
	var end time.Duration
	for _, s := range took {
		end += s
	}
	now := min(d.firstDelay(), poll)
	for range 10000 {
		checks = append(checks, now)
		if now >= end {
			return checks, now - end
		}
		gap := d.forecast(&codearts.Record{Status: "running", Steps: recordAt(took, now)})
		require.Positive(t, gap)
		now += min(gap, poll)
	}
	t.Fatalf("never saw the end of %v", took)
	return nil, 0
}

// recordAt is the step_state of a deployment whose steps take took, at.
func recordAt(took []time.Duration, at time.Duration) []codearts.Step {
	steps := make([]codearts.Step, len(took))
	for i, s := range took {
		ran := min(max(at, 0), s)
		steps[i].ElapsedTime = codearts.FlexInt(ran.Milliseconds())
		at -= s
	}
	return steps
}

// busiestMinute is the most checks in any minute.
func busiestMinute(checks []time.Duration) int {
	most, j := 0, 0
	for i := range checks {
		for checks[i]-checks[j] >= time.Minute {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// TestForecastNeverDenseForLong: a step that hangs, well past its
// history, is not polled densely: the gaps grow back to poll_interval,
// no minute sees more than 30 checks, and the end is still seen within
// poll_interval.
func TestForecastNeverDenseForLong(t *testing.T) {
	t.Parallel()
	const poll = 10 * time.Second
	tests := []struct {
		name       string
		prev, took []time.Duration
		maxChecks  int
	}{
		{"last step 5x", secs(5, 5, 5, 5), secs(5, 5, 5, 25), 16},
		{"first step 5x", secs(5, 5, 5, 5), secs(25, 5, 5, 5), 16},
		{"stuck for 20 minutes", secs(5, 5, 5, 5), secs(5, 5, 5, 1200), 1200/10 + 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checks, latency := play(t, tt.prev, tt.took, poll)
			assert.LessOrEqual(t, busiestMinute(checks), 30, "checks %v", checks)
			assert.LessOrEqual(t, len(checks), tt.maxChecks, "checks %v", checks)
			assert.LessOrEqual(t, latency, poll, "checks %v", checks)
		})
	}
}

// TestForecastAfterOverrun: once the step that overran has ended, the
// steps after it are forecast as long as last time, not stretched by it,
// so their end is seen within about a second.
func TestForecastAfterOverrun(t *testing.T) {
	t.Parallel()
	_, latency := play(t, secs(5, 5, 5, 5), secs(25, 5.2, 4.9, 5.1), 10*time.Second)
	assert.LessOrEqual(t, latency, time.Second)
}

// TestForecastModel plays the benchmark's mixes on a model clock (no
// waiting, no network): steps that vary on their own by ±30 % are seen
// ending within about a second, with fewer checks than a fixed 5 s poll.
func TestForecastModel(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 1))
	var latencies []time.Duration
	var calls int
	var ran time.Duration
	for range 500 {
		total := 10 + 30*rng.Float64()
		weights := []float64{0.5 + rng.Float64(), 0.5 + rng.Float64(), 0.5 + rng.Float64(), 0.5 + rng.Float64()}
		var sum float64
		for _, w := range weights {
			sum += w
		}
		prev, took := make([]time.Duration, 4), make([]time.Duration, 4)
		for i, w := range weights {
			prev[i] = time.Duration(total * w / sum * float64(time.Second))
			took[i] = time.Duration(float64(prev[i]) * (0.7 + 0.6*rng.Float64()))
			ran += took[i]
		}
		checks, latency := play(t, prev, took, 10*time.Second)
		latencies = append(latencies, latency)
		calls += len(checks)
		assert.LessOrEqual(t, busiestMinute(checks), 30)
	}
	slices.Sort(latencies)
	assert.Less(t, latencies[len(latencies)/2], time.Second, "median")
	assert.Less(t, latencies[len(latencies)*95/100], 2*time.Second, "p95")
	assert.LessOrEqual(t, float64(calls)/ran.Minutes(), 15.0, "checks per deployment-minute")
}
