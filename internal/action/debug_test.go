package action

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDebugLogging: the one reading of the debug switch, shared by the
// Log of every step and Config.Debug.
func TestDebugLogging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"unset", nil, false},
		{"RUNNER_DEBUG 1", map[string]string{"RUNNER_DEBUG": "1"}, true},
		{"RUNNER_DEBUG true", map[string]string{"RUNNER_DEBUG": "true"}, true},
		{"ACTIONS_STEP_DEBUG true", map[string]string{"ACTIONS_STEP_DEBUG": "true"}, true},
		{"ACTIONS_STEP_DEBUG True, spaced", map[string]string{"ACTIONS_STEP_DEBUG": " True "}, true},
		{"ACTIONS_STEP_DEBUG 1", map[string]string{"ACTIONS_STEP_DEBUG": "1"}, true},
		{"false", map[string]string{"ACTIONS_STEP_DEBUG": "false", "RUNNER_DEBUG": "0"}, false},
		{"other words", map[string]string{"ACTIONS_STEP_DEBUG": "yes", "RUNNER_DEBUG": "on"}, false},
	}
	for _, tt := range tests {
		getenv := func(k string) string { return tt.env[k] }
		assert.Equal(t, tt.want, DebugLogging(getenv), tt.name)
		env := deployEnv(tt.env)
		cfg, err := Load(func(k string) string { return env[k] })
		if assert.NoError(t, err, tt.name) {
			assert.Equal(t, tt.want, cfg.Debug, "Config.Debug: %s", tt.name)
		}
	}
}
