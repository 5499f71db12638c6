package sim

import "testing"

func TestClonePlanSharesNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		plan ScenarioReleasePlan
	}{
		{"components and refusal", ScenarioReleasePlan{ID: "p", Components: []ScenarioPlanComponent{{Name: "a"}}, ExecuteRefuse: &ExecuteRefuse{Code: "x"}}},
		{"components only", ScenarioReleasePlan{ID: "p", Components: []ScenarioPlanComponent{{Name: "a"}, {Name: "b"}}}},
	} {
		c := clonePlan(tc.plan)
		tc.plan.Components[0].Name = "changed"
		if tc.plan.ExecuteRefuse != nil {
			tc.plan.ExecuteRefuse.Code = "changed"
		}
		if got := c.Components[0].Name; got != "a" {
			t.Errorf("%s: clone's component name = %q after the original changed, want a", tc.name, got)
		}
		if tc.plan.ExecuteRefuse != nil && c.ExecuteRefuse.Code != "x" {
			t.Errorf("%s: clone's execute_refuse code = %q after the original changed, want x", tc.name, c.ExecuteRefuse.Code)
		}
		if c.ID != "p" || len(c.Components) != len(tc.plan.Components) {
			t.Errorf("%s: clone = %+v, want the plan's fields", tc.name, c)
		}
	}
}
