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

// TestLoadOperationInputs checks the inputs each operation reads, and that
// it ignores those of the others.
func TestLoadOperationInputs(t *testing.T) {
	t.Parallel()
	tests := []loadCase{
		{
			name: "stop",
			env:  deployEnv(map[string]string{"INPUT_OPERATION": "stop", "INPUT_RECORD_ID": testRecord}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, OpStop, got.Operation)
				assert.Equal(t, testTaskID, got.TaskID)
				assert.Equal(t, testRecord, got.RecordID)
			},
		},
		{
			name: "release-plan, deploy-only inputs ignored",
			env: deployEnv(map[string]string{
				"INPUT_OPERATION":           "release-plan",
				"INPUT_TASK_ID":             "not-an-id",
				"INPUT_IF_RUNNING":          "whatever",
				"INPUT_PARAMS":              "{{ not yaml",
				"INPUT_PROJECT_ID":          testProjID,
				"INPUT_RELEASE_PLAN_ID":     "rp-0123-abcd",
				"INPUT_EXECUTE":             "true",
				"INPUT_ROLLBACK_ON_FAILURE": "true",
			}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, OpReleasePlan, got.Operation)
				assert.Equal(t, "rp-0123-abcd", got.ReleasePlanID)
				assert.True(t, got.Execute)
				assert.True(t, got.RollbackOnFailure)
				assert.Empty(t, got.TaskID)
				assert.Nil(t, got.Params)
			},
		},
		{
			name: "signal",
			env: deployEnv(map[string]string{
				"INPUT_OPERATION":         "signal",
				"INPUT_TASK_ID":           "",
				"INPUT_WAIT":              "maybe",
				"INPUT_PROJECT_ID":        testProjID,
				"INPUT_DEPLOYMENT_ID":     "5f0c5d6e-1111-2222-3333-444455556666",
				"INPUT_STATUS":            "failed",
				"INPUT_STATUS_REASON":     "\n  step 3 failed:\n  exit 2\n\n",
				"INPUT_CONFIG_ID":         " cfg-1 ",
				"INPUT_DEPLOYMENT_ACTION": "UPDATE",
				"INPUT_OUTPUT_VALUES":     "deploy_stdout: |\n  line 1\n  line 2\ndeploy_status_code: 2\n",
				"INPUT_INPUT_VALUES":      `{"replicas": 3, "tags": ["a", "b"]}`,
			}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, OpSignal, got.Operation)
				assert.Equal(t, "5f0c5d6e-1111-2222-3333-444455556666", got.DeploymentID)
				assert.Equal(t, "FAILED", got.Status)
				assert.Equal(t, "step 3 failed:\n  exit 2", got.StatusReason)
				assert.Equal(t, "cfg-1", got.ConfigID)
				assert.Equal(t, "UPDATE", got.DeploymentAction)
				assert.Equal(t, map[string]any{"deploy_stdout": "line 1\nline 2\n", "deploy_status_code": int64(2)}, got.OutputValues)
				assert.Equal(t, map[string]any{"replicas": int64(3), "tags": []any{"a", "b"}}, got.InputValues)
			},
		},
		{
			name: "signal status left empty",
			env: deployEnv(map[string]string{
				"INPUT_OPERATION": "Signal", "INPUT_PROJECT_ID": testProjID, "INPUT_DEPLOYMENT_ID": "d1",
			}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, OpSignal, got.Operation)
				assert.Empty(t, got.Status)
				assert.Nil(t, got.OutputValues)
			},
		},
	}
	runLoadCases(t, tests)
}

func TestLoadOperationErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 65)
	tests := []loadErrorCase{
		{"stop record_id missing", map[string]string{"INPUT_OPERATION": "stop"},
			"record_id", `record_id: required for operation stop`},
		{"stop task_id missing", map[string]string{"INPUT_OPERATION": "stop", "INPUT_TASK_ID": "", "INPUT_RECORD_ID": testRecord},
			"task_id", `task_id: required for operation stop`},
		{"release-plan project_id", map[string]string{"INPUT_OPERATION": "release-plan", "INPUT_RELEASE_PLAN_ID": "rp1"},
			"project_id", `project_id: required for operation release-plan (or set HUAWEI_CLOUD_PROJECT_ID)`},
		{"release-plan id missing", map[string]string{"INPUT_OPERATION": "release-plan", "INPUT_PROJECT_ID": testProjID},
			"release_plan_id", `release_plan_id: required for operation release-plan`},
		{"release-plan id characters", map[string]string{
			"INPUT_OPERATION": "release-plan", "INPUT_PROJECT_ID": testProjID, "INPUT_RELEASE_PLAN_ID": "plan #1"},
			"release_plan_id", `release_plan_id: must be 1 to 64 letters, digits or hyphens, got "plan #1"`},
		{"release-plan execute", map[string]string{
			"INPUT_OPERATION": "release-plan", "INPUT_PROJECT_ID": testProjID, "INPUT_RELEASE_PLAN_ID": "rp1", "INPUT_EXECUTE": "yes"},
			"execute", `execute: "yes" is not a boolean (use true or false)`},
		{"signal project_id", map[string]string{"INPUT_OPERATION": "signal", "INPUT_DEPLOYMENT_ID": "d1"},
			"project_id", `project_id: required for operation signal (or set HUAWEI_CLOUD_PROJECT_ID)`},
		{"signal deployment_id", map[string]string{"INPUT_OPERATION": "signal", "INPUT_PROJECT_ID": testProjID},
			"deployment_id", `deployment_id: required for operation signal`},
		{"signal deployment_id long", map[string]string{
			"INPUT_OPERATION": "signal", "INPUT_PROJECT_ID": testProjID, "INPUT_DEPLOYMENT_ID": long},
			"deployment_id", `deployment_id: must be 1 to 64 letters, digits or hyphens, got "`},
		{"signal status", map[string]string{
			"INPUT_OPERATION": "signal", "INPUT_PROJECT_ID": testProjID, "INPUT_DEPLOYMENT_ID": "d1", "INPUT_STATUS": "DONE"},
			"status", `status: "DONE" is not one of COMPLETE, FAILED, IN_PROGRESS`},
		{"signal output_values list", map[string]string{
			"INPUT_OPERATION": "signal", "INPUT_PROJECT_ID": testProjID, "INPUT_DEPLOYMENT_ID": "d1", "INPUT_OUTPUT_VALUES": "[1, 2]"},
			"output_values", `output_values: must be a mapping of names to values, got a list`},
		{"signal input_values syntax", map[string]string{
			"INPUT_OPERATION": "signal", "INPUT_PROJECT_ID": testProjID, "INPUT_DEPLOYMENT_ID": "d1", "INPUT_INPUT_VALUES": "a: ["},
			"input_values", `input_values: not valid YAML or JSON: `},
	}
	runLoadErrorCases(t, tests)
}
