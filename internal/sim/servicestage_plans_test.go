package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		failed, total int
		strategy      string
		want          string
	}{
		{0, 3, failStrategyStop, planSuccess},
		{0, 3, failStrategyContinue, planSuccess},
		{1, 3, failStrategyStop, planFailed},
		{1, 3, failStrategyContinue, planPartiallyFailed},
		{3, 3, failStrategyContinue, planFailed},
		{0, 0, failStrategyStop, planSuccess},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, outcome(tc.failed, tc.total, tc.strategy), "%d of %d failed, %s", tc.failed, tc.total, tc.strategy)
	}
}

func TestBatches(t *testing.T) {
	t.Parallel()
	comps := func(seqs ...int) []ScenarioPlanComponent {
		var out []ScenarioPlanComponent
		for _, s := range seqs {
			out = append(out, ScenarioPlanComponent{Seq: s})
		}
		return out
	}
	tests := []struct {
		seqs, want []int
	}{
		{[]int{1, 1, 2}, []int{1, 2}},
		{[]int{3, 1, 2, 1}, []int{1, 2, 3}},
		{[]int{5}, []int{5}},
		{nil, nil},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, batches(comps(tc.seqs...)), "seqs %v", tc.seqs)
	}
}
