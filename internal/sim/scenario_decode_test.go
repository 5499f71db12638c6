package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, wantErr string
	}{
		{"", "0s", ""},
		{"0", "0s", ""},
		{"1.5s", "1.5s", ""},
		{"1m30s", "1m30s", ""},
		{"-20m", "-20m0s", ""},
		{"5", "", `"5" is not a duration (write it like 750ms, 2s or 1m30s)`},
		{"3 seconds", "", `"3 seconds" is not a duration (write it like 750ms, 2s or 1m30s)`},
	}
	for _, tc := range tests {
		got, err := readDuration(tc.in)
		if tc.wantErr != "" {
			assert.EqualError(t, err, tc.wantErr, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestReadPercent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, wantErr string
	}{
		{"", "0", ""},
		{"30%", "0.3", ""},
		{" 30 % ", "0.3", ""},
		{"0.5%", "0.005", ""},
		{"-5%", "-0.05", ""}, // a value Validate rejects, with its own message
		{"0.3", "", `"0.3" is not a percentage (write it like 30%)`},
		{"abc%", "", `"abc%" is not a percentage (write it like 30%)`},
		{"NaN%", "", `"NaN%" is not a percentage (write it like 30%)`},
		{"inf%", "", `"inf%" is not a percentage (write it like 30%)`},
	}
	for _, tc := range tests {
		got, err := readPercent(tc.in)
		if tc.wantErr != "" {
			assert.EqualError(t, err, tc.wantErr, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

// TestParseScenarioDurations: the forms a duration is written in.
func TestParseScenarioDurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		yaml string
		want time.Duration
	}{
		{"step_duration: 1.5s", 1500 * time.Millisecond},
		{"step_duration: '2s'", 2 * time.Second},
		{"step_duration: !!str 1m", time.Minute},
		{"step_duration: 0", 0},
		{"step_duration: ''", 0},
		{"step_duration: ~", 0},
		{"step_duration:", 0},
	}
	for _, tc := range tests {
		sc, err := ParseScenario([]byte(tc.yaml))
		require.NoError(t, err, tc.yaml)
		assert.Equal(t, tc.want, sc.StepDuration, tc.yaml)
	}
	for yaml, want := range map[string]string{
		"step_duration: 5":        `step_duration: "5" is not a duration`,
		"step_duration: true":     `step_duration: "true" is not a duration`,
		`step_duration: "~"`:      `step_duration: "~" is not a duration`,
		"step_duration: {a: 1}":   "line 1: cannot unmarshal !!map into a duration",
		"clock_skew: [1s]":        "line 1: cannot unmarshal !!seq into a duration",
		"tasks: [{vary: [1]}]":    "line 1: cannot unmarshal !!seq into float64",
		"tasks: [{vary: {a: 1}}]": "line 1: cannot unmarshal !!map into float64",
	} {
		_, err := ParseScenario([]byte(yaml))
		require.Error(t, err, yaml)
		assert.Contains(t, err.Error(), want)
	}
}

// TestParseScenarioNothing: what reads as no scenario at all, as the
// YAML decoder reads it (a null key is skipped, an empty list is none).
func TestParseScenarioNothing(t *testing.T) {
	t.Parallel()
	for _, data := range []string{"?", "~: 1", "tasks: []", "faults: []\nhealth: []", "---", "tasks: ~"} {
		got, err := ParseScenario([]byte(data))
		require.NoError(t, err, "%q", data)
		assert.Equal(t, &Scenario{}, got, "%q", data)
	}
}

// TestParseScenarioAliases: anchors, aliases and merge keys work as YAML
// has them, and an alias is checked where it is used.
func TestParseScenarioAliases(t *testing.T) {
	t.Parallel()
	sc, err := ParseScenario([]byte(`
tasks:
  - &base {task_id: '*', duration: &d 1m, vary: &v 30%, name: &n 20%}
  - {<<: *base, task_id: 00000000000000000000000000000001, vary: 10%}
  - {task_id: 00000000000000000000000000000002, step_duration: *d, vary: *v}
  - {task_id: 00000000000000000000000000000003, vary: *n, name: *n}
  - <<: [*base, {fail_at_step: 2}]
    task_id: 00000000000000000000000000000004
health:
  - &h {name: a, delay: 2s}
  - {<<: *h, name: b}
`))
	require.NoError(t, err)
	assert.Equal(t, []ScenarioTask{
		{TaskID: "*", Duration: time.Minute, Vary: 0.3, Name: "20%"},
		{TaskID: "00000000000000000000000000000001", Duration: time.Minute, Vary: 0.1, Name: "20%"},
		{TaskID: "00000000000000000000000000000002", StepDuration: time.Minute, Vary: 0.3},
		{TaskID: "00000000000000000000000000000003", Vary: 0.2, Name: "20%"},
		{TaskID: "00000000000000000000000000000004", Duration: time.Minute, Vary: 0.3, Name: "20%", FailAtStep: 2},
	}, sc.Tasks)
	require.Len(t, sc.Health, 2)
	assert.Equal(t, 2*time.Second, sc.Health[1].Delay)
}

// TestParseScenarioYAMLErrors: unknown fields, wherever they come from,
// and type errors read in the scenario's words.
func TestParseScenarioYAMLErrors(t *testing.T) {
	t.Parallel()
	const id = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown field in a merged mapping", "tasks: [{<<: {fail_at: 1}, task_id: '*'}]", []string{"line 1: unknown field fail_at in a task (valid: task_id, name,"}},
		{"a fault used as a task", "faults: [&f {kind: drop, task_id: " + id + "}]\ntasks: [*f]", []string{"line 1: unknown field kind in a task"}},
		{"every unknown field", "x: 1\ntasks:\n  - {bad: 1}\nfaults: [{count: 2}]", []string{
			"line 1: unknown field x at the top level", "line 3: unknown field bad in a task", "line 4: unknown field count in a fault"}},
		{"unknown health field", "health: [{name: a, path: /x}]", []string{"unknown field path in a health endpoint (valid: name, healthy_after, flapping, never, delay, status, body, unhealthy_status, unhealthy_body)"}},
		{"unknown deployment field", "software_deployments: [{id: a, outputs: {}}]", []string{"unknown field outputs in a software deployment (valid: id, server_id, config_id, action, status)"}},
		{"unknown component field", "release_plans: [{id: a, components: [{batch: 1}]}]", []string{"unknown field batch in a release plan component (valid: name, seq, version, duration, fail, fail_message, rollback_fails)"}},
		{"unknown execute_refuse field", "release_plans: [{id: a, execute_refuse: {text: x}}]", []string{"unknown field text in refuse_start, refuse_history or execute_refuse (valid: status, code, message)"}},
		{"key given twice", "tasks: [{task_id: '*', task_id: " + id + "}]", []string{`mapping key "task_id" already defined`}},
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
