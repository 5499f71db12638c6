package sim

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validateCase is a case of a listEntry's validate: want lists the lines
// of the error, none for a valid entry.
type validateCase[E listEntry] struct {
	name  string
	entry E
	want  []string
}

// runValidateCases validates each case's entry at path.
func runValidateCases[E listEntry](t *testing.T, path string, tests []validateCase[E]) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.entry.validate(path)
			if len(tc.want) == 0 {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, strings.Join(tc.want, "\n"), err.Error())
		})
	}
}

func TestScenarioTaskValidate(t *testing.T) {
	t.Parallel()
	runValidateCases(t, "tasks[3]", []validateCase[ScenarioTask]{
		{"minimal", ScenarioTask{TaskID: testTask}, nil},
		{"every task", ScenarioTask{TaskID: "*", Duration: time.Minute, Vary: 0.3}, nil},
		{"every field right", ScenarioTask{
			TaskID: testTask, Steps: []string{"a", "b"}, StepDurations: []time.Duration{time.Second, 2 * time.Second},
			Vary: 0.99, Overrun: &Overrun{Step: 2, Factor: 0.5}, History: true, FailAtStep: 2, AlreadyRunning: time.Second,
			RefuseStart: &RefuseStart{Status: 599}, RefuseHistory: &RefuseStart{Status: 400}, RunningStatus: "pending", FinalStatus: "stopped",
		}, nil},
		{"missing id", ScenarioTask{}, []string{`tasks[3].task_id: required (32 letters/digits, or "*" for every task)`}},
		{"bad id", ScenarioTask{TaskID: "abc"}, []string{`tasks[3].task_id: "abc" is not 32 letters/digits or "*"`}},
		{"steps and their times", ScenarioTask{TaskID: "*", Steps: []string{"a", " "}, StepDuration: time.Second, Duration: -time.Second,
			StepDurations: []time.Duration{0}}, []string{
			"tasks[3].steps[1]: a step needs a name",
			"tasks[3].duration: -1s must not be negative",
			"tasks[3].step_durations: give one of duration, step_duration and step_durations",
			"tasks[3].step_durations: 1 durations for 2 steps; give one per step",
			"tasks[3].step_durations[0]: 0s must be more than 0",
		}},
		{"duration and step_duration", ScenarioTask{TaskID: "*", StepDuration: time.Second, Duration: time.Minute},
			[]string{"tasks[3].duration: give either duration (total) or step_duration (per step), not both"}},
		{"negative step_duration", ScenarioTask{TaskID: "*", StepDuration: -time.Second}, []string{"tasks[3].step_duration: -1s must not be negative"}},
		{"vary and overrun", ScenarioTask{TaskID: "*", Vary: 1, Overrun: &Overrun{Step: 5, Factor: math.Inf(1)}}, []string{
			"tasks[3].vary: 100% must be from 0% to under 100% (a step's time never reaches 0)",
			"tasks[3].overrun.step: 5 is not a step (1-4)",
			"tasks[3].overrun.factor: +Inf must be more than 0 (5 makes the step take 5 times its time)",
		}},
		{"overrun without factor", ScenarioTask{TaskID: "*", Overrun: &Overrun{Step: 1}}, []string{"tasks[3].overrun.factor: 0 must be more than 0 (5 makes the step take 5 times its time)"}},
		{"records of every task", ScenarioTask{TaskID: "*", History: true, FailAtStep: 5, AlreadyRunning: time.Second}, []string{
			`tasks[3].history: needs a concrete task_id, not "*"`,
			"tasks[3].fail_at_step: 5 is past the last step (4)",
			`tasks[3].already_running: needs a concrete task_id, not "*"`,
		}},
		{"records of a deleted task", ScenarioTask{TaskID: testTask, Deleted: true, History: true, FailAtStep: -1, AlreadyRunning: time.Second}, []string{
			"tasks[3].history: a deleted task has no records",
			"tasks[3].fail_at_step: -1 must be 1 or more (steps count from 1)",
			"tasks[3].already_running: a deleted task runs nothing",
		}},
		{"negative already_running", ScenarioTask{TaskID: testTask, AlreadyRunning: -time.Second}, []string{"tasks[3].already_running: -1s must not be negative"}},
		{"refusals", ScenarioTask{TaskID: testTask, RefuseStart: &RefuseStart{Status: 200}, RefuseHistory: &RefuseStart{Status: 600}}, []string{
			"tasks[3].refuse_start.status: 200 is not an error status (400-599)",
			"tasks[3].refuse_history.status: 600 is not an error status (400-599)",
		}},
		{"statuses", ScenarioTask{TaskID: testTask, RunningStatus: "succeeded", FailedStatus: "running", FinalStatus: "pending"}, []string{
			`tasks[3].running_status: "succeeded" is a final status; use a value a client keeps polling on (e.g. pending, running, not_started)`,
			`tasks[3].failed_status: "running" would not read as a failure (use e.g. failed, abort, timeout)`,
			`tasks[3].final_status: "pending" is a status a client keeps polling on (running, pending, not_started, not_executed); use a final one, e.g. stopped or canceled`,
			"tasks[3].final_status: give either final_status (every ended record) or failed_status (failed records), not both",
		}},
		{"blank final_status", ScenarioTask{TaskID: testTask, FinalStatus: " "},
			[]string{`tasks[3].final_status: " " is a status a client keeps polling on (running, pending, not_started, not_executed); use a final one, e.g. stopped or canceled`}},
	})
}

