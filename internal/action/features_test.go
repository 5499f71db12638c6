package action

import (
	"encoding/pem"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadWatch(t *testing.T) {
	t.Parallel()
	tests := []loadCase{
		{
			name: "defaults: the latest record, nothing stopped",
			env:  deployEnv(map[string]string{"INPUT_OPERATION": "watch"}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, OpWatch, got.Operation)
				assert.Equal(t, testTaskID, got.TaskID)
				assert.Empty(t, got.RecordID)
				assert.False(t, got.StopOnCancel, "watch does not stop what it did not start")
				assert.False(t, got.StopOnTimeout)
				assert.True(t, got.ShowLogs)
			},
		},
		{
			name: "a record, and stop_on_cancel asked for",
			env: deployEnv(map[string]string{"INPUT_OPERATION": "Watch", "INPUT_RECORD_ID": testRecord,
				"INPUT_STOP_ON_CANCEL": "true", "INPUT_DRY_RUN": "true"}),
			check: func(t *testing.T, got *Config) {
				assert.Equal(t, testRecord, got.RecordID)
				assert.True(t, got.StopOnCancel)
				assert.True(t, got.DryRun)
			},
		},
		{
			name: "deploy keeps stopping by default",
			env:  deployEnv(nil),
			check: func(t *testing.T, got *Config) {
				assert.True(t, got.StopOnCancel)
				assert.True(t, got.StopOnTimeout)
				assert.False(t, got.DryRun)
				assert.Nil(t, got.Health)
			},
		},
	}
	runLoadCases(t, tests)
}

func TestLoadHealth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, h *HealthGate)
	}{
		{
			name: "defaults",
			env:  map[string]string{"INPUT_HEALTH_URL": "https://app.example.com/healthz?probe=1"},
			check: func(t *testing.T, h *HealthGate) {
				assert.Equal(t, "https://app.example.com/healthz?probe=1", h.URL)
				assert.Equal(t, StatusRanges{{200, 399}}, h.Status)
				assert.Equal(t, 5*time.Minute, h.Timeout)
				assert.Equal(t, 3, h.Healthy)
				assert.Equal(t, 5*time.Second, h.Interval)
				assert.Empty(t, h.Body)
				assert.Nil(t, h.BodyRE)
			},
		},
		{
			name: "every input, a substring",
			env: map[string]string{"INPUT_HEALTH_URL": "http://10.0.0.8:8080/health", "INPUT_HEALTH_STATUS": "200, 204,301-302",
				"INPUT_HEALTH_BODY": `"status":"UP"`, "INPUT_HEALTH_TIMEOUT": "90s", "INPUT_HEALTH_HEALTHY": "5", "INPUT_HEALTH_INTERVAL": "250ms"},
			check: func(t *testing.T, h *HealthGate) {
				assert.Equal(t, StatusRanges{{200, 200}, {204, 204}, {301, 302}}, h.Status)
				assert.Equal(t, "200,204,301-302", h.Status.String())
				assert.Equal(t, `"status":"UP"`, h.Body)
				assert.Nil(t, h.BodyRE)
				assert.Equal(t, 90*time.Second, h.Timeout)
				assert.Equal(t, 5, h.Healthy)
				assert.Equal(t, 250*time.Millisecond, h.Interval)
			},
		},
		{
			name: "a regular expression",
			env:  map[string]string{"INPUT_HEALTH_URL": "https://app.example.com/", "INPUT_HEALTH_BODY": `/"version":\s*"1\.4\.\d+"/`},
			check: func(t *testing.T, h *HealthGate) {
				require.NotNil(t, h.BodyRE)
				assert.True(t, h.BodyRE.MatchString(`{"version": "1.4.2"}`))
			},
		},
	}
	for _, tt := range tests {
		for _, op := range []string{"deploy", "watch"} {
			t.Run(tt.name+" "+op, func(t *testing.T) {
				t.Parallel()
				env := deployEnv(tt.env)
				env["INPUT_OPERATION"] = op
				got, err := Load(envFrom(env))
				require.NoError(t, err)
				require.NotNil(t, got.Health)
				tt.check(t, got.Health)
			})
		}
	}
}

