package servicestage_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// component is a deploy-info answer with one component: the verdict's
// fields as documented, plus extra.
func component(extra string) string {
	return `{"id":"p","components":[{"status":"FAILED","id":"c1","name":"api","seq":2` + extra + `}]}`
}

// TestDeployInfoReadsOptionalFieldsLeniently: one odd optional field must
// not make deploy-info unreadable; status, id, name and seq still decode.
func TestDeployInfoReadsOptionalFieldsLeniently(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		extra string
		check func(t *testing.T, c servicestage.Component)
	}{
		{"time as a word", `,"start_time":"soon","end_time":1e400`, func(t *testing.T, c servicestage.Component) {
			assert.Zero(t, c.StartTime)
			assert.Zero(t, c.EndTime)
		}},
		{"time with a fraction", `,"start_time":1722933924962.5`, func(t *testing.T, c servicestage.Component) { assert.Zero(t, c.StartTime) }},
		{"version as a number", `,"version":2024.08`, func(t *testing.T, c servicestage.Component) { assert.Equal(t, "2024.08", c.Version) }},
		{"job status as an object", `,"job_status":{"s":"SUCCEEDED"},"job_id":[1]`, func(t *testing.T, c servicestage.Component) {
			assert.Empty(t, c.JobStatus)
			assert.Empty(t, c.JobID)
		}},
		{"messages as arrays", `,"fail_message":["disk","full"],"rollback_fail_message":true`, func(t *testing.T, c servicestage.Component) {
			assert.Empty(t, c.FailMessage)
			assert.Equal(t, "true", c.RollbackFailMessage)
		}},
		{"rollback fields odd", `,"rollback_job_status":7,"rollback_start_time":{},"rollback_end_time":"x","rollback_job_id":null`, func(t *testing.T, c servicestage.Component) {
			assert.Equal(t, "7", c.RollbackJobStatus)
			assert.Zero(t, c.RollbackStartTime)
		}},
		{"a huge message", `,"fail_message":"` + strings.Repeat("x", 1<<20) + `"`, func(t *testing.T, c servicestage.Component) {
			assert.LessOrEqual(t, len(c.FailMessage), 2048)
			assert.True(t, strings.HasSuffix(c.FailMessage, "…"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var info servicestage.DeployInfo
			require.NoError(t, json.Unmarshal([]byte(component(tt.extra)), &info))
			require.Len(t, info.Components, 1)
			c := info.Components[0]
			assert.Equal(t, "FAILED", c.Status)
			assert.Equal(t, "c1", c.ID)
			assert.Equal(t, "api", c.Name)
			assert.Equal(t, servicestage.Seq(2), c.Seq)
			tt.check(t, c)
		})
	}
	var info servicestage.DeployInfo
	require.NoError(t, json.Unmarshal([]byte(`{"id":7,"status":["x"],"components":[]}`), &info), "the answer's own id and status")
}

// TestDeployInfoVerdictFieldsAreStrict: what a verdict needs fails the
// read when it is odd, and so does a list too long to judge.
func TestDeployInfoVerdictFieldsAreStrict(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"components":[{"status":5}]}`,
		`{"components":[{"status":"SUCCESS","id":7}]}`,
		`{"components":[{"status":"SUCCESS","name":{"n":"api"}}]}`,
		`{"components":[{"status":"SUCCESS","seq":"first"}]}`,
		`{"components":[{"status":"SUCCESS","seq":1.5}]}`,
		`{"components":{"api":{"status":"SUCCESS"}}}`,
		`{"components":["api"]}`,
	} {
		var info servicestage.DeployInfo
		assert.Error(t, json.Unmarshal([]byte(body), &info), body)
	}

	// More components than the action follows: refused, not cut, since
	// the one left out could be the one that failed.
	many := `{"components":[` + strings.Repeat(`{"status":"SUCCESS","name":"a","seq":1},`, servicestage.MaxComponents) + `{"status":"FAILED","name":"z","seq":1}]}`
	var info servicestage.DeployInfo
	err := json.Unmarshal([]byte(many), &info)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "more than 1000 components")
	exactly := `{"components":[` + strings.Repeat(`{"status":"SUCCESS","name":"a","seq":1},`, servicestage.MaxComponents-1) + `{"status":"FAILED","name":"z","seq":1}]}`
	require.NoError(t, json.Unmarshal([]byte(exactly), &info))
	assert.Len(t, info.Components, servicestage.MaxComponents)
}

// TestPlanReadsOptionalFieldsLeniently: the plan's status is read
// strictly, the rest leniently, and its own component list is cut.
func TestPlanReadsOptionalFieldsLeniently(t *testing.T) {
	t.Parallel()
	var plan servicestage.Plan
	require.NoError(t, json.Unmarshal([]byte(`{"id":"p","name":42,"status":"RUNNING","fail_strategy":["stop"],
		"execute_time":"yesterday","create_time":{},"creator":null,"action":true,
		"components":[{"name":"api","seq":"x","status":9},"web",null]}`), &plan))
	assert.Equal(t, "RUNNING", plan.Status)
	assert.Equal(t, "42", plan.Name)
	assert.Empty(t, plan.FailStrategy)
	assert.Zero(t, plan.ExecuteTime)
	require.Len(t, plan.Components, 3)
	assert.Equal(t, "api", plan.Components[0].Name)
	assert.Equal(t, servicestage.Seq(0), plan.Components[0].Seq)
	assert.Equal(t, "9", plan.Components[0].Status)
	assert.False(t, plan.ComponentsCut)

	assert.Error(t, json.Unmarshal([]byte(`{"status":["RUNNING"]}`), &plan), "the plan's status is a verdict's")

	huge := `{"status":"SUCCESS","components":[` + strings.Repeat(`{},`, 200_000) + `{}]}`
	require.NoError(t, json.Unmarshal([]byte(huge), &plan))
	assert.Len(t, plan.Components, servicestage.MaxPlanMembers)
	assert.True(t, plan.ComponentsCut)
}
