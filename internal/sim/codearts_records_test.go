package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestEvenly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		total time.Duration
		n     int
		want  []time.Duration
	}{
		{10, 3, []time.Duration{3, 3, 4}},
		{9, 3, []time.Duration{3, 3, 3}},
		{5, 1, []time.Duration{5}},
		{0, 2, []time.Duration{0, 0}},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, evenly(tc.total, tc.n), "%d over %d", tc.total, tc.n)
	}
}

func TestScaledTo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		ds    []time.Duration
		total time.Duration
		want  []time.Duration
	}{
		{"stretched", []time.Duration{time.Second, 3 * time.Second}, 8 * time.Second, []time.Duration{2 * time.Second, 6 * time.Second}},
		{"shrunk", []time.Duration{2 * time.Second, 2 * time.Second}, time.Second, []time.Duration{500 * time.Millisecond, 500 * time.Millisecond}},
		{"nothing to scale", []time.Duration{0, 0}, time.Second, []time.Duration{0, 0}},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, scaledTo(tc.ds, tc.total), tc.name)
	}
}

func TestStepsRunAndFailingStep(t *testing.T) {
	t.Parallel()
	steps := []string{"a", "b", "c", "d"}
	tests := []struct {
		failAt, wantRun, wantFailing int
	}{
		{0, 4, 4},
		{2, 2, 2},
		{4, 4, 4},
	}
	for _, tc := range tests {
		rec := &record{steps: steps, durations: make([]time.Duration, len(steps)), failAt: tc.failAt}
		assert.Equal(t, tc.wantRun, rec.stepsRun(), "fail at %d", tc.failAt)
		sh := taskShape{ScenarioTask: ScenarioTask{FailAtStep: tc.failAt}, steps: steps}
		assert.Equal(t, tc.wantFailing, sh.failingStep(), "fail at %d", tc.failAt)
	}
}