func TestStatusRangesContains(t *testing.T) {
	t.Parallel()
	r := StatusRanges{{200, 299}, {301, 301}}
	for code, want := range map[int]bool{199: false, 200: true, 299: true, 300: false, 301: true, 302: false} {
		assert.Equal(t, want, r.Contains(code), "code %d", code)
	}
}

func TestLoadFeatureErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notPEM := writeFile(t, dir, "not.pem", []byte("hello\n"))
	badCert := writeFile(t, dir, "bad.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}))
	h := func(m map[string]string) map[string]string {
		m["INPUT_HEALTH_URL"] = "https://app.example.com/healthz"
		return m
	}
	tests := []loadErrorCase{
		{"watch without task", map[string]string{"INPUT_OPERATION": "watch", "INPUT_TASK_ID": ""},
			"task_id", "task_id: required for operation watch"},
		{"watch record malformed", map[string]string{"INPUT_OPERATION": "watch", "INPUT_RECORD_ID": "abc"},
			"record_id", "record_id: must be 32 letters or digits, got 3 characters"},
		{"dry_run", map[string]string{"INPUT_DRY_RUN": "yes"},
			"dry_run", `dry_run: "yes" is not a boolean (use true or false)`},
		{"health_url scheme", map[string]string{"INPUT_HEALTH_URL": "ftp://app.example.com/"},
			"health_url", `health_url: must be an absolute http or https URL like https://app.example.com/healthz, got scheme "ftp"`},
		{"health_url relative", map[string]string{"INPUT_HEALTH_URL": "/healthz"},
			"health_url", "health_url: must be an absolute http or https URL"},
		{"health_url credentials", map[string]string{"INPUT_HEALTH_URL": "https://user:hunter2pass@app.example.com/"},
			"health_url", "health_url: must not contain user credentials"},
		{"health_url port", map[string]string{"INPUT_HEALTH_URL": "https://app.example.com:0/"},
			"health_url", `health_url: port "0" is not a port number between 1 and 65535`},
		{"health_status word", h(map[string]string{"INPUT_HEALTH_STATUS": "ok"}),
			"health_status", `health_status: "ok" is not a status code or a range like 200-299`},
		{"health_status range backwards", h(map[string]string{"INPUT_HEALTH_STATUS": "399-200"}),
			"health_status", `health_status: "399-200": the range ends before it starts`},
		{"health_status out of range", h(map[string]string{"INPUT_HEALTH_STATUS": "200,700"}),
			"health_status", `health_status: "700" is outside 100-599`},
		{"health_status empty entry", h(map[string]string{"INPUT_HEALTH_STATUS": "200,,204"}),
			"health_status", `health_status: an empty entry`},
		{"health_body regexp", h(map[string]string{"INPUT_HEALTH_BODY": "/(unclosed/"}),
			"health_body", "health_body: is written /like this/, so it is a regular expression (RE2 syntax), but it does not compile: missing closing )"},
		{"health_body without url", map[string]string{"INPUT_HEALTH_BODY": "UP"},
			"health_body", "health_body: applies only with health_url"},
		{"health_timeout", h(map[string]string{"INPUT_HEALTH_TIMEOUT": "soon"}),
			"health_timeout", `health_timeout: "soon" is not a duration`},
		{"health_timeout short", h(map[string]string{"INPUT_HEALTH_TIMEOUT": "10ms"}),
			"health_timeout", "health_timeout: must be at least 1s, got 10ms"},
		{"health_healthy zero", h(map[string]string{"INPUT_HEALTH_HEALTHY": "0"}),
			"health_healthy", `health_healthy: "0" is not a whole number from 1 to 100 (good answers in a row)`},
		{"health_healthy word", h(map[string]string{"INPUT_HEALTH_HEALTHY": "three"}),
			"health_healthy", `health_healthy: "three" is not a whole number from 1 to 100`},
		{"health_interval short", h(map[string]string{"INPUT_HEALTH_INTERVAL": "10ms"}),
			"health_interval", "health_interval: must be between 200ms and 10m, got 10ms"},
		{"health_interval over timeout", h(map[string]string{"INPUT_HEALTH_INTERVAL": "2m", "INPUT_HEALTH_TIMEOUT": "1m"}),
			"health_interval", "health_interval: 2m0s must not exceed health_timeout 1m0s"},
		{"health_url without waiting", h(map[string]string{"INPUT_WAIT": "false"}),
			"health_url", "health_url: needs wait: true"},
		{"ca_file missing", map[string]string{"INPUT_CA_FILE": filepath.Join(dir, "nope.pem")},
			"ca_file", "does not exist; a container action sees only the workspace"},
		{"ca_file folder", map[string]string{"INPUT_CA_FILE": dir},
			"ca_file", "is a folder; name a file of PEM certificates"},
		{"ca_file no certificate", map[string]string{"INPUT_CA_FILE": notPEM},
			"ca_file", "holds no PEM certificate"},
		{"ca_file broken certificate", map[string]string{"INPUT_CA_FILE": badCert},
			"ca_file", "certificate 1 does not parse"},
		{"SSL_CERT_FILE missing", map[string]string{"SSL_CERT_FILE": filepath.Join(dir, "nope.pem")},
			"SSL_CERT_FILE", "SSL_CERT_FILE: file"},
	}
	runLoadErrorCases(t, tests)
}

