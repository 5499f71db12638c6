package action

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadKeylessPrecedence checks the credential precedence: explicit
// inputs, then keyless (OIDC), then the environment's keys.
func TestLoadKeylessPrecedence(t *testing.T) {
	t.Parallel()
	const project = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	keyless := map[string]string{
		"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "",
		"INPUT_PROJECT_ID":               project,
		"INPUT_IDP_ID":                   "github-actions",
		"ACTIONS_ID_TOKEN_REQUEST_URL":   "https://pipelines.example.com/oidc/token?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-bearer-token-1234",
		// Keys in the environment lose to keyless.
		"HUAWEI_CLOUD_ACCESS_KEY_ID": testAK, "HUAWEI_CLOUD_SECRET_ACCESS_KEY": testSK,
	}
	cfg, err := Load(envFrom(deployEnv(keyless)))
	require.NoError(t, err)
	assert.Equal(t, "github-actions", cfg.IdPID)
	assert.Empty(t, cfg.AccessKeyID, "environment keys lose to keyless")
	assert.Equal(t, DefaultOIDCAudience, cfg.OIDCAudience)
	assert.Empty(t, cfg.IAMEndpoint, "without iam_endpoint, IAM follows the region")
	assert.Equal(t, "request-bearer-token-1234", cfg.IDTokenRequestToken)
	assert.Contains(t, cfg.Secrets(), "request-bearer-token-1234", "the request token is masked")

	// The SDK's variables work too, and a token file wins over the runner's URL.
	sdk := map[string]string{
		"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "",
		"HUAWEICLOUD_SDK_PROJECT_ID":    project,
		"HUAWEICLOUD_SDK_IDP_ID":        "corp-idp",
		"HUAWEICLOUD_SDK_ID_TOKEN_FILE": "/var/run/secrets/token",
		"HUAWEICLOUD_SDK_IAM_ENDPOINT":  "https://iam.ap-southeast-1.myhuaweicloud.com/",
		"INPUT_OIDC_AUDIENCE":           "my-client-id",
	}
	cfg, err = Load(envFrom(deployEnv(sdk)))
	require.NoError(t, err)
	assert.Equal(t, "corp-idp", cfg.IdPID)
	assert.Equal(t, "/var/run/secrets/token", cfg.IDTokenFile)
	assert.Equal(t, "https://iam.ap-southeast-1.myhuaweicloud.com", cfg.IAMEndpoint)
	assert.Equal(t, "my-client-id", cfg.OIDCAudience)

	// As in the SDK, the variable may hold a bare host.
	sdk["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = "iam.eu-west-101.myhuaweicloud.eu"
	cfg, err = Load(envFrom(deployEnv(sdk)))
	require.NoError(t, err)
	assert.Equal(t, "https://iam.eu-west-101.myhuaweicloud.eu", cfg.IAMEndpoint)

	// Explicit keys win over an idp_id from the environment.
	explicit := map[string]string{"HUAWEICLOUD_SDK_IDP_ID": "corp-idp"}
	cfg, err = Load(envFrom(deployEnv(explicit)))
	require.NoError(t, err)
	assert.Equal(t, testAK, cfg.AccessKeyID)
	assert.Empty(t, cfg.IdPID)
}
