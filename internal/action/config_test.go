package action

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	got, err := Load(envFrom(deployEnv(nil)))
	require.NoError(t, err)
	want := &Config{
		Operation:       OpDeploy,
		Region:          "cn-north-4",
		AccessKeyID:     testAK,
		SecretAccessKey: testSK,
		Timeout:         30 * time.Minute,
		PollInterval:    10 * time.Second,
		RequestTimeout:  30 * time.Second,
		TaskID:          testTaskID,
		Wait:            true,
		IfRunning:       IfRunningWait,
		StopOnCancel:    true,
		StopOnTimeout:   true,
		ShowLogs:        true,
	}
	assert.Equal(t, want, got)
}

// TestLoadGood checks valid configurations, among them the credential
// precedence: explicit inputs, then keyless (OIDC), then the environment's
// keys.
func TestLoadGood(t *testing.T) {
	t.Parallel()
	tests := []loadCase{
		{
			name: "every deploy input",
			env: deployEnv(map[string]string{
				"INPUT_OPERATION":           "deploy",
				"INPUT_PROJECT_ID":          testProjID,
				"INPUT_RECORD_ID":           testRecord,
				"INPUT_TRIGGER_SOURCE":      "1",
				"INPUT_PARAMS":              "version: 1.10\nreplicas: 3\n",
				"INPUT_WAIT":                "False",
				"INPUT_IF_RUNNING":          "stop",
				"INPUT_STOP_ON_CANCEL":      "FALSE",
				"INPUT_STOP_ON_TIMEOUT":     "false",
				"INPUT_ROLLBACK_ON_FAILURE": "TRUE",
				"INPUT_SHOW_LOGS":           "false",
				"INPUT_TIMEOUT":             "1h30m",
				"INPUT_POLL_INTERVAL":       "5s",
			}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, testProjID, got.ProjectID)
				assert.Equal(t, testRecord, got.RecordID)
				assert.Equal(t, "1", got.TriggerSource)
				assert.Equal(t, []Param{{"version", "1.10", "text"}, {"replicas", "3", "text"}}, got.Params)
				assert.False(t, got.Wait)
				assert.Equal(t, IfRunningStop, got.IfRunning)
				assert.False(t, got.StopOnCancel)
				assert.False(t, got.StopOnTimeout)
				assert.True(t, got.RollbackOnFailure)
				assert.False(t, got.ShowLogs)
				assert.Equal(t, 90*time.Minute, got.Timeout)
				assert.Equal(t, 5*time.Second, got.PollInterval)
			},
		},
		{
			// The runner passes action.yml's poll_interval (10s) whether
			// or not the user set it: a short timeout alone must work.
			name: "timeout shorter than poll_interval",
			env:  deployEnv(map[string]string{"INPUT_TIMEOUT": "3s", "INPUT_POLL_INTERVAL": "10s"}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, 3*time.Second, got.Timeout)
				assert.Equal(t, 10*time.Second, got.PollInterval)
			},
		},
		{
			name: "endpoint ports at the ends of the range",
			env:  deployEnv(map[string]string{"INPUT_ENDPOINT": "https://deploy.example.com:65535/base"}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, "https://deploy.example.com:65535/base", got.Endpoint)
			},
		},
		{
			name: "endpoint port 1",
			env:  deployEnv(map[string]string{"INPUT_ENDPOINT": "http://127.0.0.1:1"}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, "http://127.0.0.1:1", got.Endpoint)
			},
		},
		{
			name: "values trimmed, params keep their indentation",
			env: deployEnv(map[string]string{
				"INPUT_TASK_ID": "  " + testTaskID + " \n",
				"INPUT_REGION":  "\tcn-north-4 ",
				"INPUT_PARAMS":  "\n\n  version: 1.4.2\n  note: |\n    two\n    lines\n\n  \n",
			}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, testTaskID, got.TaskID)
				assert.Equal(t, "cn-north-4", got.Region)
				assert.Equal(t, []Param{{"version", "1.4.2", "text"}, {"note", "two\nlines\n", "text"}}, got.Params)
			},
		},
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
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, "ap-southeast-3", got.Region)
				assert.Equal(t, testProjID, got.ProjectID)
				assert.Equal(t, testAK, got.AccessKeyID)
				assert.Equal(t, testSK, got.SecretAccessKey)
				assert.Equal(t, testSTS, got.SecurityToken)
			},
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
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, "cn-north-4", got.Region)
				assert.Equal(t, testProjID, got.ProjectID)
				assert.Equal(t, testAK, got.AccessKeyID)
				assert.Equal(t, testSK, got.SecretAccessKey)
				assert.Equal(t, testSTS, got.SecurityToken)
			},
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
			name: "endpoint instead of region, trailing slash trimmed",
			env:  deployEnv(map[string]string{"INPUT_REGION": "", "INPUT_ENDPOINT": "https://deploy.example.com/base/"}),
			check: func(t *testing.T, got *Config) {
				assert.Empty(t, got.Region)
				assert.Equal(t, "https://deploy.example.com/base", got.Endpoint)
			},
		},
		{
			name: "http to 127.0.0.0/8",
			env:  deployEnv(map[string]string{"INPUT_ENDPOINT": "http://127.1.2.3:8080/"}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, "http://127.1.2.3:8080", got.Endpoint)
				assert.Equal(t, "cn-north-4", got.Region)
			},
		},
		{
			name: "http to ::1",
			env:  deployEnv(map[string]string{"INPUT_ENDPOINT": "http://[::1]:8080"}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, "http://[::1]:8080", got.Endpoint)
			},
		},
		{
			name: "http to localhost",
			env:  deployEnv(map[string]string{"INPUT_ENDPOINT": "http://LocalHost:9"}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, "http://LocalHost:9", got.Endpoint)
			},
		},
		{
			name: "stop",
			env:  deployEnv(map[string]string{"INPUT_OPERATION": "stop", "INPUT_RECORD_ID": testRecord}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, OpStop, got.Operation)
				assert.Equal(t, testTaskID, got.TaskID)
				assert.Equal(t, testRecord, got.RecordID)
			},
		},
		{
			name: "release-plan, deploy-only inputs ignored",
			env: deployEnv(map[string]string{
				"INPUT_OPERATION":           "release-plan",
				"INPUT_TASK_ID":             "not-an-id",
				"INPUT_IF_RUNNING":          "whatever",
				"INPUT_PARAMS":              "{{ not yaml",
				"INPUT_PROJECT_ID":          testProjID,
				"INPUT_RELEASE_PLAN_ID":     "rp-0123-abcd",
				"INPUT_EXECUTE":             "true",
				"INPUT_ROLLBACK_ON_FAILURE": "true",
			}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, OpReleasePlan, got.Operation)
				assert.Equal(t, "rp-0123-abcd", got.ReleasePlanID)
				assert.True(t, got.Execute)
				assert.True(t, got.RollbackOnFailure)
				assert.Empty(t, got.TaskID)
				assert.Nil(t, got.Params)
			},
		},
		{
			name: "signal",
			env: deployEnv(map[string]string{
				"INPUT_OPERATION":         "signal",
				"INPUT_TASK_ID":           "",
				"INPUT_WAIT":              "maybe",
				"INPUT_PROJECT_ID":        testProjID,
				"INPUT_DEPLOYMENT_ID":     "5f0c5d6e-1111-2222-3333-444455556666",
				"INPUT_STATUS":            "failed",
				"INPUT_STATUS_REASON":     "\n  step 3 failed:\n  exit 2\n\n",
				"INPUT_CONFIG_ID":         " cfg-1 ",
				"INPUT_DEPLOYMENT_ACTION": "UPDATE",
				"INPUT_OUTPUT_VALUES":     "deploy_stdout: |\n  line 1\n  line 2\ndeploy_status_code: 2\n",
				"INPUT_INPUT_VALUES":      `{"replicas": 3, "tags": ["a", "b"]}`,
			}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, OpSignal, got.Operation)
				assert.Equal(t, "5f0c5d6e-1111-2222-3333-444455556666", got.DeploymentID)
				assert.Equal(t, "FAILED", got.Status)
				assert.Equal(t, "step 3 failed:\n  exit 2", got.StatusReason)
				assert.Equal(t, "cfg-1", got.ConfigID)
				assert.Equal(t, "UPDATE", got.DeploymentAction)
				assert.Equal(t, map[string]any{"deploy_stdout": "line 1\nline 2\n", "deploy_status_code": int64(2)}, got.OutputValues)
				assert.Equal(t, map[string]any{"replicas": int64(3), "tags": []any{"a", "b"}}, got.InputValues)
			},
		},
		{
			name: "signal status left empty",
			env: deployEnv(map[string]string{
				"INPUT_OPERATION": "Signal", "INPUT_PROJECT_ID": testProjID, "INPUT_DEPLOYMENT_ID": "d1",
			}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, OpSignal, got.Operation)
				assert.Empty(t, got.Status)
				assert.Nil(t, got.OutputValues)
			},
		},
		{
			name: "debug from RUNNER_DEBUG",
			env:  deployEnv(map[string]string{"RUNNER_DEBUG": "1"}),
			check: func(t *testing.T, got *Config) {
				assert.True(t, got.Debug)
			},
		},
		{
			name: "debug from ACTIONS_STEP_DEBUG",
			env:  deployEnv(map[string]string{"ACTIONS_STEP_DEBUG": "True"}),
			check: func(t *testing.T, got *Config) {
				assert.True(t, got.Debug)
			},
		},
		{
			name: "poll_interval equal to timeout",
			env:  deployEnv(map[string]string{"INPUT_TIMEOUT": "1s", "INPUT_POLL_INTERVAL": "1s"}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, time.Second, got.Timeout)
				assert.Equal(t, time.Second, got.PollInterval)
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

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 65)
	tests := []loadErrorCase{
		{"operation", map[string]string{"INPUT_OPERATION": "deplyo"},
			"operation", `operation: "deplyo" is not one of deploy, stop, release-plan, signal`},
		{"wait yes", map[string]string{"INPUT_WAIT": "yes"},
			"wait", `wait: "yes" is not a boolean (use true or false)`},
		{"wait 1", map[string]string{"INPUT_WAIT": "1"},
			"wait", `wait: "1" is not a boolean (use true or false)`},
		{"stop_on_cancel no", map[string]string{"INPUT_STOP_ON_CANCEL": "no"},
			"stop_on_cancel", `stop_on_cancel: "no" is not a boolean (use true or false)`},
		{"stop_on_timeout off", map[string]string{"INPUT_STOP_ON_TIMEOUT": "off"},
			"stop_on_timeout", `stop_on_timeout: "off" is not a boolean (use true or false)`},
		{"rollback_on_failure", map[string]string{"INPUT_ROLLBACK_ON_FAILURE": "y"},
			"rollback_on_failure", `rollback_on_failure: "y" is not a boolean (use true or false)`},
		{"show_logs", map[string]string{"INPUT_SHOW_LOGS": "tru"},
			"show_logs", `show_logs: "tru" is not a boolean (use true or false)`},
		{"timeout unit missing", map[string]string{"INPUT_TIMEOUT": "10"},
			"timeout", `timeout: "10" is not a duration (e.g. 30m, 1h30m)`},
		{"timeout too short", map[string]string{"INPUT_TIMEOUT": "500ms"},
			"timeout", `timeout: must be at least 1s, got 500ms`},
		{"timeout negative", map[string]string{"INPUT_TIMEOUT": "-5m"},
			"timeout", `timeout: must be at least 1s, got -5m0s`},
		{"poll_interval not a duration", map[string]string{"INPUT_POLL_INTERVAL": "often"},
			"poll_interval", `poll_interval: "often" is not a duration (e.g. 30m, 1h30m)`},
		{"request_timeout too short", map[string]string{"INPUT_REQUEST_TIMEOUT": "100ms"},
			"request_timeout", `request_timeout: must be between 1s and 5m, got 100ms`},
		{"request_timeout not a duration", map[string]string{"INPUT_REQUEST_TIMEOUT": "soon"},
			"request_timeout", `request_timeout: "soon" is not a duration (e.g. 30m, 1h30m)`},
		{"poll_interval too short", map[string]string{"INPUT_POLL_INTERVAL": "500ms"},
			"poll_interval", `poll_interval: must be between 1s and 10m, got 500ms`},
		{"poll_interval too long", map[string]string{"INPUT_POLL_INTERVAL": "11m"},
			"poll_interval", `poll_interval: must be between 1s and 10m, got 11m0s`},
		{"AK with a line break", map[string]string{"INPUT_ACCESS_KEY_ID": testAK[:6] + "\n" + testAK[6:]},
			"access_key_id", `access_key_id: contains a line break or another control character; store the secret as one line, without trailing newline or tab`},
		{"SK with a tab", map[string]string{"INPUT_SECRET_ACCESS_KEY": testSK[:5] + "\t" + testSK[5:]},
			"secret_access_key", `secret_access_key: contains a line break or another control character; store the secret as one line, without trailing newline or tab`},
		{"security token from env with a CR", map[string]string{"HUAWEICLOUD_SDK_SECURITY_TOKEN": testSTS[:4] + "\r" + testSTS[4:]},
			"security_token", `security_token: contains a line break or another control character; store the secret as one line, without trailing newline or tab`},
		{"auth token with NUL", map[string]string{"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "", "INPUT_AUTH_TOKEN": testToken[:3] + "\x00" + testToken[3:]},
			"auth_token", `auth_token: contains a line break or another control character; store the secret as one line, without trailing newline or tab`},
		{"region malformed", map[string]string{"INPUT_REGION": "cn_north_4"},
			"region", `region: "cn_north_4" is not a region name like cn-north-4`},
		{"region malformed from env", map[string]string{"INPUT_REGION": "", "HUAWEI_CLOUD_REGION": "North"},
			"region", `region: "North" is not a region name like cn-north-4`},
		{"region missing", map[string]string{"INPUT_REGION": ""},
			"region", `region: required (or set HUAWEI_CLOUD_REGION), unless endpoint is given`},
		{"region long value cut", map[string]string{"INPUT_REGION": long},
			"region", `region: "` + strings.Repeat("x", 64) + `"... is not a region name`},
		{"endpoint http remote", map[string]string{"INPUT_ENDPOINT": "http://example.com"},
			"endpoint", `endpoint: http is allowed only to loopback hosts (localhost, 127.0.0.0/8, ::1), got host "example.com"; use https`},
		{"endpoint scheme", map[string]string{"INPUT_ENDPOINT": "ftp://example.com"},
			"endpoint", `endpoint: must be an absolute https URL like https://codearts-deploy.cn-north-4.myhuaweicloud.com, got scheme "ftp"`},
		{"endpoint relative", map[string]string{"INPUT_ENDPOINT": "/v2/tasks"},
			"endpoint", `endpoint: must be an absolute https URL`},
		{"endpoint no host", map[string]string{"INPUT_ENDPOINT": "https:///v2"},
			"endpoint", `endpoint: must be an absolute URL with a host`},
		{"endpoint not a URL", map[string]string{"INPUT_ENDPOINT": "https://exa mple.com"},
			"endpoint", `endpoint: is not a valid URL`},
		{"endpoint query", map[string]string{"INPUT_ENDPOINT": "https://example.com/?a=1"},
			"endpoint", `endpoint: must not have a query (?...)`},
		{"endpoint fragment", map[string]string{"INPUT_ENDPOINT": "https://example.com/#top"},
			"endpoint", `endpoint: must not have a fragment (#...)`},
		{"endpoint user info", map[string]string{"INPUT_ENDPOINT": "https://admin:hunter2pass@example.com"},
			"endpoint", `endpoint: must not contain user credentials`},
		{"endpoint port zero", map[string]string{"INPUT_ENDPOINT": "https://example.com:0"},
			"endpoint", `endpoint: port "0" is not a port number between 1 and 65535`},
		{"endpoint port too large", map[string]string{"INPUT_ENDPOINT": "http://127.0.0.1:70000"},
			"endpoint", `endpoint: port "70000" is not a port number between 1 and 65535`},
		{"endpoint port overflows", map[string]string{"INPUT_ENDPOINT": "https://example.com:99999999999999999999"},
			"endpoint", `endpoint: port "99999999999999999999" is not a port number between 1 and 65535`},
		{"iam_endpoint port", map[string]string{"INPUT_ACCESS_KEY_ID": "", "INPUT_SECRET_ACCESS_KEY": "", "INPUT_IDP_ID": "github",
			"HUAWEICLOUD_SDK_ID_TOKEN_FILE": "token.jwt", "HUAWEICLOUD_SDK_IAM_ENDPOINT": "iam.example.com:65536"},
			"iam_endpoint", `iam_endpoint: port "65536" is not a port number between 1 and 65535`},
		{"project_id", map[string]string{"INPUT_PROJECT_ID": "abc"},
			"project_id", `project_id: must be 32 letters or digits, got 3 characters`},
		{"project_id characters", map[string]string{"HUAWEI_CLOUD_PROJECT_ID": strings.Repeat("a", 31) + "-"},
			"project_id", `project_id: must be 32 letters or digits, got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-"`},
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
		{"task_id missing", map[string]string{"INPUT_TASK_ID": ""},
			"task_id", `task_id: required for operation deploy`},
		{"task_id short", map[string]string{"INPUT_TASK_ID": testTaskID[:31]},
			"task_id", `task_id: must be 32 letters or digits, got 31 characters`},
		{"task_id characters", map[string]string{"INPUT_TASK_ID": "d2dc947e-c242-4d87-89bb-3984bb3a"},
			"task_id", `task_id: must be 32 letters or digits, got "d2dc947e-c242-4d87-89bb-3984bb3a"`},
		{"record_id for deploy", map[string]string{"INPUT_RECORD_ID": "latest"},
			"record_id", `record_id: must be 32 letters or digits, got 6 characters`},
		{"trigger_source", map[string]string{"INPUT_TRIGGER_SOURCE": "2"},
			"trigger_source", `trigger_source: "2" is not one of 0, 1 (or empty)`},
		{"if_running", map[string]string{"INPUT_IF_RUNNING": "skip"},
			"if_running", `if_running: "skip" is not one of wait, fail, stop`},
		{"params template", map[string]string{"INPUT_PARAMS": "- {key: db_password, value: '{{ secret }}', type: encrypt}"},
			"params", `params[0] (db_password): value must not contain "{{"`},
		{"params syntax", map[string]string{"INPUT_PARAMS": "version: [1.2"},
			"params", `params: not valid YAML or JSON: `},
		{"stop record_id missing", map[string]string{"INPUT_OPERATION": "stop"},
			"record_id", `record_id: required for operation stop`},
		{"stop task_id missing", map[string]string{"INPUT_OPERATION": "stop", "INPUT_TASK_ID": "", "INPUT_RECORD_ID": testRecord},
			"task_id", `task_id: required for operation stop`},
		{"release-plan project_id", map[string]string{"INPUT_OPERATION": "release-plan", "INPUT_RELEASE_PLAN_ID": "rp1"},
			"project_id", `project_id: required for operation release-plan (or set HUAWEI_CLOUD_PROJECT_ID)`},
		{"release-plan id missing", map[string]string{"INPUT_OPERATION": "release-plan", "INPUT_PROJECT_ID": testProjID},
			"release_plan_id", `release_plan_id: required for operation release-plan`},
		{"release-plan id characters", map[string]string{
			"INPUT_OPERATION": "release-plan", "INPUT_PROJECT_ID": testProjID, "INPUT_RELEASE_PLAN_ID": "plan #1"},
			"release_plan_id", `release_plan_id: must be 1 to 64 letters, digits or hyphens, got "plan #1"`},
		{"release-plan execute", map[string]string{
			"INPUT_OPERATION": "release-plan", "INPUT_PROJECT_ID": testProjID, "INPUT_RELEASE_PLAN_ID": "rp1", "INPUT_EXECUTE": "yes"},
			"execute", `execute: "yes" is not a boolean (use true or false)`},
		{"signal project_id", map[string]string{"INPUT_OPERATION": "signal", "INPUT_DEPLOYMENT_ID": "d1"},
			"project_id", `project_id: required for operation signal (or set HUAWEI_CLOUD_PROJECT_ID)`},
		{"signal deployment_id", map[string]string{"INPUT_OPERATION": "signal", "INPUT_PROJECT_ID": testProjID},
			"deployment_id", `deployment_id: required for operation signal`},
		{"signal deployment_id long", map[string]string{
			"INPUT_OPERATION": "signal", "INPUT_PROJECT_ID": testProjID, "INPUT_DEPLOYMENT_ID": long},
			"deployment_id", `deployment_id: must be 1 to 64 letters, digits or hyphens, got "`},
		{"signal status", map[string]string{
			"INPUT_OPERATION": "signal", "INPUT_PROJECT_ID": testProjID, "INPUT_DEPLOYMENT_ID": "d1", "INPUT_STATUS": "DONE"},
			"status", `status: "DONE" is not one of COMPLETE, FAILED, IN_PROGRESS`},
		{"signal output_values list", map[string]string{
			"INPUT_OPERATION": "signal", "INPUT_PROJECT_ID": testProjID, "INPUT_DEPLOYMENT_ID": "d1", "INPUT_OUTPUT_VALUES": "[1, 2]"},
			"output_values", `output_values: must be a mapping of names to values, got a list`},
		{"signal input_values syntax", map[string]string{
			"INPUT_OPERATION": "signal", "INPUT_PROJECT_ID": testProjID, "INPUT_DEPLOYMENT_ID": "d1", "INPUT_INPUT_VALUES": "a: ["},
			"input_values", `input_values: not valid YAML or JSON: `},
	}
	runLoadErrorCases(t, tests)
}