func TestLoadHealthIgnoredByOtherOperations(t *testing.T) {
	t.Parallel()
	// action.yml gives health_status and the others defaults, and the
	// runner passes them to every operation.
	got, err := Load(envFrom(deployEnv(map[string]string{"INPUT_OPERATION": "stop", "INPUT_RECORD_ID": testRecord,
		"INPUT_HEALTH_URL": "not a url", "INPUT_HEALTH_STATUS": "nonsense"})))
	require.NoError(t, err)
	assert.Nil(t, got.Health)
}

func TestSecretInputsMaskProxyPasswords(t *testing.T) {
	t.Parallel()
	got := SecretInputs(envFrom(map[string]string{
		"https_proxy": "http://svc:pr0xy-Passw0rd@proxy.corp.example:3128",
		"HTTP_PROXY":  "http://proxy.corp.example:3128",
	}))
	assert.Equal(t, []string{"pr0xy-Passw0rd"}, got)
}

func TestParseStatusRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    StatusRange
		wantErr string
	}{
		{"200", StatusRange{200, 200}, ""},
		{"200-299", StatusRange{200, 299}, ""},
		{"200 - 299", StatusRange{200, 299}, ""},
		{"100-599", StatusRange{100, 599}, ""},
		{"", StatusRange{}, "an empty entry; write codes or ranges separated by commas, e.g. 200-399 or 200,204"},
		{"2xx", StatusRange{}, `"2xx" is not a status code or a range like 200-299`},
		{"200-", StatusRange{}, `"200-" is not a status code or a range like 200-299`},
		{"99", StatusRange{}, `"99" is outside 100-599`},
		{"500-600", StatusRange{}, `"500-600" is outside 100-599`},
		{"299-200", StatusRange{}, `"299-200": the range ends before it starts`},
	}
	for _, tt := range tests {
		got, err := parseStatusRange(tt.in)
		if tt.wantErr != "" {
			assert.EqualError(t, err, tt.wantErr, "parseStatusRange(%q)", tt.in)
			continue
		}
		require.NoError(t, err, "parseStatusRange(%q)", tt.in)
		assert.Equal(t, tt.want, got, "parseStatusRange(%q)", tt.in)
	}
}
