package action

import (
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOperations(t *testing.T) {
	t.Parallel()
	got := Operations()
	want := []Operation{OpDeploy, OpStop, OpReleasePlan, OpSignal, OpWatch}
	assert.Equal(t, want, got, "every operation, in the order the operation input's message lists them")

	got[0] = "changed"
	assert.Equal(t, OpDeploy, Operations()[0], "the slice is the caller's")

	_, err := Load(envFrom(deployEnv(map[string]string{"INPUT_OPERATION": "deplyo"})))
	require.Error(t, err)
	assert.Equal(t, `operation: "deplyo" is not one of deploy, stop, release-plan, signal, watch`, err.Error())
}

// TestLoadEveryOperation loads each operation of Operations() with and
// without what it requires, so an operation listed but not read by Load
// (loadOperationInputs) fails.
func TestLoadEveryOperation(t *testing.T) {
	t.Parallel()
	full := deployEnv(map[string]string{
		"INPUT_RECORD_ID":       testRecord,
		"INPUT_PROJECT_ID":      testProjID,
		"INPUT_RELEASE_PLAN_ID": "rp-1",
		"INPUT_DEPLOYMENT_ID":   "dep-1",
	})
	for _, op := range Operations() {
		t.Run(string(op), func(t *testing.T) {
			t.Parallel()
			env := maps.Clone(full)
			env["INPUT_OPERATION"] = strings.ToUpper(string(op))
			got, err := Load(envFrom(env))
			require.NoError(t, err)
			assert.Equal(t, op, got.Operation)

			_, err = Load(envFrom(map[string]string{"INPUT_OPERATION": string(op),
				"INPUT_REGION": "cn-north-4", "INPUT_AUTH_TOKEN": testToken}))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "required for operation "+string(op))
		})
	}
}
