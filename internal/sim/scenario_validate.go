package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Validate reports every problem of sc at once (errors.Join), each naming
// its field and, for choices, the valid values. It checks sc as it would
// be served, its defaults filled in, and does not change it.
// ParseScenario and LoadScenario have validated what they return;
// Validate is for a Scenario built in Go.
func (sc *Scenario) Validate() error {
	return sc.withDefaults().validate()
}

// validate checks a scenario whose defaults are filled in.
func (sc *Scenario) validate() error {
	p := problems{}
	p.notNegative("step_duration", sc.StepDuration)
	p.join(validateList("", "tasks", sc.Tasks))
	p.join(validateList("", "release_plans", sc.ReleasePlans))
	p.join(validateList("", "software_deployments", sc.SoftwareDeployments))
	p.join(validateList("", "health", sc.Health))
	p.join(validateList("", "faults", sc.Faults))
	return p.err()
}

// listEntry is an element of one of a scenario's lists.
type listEntry interface {
	// validate reports the entry's problems, each naming its field below
	// path (e.g. tasks[2]).
	validate(path string) error
	// key is the field no two entries of the list may share, and its
	// value ("" when it has none, or none to compare).
	key() (field, value string)
}

// validateList validates entries, the list named list below path, and
// that no two of them share a key.
func validateList[E listEntry](path, list string, entries []E) error {
	var errs []error
	first := map[string]int{}
	for i, e := range entries {
		p := joinPath(path, fmt.Sprintf("%s[%d]", list, i))
		errs = append(errs, e.validate(p))
		field, k := e.key()
		if k == "" {
			continue
		}
		if j, dup := first[k]; dup {
			errs = append(errs, fmt.Errorf("%s.%s: %q is already used by %s[%d]", p, field, k, list, j))
		} else {
			first[k] = i
		}
	}
	return errors.Join(errs...)
}

func (t ScenarioTask) key() (string, string) { return "task_id", t.TaskID }

func (t ScenarioTask) validate(path string) error {
	p := problems{path: path}
	p.id("task_id", t.TaskID, t.TaskID == "*" || validID(t.TaskID),
		` (32 letters/digits, or "*" for every task)`, `is not 32 letters/digits or "*"`)
	steps := len(t.Steps)
	if steps == 0 {
		steps = len(defaultSteps)
	}
	t.checkSteps(&p, steps)
	t.checkVariation(&p, steps)
	t.checkRecords(&p, steps)
	if r := t.RefuseStart; r != nil {
		p.errorStatus("refuse_start.status", r.Status)
	}
	if r := t.RefuseHistory; r != nil {
		p.errorStatus("refuse_history.status", r.Status)
	}
	t.checkStatuses(&p)
	return p.err()
}

// checkSteps checks the task's step names and times.
func (t ScenarioTask) checkSteps(p *problems, steps int) {
	for j, s := range t.Steps {
		if strings.TrimSpace(s) == "" {
			p.add(fmt.Sprintf("steps[%d]", j), "a step needs a name")
		}
	}
	p.notNegative("step_duration", t.StepDuration)
	p.notNegative("duration", t.Duration)
	if t.StepDuration > 0 && t.Duration > 0 {
		p.add("duration", "give either duration (total) or step_duration (per step), not both")
	}
	t.checkStepDurations(p, steps)
}

// checkStepDurations checks step_durations, one duration per step, which
// stands alone: neither duration nor step_duration may come with it.
func (t ScenarioTask) checkStepDurations(p *problems, steps int) {
	if len(t.StepDurations) == 0 {
		return
	}
	if t.StepDuration > 0 || t.Duration > 0 {
		p.add("step_durations", "give one of duration, step_duration and step_durations")
	}
	if len(t.StepDurations) != steps {
		p.add("step_durations", "%d durations for %d steps; give one per step", len(t.StepDurations), steps)
	}
	for j, d := range t.StepDurations {
		if d <= 0 {
			p.add(fmt.Sprintf("step_durations[%d]", j), "%s must be more than 0", d)
		}
	}
}

