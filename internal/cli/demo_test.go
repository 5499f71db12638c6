package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// TestDemoEnv: each demo flag sets the inputs a workflow would, and no
// other.
func TestDemoEnv(t *testing.T) {
	t.Parallel()
	const endpoint = "https://codearts.sim.test:4443"
	files := map[string]string{"GITHUB_OUTPUT": "out"}
	tests := []struct {
		name    string
		o       demoOptions
		set     map[string]string
		missing []string
	}{
		{"plain", demoOptions{}, map[string]string{"INPUT_ACCESS_KEY_ID": "AK", "INPUT_ENDPOINT": endpoint, "GITHUB_OUTPUT": "out"},
			[]string{"INPUT_OPERATION", "INPUT_DRY_RUN", "INPUT_WAIT", "INPUT_HEALTH_URL", "INPUT_IDP_ID", "INPUT_CA_FILE"}},
		{"keyless", demoOptions{keyless: true}, map[string]string{
			"INPUT_IDP_ID":                 sim.DefaultIdPID,
			"INPUT_IAM_ENDPOINT":           "https://iam.sim.test:4443",
			"ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.sim.test:4443/_github/oidc/token?api-version=2.0",
		}, []string{"INPUT_ACCESS_KEY_ID", "INPUT_SECRET_ACCESS_KEY"}},
		{"watch", demoOptions{watch: true}, map[string]string{"INPUT_OPERATION": "watch"}, []string{"INPUT_PARAMS"}},
		{"dry run, no wait", demoOptions{dryRun: true, noWait: true}, map[string]string{"INPUT_DRY_RUN": "true", "INPUT_WAIT": "false"}, nil},
		{"health healthy", demoOptions{health: "healthy"}, map[string]string{"INPUT_HEALTH_URL": endpoint + sim.HealthPath("checkout"), "INPUT_ROLLBACK_ON_FAILURE": "true"}, nil},
		{"health never", demoOptions{health: "never"}, map[string]string{"INPUT_HEALTH_URL": endpoint + sim.HealthPath("never")}, nil},
		{"proxy", demoOptions{proxy: true}, map[string]string{"INPUT_CA_FILE": "corp-ca.pem", "GITHUB_WORKSPACE": "dir/workspace"}, nil},
	}
	for _, tt := range tests {
		env := demoEnv(tt.o, "AK", "SK", endpoint, "dir", files)
		for k, v := range tt.set {
			assert.Equal(t, v, env[k], "%s: %s", tt.name, k)
		}
		for _, k := range tt.missing {
			assert.NotContains(t, env, k, tt.name)
		}
		if !tt.o.watch {
			assert.Contains(t, env["INPUT_PARAMS"], "type: encrypt}", "%s: a secret parameter, to show it masked", tt.name)
		}
	}
}
