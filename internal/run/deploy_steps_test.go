package run

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

// TestCurrentStep: the step a record is at, and how many have completed,
// from the steps' run times and the record's phase.
func TestCurrentStep(t *testing.T) {
	t.Parallel()
	steps := elapsedSteps
	tests := []struct {
		name          string
		steps         []codearts.Step
		phase         codearts.Phase
		current, done int
	}{
		{"no steps yet", nil, codearts.PhaseRunning, -1, -1},
		{"none has run: the first runs", steps(0, 0, 0), codearts.PhaseRunning, 0, 0},
		{"the second runs", steps(100, 20, 0), codearts.PhaseRunning, 1, 1},
		{"succeeded: all done", steps(100, 0, 0), codearts.PhaseSucceeded, 2, 3},
		{"failed in the second", steps(100, 20, 0), codearts.PhaseFailed, 1, 2},
		{"failed before any ran", steps(0, 0), codearts.PhaseFailed, -1, 0},
		{"succeeded without steps", nil, codearts.PhaseSucceeded, -1, 0},
	}
	for _, tt := range tests {
		current, done := currentStep(tt.steps, tt.phase)
		assert.Equal(t, tt.current, current, tt.name)
		assert.Equal(t, tt.done, done, tt.name)
	}
}

func TestLastRan(t *testing.T) {
	t.Parallel()
	steps := elapsedSteps
	tests := []struct {
		name  string
		steps []codearts.Step
		want  int
	}{
		{"no steps", nil, -1},
		{"none ran", steps(0, 0), -1},
		{"first ran", steps(5, 0, 0), 0},
		{"gap", steps(5, 0, 7, 0), 2},
		{"negative is none", steps(5, -3), 0},
		{"all ran", steps(1, 2, 3), 2},
	}
	for _, tt := range tests {
		if got := lastRan(tt.steps); got != tt.want {
			t.Errorf("%s: lastRan = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// elapsedSteps makes steps that have run for the given milliseconds.
func elapsedSteps(elapsed ...int) []codearts.Step {
	out := make([]codearts.Step, len(elapsed))
	for i, e := range elapsed {
		out[i].ElapsedTime = codearts.FlexInt(e)
	}
	return out
}

func TestStepState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		i, current int
		phase      codearts.Phase
		want       StepState
	}{
		{"before current", 0, 2, codearts.PhaseRunning, StepDone},
		{"after current", 3, 2, codearts.PhaseFailed, StepPending},
		{"no current", 0, -1, codearts.PhaseRunning, StepPending},
		{"current runs", 2, 2, codearts.PhaseRunning, StepRunning},
		{"current unknown", 2, 2, codearts.PhaseUnknown, StepRunning},
		{"current succeeded", 2, 2, codearts.PhaseSucceeded, StepDone},
		{"current failed", 2, 2, codearts.PhaseFailed, StepFailed},
	}
	for _, tt := range tests {
		if got := stepState(tt.i, tt.current, tt.phase); got != tt.want {
			t.Errorf("%s: stepState(%d, %d, %v) = %q, want %q", tt.name, tt.i, tt.current, tt.phase, got, tt.want)
		}
	}
}