// checkVariation checks vary and overrun.
func (t ScenarioTask) checkVariation(p *problems, steps int) {
	if t.Vary < 0 || t.Vary >= 1 {
		p.add("vary", "%g%% must be from 0%% to under 100%% (a step's time never reaches 0)", t.Vary*100)
	}
	o := t.Overrun
	if o == nil {
		return
	}
	if o.Step < 1 || o.Step > steps {
		p.add("overrun.step", "%d is not a step (1-%d)", o.Step, steps)
	}
	if !(o.Factor > 0) || math.IsInf(o.Factor, 0) {
		p.add("overrun.factor", "%g must be more than 0 (5 makes the step take 5 times its time)", o.Factor)
	}
}

// checkRecords checks what makes the task's records: history,
// fail_at_step and already_running.
func (t ScenarioTask) checkRecords(p *problems, steps int) {
	switch {
	case t.History && t.TaskID == "*":
		p.add("history", `needs a concrete task_id, not "*"`)
	case t.History && t.Deleted:
		p.add("history", "a deleted task has no records")
	}
	switch {
	case t.FailAtStep < 0:
		p.add("fail_at_step", "%d must be 1 or more (steps count from 1)", t.FailAtStep)
	case t.FailAtStep > steps:
		p.add("fail_at_step", "%d is past the last step (%d)", t.FailAtStep, steps)
	}
	switch {
	case t.AlreadyRunning < 0:
		p.add("already_running", "%s must not be negative", t.AlreadyRunning)
	case t.AlreadyRunning > 0 && t.TaskID == "*":
		p.add("already_running", `needs a concrete task_id, not "*"`)
	case t.AlreadyRunning > 0 && t.Deleted:
		p.add("already_running", "a deleted task runs nothing")
	}
}

// checkStatuses checks the statuses the task's records report instead of
// the usual ones.
func (t ScenarioTask) checkStatuses(p *problems) {
	if slices.Contains(finalStatuses, t.RunningStatus) {
		p.add("running_status", "%q is a final status; use a value a client keeps polling on (e.g. pending, running, not_started)", t.RunningStatus)
	}
	if t.FailedStatus == "succeeded" || t.FailedStatus == "running" {
		p.add("failed_status", "%q would not read as a failure (use e.g. failed, abort, timeout)", t.FailedStatus)
	}
	if slices.Contains(pollingStatuses, t.FinalStatus) || t.FinalStatus != "" && strings.TrimSpace(t.FinalStatus) == "" {
		p.add("final_status", "%q is a status a client keeps polling on (%s); use a final one, e.g. stopped or canceled", t.FinalStatus, strings.Join(pollingStatuses, ", "))
	}
	if t.FinalStatus != "" && t.FailedStatus != "" {
		p.add("final_status", "give either final_status (every ended record) or failed_status (failed records), not both")
	}
}

func (pl ScenarioReleasePlan) key() (string, string) { return "id", pl.ID }

func (pl ScenarioReleasePlan) validate(path string) error {
	p := problems{path: path}
	p.id("id", pl.ID, planIDRE.MatchString(pl.ID), " (e.g. a UUID)", "must be 1-64 letters, digits, - or _")
	p.oneOf("fail_strategy", pl.FailStrategy, failStrategies)
	p.oneOf("status", pl.Status, initialPlanStatuses)
	if r := pl.ExecuteRefuse; r != nil {
		p.errorStatus("execute_refuse.status", r.Status)
	}
	if len(pl.Components) == 0 {
		p.add("components", "a release plan needs at least one component")
	}
	p.join(validateList(path, "components", pl.Components))
	if slices.Contains(finalPlanStatuses, pl.Status) && len(pl.Components) > 0 {
		if want := planOutcome(pl.Components, pl.FailStrategy); want != pl.Status {
			p.add("status", "%s does not agree with the components, whose fail flags end the plan %s", pl.Status, want)
		}
	}
	return p.err()
}

// key is the component's name; a blank one is reported as missing, not as
// shared.
func (c ScenarioPlanComponent) key() (string, string) {
	if strings.TrimSpace(c.Name) == "" {
		return "name", ""
	}
	return "name", c.Name
}

func (c ScenarioPlanComponent) validate(path string) error {
	p := problems{path: path}
	if strings.TrimSpace(c.Name) == "" {
		p.add("name", "required")
	}
	if c.Seq < 1 {
		p.add("seq", "%d must be 1 or more (batches count from 1)", c.Seq)
	}
	p.notNegative("duration", c.Duration)
	if c.FailMessage != "" && !c.Fail {
		p.add("fail_message", "only used with fail: true")
	}
	return p.err()
}

