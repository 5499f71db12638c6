package cli

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/huawei"
)

// TestOperationsTable: every operation the inputs accept has a complete
// entry, talking to its service; the main step has no other dispatch.
func TestOperationsTable(t *testing.T) {
	t.Parallel()
	want := map[action.Operation]string{
		action.OpDeploy:      huawei.ServiceCodeArtsDeploy,
		action.OpWatch:       huawei.ServiceCodeArtsDeploy,
		action.OpStop:        huawei.ServiceCodeArtsDeploy,
		action.OpReleasePlan: huawei.ServiceServiceStage,
		action.OpSignal:      huawei.ServiceRTS,
	}
	assert.Len(t, operations, len(want))
	assert.ElementsMatch(t, action.Operations(), slices.Collect(maps.Keys(want)), "the operation input's choices and this test's list")
	for name, service := range want {
		op, ok := operations[name]
		if !assert.True(t, ok, "operation %s is not in the table", name) {
			continue
		}
		assert.Equal(t, service, op.service, name)
		assert.NotNil(t, op.start, "%s: start", name)
		assert.NotNil(t, op.dryRun, "%s: dryRun", name)
		assert.NotNil(t, op.outputs, "%s: outputs", name)
		assert.NotNil(t, op.summary, "%s: summary", name)
		dry := dryRunOf(op)
		assert.Equal(t, service, dry.service, "%s: a dry run resolves the same endpoint", name)
		assert.NotNil(t, dry.start, "%s: dry run's start", name)
	}
}