func TestScenarioReleasePlanValidate(t *testing.T) {
	t.Parallel()
	one := []ScenarioPlanComponent{{Name: "a", Seq: 1, Version: "1.0.0"}}
	plan := func(id, strategy, status string, comps []ScenarioPlanComponent) ScenarioReleasePlan {
		return ScenarioReleasePlan{ID: id, FailStrategy: strategy, Status: status, Components: comps}
	}
	runValidateCases(t, "release_plans[1]", []validateCase[ScenarioReleasePlan]{
		{"minimal", plan("rp-1", "stop", "CREATED", one), nil},
		{"ended as its components say", plan(testPlan, "continue", "PARTIALLY_FAILED",
			[]ScenarioPlanComponent{{Name: "a", Seq: 1, Fail: true}, {Name: "b", Seq: 1}}), nil},
		{"missing id, no components", plan("", "stop", "CREATED", nil), []string{
			"release_plans[1].id: required (e.g. a UUID)",
			"release_plans[1].components: a release plan needs at least one component",
		}},
		{"bad id and choices", plan("a/b", "retry", "ABORTED", one), []string{
			`release_plans[1].id: "a/b" must be 1-64 letters, digits, - or _`,
			`release_plans[1].fail_strategy: "retry" is not one of stop, continue`,
			`release_plans[1].status: "ABORTED" is not one of CREATED, RUNNING, SUCCESS, FAILED, PARTIALLY_FAILED`,
		}},
		{"status disagrees", plan("x", "stop", "FAILED", one),
			[]string{"release_plans[1].status: FAILED does not agree with the components, whose fail flags end the plan SUCCESS"}},
		{"execute_refuse", ScenarioReleasePlan{ID: "x", FailStrategy: "stop", Status: "CREATED", Components: one, ExecuteRefuse: &ExecuteRefuse{Status: 302}},
			[]string{"release_plans[1].execute_refuse.status: 302 is not an error status (400-599)"}},
		{"components, each and together", plan("x", "stop", "CREATED", []ScenarioPlanComponent{
			{Name: "a", Seq: 1}, {Name: "a", Seq: 0}, {Name: " ", Seq: 1}, {Name: " ", Seq: 1, Duration: -time.Second, FailMessage: "boom"},
		}), []string{
			"release_plans[1].components[1].seq: 0 must be 1 or more (batches count from 1)",
			`release_plans[1].components[1].name: "a" is already used by components[0]`,
			"release_plans[1].components[2].name: required",
			"release_plans[1].components[3].name: required",
			"release_plans[1].components[3].duration: -1s must not be negative",
			"release_plans[1].components[3].fail_message: only used with fail: true",
		}},
	})
}