func (d ScenarioSoftwareDeployment) key() (string, string) { return "id", d.ID }

func (d ScenarioSoftwareDeployment) validate(path string) error {
	p := problems{path: path}
	p.id("id", d.ID, deploymentIDRE.MatchString(d.ID), "", "must be 1-64 letters, digits or -")
	p.oneOf("action", d.Action, heatActions)
	p.oneOf("status", d.Status, swStatuses)
	return p.err()
}

// key: faults may repeat; their order is what matters.
func (f Fault) key() (string, string) { return "", "" }

func (f Fault) validate(path string) error {
	p := problems{path: path}
	p.oneOf("op", f.Op, faultOps)
	f.checkTaskID(&p)
	if f.Kind == "" {
		p.add("kind", "required, one of %s", strings.Join(faultKinds, ", "))
	} else {
		p.oneOf("kind", f.Kind, faultKinds)
	}
	f.checkOptions(&p)
	if f.After < 0 {
		p.add("after", "%d must not be negative", f.After)
	}
	if f.Times < 0 {
		p.add("times", "%d must not be negative (0 means every matching request)", f.Times)
	}
	return p.err()
}

// checkTaskID checks task_id: a task id, and only on an operation that
// concerns a task.
func (f Fault) checkTaskID(p *problems) {
	switch {
	case f.TaskID == "":
	case !validID(f.TaskID):
		p.add("task_id", "%q is not 32 letters/digits", f.TaskID)
	case f.Op != FaultOpAny && slices.Contains(faultOps, f.Op) && !slices.Contains(taskOps, f.Op):
		p.add("task_id", "op %s has no task; task_id only works with %s or any", f.Op, strings.Join(taskOps, ", "))
	}
}

// checkOptions checks the fields only some kinds use.
func (f Fault) checkOptions(p *problems) {
	switch {
	case f.Kind == FaultError && !slices.Contains(errorStatuses, f.Status):
		p.add("status", "%d is not one of 500, 502, 503, 504", f.Status)
	case f.Kind != FaultError && f.Status != 0:
		p.add("status", "only used by kind error")
	}
	switch {
	case f.RetryAfter < 0:
		p.add("retry_after", "%s must not be negative", f.RetryAfter)
	case f.RetryAfter > 0 && f.Kind != FaultThrottle:
		p.add("retry_after", "only used by kind throttle")
	}
	switch {
	case f.Delay < 0:
		p.add("delay", "%s must not be negative", f.Delay)
	case f.Kind == FaultSlow && f.Delay == 0:
		p.add("delay", "required for kind slow")
	case f.Delay > 0 && f.Kind != FaultSlow && f.Kind != FaultHang:
		p.add("delay", "only used by kinds slow and hang")
	}
}

// problems collects what is wrong with one part of a scenario, each
// problem naming its field below path.
type problems struct {
	path string
	errs []error
}

func (p *problems) add(field, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", joinPath(p.path, field), fmt.Sprintf(format, args...)))
}

// join adds err, the problems of a part, unless it is nil.
func (p *problems) join(err error) {
	if err != nil {
		p.errs = append(p.errs, err)
	}
}

func (p *problems) err() error { return errors.Join(p.errs...) }

// id reports an identifying field that is empty (required says what it
// takes) or, if !valid, not shaped as shape says.
func (p *problems) id(field, value string, valid bool, required, shape string) {
	switch {
	case value == "":
		p.add(field, "required%s", required)
	case !valid:
		p.add(field, "%q %s", value, shape)
	}
}

func (p *problems) notNegative(field string, d time.Duration) {
	if d < 0 {
		p.add(field, "%s must not be negative", d)
	}
}

func (p *problems) oneOf(field, value string, valid []string) {
	if !slices.Contains(valid, value) {
		p.add(field, "%q is not one of %s", value, strings.Join(valid, ", "))
	}
}

// errorStatus checks the HTTP status of an error the scenario makes the
// simulator answer with.
func (p *problems) errorStatus(field string, status int) {
	if status < 400 || status > 599 {
		p.add(field, "%d is not an error status (400-599)", status)
	}
}

// joinPath is the path of field below path ("" is the top level).
func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}
