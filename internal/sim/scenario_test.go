package sim

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseScenario(t *testing.T) {
	t.Parallel()
	data := `
step_duration: 1s
seed: 42
clock_skew: -20m
tasks:
  - task_id: 0123456789abcdef0123456789abcdef
    name: checkout-service
    steps: [Download package, Stop service, Deploy, Start service, Health check]
    step_duration: 2s
    fail_at_step: 5
    fail_message: "Health check failed: HTTP 503 from /healthz"
    rollback_fails: true
    refuse_start: {code: Deploy.00011042}
    already_running: 30s
    running_status: pending
    failed_status: abort
    string_fields: true
    refuse_history: {status: 404}
    history_oldest_first: true
  - task_id: "*"
    duration: 2m
  - task_id: 00000000000000000000000000000001
    final_status: stopped
  - task_id: 00000000000000000000000000000002
    step_durations: [1s, 20s, 3s, 500ms]
    vary: 30%
    overrun: {step: 2, factor: 5}
    history: true
release_plans:
  - id: 716eda33-dbc6-47f3-953f-29119edd5e5c
    name: checkout-release
    fail_strategy: continue
    status: PARTIALLY_FAILED
    seq_as_string: true
    execute_refuse: {code: SVCSTG.00100401}
    components:
      - {name: api, seq: 1, version: 1.4.2, duration: 3s}
      - {name: web, seq: 2, fail: true, fail_message: "readiness probe failed", rollback_fails: true}
  - id: rp-minimal
    components: [{name: only, seq: 1}]
software_deployments:
  - id: 5c9a1f0e-2b7d-4e43-9a51-6f2d8c7b3e10
    server_id: srv-1
    config_id: cfg-1
    action: UPDATE
    status: COMPLETE
  - id: plain
faults:
  - op: start
    kind: throttle
    retry_after: 2s
    times: 1
  - kind: error
  - op: state
    task_id: 0123456789abcdef0123456789abcdef
    kind: hang
    delay: 3s
    after: 2
`
	got, err := ParseScenario([]byte(data))
	require.NoError(t, err)
	want := &Scenario{
		StepDuration: time.Second,
		Seed:         42,
		ClockSkew:    -20 * time.Minute,
		Tasks: []ScenarioTask{
			{
				TaskID: testTask, Name: "checkout-service",
				Steps:        []string{"Download package", "Stop service", "Deploy", "Start service", "Health check"},
				StepDuration: 2 * time.Second, FailAtStep: 5, FailMessage: "Health check failed: HTTP 503 from /healthz",
				RollbackFails:  true,
				RefuseStart:    &RefuseStart{Status: 400, Code: "Deploy.00011042", Message: "A draft application cannot be executed."},
				AlreadyRunning: 30 * time.Second, RunningStatus: "pending", FailedStatus: "abort", StringFields: true,
				RefuseHistory:      &RefuseStart{Status: 404, Code: "Deploy.00011154", Message: "Insufficient permissions."},
				HistoryOldestFirst: true,
			},
			{TaskID: "*", Duration: 2 * time.Minute},
			{TaskID: "00000000000000000000000000000001", FinalStatus: "stopped"},
			{TaskID: "00000000000000000000000000000002", StepDurations: []time.Duration{time.Second, 20 * time.Second, 3 * time.Second, 500 * time.Millisecond},
				Vary: 0.3, Overrun: &Overrun{Step: 2, Factor: 5}, History: true},
		},
		ReleasePlans: []ScenarioReleasePlan{
			{
				ID: testPlan, Name: "checkout-release", FailStrategy: "continue", Status: "PARTIALLY_FAILED", SeqAsString: true,
				ExecuteRefuse: &ExecuteRefuse{Status: 400, Code: "SVCSTG.00100401", Message: "The release plan cannot be executed."},
				Components: []ScenarioPlanComponent{
					{Name: "api", Seq: 1, Version: "1.4.2", Duration: 3 * time.Second},
					{Name: "web", Seq: 2, Version: "1.0.0", Fail: true, FailMessage: "readiness probe failed", RollbackFails: true},
				},
			},
			{ID: "rp-minimal", FailStrategy: "stop", Status: "CREATED", Components: []ScenarioPlanComponent{{Name: "only", Seq: 1, Version: "1.0.0"}}},
		},
		SoftwareDeployments: []ScenarioSoftwareDeployment{
			{ID: testDeployment, ServerID: "srv-1", ConfigID: "cfg-1", Action: "UPDATE", Status: "COMPLETE"},
			{ID: "plain", Action: "CREATE", Status: "IN_PROGRESS"},
		},
		Faults: []Fault{
			{Op: "start", Kind: "throttle", RetryAfter: 2 * time.Second, Times: 1},
			{Op: "any", Kind: "error", Status: 503},
			{Op: "state", TaskID: testTask, Kind: "hang", Delay: 3 * time.Second, After: 2},
		},
	}
	assert.Equal(t, want, got)
}