func TestScenarioSoftwareDeploymentValidate(t *testing.T) {
	t.Parallel()
	runValidateCases(t, "software_deployments[0]", []validateCase[ScenarioSoftwareDeployment]{
		{"minimal", ScenarioSoftwareDeployment{ID: testDeployment, Action: "CREATE", Status: "IN_PROGRESS"}, nil},
		{"missing id", ScenarioSoftwareDeployment{Action: "UPDATE", Status: "COMPLETE"}, []string{"software_deployments[0].id: required"}},
		{"every field wrong", ScenarioSoftwareDeployment{ID: "a_b", Action: "DEPLOY", Status: "DONE"}, []string{
			`software_deployments[0].id: "a_b" must be 1-64 letters, digits or -`,
			`software_deployments[0].action: "DEPLOY" is not one of CREATE, UPDATE, DELETE, SUSPEND, RESUME`,
			`software_deployments[0].status: "DONE" is not one of COMPLETE, IN_PROGRESS, FAILED`,
		}},
	})
}

func TestFaultValidate(t *testing.T) {
	t.Parallel()
	runValidateCases(t, "faults[2]", []validateCase[Fault]{
		{"throttle", Fault{Op: "state", Kind: FaultThrottle, RetryAfter: time.Second, After: 1, Times: 2}, nil},
		{"error", Fault{Op: "any", Kind: FaultError, Status: 504}, nil},
		{"slow task", Fault{Op: "start", TaskID: testTask, Kind: FaultSlow, Delay: time.Second}, nil},
		{"hang", Fault{Op: "health", Kind: FaultHang}, nil},
		{"missing kind", Fault{Op: "any"}, []string{"faults[2].kind: required, one of throttle, error, drop, slow, hang"}},
		{"bad op and kind", Fault{Op: "deploy", Kind: "explode"}, []string{
			`faults[2].op: "deploy" is not one of start, state, stop, logs, detail, app_detail, history, params, plans, plan, execute, rollback, abort, deploy_info, signal, deployment, iam, oidc, health, any`,
			`faults[2].kind: "explode" is not one of throttle, error, drop, slow, hang`,
		}},
		{"bad task id", Fault{Op: "any", Kind: FaultDrop, TaskID: "*"}, []string{`faults[2].task_id: "*" is not 32 letters/digits`}},
		{"task id of a taskless op", Fault{Op: "execute", Kind: FaultDrop, TaskID: testTask},
			[]string{"faults[2].task_id: op execute has no task; task_id only works with start, state, stop, logs, detail, app_detail, history, params or any"}},
		{"bad error status", Fault{Op: "any", Kind: FaultError, Status: 418}, []string{"faults[2].status: 418 is not one of 500, 502, 503, 504"}},
		{"options of other kinds", Fault{Op: "any", Kind: FaultDrop, Status: 503, RetryAfter: time.Second, Delay: time.Second}, []string{
			"faults[2].status: only used by kind error",
			"faults[2].retry_after: only used by kind throttle",
			"faults[2].delay: only used by kinds slow and hang",
		}},
		{"slow without delay", Fault{Op: "any", Kind: FaultSlow}, []string{"faults[2].delay: required for kind slow"}},
		{"negative numbers", Fault{Op: "any", Kind: FaultThrottle, RetryAfter: -time.Second, Delay: -time.Second, After: -1, Times: -2}, []string{
			"faults[2].retry_after: -1s must not be negative",
			"faults[2].delay: -1s must not be negative",
			"faults[2].after: -1 must not be negative",
			"faults[2].times: -2 must not be negative (0 means every matching request)",
		}},
	})
}

