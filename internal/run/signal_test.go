package run_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/rts"
	"github.com/deploy-action/deploy-action/internal/run"
)

func TestHeatStatus(t *testing.T) {
	t.Parallel()
	const failed = "deploy_status_code : Deployment exited with non-zero status code: "
	tests := []struct {
		name       string
		values     map[string]any
		wantStatus string
		wantReason string
	}{
		{"no output values", nil, "COMPLETE", "Outputs received"},
		{"no status code", map[string]any{"deploy_stdout": "ok"}, "COMPLETE", "Outputs received"},
		{"null", map[string]any{"deploy_status_code": nil}, "COMPLETE", "Outputs received"},
		{"int zero", map[string]any{"deploy_status_code": int64(0)}, "COMPLETE", "Outputs received"},
		{"int non-zero", map[string]any{"deploy_status_code": int64(2)}, "FAILED", failed + "2"},
		{"negative", map[string]any{"deploy_status_code": int64(-1)}, "FAILED", failed + "-1"},
		{"go int", map[string]any{"deploy_status_code": 3}, "FAILED", failed + "3"},
		{"float zero", map[string]any{"deploy_status_code": 0.0}, "COMPLETE", "Outputs received"},
		{"float with zero fraction", map[string]any{"deploy_status_code": 2.0}, "FAILED", failed + "2"},
		{"float with a fraction", map[string]any{"deploy_status_code": 1.5}, "FAILED", failed + "1.5"},
		{"string zero", map[string]any{"deploy_status_code": "0"}, "COMPLETE", "Outputs received"},
		{"string zero with spaces", map[string]any{"deploy_status_code": " 0 "}, "COMPLETE", "Outputs received"},
		{"string float zero", map[string]any{"deploy_status_code": "0.0"}, "COMPLETE", "Outputs received"},
		{"numeric string", map[string]any{"deploy_status_code": "127"}, "FAILED", failed + "127"},
		{"padded numeric string", map[string]any{"deploy_status_code": "007"}, "FAILED", failed + "7"},
		{"empty string", map[string]any{"deploy_status_code": ""}, "COMPLETE", "Outputs received"},
		{"json number", map[string]any{"deploy_status_code": json.Number("4")}, "FAILED", failed + "4"},
		{"false", map[string]any{"deploy_status_code": false}, "COMPLETE", "Outputs received"},
		{"text counts as non-zero, as in Heat", map[string]any{"deploy_status_code": "segfault"}, "FAILED", failed + "segfault"},
	}
	for _, tt := range tests {
		status, reason := run.HeatStatus(tt.values)
		assert.Equal(t, tt.wantStatus, status, tt.name)
		assert.Equal(t, tt.wantReason, reason, tt.name)
	}
}

func TestSignalBody(t *testing.T) {
	t.Parallel()
	values := map[string]any{"deploy_status_code": int64(1)}
	tests := []struct {
		name string
		in   run.SignalInput
		want rts.Update
	}{
		{"defaults from Heat", run.SignalInput{OutputValues: values},
			rts.Update{OutputValues: values, Status: "FAILED", StatusReason: "deploy_status_code : Deployment exited with non-zero status code: 1"}},
		{"explicit reason wins", run.SignalInput{OutputValues: values, StatusReason: "tests failed"},
			rts.Update{OutputValues: values, Status: "FAILED", StatusReason: "tests failed"}},
		{"explicit status gets no default reason", run.SignalInput{Status: "IN_PROGRESS", OutputValues: values},
			rts.Update{OutputValues: values, Status: "IN_PROGRESS"}},
		{"everything", run.SignalInput{Status: "COMPLETE", StatusReason: "r", ConfigID: "c", Action: "UPDATE", InputValues: map[string]any{"a": "b"}},
			rts.Update{Status: "COMPLETE", StatusReason: "r", ConfigID: "c", Action: "UPDATE", InputValues: map[string]any{"a": "b"}}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, run.SignalBody(tt.in), tt.name)
	}
}

func TestSignalCarriesLargeValuesIntact(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, "")
	var b strings.Builder
	for i := 0; b.Len() < 200<<10; i++ {
		b.WriteString("step " + strings.Repeat("x", i%70) + " ✓ \"quoted\" <tag> & \\ tab\there\n")
	}
	stdout := b.String()
	log := &opLog{}
	res := run.Signal(context.Background(), rtsClient(t, url), run.SignalInput{
		ProjectID: opsProject, DeploymentID: "sd-1",
		OutputValues: map[string]any{"deploy_stdout": stdout, "deploy_status_code": int64(0), "result": map[string]any{"url": "https://example.test"}},
	}, log)
	require.Nil(t, res.Failure, log.String())
	assert.True(t, res.OK())
	assert.Equal(t, "COMPLETE", res.RemoteStatus)
	assert.Equal(t, 1, srv.SignalCount("sd-1"))
	got, ok := srv.SoftwareDeployment("sd-1")
	require.True(t, ok)
	outs := got["output_values"].(map[string]any)
	assert.True(t, outs["deploy_stdout"] == stdout, "deploy_stdout arrived changed (%d bytes sent, %d received)", len(stdout), len(outs["deploy_stdout"].(string)))
	assert.Equal(t, json.Number("0"), outs["deploy_status_code"], "numbers stay numbers")
	assert.Equal(t, "Outputs received", got["status_reason"])
	assert.Contains(t, log.String(), "deploy_stdout (")
	assert.NotContains(t, log.String(), "tab\there", "values are not logged")

	var sd map[string]any
	require.NoError(t, json.Unmarshal(res.Signal.SoftwareDeployment, &sd))
	assert.Equal(t, "sd-1", sd["id"])
}

func TestSignalReportingFailedSucceeds(t *testing.T) {
	t.Parallel()
	_, url := opsSim(t, "")
	log := &opLog{}
	res := run.Signal(context.Background(), rtsClient(t, url), run.SignalInput{
		ProjectID: opsProject, DeploymentID: "sd-2", OutputValues: map[string]any{"deploy_status_code": "3"},
	}, log)
	assert.Nil(t, res.Failure)
	assert.True(t, res.OK(), "the signal succeeded even though it reported FAILED")
	assert.Equal(t, "FAILED", res.RemoteStatus)
	assert.Contains(t, log.String(), "notice: The signal reported FAILED")
}

func TestSignalUnknownDeployment(t *testing.T) {
	t.Parallel()
	srv, url := opsSim(t, "")
	res := run.Signal(context.Background(), rtsClient(t, url), run.SignalInput{ProjectID: opsProject, DeploymentID: "missing-1"}, &opLog{})
	require.NotNil(t, res.Failure)
	assert.False(t, res.OK())
	assert.Equal(t, run.FailedNoDeployment, res.Failure.What)
	assert.ErrorContains(t, res.Failure.Err, "NotFound")
	assert.ErrorContains(t, res.Failure.Err, "request id ")
	assert.Empty(t, res.RemoteStatus)
	assert.Zero(t, srv.SignalCount("missing-1"))
}