func TestParseScenarioEmpty(t *testing.T) {
	t.Parallel()
	for _, data := range []string{"", "# nothing\n", "{}"} {
		got, err := ParseScenario([]byte(data))
		require.NoError(t, err, "%q", data)
		assert.Equal(t, &Scenario{}, got)
	}
}

func TestParseScenarioErrors(t *testing.T) {
	t.Parallel()
	const id = "task_id: 0123456789abcdef0123456789abcdef"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown top-level field", "step_durations: 1s", []string{"unknown field step_durations at the top level", "valid: step_duration, seed, clock_skew, tasks, release_plans, software_deployments, health, faults"}},
		{"unknown task field", "tasks:\n  - " + id + "\n    fail_at: 2", []string{"line 3", "unknown field fail_at in a task", "fail_at_step"}},
		{"unknown fault field", "faults:\n  - kind: drop\n    count: 2", []string{"unknown field count in a fault"}},
		{"unknown refuse_start field", "tasks:\n  - " + id + "\n    refuse_start: {status: 400, text: x}", []string{"unknown field text in refuse_start"}},
		{"refuse_history not an error", "tasks:\n  - " + id + "\n    refuse_history: {status: 200}", []string{"tasks[0].refuse_history.status: 200 is not an error status (400-599)"}},
		{"not yaml", "tasks: [", []string{"yaml"}},
		{"wrong type", "tasks: 3", []string{"cannot unmarshal"}},
		{"bad duration", "step_duration: 5", []string{`step_duration: "5" is not a duration`}},
		{"bad task duration", "tasks:\n  - " + id + "\n    duration: soon", []string{`tasks[0].duration: "soon" is not a duration`}},
		{"bad fault delay", "faults:\n  - kind: slow\n    delay: 3 seconds", []string{`faults[0].delay: "3 seconds" is not a duration`}},
		{"negative step duration", "step_duration: -1s", []string{"step_duration: -1s must not be negative"}},
		{"missing task id", "tasks:\n  - name: x", []string{"tasks[0].task_id: required"}},
		{"short task id", "tasks:\n  - task_id: abc", []string{`tasks[0].task_id: "abc" is not 32 letters/digits`}},
		{"duplicate task id", "tasks:\n  - " + id + "\n  - " + id, []string{"tasks[1].task_id", "already used by tasks[0]"}},
		{"fail_at_step past default steps", "tasks:\n  - task_id: '*'\n  - " + id + "\n    fail_at_step: 7", []string{"tasks[1].fail_at_step: 7 is past the last step (4)"}},
		{"fail_at_step past custom steps", "tasks:\n  - " + id + "\n    steps: [a, b]\n    fail_at_step: 3", []string{"tasks[0].fail_at_step: 3 is past the last step (2)"}},
		{"fail_at_step negative", "tasks:\n  - " + id + "\n    fail_at_step: -1", []string{"tasks[0].fail_at_step: -1 must be 1 or more"}},
		{"empty step name", "tasks:\n  - " + id + "\n    steps: [a, '']", []string{"tasks[0].steps[1]"}},
		{"duration and step_duration", "tasks:\n  - " + id + "\n    duration: 1m\n    step_duration: 1s", []string{"tasks[0].duration: give either"}},
		{"step_durations and duration", "tasks:\n  - " + id + "\n    duration: 1m\n    step_durations: [1s, 1s, 1s, 1s]", []string{"tasks[0].step_durations: give one of duration, step_duration and step_durations"}},
		{"step_durations count", "tasks:\n  - " + id + "\n    step_durations: [1s, 2s]", []string{"tasks[0].step_durations: 2 durations for 4 steps; give one per step"}},
		{"step_durations zero and bad", "tasks:\n  - " + id + "\n    steps: [a, b]\n    step_durations: [0s, soon]", []string{"tasks[0].step_durations[0]: 0s must be more than 0", `tasks[0].step_durations[1]: "soon" is not a duration`}},
		{"vary without percent", "tasks:\n  - " + id + "\n    vary: 0.3", []string{`tasks[0].vary: "0.3" is not a percentage (write it like 30%)`}},
		{"vary too large", "tasks:\n  - " + id + "\n    vary: 100%", []string{"tasks[0].vary: 100% must be from 0% to under 100%"}},
		{"vary negative", "tasks:\n  - " + id + "\n    vary: -5%", []string{"tasks[0].vary: -5% must be from 0% to under 100%"}},
		{"overrun past the steps", "tasks:\n  - " + id + "\n    overrun: {step: 5, factor: 3}", []string{"tasks[0].overrun.step: 5 is not a step (1-4)"}},
		{"overrun without factor", "tasks:\n  - " + id + "\n    overrun: {step: 1}", []string{"tasks[0].overrun.factor: 0 must be more than 0"}},
		{"unknown overrun field", "tasks:\n  - " + id + "\n    overrun: {step: 1, times: 3}", []string{"unknown field times in overrun", "valid: step, factor"}},
		{"history on star", "tasks:\n  - task_id: '*'\n    history: true", []string{`tasks[0].history: needs a concrete task_id`}},
		{"history of a deleted task", "tasks:\n  - " + id + "\n    history: true\n    deleted: true", []string{"tasks[0].history: a deleted task has no records"}},
		{"refuse_start status", "tasks:\n  - " + id + "\n    refuse_start: {status: 200}", []string{"tasks[0].refuse_start.status: 200"}},
		{"already_running on star", "tasks:\n  - task_id: '*'\n    already_running: 1m", []string{`tasks[0].already_running: needs a concrete task_id`}},
		{"final running_status", "tasks:\n  - " + id + "\n    running_status: succeeded", []string{"tasks[0].running_status", "final"}},
		{"succeeded failed_status", "tasks:\n  - " + id + "\n    failed_status: succeeded", []string{"tasks[0].failed_status"}},
		{"polling final_status", "tasks:\n  - " + id + "\n    final_status: pending", []string{`tasks[0].final_status: "pending" is a status a client keeps polling on (running, pending, not_started, not_executed)`}},
		{"blank final_status", "tasks:\n  - " + id + "\n    final_status: ' '", []string{`tasks[0].final_status: " "`}},
		{"final_status and failed_status", "tasks:\n  - " + id + "\n    final_status: stopped\n    failed_status: abort", []string{"tasks[0].final_status: give either"}},
		{"bad op", "faults:\n  - op: deploy\n    kind: drop", []string{`faults[0].op: "deploy" is not one of start, state, stop, logs, detail, app_detail, history, params, plans, plan, execute, rollback, abort, deploy_info, signal, deployment, iam, oidc, health, any`}},
		{"missing kind", "faults:\n  - op: start", []string{"faults[0].kind: required, one of throttle, error, drop, slow, hang"}},
		{"bad kind", "faults:\n  - kind: explode", []string{`faults[0].kind: "explode" is not one of throttle, error, drop, slow, hang`}},
		{"bad error status", "faults:\n  - kind: error\n    status: 418", []string{"faults[0].status: 418 is not one of 500, 502, 503, 504"}},
		{"status on throttle", "faults:\n  - kind: throttle\n    status: 429", []string{"faults[0].status: only used by kind error"}},
		{"retry_after on error", "faults:\n  - kind: error\n    retry_after: 1s", []string{"faults[0].retry_after: only used by kind throttle"}},
		{"slow without delay", "faults:\n  - kind: slow", []string{"faults[0].delay: required for kind slow"}},
		{"delay on drop", "faults:\n  - kind: drop\n    delay: 1s", []string{"faults[0].delay: only used by kinds slow and hang"}},
		{"negative after and times", "faults:\n  - kind: drop\n    after: -1\n    times: -2", []string{"faults[0].after: -1", "faults[0].times: -2"}},
		{"bad fault task id", "faults:\n  - kind: drop\n    task_id: '*'", []string{`faults[0].task_id: "*" is not 32 letters/digits`}},
		{"every problem at once", "step_duration: x\nclock_skew: y", []string{"step_duration:", "clock_skew:"}},
		{"fault task_id on a taskless op", "faults:\n  - op: execute\n    kind: drop\n    task_id: 0123456789abcdef0123456789abcdef",
			[]string{"faults[0].task_id: op execute has no task; task_id only works with start, state, stop, logs, detail, app_detail, history, params or any"}},

		{"unknown release plan field", "release_plans:\n  - id: x\n    strategy: stop", []string{"unknown field strategy in a release plan", "fail_strategy"}},
		{"unknown component field", "release_plans:\n  - id: x\n    components: [{name: a, seq: 1, batch: 2}]", []string{"unknown field batch in a release plan component"}},
		{"unknown execute_refuse field", "release_plans:\n  - id: x\n    execute_refuse: {text: no}\n    components: [{name: a, seq: 1}]", []string{"unknown field text in refuse_start, refuse_history or execute_refuse"}},
		{"release plans not a list", "release_plans: {id: x}", []string{"cannot unmarshal", "a list of release plans"}},
		{"missing plan id", "release_plans:\n  - components: [{name: a, seq: 1}]", []string{"release_plans[0].id: required"}},
		{"bad plan id", "release_plans:\n  - id: a/b\n    components: [{name: a, seq: 1}]", []string{`release_plans[0].id: "a/b" must be 1-64 letters, digits, - or _`}},
		{"duplicate plan id", "release_plans:\n  - id: x\n    components: [{name: a, seq: 1}]\n  - id: x\n    components: [{name: a, seq: 1}]",
			[]string{`release_plans[1].id: "x" is already used by release_plans[0]`}},
		{"bad fail_strategy", "release_plans:\n  - id: x\n    fail_strategy: retry\n    components: [{name: a, seq: 1}]", []string{`release_plans[0].fail_strategy: "retry" is not one of stop, continue`}},
		{"bad plan status", "release_plans:\n  - id: x\n    status: ABORTED\n    components: [{name: a, seq: 1}]",
			[]string{`release_plans[0].status: "ABORTED" is not one of CREATED, RUNNING, SUCCESS, FAILED, PARTIALLY_FAILED`}},
		{"status disagrees", "release_plans:\n  - id: x\n    status: FAILED\n    components: [{name: a, seq: 1}]",
			[]string{"release_plans[0].status: FAILED does not agree with the components, whose fail flags end the plan SUCCESS"}},
		{"status disagrees with continue", "release_plans:\n  - id: x\n    status: FAILED\n    fail_strategy: continue\n    components: [{name: a, seq: 1, fail: true}, {name: b, seq: 1}]",
			[]string{"end the plan PARTIALLY_FAILED"}},
		{"no components", "release_plans:\n  - id: x", []string{"release_plans[0].components: a release plan needs at least one component"}},
		{"component without name", "release_plans:\n  - id: x\n    components: [{seq: 1}]", []string{"release_plans[0].components[0].name: required"}},
		{"duplicate component", "release_plans:\n  - id: x\n    components: [{name: a, seq: 1}, {name: a, seq: 2}]", []string{`release_plans[0].components[1].name: "a" is already used by components[0]`}},
		{"seq missing", "release_plans:\n  - id: x\n    components: [{name: a}]", []string{"release_plans[0].components[0].seq: 0 must be 1 or more"}},
		{"seq not a number", "release_plans:\n  - id: x\n    components: [{name: a, seq: first}]", []string{"cannot unmarshal"}},
		{"bad component duration", "release_plans:\n  - id: x\n    components: [{name: a, seq: 1, duration: long}]", []string{`release_plans[0].components[0].duration: "long" is not a duration`}},
		{"negative component duration", "release_plans:\n  - id: x\n    components: [{name: a, seq: 1, duration: -1s}]", []string{"release_plans[0].components[0].duration: -1s must not be negative"}},
		{"fail_message without fail", "release_plans:\n  - id: x\n    components: [{name: a, seq: 1, fail_message: boom}]", []string{"release_plans[0].components[0].fail_message: only used with fail: true"}},
		{"execute_refuse status", "release_plans:\n  - id: x\n    execute_refuse: {status: 302}\n    components: [{name: a, seq: 1}]", []string{"release_plans[0].execute_refuse.status: 302 is not an error status"}},

		{"unknown software deployment field", "software_deployments:\n  - id: x\n    outputs: {}", []string{"unknown field outputs in a software deployment", "server_id"}},
		{"missing deployment id", "software_deployments:\n  - status: COMPLETE", []string{"software_deployments[0].id: required"}},
		{"bad deployment id", "software_deployments:\n  - id: a_b", []string{`software_deployments[0].id: "a_b" must be 1-64 letters, digits or -`}},
		{"duplicate deployment id", "software_deployments:\n  - id: x\n  - id: x", []string{`software_deployments[1].id: "x" is already used by software_deployments[0]`}},
		{"bad deployment status", "software_deployments:\n  - id: x\n    status: DONE", []string{`software_deployments[0].status: "DONE" is not one of COMPLETE, IN_PROGRESS, FAILED`}},
		{"bad deployment action", "software_deployments:\n  - id: x\n    action: DEPLOY", []string{`software_deployments[0].action: "DEPLOY" is not one of CREATE, UPDATE, DELETE, SUSPEND, RESUME`}},

		// Unknown fields, wherever they come from, and type errors in the
		// scenario's words.
		{"unknown field in a merged mapping", "tasks: [{<<: {fail_at: 1}, task_id: '*'}]", []string{"line 1: unknown field fail_at in a task (valid: task_id, name,"}},
		{"a fault used as a task", "faults: [&f {kind: drop, task_id: " + testTask + "}]\ntasks: [*f]", []string{"line 1: unknown field kind in a task"}},
		{"every unknown field", "x: 1\ntasks:\n  - {bad: 1}\nfaults: [{count: 2}]", []string{
			"line 1: unknown field x at the top level", "line 3: unknown field bad in a task", "line 4: unknown field count in a fault"}},
		{"unknown health field", "health: [{name: a, path: /x}]", []string{"unknown field path in a health endpoint (valid: name, healthy_after, flapping, never, delay, status, body, unhealthy_status, unhealthy_body)"}},
		{"unknown deployment field", "software_deployments: [{id: a, outputs: {}}]", []string{"unknown field outputs in a software deployment (valid: id, server_id, config_id, action, status)"}},
		{"unknown component field", "release_plans: [{id: a, components: [{batch: 1}]}]", []string{"unknown field batch in a release plan component (valid: name, seq, version, duration, fail, fail_message, rollback_fails)"}},
		{"unknown execute_refuse field", "release_plans: [{id: a, execute_refuse: {text: x}}]", []string{"unknown field text in refuse_start, refuse_history or execute_refuse (valid: status, code, message)"}},
		{"key given twice", "tasks: [{task_id: '*', task_id: " + testTask + "}]", []string{`mapping key "task_id" already defined`}},
		{"a task that is no mapping", "tasks: [3]", []string{"cannot unmarshal !!int `3` into Task"}},
		{"a scenario that is a list", "- a", []string{"cannot unmarshal !!seq into Scenario"}},
		{"steps not a list", "tasks: [{steps: a}]", []string{"into a list of names"}},
		{"step_durations not a list", "tasks: [{step_durations: 1s}]", []string{"into a list of durations"}},
		{"components not a list", "release_plans: [{id: x, components: 1}]", []string{"into a list of components"}},
		{"a component that is no mapping", "release_plans: [{id: x, components: [1]}]", []string{"into Component"}},
		{"health not a list", "health: x", []string{"into a list of health endpoints"}},
		{"deployments not a list", "software_deployments: 1", []string{"into a list of software deployments"}},
		{"faults not a list", "faults: x", []string{"into a list of faults"}},
		{"not yaml", "tasks: [", []string{"yaml: line 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseScenario([]byte(tc.yaml))
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "sim.", "Go type names stay hidden")
		})
	}
}

