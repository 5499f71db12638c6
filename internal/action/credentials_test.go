package action

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wantTestKeys checks that the configuration has region and the test's
// project, AK, SK and security token.
func wantTestKeys(region string) func(t *testing.T, got *Config) {
	return func(t *testing.T, got *Config) {
		assert.Equal(t, region, got.Region)
		assert.Equal(t, testProjID, got.ProjectID)
		assert.Equal(t, testAK, got.AccessKeyID)
		assert.Equal(t, testSK, got.SecretAccessKey)
		assert.Equal(t, testSTS, got.SecurityToken)
	}
}

// TestLoadCredentials checks the credential precedence: explicit inputs,
// then keyless (OIDC), then the environment's keys.
func TestLoadCredentials(t *testing.T) {
	t.Parallel()
	tests := []loadCase{
		{
			name: "env fallbacks",
			env: deployEnv(map[string]string{
				"INPUT_REGION": "", "INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "",
				"HUAWEI_CLOUD_REGION":            "ap-southeast-3",
				"HUAWEICLOUD_SDK_PROJECT_ID":     testProjID,
				"HUAWEICLOUD_SDK_AK":             testAK,
				"HUAWEI_CLOUD_SECRET_ACCESS_KEY": testSK,
				"HUAWEICLOUD_SDK_SECURITY_TOKEN": testSTS,
			}),
			check: wantTestKeys("ap-southeast-3"),
		},
		{
			name: "inputs win over env, HUAWEI_CLOUD_ over HUAWEICLOUD_SDK_",
			env: deployEnv(map[string]string{
				"INPUT_PROJECT_ID":               testProjID,
				"HUAWEI_CLOUD_REGION":            "la-north-2",
				"HUAWEI_CLOUD_PROJECT_ID":        strings.Repeat("b", 32),
				"HUAWEI_CLOUD_ACCESS_KEY_ID":     "ENVAK",
				"HUAWEI_CLOUD_SECRET_ACCESS_KEY": "ENVSK",
				"INPUT_SECURITY_TOKEN":           testSTS,
				"HUAWEICLOUD_SDK_SECURITY_TOKEN": "ENVSTS",
			}),
			check: wantTestKeys("cn-north-4"),
		},
		{
			name: "HUAWEI_CLOUD_ env beats HUAWEICLOUD_SDK_ env",
			env: deployEnv(map[string]string{
				"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "",
				"HUAWEI_CLOUD_PROJECT_ID":        testProjID,
				"HUAWEICLOUD_SDK_PROJECT_ID":     strings.Repeat("c", 32),
				"HUAWEI_CLOUD_ACCESS_KEY_ID":     testAK,
				"HUAWEICLOUD_SDK_AK":             "SDKAK",
				"HUAWEI_CLOUD_SECRET_ACCESS_KEY": testSK,
				"HUAWEICLOUD_SDK_SK":             "SDKSK",
			}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, testProjID, got.ProjectID)
				assert.Equal(t, testAK, got.AccessKeyID)
				assert.Equal(t, testSK, got.SecretAccessKey)
			},
		},
		{
			name: "auth_token input wins over keys from env",
			env: deployEnv(map[string]string{
				"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "",
				"HUAWEI_CLOUD_ACCESS_KEY_ID":     testAK,
				"HUAWEI_CLOUD_SECRET_ACCESS_KEY": testSK,
				"HUAWEICLOUD_SDK_SECURITY_TOKEN": testSTS,
				"INPUT_AUTH_TOKEN":               testToken,
			}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, testToken, got.AuthToken)
				assert.Empty(t, got.AccessKeyID)
				assert.Empty(t, got.SecretAccessKey)
				assert.Empty(t, got.SecurityToken)
			},
		},
		{
			name: "keyless beats the environment's keys",
			env: deployEnv(map[string]string{
				"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "",
				"INPUT_PROJECT_ID":               testProjID,
				"INPUT_IDP_ID":                   "github-actions",
				"ACTIONS_ID_TOKEN_REQUEST_URL":   "https://pipelines.example.com/oidc/token?api-version=2.0",
				"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-bearer-token-1234",
				"HUAWEI_CLOUD_ACCESS_KEY_ID":     testAK, "HUAWEI_CLOUD_SECRET_ACCESS_KEY": testSK,
			}),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, "github-actions", cfg.IdPID)
				assert.Empty(t, cfg.AccessKeyID, "environment keys lose to keyless")
				assert.Equal(t, DefaultOIDCAudience, cfg.OIDCAudience)
				assert.Empty(t, cfg.IAMEndpoint, "without iam_endpoint, IAM follows the region")
				assert.Equal(t, "request-bearer-token-1234", cfg.IDTokenRequestToken)
				assert.Contains(t, cfg.Secrets(), "request-bearer-token-1234", "the request token is masked")
			},
		},
		{
			// The SDK's variables work too, and a token file wins over the runner's URL.
			name: "the SDK's variables, a token file",
			env:  deployEnv(keylessSDK("https://iam.ap-southeast-1.myhuaweicloud.com/")),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, "corp-idp", cfg.IdPID)
				assert.Equal(t, "/var/run/secrets/token", cfg.IDTokenFile)
				assert.Equal(t, "https://iam.ap-southeast-1.myhuaweicloud.com", cfg.IAMEndpoint)
				assert.Equal(t, "my-client-id", cfg.OIDCAudience)
			},
		},
		{
			// As in the SDK, the variable may hold a bare host.
			name: "a bare IAM host",
			env:  deployEnv(keylessSDK("iam.eu-west-101.myhuaweicloud.eu")),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, "https://iam.eu-west-101.myhuaweicloud.eu", cfg.IAMEndpoint)
			},
		},
		{
			name: "explicit keys beat an idp_id from the environment",
			env:  deployEnv(map[string]string{"HUAWEICLOUD_SDK_IDP_ID": "corp-idp"}),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, testAK, cfg.AccessKeyID)
				assert.Empty(t, cfg.IdPID)
			},
		},
	}
	runLoadCases(t, tests)
}