func TestScenarioHealthValidate(t *testing.T) {
	t.Parallel()
	ok := ScenarioHealth{Name: "app", Status: 200, UnhealthyStatus: 503}
	runValidateCases(t, "health[1]", []validateCase[ScenarioHealth]{
		{"minimal", ok, nil},
		{"flapping, slow, late", ScenarioHealth{Name: "a_b-1", HealthyAfter: time.Second, Flapping: true, Delay: time.Second, Status: 100, UnhealthyStatus: 599}, nil},
		{"missing name", ScenarioHealth{Status: 200, UnhealthyStatus: 503}, []string{"health[1].name: required (the endpoint is GET /_health/{name})"}},
		{"every field wrong", ScenarioHealth{Name: "a b", HealthyAfter: -time.Second, Delay: -time.Second, Status: 42, UnhealthyStatus: 600}, []string{
			`health[1].name: "a b" must be 1-64 letters, digits, - or _`,
			"health[1].healthy_after: -1s must not be negative",
			"health[1].delay: -1s must not be negative",
			"health[1].status: 42 is not an HTTP status (100-599)",
			"health[1].unhealthy_status: 600 is not an HTTP status (100-599)",
		}},
		{"never healthy, yet healthy later", ScenarioHealth{Name: "x", Never: true, Flapping: true, Status: 200, UnhealthyStatus: 503},
			[]string{"health[1].never: a never-healthy endpoint takes neither healthy_after nor flapping"}},
	})
}

// TestValidateList: each entry is validated below its own path, and a key
// two entries share is reported at the second, naming the first.
func TestValidateList(t *testing.T) {
	t.Parallel()
	tasks := []ScenarioTask{{TaskID: testTask}, {TaskID: ""}, {TaskID: testTask}, {TaskID: ""}, {TaskID: testTask}}
	err := validateList("", "tasks", tasks)
	require.Error(t, err)
	assert.Equal(t, strings.Join([]string{
		`tasks[1].task_id: required (32 letters/digits, or "*" for every task)`,
		`tasks[2].task_id: "0123456789abcdef0123456789abcdef" is already used by tasks[0]`,
		`tasks[3].task_id: required (32 letters/digits, or "*" for every task)`,
		`tasks[4].task_id: "0123456789abcdef0123456789abcdef" is already used by tasks[0]`,
	}, "\n"), err.Error())
	assert.NoError(t, validateList("", "faults", []Fault{{Op: "any", Kind: FaultDrop}, {Op: "any", Kind: FaultDrop}}), "faults have no key")
	assert.NoError(t, validateList[ScenarioTask]("", "tasks", nil))
}

// TestScenarioValidate: Validate checks a scenario built in Go with its
// defaults filled in, and leaves it as it was.
func TestScenarioValidate(t *testing.T) {
	t.Parallel()
	sc := &Scenario{
		Tasks:        []ScenarioTask{{TaskID: testTask, RefuseStart: &RefuseStart{}}},
		ReleasePlans: []ScenarioReleasePlan{{ID: "x", Components: []ScenarioPlanComponent{{Name: "a", Seq: 1}}, ExecuteRefuse: &ExecuteRefuse{}}},
		Faults:       []Fault{{Kind: FaultError}},
		Health:       []ScenarioHealth{{Name: "app"}},
	}
	require.NoError(t, sc.Validate())
	assert.Equal(t, &RefuseStart{}, sc.Tasks[0].RefuseStart, "not changed")
	assert.Empty(t, sc.Faults[0].Op, "not changed")

	bad := &Scenario{StepDuration: -time.Second, Tasks: []ScenarioTask{{}}, Faults: []Fault{{Kind: FaultError, Status: 418}}}
	err := bad.Validate()
	require.Error(t, err)
	assert.Equal(t, strings.Join([]string{
		"step_duration: -1s must not be negative",
		`tasks[0].task_id: required (32 letters/digits, or "*" for every task)`,
		"faults[0].status: 418 is not one of 500, 502, 503, 504",
	}, "\n"), err.Error())
}
