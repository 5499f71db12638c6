package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// keylessStep is a step with no access keys anywhere in its environment,
// authenticating with the job's OIDC token the way a workflow with
// `permissions: id-token: write` does.
func keylessStep(t *testing.T, url string, inputs map[string]string, withPermission bool) *step {
	t.Helper()
	in := map[string]string{"task_id": taskOK, "idp_id": sim.DefaultIdPID, "iam_endpoint": url, "oidc_audience": sim.DefaultOIDCAudience}
	for k, v := range inputs {
		in[k] = v
	}
	s := newStep(t, url, in)
	delete(s.env, "INPUT_ACCESS_KEY_ID")
	delete(s.env, "INPUT_SECRET_ACCESS_KEY")
	if withPermission {
		s.env["ACTIONS_ID_TOKEN_REQUEST_URL"] = url + "/_github/oidc/token?api-version=2.0"
		s.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = sim.DefaultOIDCRequestToken
	}
	return s
}

// maskedValues returns what the step masked: its JWT and IAM tokens.
func maskedValues(stdout string) []string {
	var out []string
	for _, l := range strings.Split(stdout, "\n") {
		if v, ok := strings.CutPrefix(l, "::add-mask::"); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestKeylessDeploySucceeds(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := keylessStep(t, url, map[string]string{"params": paramsWithSecret}, true)
	for k := range s.env {
		require.NotContains(t, k, "ACCESS_KEY", "no access key anywhere in the environment")
		require.NotContains(t, k, "SECRET", "no secret key anywhere in the environment")
	}
	require.Equal(t, 0, s.run(), s.stdout.String())
	assert.Equal(t, "succeeded", s.outputs()["status"])
	assert.Equal(t, 1, srv.TokenExchanges())
	assert.Equal(t, 1, srv.OIDCTokensIssued())
	masked := maskedValues(s.stdout.String())
	assert.Contains(t, masked, sim.DefaultOIDCRequestToken, "the token request credential is masked")
	assert.GreaterOrEqual(t, len(masked), 3, "the JWT and the IAM token are masked too")
	assertNoSecrets(t, s, masked...)
	assert.Contains(t, s.stdout.String(), "Obtained an IAM token through identity provider "+sim.DefaultIdPID)
}

func TestKeylessWithoutPermission(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := keylessStep(t, url, nil, false)
	require.Equal(t, 1, s.run())
	err := oneError(t, s)
	assert.Contains(t, err, "idp_id")
	assert.Contains(t, err, "permissions:%0A    id-token: write", "the two lines of YAML that fix it")
	assert.Empty(t, srv.Calls(), "nothing is sent")
}

func TestKeylessRejections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    sim.Options
		inputs  map[string]string
		idToken func(*sim.Server) string // a JWT given through a file, instead of the runner's endpoint
		want    []string
	}{
		{name: "unknown identity provider", inputs: map[string]string{"idp_id": "no-such-idp"},
			want: []string{"IAM.", "does not exist", `identity provider "no-such-idp" does not exist in IAM`}},
		{name: "audience not the client id", inputs: map[string]string{"oidc_audience": "someone-else"},
			want: []string{"is not allowed by identity provider", "oidc_audience"}},
		{name: "subject not allowed by the mapping rules",
			opts: sim.Options{IdentityProviders: []sim.IdentityProvider{{ID: sim.DefaultIdPID, Audience: sim.DefaultOIDCAudience, Subject: "repo:other-org/*"}}},
			want: []string{"does not match the mapping rules", "repo:ORG/REPO"}},
		{name: "expired ID token",
			idToken: func(s *sim.Server) string {
				return s.IssueJWT(sim.DefaultOIDCAudience, "repo:octo-org/octo-repo:ref:refs/heads/main", -time.Minute)
			},
			want: []string{"expired"}},
		{name: "bad signature",
			idToken: func(s *sim.Server) string { return s.ForgeJWT(sim.DefaultOIDCAudience) },
			want:    []string{"signature is invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := simulatorWith(t, tt.opts)
			s := keylessStep(t, url, tt.inputs, tt.idToken == nil)
			var jwt string
			if tt.idToken != nil {
				jwt = tt.idToken(srv)
				path := filepath.Join(s.dir, "id-token.jwt")
				require.NoError(t, os.WriteFile(path, []byte(jwt), 0o600))
				s.env["HUAWEICLOUD_SDK_ID_TOKEN_FILE"] = path
			}
			require.Equal(t, 1, s.run())
			err := oneError(t, s)
			assert.Contains(t, err, "title=Keyless authentication failed")
			for _, w := range tt.want {
				assert.Contains(t, err, w)
			}
			for _, c := range srv.Calls() {
				assert.NotContains(t, c.Path, "/v2/tasks", "no deployment call without a token")
			}
			assert.Zero(t, srv.TokenExchanges())
			if jwt != "" {
				assertNoSecrets(t, s, jwt)
			}
		})
	}
}

func TestKeylessTokenRenewedDuringLongWait(t *testing.T) {
	t.Parallel()
	srv, url := simulatorWith(t, sim.Options{
		IAMTokenLifetime: 2 * time.Second,
		Scenario:         mustScenario(t, "tasks:\n  - {task_id: "+taskOK+", duration: 6s}\n"),
	})
	s := keylessStep(t, url, nil, true)
	require.Equal(t, 0, s.run(), s.stdout.String())
	assert.Equal(t, "succeeded", s.outputs()["status"])
	assert.GreaterOrEqual(t, srv.TokenExchanges(), 3, "a 6 s wait with 2 s tokens renews them")
	assert.Contains(t, s.stdout.String(), "Renewed an IAM token")
	for _, c := range srv.Calls() {
		assert.NotEqual(t, "APIGW.0301", c.Code, "no call may carry an expired token")
	}
	assertNoSecrets(t, s, maskedValues(s.stdout.String())...)
}

func mustScenario(t *testing.T, yaml string) *sim.Scenario {
	t.Helper()
	sc, err := sim.ParseScenario([]byte(yaml))
	require.NoError(t, err)
	return sc
}
