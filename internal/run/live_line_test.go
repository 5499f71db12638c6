package run

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

func TestStillRunning(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		step    codearts.Step
		current int
		prev    time.Duration
		want    string
	}{
		{"named, no history", codearts.Step{Name: "Deploy", ElapsedTime: 65000}, 1, 0,
			"… 2/3 Deploy is still running: 1m05s so far"},
		{"with the previous run", codearts.Step{Name: "Deploy", ElapsedTime: 90000}, 2, 80 * time.Second,
			"… 3/3 Deploy is still running: 1m30s so far; its previous run took 1m20s"},
		{"unnamed", codearts.Step{ElapsedTime: 1500}, 0, 0,
			"… 1/3 step 1 is still running: 1.5s so far"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, stillRunning(tt.step, tt.current, 3, tt.prev))
		})
	}
}
