package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// actionDefaults are the defaults action.yml gives its inputs, by name:
// what the runner passes for an input the workflow does not set.
func actionDefaults(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../action.yml")
	require.NoError(t, err)
	var meta struct {
		Inputs map[string]struct {
			Default *string `yaml:"default"`
		} `yaml:"inputs"`
	}
	require.NoError(t, yaml.Unmarshal(b, &meta))
	out := map[string]string{}
	for name, in := range meta.Inputs {
		if in.Default != nil {
			out[name] = *in.Default
		}
	}
	return out
}

// TestStepsGetActionYAMLDefaults keeps the harness honest: the runner
// passes every input action.yml gives a default, and only those, so the
// steps here must get exactly those (before a test's own inputs).
func TestStepsGetActionYAMLDefaults(t *testing.T) {
	t.Parallel()
	want := map[string]string{}
	for name, v := range actionDefaults(t) {
		want["INPUT_"+strings.ToUpper(name)] = v
	}
	s := newStep(t, "http://127.0.0.1:1", nil)
	got := map[string]string{}
	for k, v := range s.env {
		if strings.HasPrefix(k, "INPUT_") {
			got[k] = v
		}
	}
	// What every step sets besides the defaults: where and who.
	for _, k := range []string{"INPUT_ENDPOINT", "INPUT_REGION", "INPUT_PROJECT_ID", "INPUT_ACCESS_KEY_ID", "INPUT_SECRET_ACCESS_KEY"} {
		delete(got, k)
	}
	// The harness's default poll_interval and timeout are shorter, on
	// purpose, so failures end fast; they are checked for presence only.
	for _, k := range []string{"INPUT_POLL_INTERVAL", "INPUT_TIMEOUT"} {
		assert.Contains(t, got, k)
		delete(got, k)
		delete(want, k)
	}
	assert.Equal(t, want, got)
}
