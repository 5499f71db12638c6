package run

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPlanVerdict(t *testing.T) {
	t.Parallel()
	names := func(comps []Component) []string {
		var out []string
		for _, c := range comps {
			out = append(out, c.Name)
		}
		return out
	}
	tests := []struct {
		name, planStatus string
		comps            []Component
		failed, notRun   []string
	}{
		{"no components", "", nil, nil, nil},
		{"failed and not run", "FAILED", vResult("a:1:SUCCESS", "b:2:FAILED", "c:3:CREATED", "d:3:created"), []string{"b"}, []string{"c", "d"}},
		{"aborted counts as failed", "", vResult("a:1:ABORTED"), []string{"a"}, nil},
		{"an unknown status is neither", "", vResult("a:1:QUEUED"), nil, nil},
		{"a rollback that failed", "", vResult("a:1:ROLLBACK_FAILED"), []string{"a"}, nil},
	}
	for _, tt := range tests {
		v := planVerdict(tt.planStatus, tt.comps)
		assert.Equal(t, tt.planStatus, v.Status, tt.name)
		assert.Equal(t, tt.failed, names(v.Failed), tt.name)
		assert.Equal(t, tt.notRun, names(v.NotRun), tt.name)
	}
}

// TestFailureDid: the flows add what they did to a failure that may have
// gone (a stop that found the work ended applies the work's own verdict).
func TestFailureDid(t *testing.T) {
	t.Parallel()
	var none *Failure
	none.did(Stopped{})
	assert.Nil(t, none)

	f := &Failure{What: FailedDeployment}
	f.did(NotRolledBack{Days: 30})
	f.did(RolledBack{Target: "r", Status: StatusSucceeded})
	assert.Equal(t, []Action{NotRolledBack{Days: 30}, RolledBack{Target: "r", Status: StatusSucceeded}}, f.Actions)
}

func TestInterrupted(t *testing.T) {
	t.Parallel()
	live := context.Background()
	cancelled, cancel := context.WithCancel(live)
	cancel()
	within, cancel2 := context.WithCancel(cancelled)
	defer cancel2()
	timedOut, cancel3 := context.WithTimeout(live, -time.Second)
	defer cancel3()
	tests := []struct {
		name       string
		outer, ctx context.Context
		want       Cause
	}{
		{"nothing happened", live, live, CauseError},
		{"the workflow was cancelled", cancelled, within, CauseCancelled},
		{"the operation's timeout passed", live, timedOut, CauseTimedOut},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, interrupted(tt.outer, tt.ctx), tt.name)
	}
}
