package sim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deployTimes starts n deployments of taskID one after another and returns
// each one's step times as the state API reports them once it has ended.
func deployTimes(t *testing.T, h *harness, taskID string, n int) [][]int64 {
	t.Helper()
	var out [][]int64
	for range n {
		id := h.startOK(taskID, "")
		h.clock.Advance(time.Hour)
		res := h.stateResult(taskID, id)
		require.Equal(t, "succeeded", res["status"])
		out = append(out, elapsedOf(t, res))
	}
	return out
}

func TestVaryDrawsEachStepOnItsOwn(t *testing.T) {
	t.Parallel()
	planned := []int64{1000, 2000, 3000, 4000}
	sc := func(seed uint64) *Scenario {
		return &Scenario{Seed: seed, Tasks: []ScenarioTask{{
			TaskID: testTask, Vary: 0.3,
			StepDurations: []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second},
		}}}
	}
	got := deployTimes(t, newHarness(t, Options{Scenario: sc(7)}), testTask, 8)

	sameFactor := 0
	seen := map[int64]bool{}
	for _, times := range got {
		for i, ms := range times {
			assert.GreaterOrEqual(t, ms, planned[i]*7/10, "step %d: %v", i+1, times)
			assert.LessOrEqual(t, ms, planned[i]*13/10, "step %d: %v", i+1, times)
			seen[ms] = true
		}
		// One factor for the whole deployment would keep the ratios.
		if times[1]*planned[0] == times[0]*planned[1] && times[3]*planned[2] == times[2]*planned[3] {
			sameFactor++
		}
	}
	assert.Zero(t, sameFactor, "steps must vary on their own: %v", got)
	assert.Greater(t, len(seen), 30, "every step of every deployment draws its own time: %v", got)

	again := deployTimes(t, newHarness(t, Options{Scenario: sc(7)}), testTask, 8)
	assert.Equal(t, got, again, "the same seed repeats the run")
	other := deployTimes(t, newHarness(t, Options{Scenario: sc(8)}), testTask, 8)
	assert.NotEqual(t, got, other, "another seed draws other times")
}

func TestOverrunAndHistory(t *testing.T) {
	t.Parallel()
	other := strings.Repeat("ab", 16)
	sc := &Scenario{Tasks: []ScenarioTask{
		{TaskID: testTask, Steps: []string{"a", "b", "c"}, StepDurations: []time.Duration{time.Second, 2 * time.Second, 3 * time.Second},
			Overrun: &Overrun{Step: 2, Factor: 5}, History: true},
		{TaskID: other, Duration: 4 * time.Second, Vary: 0.3, Overrun: &Overrun{Step: 4, Factor: 5}},
	}}
	h := newHarness(t, Options{Scenario: sc})

	// The history: one succeeded record of the planned times, ended
	// before the server started.
	prev := h.stateResult(testTask, "")
	assert.Equal(t, "succeeded", prev["status"])
	assert.Equal(t, []int64{1000, 2000, 3000}, elapsedOf(t, prev))
	recs := h.srv.Records(testTask)
	require.Len(t, recs, 1)
	assert.True(t, recs[0].StoppedAt.Before(h.clock.Now()))
	assert.Zero(t, h.srv.StartCount(testTask), "the history is no start")

	// Without history a task has no record at all.
	got := h.do(http.MethodGet, "/v2/tasks/"+other+"/state", "")
	assert.Equal(t, "Deploy.00011303", got.errorCode(t))

	// The overrun step takes factor times its time; the others keep theirs.
	assert.Equal(t, [][]int64{{1000, 10000, 3000}}, deployTimes(t, h, testTask, 1))
	for _, times := range deployTimes(t, h, other, 3) {
		assert.GreaterOrEqual(t, times[3], int64(5*700), "%v", times)
		assert.LessOrEqual(t, times[3], int64(5*1300), "%v", times)
		for _, ms := range times[:3] {
			assert.LessOrEqual(t, ms, int64(1300), "%v", times)
		}
	}
}
