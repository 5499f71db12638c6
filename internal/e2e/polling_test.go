package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// actionDefault is the default action.yml gives an input: what the runner
// passes when the workflow does not set it.
func actionDefault(t *testing.T, name string) string {
	t.Helper()
	v, ok := actionDefaults(t)[name]
	require.True(t, ok, "action.yml gives %s no default", name)
	return v
}

// TestDeployTimeoutShorterThanDefaultPollInterval: `timeout: 3s` and
// nothing else. The runner passes poll_interval's default (10s), which is
// longer than the timeout; that is no input error: the wait ends at the
// timeout, the record is stopped and the step ends timed_out.
func TestDeployTimeoutShorterThanDefaultPollInterval(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, longTask)
	s := newStep(t, url, map[string]string{"task_id": taskOK, "timeout": "3s", "poll_interval": actionDefault(t, "poll_interval")})
	require.Equal(t, 1, s.run())
	assert.Equal(t, "timed_out", s.outputs()["status"], s.stdout.String())
	recs := srv.Records(taskOK)
	require.Len(t, recs, 1, "the deployment was started")
	assert.True(t, recs[0].Stopped, "a timed-out deployment is stopped")
	assert.Empty(t, srv.Running())
	err := oneError(t, s)
	assert.Contains(t, err, "3.0s")
	assert.NotContains(t, err, "poll_interval")
}