func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := Load(envFrom(deployEnv(map[string]string{
		"INPUT_TASK_ID":       "",
		"INPUT_WAIT":          "yes",
		"INPUT_TIMEOUT":       "forever",
		"INPUT_REGION":        "",
		"INPUT_IF_RUNNING":    "later",
		"INPUT_PARAMS":        "- {key: 'a b', value: x}\n- {key: c, value: '{%'}",
		"INPUT_AUTH_TOKEN":    testToken,
		"INPUT_POLL_INTERVAL": "0s",
	})))
	require.Error(t, err)
	got := strings.Split(err.Error(), "\n")
	want := []string{
		`region: required (or set HUAWEI_CLOUD_REGION), unless endpoint is given`,
		`auth_token: cannot be combined with access_key_id/secret_access_key inputs; use one authentication method`,
		`timeout: "forever" is not a duration (e.g. 30m, 1h30m)`,
		`poll_interval: must be between 1s and 10m, got 0s`,
		`task_id: required for operation deploy`,
		`params[0]: key "a b" must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '-'`,
		`params[1] (c): value must not contain "{%"`,
		`wait: "yes" is not a boolean (use true or false)`,
		`if_running: "later" is not one of wait, fail, stop`,
	}
	assert.Equal(t, want, got)
	assertNoSecret(t, err)
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
