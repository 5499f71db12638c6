package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadScalars: durations and percentages, and the text the YAML
// decoder is given for them.
func TestReadScalars(t *testing.T) {
	t.Parallel()
	tests := []struct {
		read              func(string) (string, error)
		in, want, wantErr string
	}{
		{readDuration, "", "0s", ""},
		{readDuration, "0", "0s", ""},
		{readDuration, "1.5s", "1.5s", ""},
		{readDuration, "1m30s", "1m30s", ""},
		{readDuration, "-20m", "-20m0s", ""},
		{readDuration, "5", "", `"5" is not a duration (write it like 750ms, 2s or 1m30s)`},
		{readDuration, "3 seconds", "", `"3 seconds" is not a duration (write it like 750ms, 2s or 1m30s)`},
		{readPercent, "", "0", ""},
		{readPercent, "30%", "0.3", ""},
		{readPercent, " 30 % ", "0.3", ""},
		{readPercent, "0.5%", "0.005", ""},
		{readPercent, "-5%", "-0.05", ""}, // a value Validate rejects, with its own message
		{readPercent, "0.3", "", `"0.3" is not a percentage (write it like 30%)`},
		{readPercent, "abc%", "", `"abc%" is not a percentage (write it like 30%)`},
		{readPercent, "NaN%", "", `"NaN%" is not a percentage (write it like 30%)`},
		{readPercent, "inf%", "", `"inf%" is not a percentage (write it like 30%)`},
	}
	for _, tc := range tests {
		got, err := tc.read(tc.in)
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
