package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestScenarioWithDefaults(t *testing.T) {
	t.Parallel()
	draft := &RefuseStart{Status: 400, Code: "Deploy.00011042", Message: "A draft application cannot be executed."}
	tests := []struct {
		name string
		in   func() *Scenario // a fresh input each call, to see it is not changed
		want *Scenario
	}{
		{"nil", func() *Scenario { return nil }, &Scenario{}},
		{"no lists stay no lists", func() *Scenario { return &Scenario{StepDuration: time.Second, Seed: 3} },
			&Scenario{StepDuration: time.Second, Seed: 3}},
		{"empty lists become none", func() *Scenario {
			return &Scenario{Tasks: []ScenarioTask{}, Faults: []Fault{}, ReleasePlans: []ScenarioReleasePlan{{ID: "a", Components: []ScenarioPlanComponent{}}}}
		}, &Scenario{ReleasePlans: []ScenarioReleasePlan{{ID: "a", FailStrategy: "stop", Status: "CREATED"}}}},
		{"task refusals",
			func() *Scenario {
				return &Scenario{Tasks: []ScenarioTask{
					{TaskID: "*", RefuseStart: &RefuseStart{}, RefuseHistory: &RefuseStart{Status: 404}},
					{TaskID: testTask, RefuseStart: &RefuseStart{Code: "X", Message: "no"}},
					{TaskID: testTask, Duration: time.Minute},
				}}
			},
			&Scenario{Tasks: []ScenarioTask{
				{TaskID: "*", RefuseStart: draft, RefuseHistory: &RefuseStart{Status: 404, Code: "Deploy.00011154", Message: "Insufficient permissions."}},
				{TaskID: testTask, RefuseStart: &RefuseStart{Status: 400, Code: "X", Message: "no"}},
				{TaskID: testTask, Duration: time.Minute},
			}}},
		{"release plans",
			func() *Scenario {
				return &Scenario{ReleasePlans: []ScenarioReleasePlan{
					{ID: "a", ExecuteRefuse: &ExecuteRefuse{Status: 403}, Components: []ScenarioPlanComponent{{Name: "x", Seq: 1}}},
					{ID: "b", FailStrategy: "continue", Status: "RUNNING", Components: []ScenarioPlanComponent{{Name: "y", Seq: 1, Version: "2.0.0"}}},
					{ID: "c"},
				}}
			},
			&Scenario{ReleasePlans: []ScenarioReleasePlan{
				{ID: "a", FailStrategy: "stop", Status: "CREATED",
					ExecuteRefuse: &ExecuteRefuse{Status: 403, Code: "SVCSTG.00100400", Message: "The release plan cannot be executed."},
					Components:    []ScenarioPlanComponent{{Name: "x", Seq: 1, Version: "1.0.0"}}},
				{ID: "b", FailStrategy: "continue", Status: "RUNNING", Components: []ScenarioPlanComponent{{Name: "y", Seq: 1, Version: "2.0.0"}}},
				{ID: "c", FailStrategy: "stop", Status: "CREATED"},
			}}},
		{"software deployments",
			func() *Scenario {
				return &Scenario{SoftwareDeployments: []ScenarioSoftwareDeployment{{ID: "a"}, {ID: "b", Action: "DELETE", Status: "FAILED"}}}
			},
			&Scenario{SoftwareDeployments: []ScenarioSoftwareDeployment{
				{ID: "a", Action: "CREATE", Status: "IN_PROGRESS"}, {ID: "b", Action: "DELETE", Status: "FAILED"},
			}}},
		{"health endpoints",
			func() *Scenario {
				return &Scenario{Health: []ScenarioHealth{{Name: "a"}, {Name: "b", Status: 204, UnhealthyBody: "down"}}}
			},
			&Scenario{Health: []ScenarioHealth{
				{Name: "a", Status: 200, Body: `{"status":"UP"}`, UnhealthyStatus: 503, UnhealthyBody: `{"status":"DOWN"}`},
				{Name: "b", Status: 204, Body: `{"status":"UP"}`, UnhealthyStatus: 503, UnhealthyBody: "down"},
			}}},
		{"faults",
			func() *Scenario {
				return &Scenario{Faults: []Fault{{Kind: FaultDrop}, {Kind: FaultError}, {Op: "start", Kind: FaultError, Status: 502}, {Kind: FaultThrottle}}}
			},
			&Scenario{Faults: []Fault{
				{Op: "any", Kind: FaultDrop}, {Op: "any", Kind: FaultError, Status: 503},
				{Op: "start", Kind: FaultError, Status: 502}, {Op: "any", Kind: FaultThrottle},
			}}},
		{"invalid values are kept, for Validate to report",
			func() *Scenario {
				return &Scenario{
					ReleasePlans: []ScenarioReleasePlan{{ID: "a", FailStrategy: "sideways", Status: "ABORTED"}},
					Faults:       []Fault{{Op: "deploy", Kind: FaultError, Status: 418}},
					Tasks:        []ScenarioTask{{TaskID: "x", RefuseStart: &RefuseStart{Status: 200}}},
				}
			},
			&Scenario{
				ReleasePlans: []ScenarioReleasePlan{{ID: "a", FailStrategy: "sideways", Status: "ABORTED"}},
				Faults:       []Fault{{Op: "deploy", Kind: FaultError, Status: 418}},
				Tasks:        []ScenarioTask{{TaskID: "x", RefuseStart: &RefuseStart{Status: 200, Code: "Deploy.00011042", Message: "A draft application cannot be executed."}}},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in()
			got := in.withDefaults()
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.in(), in, "the input is not changed")
			assert.Equal(t, tc.want, got.withDefaults(), "defaults fill in once")
		})
	}
}
