package sim

import "cmp"

// The defaults of the errors a scenario makes the simulator answer with
// (refuse_start, refuse_history, execute_refuse), field by field.
var (
	refuseStartDefaults   = RefuseStart{Status: 400, Code: "Deploy.00011042", Message: "A draft application cannot be executed."}
	refuseHistoryDefaults = RefuseStart{Status: 403, Code: "Deploy.00011154", Message: "Insufficient permissions."}
	executeRefuseDefaults = RefuseStart{Status: 400, Code: svcstgInvalid, Message: "The release plan cannot be executed."}
)

// withDefaults returns a copy of sc with its defaults filled in: fault op
// any and error status 503; refuse_start, refuse_history and
// execute_refuse status, code and message; release plan fail_strategy,
// status and component version; software deployment action and status;
// health endpoint statuses and bodies. sc itself is not changed, and
// values a default does not replace (even invalid ones) are kept, so a
// Scenario built in Go behaves like one read from YAML.
func (sc *Scenario) withDefaults() *Scenario {
	if sc == nil {
		return &Scenario{}
	}
	c := *sc
	c.Tasks = mapSlice(sc.Tasks, ScenarioTask.withDefaults)
	c.ReleasePlans = mapSlice(sc.ReleasePlans, ScenarioReleasePlan.withDefaults)
	c.SoftwareDeployments = mapSlice(sc.SoftwareDeployments, ScenarioSoftwareDeployment.withDefaults)
	c.Health = mapSlice(sc.Health, ScenarioHealth.withDefaults)
	c.Faults = mapSlice(sc.Faults, Fault.withDefaults)
	return &c
}

func (t ScenarioTask) withDefaults() ScenarioTask {
	t.RefuseStart = t.RefuseStart.withDefaults(refuseStartDefaults)
	t.RefuseHistory = t.RefuseHistory.withDefaults(refuseHistoryDefaults)
	return t
}

// withDefaults returns a copy of r with def's values for its zero fields,
// or nil for nil.
func (r *RefuseStart) withDefaults(def RefuseStart) *RefuseStart {
	if r == nil {
		return nil
	}
	return &RefuseStart{
		Status:  cmp.Or(r.Status, def.Status),
		Code:    cmp.Or(r.Code, def.Code),
		Message: cmp.Or(r.Message, def.Message),
	}
}

func (pl ScenarioReleasePlan) withDefaults() ScenarioReleasePlan {
	pl.FailStrategy = cmp.Or(pl.FailStrategy, failStrategyStop)
	pl.Status = cmp.Or(pl.Status, planCreated)
	// ExecuteRefuse has RefuseStart's fields, only other defaults.
	pl.ExecuteRefuse = (*ExecuteRefuse)((*RefuseStart)(pl.ExecuteRefuse).withDefaults(executeRefuseDefaults))
	pl.Components = mapSlice(pl.Components, ScenarioPlanComponent.withDefaults)
	return pl
}

func (c ScenarioPlanComponent) withDefaults() ScenarioPlanComponent {
	c.Version = cmp.Or(c.Version, "1.0.0")
	return c
}

func (d ScenarioSoftwareDeployment) withDefaults() ScenarioSoftwareDeployment {
	d.Action = cmp.Or(d.Action, "CREATE")
	d.Status = cmp.Or(d.Status, swInProgress)
	return d
}

func (f Fault) withDefaults() Fault {
	f.Op = cmp.Or(f.Op, FaultOpAny)
	if f.Kind == FaultError {
		f.Status = cmp.Or(f.Status, 503)
	}
	return f
}

// mapSlice returns f of each element of s, in a new slice; nil when s is
// empty, as an empty YAML list reads the same as none.
func mapSlice[T any](s []T, f func(T) T) []T {
	if len(s) == 0 {
		return nil
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}