// keylessSDK is keyless authentication set up with the SDK's variables
// alone, with iam as HUAWEICLOUD_SDK_IAM_ENDPOINT.
func keylessSDK(iam string) map[string]string {
	return map[string]string{
		"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "",
		"HUAWEICLOUD_SDK_PROJECT_ID":    testProjID,
		"HUAWEICLOUD_SDK_IDP_ID":        "corp-idp",
		"HUAWEICLOUD_SDK_ID_TOKEN_FILE": "/var/run/secrets/token",
		"HUAWEICLOUD_SDK_IAM_ENDPOINT":  iam,
		"INPUT_OIDC_AUDIENCE":           "my-client-id",
	}
}

func TestLoadCredentialErrors(t *testing.T) {
	t.Parallel()
	tests := []loadErrorCase{
		{"AK with a line break", map[string]string{"INPUT_ACCESS_KEY_ID": testAK[:6] + "\n" + testAK[6:]},
			"access_key_id", `access_key_id: contains a line break or another control character; store the secret as one line, without trailing newline or tab`},
		{"SK with a tab", map[string]string{"INPUT_SECRET_ACCESS_KEY": testSK[:5] + "\t" + testSK[5:]},
			"secret_access_key", `secret_access_key: contains a line break or another control character; store the secret as one line, without trailing newline or tab`},
		{"security token from env with a CR", map[string]string{"HUAWEICLOUD_SDK_SECURITY_TOKEN": testSTS[:4] + "\r" + testSTS[4:]},
			"security_token", `security_token: contains a line break or another control character; store the secret as one line, without trailing newline or tab`},
		{"auth token with NUL", map[string]string{"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "", "INPUT_AUTH_TOKEN": testToken[:3] + "\x00" + testToken[3:]},
			"auth_token", `auth_token: contains a line break or another control character; store the secret as one line, without trailing newline or tab`},
		{"iam_endpoint port", map[string]string{"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "", "INPUT_IDP_ID": "github",
			"HUAWEICLOUD_SDK_ID_TOKEN_FILE": "token.jwt", "HUAWEICLOUD_SDK_IAM_ENDPOINT": "iam.example.com:65536"},
			"iam_endpoint", `iam_endpoint: port "65536" is not a port number between 1 and 65535`},
		{"credentials none", map[string]string{"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": ""},
			"access_key_id/secret_access_key, auth_token or idp_id",
			"access_key_id/secret_access_key, auth_token or idp_id: no credentials given; set the inputs access_key_id and secret_access_key " +
				"(or the environment variables HUAWEI_CLOUD_ACCESS_KEY_ID and HUAWEI_CLOUD_SECRET_ACCESS_KEY, " +
				"or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK), the input auth_token, or idp_id for keyless authentication"},
		{"idp_id without the id-token permission", map[string]string{"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "", "INPUT_IDP_ID": "github"},
			"idp_id", "idp_id: keyless authentication needs the job's OIDC ID token, but ACTIONS_ID_TOKEN_REQUEST_URL is not set: " +
				"the job lacks the permission to request one; add to the workflow or the job:\n  permissions:\n    id-token: write"},
		{"idp_id with explicit keys", map[string]string{"INPUT_IDP_ID": "github"},
			"idp_id", `idp_id: cannot be combined with access_key_id/secret_access_key inputs; use one authentication method`},
		{"idp_id with auth_token", map[string]string{"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "", "INPUT_IDP_ID": "github", "INPUT_AUTH_TOKEN": testToken},
			"idp_id", `idp_id: cannot be combined with auth_token; use one authentication method`},
		{"iam_endpoint over http", map[string]string{"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "", "INPUT_IDP_ID": "github",
			"HUAWEICLOUD_SDK_ID_TOKEN_FILE": "token.jwt", "INPUT_IAM_ENDPOINT": "http://iam.example.com"},
			"iam_endpoint", `iam_endpoint: http is allowed only to loopback hosts`},
		{"keyless without project", map[string]string{"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "", "INPUT_PROJECT_ID": "",
			"INPUT_IDP_ID": "github", "HUAWEICLOUD_SDK_ID_TOKEN_FILE": "token.jwt"},
			"project_id", `project_id: required for keyless authentication (idp_id)`},
		{"credentials sk missing", map[string]string{"INPUT_SECRET_ACCESS_KEY": ""},
			"secret_access_key", `secret_access_key: required with access_key_id (or set HUAWEI_CLOUD_SECRET_ACCESS_KEY)`},
		{"credentials ak missing", map[string]string{"INPUT_ACCESS_KEY_ID": ""},
			"access_key_id", `access_key_id: required with secret_access_key (or set HUAWEI_CLOUD_ACCESS_KEY_ID)`},
		{"auth_token with explicit keys", map[string]string{"INPUT_AUTH_TOKEN": testToken},
			"auth_token", `auth_token: cannot be combined with access_key_id/secret_access_key inputs; use one authentication method`},
		{"auth_token with explicit AK, SK from env", map[string]string{
			"INPUT_SECRET_ACCESS_KEY": "", "HUAWEICLOUD_SDK_SK": testSK, "INPUT_AUTH_TOKEN": testToken},
			"auth_token", `auth_token: cannot be combined with access_key_id/secret_access_key inputs`},
		{"security_token with auth_token", map[string]string{
			"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "", "INPUT_AUTH_TOKEN": testToken, "INPUT_SECURITY_TOKEN": testSTS},
			"security_token", `security_token: applies only with access_key_id and secret_access_key, not with auth_token`},
		{"security_token without keys", map[string]string{
			"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "", "INPUT_SECURITY_TOKEN": testSTS},
			"access_key_id/secret_access_key, auth_token or idp_id", `security_token: requires access_key_id and secret_access_key`},
	}
	runLoadErrorCases(t, tests)
}

// TestLoadNeverPrintsSecrets puts secrets where they do not belong; a
// message that quotes the wrong input must still not show them.
func TestLoadNeverPrintsSecrets(t *testing.T) {
	t.Parallel()
	const encrypted = "enc-R4nd0m-Pa55w0rd"
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"AK pasted as region", map[string]string{"INPUT_REGION": testAK}},
		{"SK pasted as task_id", map[string]string{"INPUT_TASK_ID": testSK}},
		{"token pasted as operation", map[string]string{"INPUT_OPERATION": testToken, "INPUT_AUTH_TOKEN": testToken}},
		{"env SK pasted as wait", map[string]string{
			"INPUT_SECRET_ACCESS_KEY": "", "HUAWEI_CLOUD_SECRET_ACCESS_KEY": testSK, "INPUT_WAIT": testSK}},
		{"env security token pasted as if_running", map[string]string{
			"HUAWEICLOUD_SDK_SECURITY_TOKEN": testSTS, "INPUT_IF_RUNNING": testSTS}},
		{"AK with a line break", map[string]string{"INPUT_ACCESS_KEY_ID": testAK + "\n" + testSK}},
		{"AK in an endpoint", map[string]string{"INPUT_ENDPOINT": "https://" + testAK + ":" + testSK + "@example.com"}},
		{"encrypt value used as a key too", map[string]string{"INPUT_PARAMS": "- {key: " + encrypted + ", value: " + encrypted + ", type: encrypt}\n- {key: x, value: '{{'}\n- {key: " + encrypted + "}"}},
		{"encrypt value in a bad entry", map[string]string{"INPUT_PARAMS": "- {key: pw, value: " + encrypted + ", type: encrypt, extra: 1}"}},
		{"misspelt type hides the value", map[string]string{"INPUT_PARAMS": "- {key: pw, value: " + encrypted + ", type: encrypted}"}},
		{"too long encrypt value", map[string]string{"INPUT_PARAMS": "- {key: pw, value: " + encrypted + strings.Repeat("x", 9000) + ", type: encrypt}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(envFrom(deployEnv(tt.env)))
			require.Error(t, err)
			assertNoSecret(t, err, encrypted)
		})
	}
}

func TestConfigSecrets(t *testing.T) {
	t.Parallel()
	c := &Config{
		AccessKeyID: testAK, SecretAccessKey: testSK, SecurityToken: testSTS,
		Params: []Param{
			{Key: "a", Value: "plain", Type: ParamText},
			{Key: "b", Value: "s3cret", Type: ParamEncrypt},
			{Key: "c", Value: "", Type: ParamEncrypt},
		},
	}
	assert.Equal(t, []string{testAK, testSK, testSTS, "s3cret"}, c.Secrets())
	assert.Equal(t, []string{testToken}, (&Config{AuthToken: testToken}).Secrets())
	assert.Empty(t, (&Config{}).Secrets())
}
