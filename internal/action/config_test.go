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

// TestLoadGood checks valid configurations of the inputs every operation
// shares; the credentials have TestLoadCredentials, the inputs of one
// operation TestLoadOperationInputs.
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
	}
	runLoadCases(t, tests)
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
		{"project_id", map[string]string{"INPUT_PROJECT_ID": "abc"},
			"project_id", `project_id: must be 32 letters or digits, got 3 characters`},
		{"project_id characters", map[string]string{"HUAWEI_CLOUD_PROJECT_ID": strings.Repeat("a", 31) + "-"},
			"project_id", `project_id: must be 32 letters or digits, got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-"`},
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