// TestExampleScenarios keeps the documented examples loadable.
func TestExampleScenarios(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "scenarios", "*.yaml"))
	require.NoError(t, err)
	names := map[string]bool{}
	for _, f := range files {
		names[filepath.Base(f)] = true
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			sc, err := LoadScenario(f)
			require.NoError(t, err)
			assert.NotPanics(t, func() { New(Options{Scenario: sc}) })
		})
	}
	for _, want := range []string{"variable.yaml", "fail-at-step.yaml", "long-running.yaml", "refuse-start.yaml", "faults.yaml", "release-plan.yaml", "software-deployment.yaml", "health.yaml"} {
		assert.True(t, names[want], want)
	}
}

func TestLoadScenarioMissing(t *testing.T) {
	t.Parallel()
	_, err := LoadScenario(filepath.Join(t.TempDir(), "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func FuzzParseScenario(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "scenarios", "*.yaml"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("tasks: [{task_id: '*', fail_at_step: 9}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario(data)
		if err != nil {
			return
		}
		// Whatever validates must be servable.
		s := New(Options{Scenario: sc, Now: func() time.Time { return time.Unix(0, 0) }})
		for _, tk := range sc.Tasks {
			if validID(tk.TaskID) {
				s.shape(tk.TaskID)
			}
		}
		for _, p := range sc.ReleasePlans {
			if s.PlanStatus(p.ID) == "" {
				t.Errorf("release plan %q is not served", p.ID)
			}
		}
		for _, d := range sc.SoftwareDeployments {
			if _, ok := s.SoftwareDeployment(d.ID); !ok {
				t.Errorf("software deployment %q is not served", d.ID)
			}
		}
	})
}
