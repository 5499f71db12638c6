package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/cli"
)

// End-to-end tests of the signal operation (RTS software deployments),
// through the built binary and, for a 200 KiB input, in-process.

// signalStep is a step signalling the software deployment sd-e2e-1, with
// inputs on top.
func signalStep(t *testing.T, url string, inputs map[string]string) *step {
	t.Helper()
	return newStep(t, url, merge(map[string]string{"operation": "signal", "deployment_id": "sd-e2e-1"}, inputs))
}

// multiLineLog returns about n bytes of log text with the characters that
// break naive quoting: quotes, backslashes, tabs, YAML and JSON marks,
// workflow-command look-alikes, non-ASCII.
func multiLineLog(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		switch i % 5 {
		case 0:
			b.WriteString("step " + strings.Repeat("=", i%40) + " ✓ done\n")
		case 1:
			b.WriteString("  key: \"value\" # not a comment, {not: json}, [x]\n")
		case 2:
			b.WriteString("\tpath C:\\temp\\x & <tag> %25 ${{ not.an.expression }}\n")
		case 3:
			b.WriteString("::warning::not a command\n")
		default:
			b.WriteString("\n")
		}
	}
	return b.String()
}

// blockScalar indents text as a YAML literal block under key, as a
// workflow author writes it (each line indented; the last newline kept).
func blockScalar(key, text string) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return key + ": |\n" + strings.Join(lines, "\n") + "\n"
}

func TestSignalSucceeds(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, `
software_deployments:
  - {id: sd-e2e-1, server_id: srv-1, action: CREATE}
`)
	stdout := multiLineLog(100 << 10) // below the 128 KiB a single environment variable may hold
	s := signalStep(t, url, map[string]string{
		"output_values": "deploy_status_code: 0\n" + blockScalar("deploy_stdout", stdout) + "result: {url: 'https://staging.example.test'}\n",
		"input_values":  `{"version": "1.4.2"}`,
		"config_id":     "cfg-42",
	})
	code := s.run()
	log := s.stdout.String()
	require.Equal(t, 0, code, log)
	assert.Equal(t, 1, srv.SignalCount("sd-e2e-1"))
	got, ok := srv.SoftwareDeployment("sd-e2e-1")
	require.True(t, ok)
	assert.Equal(t, "COMPLETE", got["status"])
	assert.Equal(t, "Outputs received", got["status_reason"])
	assert.Equal(t, "cfg-42", got["config_id"])
	outs := got["output_values"].(map[string]any)
	assert.True(t, outs["deploy_stdout"] == stdout, "deploy_stdout must arrive byte for byte")
	assert.Equal(t, json.Number("0"), outs["deploy_status_code"])
	assert.Equal(t, map[string]any{"url": "https://staging.example.test"}, outs["result"])
	assert.Equal(t, map[string]any{"version": "1.4.2"}, got["input_values"])

	out := s.outputs()
	assert.Equal(t, "COMPLETE", out["status"])
	var sd map[string]any
	require.NoError(t, json.Unmarshal([]byte(out["software_deployment"]), &sd))
	assert.Equal(t, "sd-e2e-1", sd["id"])
	assert.Equal(t, stdout, sd["output_values"].(map[string]any)["deploy_stdout"])
	assert.NotContains(t, out["software_deployment"], "\n", "compact JSON, one line")
	var result struct {
		SoftwareDeployment map[string]any `json:"software_deployment"`
	}
	require.NoError(t, json.Unmarshal([]byte(out["result"]), &result))
	assert.Equal(t, "COMPLETE", result.SoftwareDeployment["status"])
	assert.Empty(t, annotations(log, "error"))
	assert.Empty(t, annotations(log, "warning"), "the log's look-alike command must not reach stdout as one")
	assert.Contains(t, s.summary(), "Software deployment signalled: COMPLETE")
	assertNoSecrets(t, s)
}

func TestSignalReportingFailedExitsZero(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := signalStep(t, url, map[string]string{"output_values": "deploy_status_code: 2\ndeploy_stderr: boom\n"})
	require.Equal(t, 0, s.run(), "the signal was accepted: "+s.stdout.String())
	got, _ := srv.SoftwareDeployment("sd-e2e-1")
	assert.Equal(t, "FAILED", got["status"])
	assert.Equal(t, "deploy_status_code : Deployment exited with non-zero status code: 2", got["status_reason"])
	assert.Equal(t, "FAILED", s.outputs()["status"])
	notices := annotations(s.stdout.String(), "notice")
	require.Len(t, notices, 1)
	assert.Contains(t, notices[0], "reported FAILED")
}

func TestSignalExplicitStatusAndReason(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := signalStep(t, url, map[string]string{"status": "in_progress", "status_reason": "deploying batch 2", "deployment_action": "UPDATE"})
	require.Equal(t, 0, s.run(), s.stdout.String())
	got, _ := srv.SoftwareDeployment("sd-e2e-1")
	assert.Equal(t, "IN_PROGRESS", got["status"])
	assert.Equal(t, "deploying batch 2", got["status_reason"])
	assert.Equal(t, "UPDATE", got["action"])
	assert.Equal(t, "IN_PROGRESS", s.outputs()["status"])
}

func TestSignalUnknownDeployment(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := signalStep(t, url, map[string]string{"deployment_id": "missing-42", "output_values": "deploy_status_code: 0"})
	require.Equal(t, 1, s.run())
	err := oneError(t, s)
	assert.Contains(t, err, "title=No such software deployment")
	assert.Contains(t, err, "NotFound")
	assert.Contains(t, err, "Software deployment with id missing-42 not found")
	calls := pathCalls(srv, "PUT", "/software_deployments/missing-42")
	require.Len(t, calls, 1, "a 404 is not retried")
	assert.Contains(t, err, "request id "+calls[0].RequestID)
	assert.Empty(t, s.outputs()["status"])
}

func TestSignalBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	badInputSendsNothing(t, signalStep, map[string]string{
		"deployment_id": "bad/id",
		"status":        "DONE",
		"output_values": "- just\n- a list\n",
	}, "deployment_id", "status", "output_values")
}

func TestSignalThroughFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		faults      string
		wantSignals int // PUTs the service processed
	}{
		{"throttled", "{op: signal, kind: throttle, retry_after: 1s, times: 2}", 1},
		{"503 then 502", "{op: signal, kind: error, status: 503, times: 1}\n  - {op: signal, kind: error, status: 502, times: 1}", 1},
		{"answer dropped: the same PUT again is harmless", "{op: signal, kind: drop, times: 1}", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := simulator(t, "faults:\n  - "+tt.faults+"\n")
			s := signalStep(t, url, map[string]string{"output_values": "deploy_status_code: 1\n"})
			require.Equal(t, 0, s.run(), s.stdout.String())
			assert.Equal(t, tt.wantSignals, srv.SignalCount("sd-e2e-1"))
			got, _ := srv.SoftwareDeployment("sd-e2e-1")
			assert.Equal(t, "FAILED", got["status"])
			assert.Equal(t, "FAILED", s.outputs()["status"])
		})
	}
}

// TestSignalCarries200KiBInProcess runs the action in-process, the way
// `demo` does, because one environment variable cannot hold 200 KiB
// (Linux caps each at 128 KiB), and checks the whole path from the input
// to the stored value.
func TestSignalCarries200KiBInProcess(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	text := multiLineLog(200 << 10)
	dir := t.TempDir()
	env := map[string]string{
		"GITHUB_OUTPUT":           filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY":     filepath.Join(dir, "summary"),
		"INPUT_OPERATION":         "signal",
		"INPUT_ENDPOINT":          url,
		"INPUT_PROJECT_ID":        testProject,
		"INPUT_ACCESS_KEY_ID":     testAK,
		"INPUT_SECRET_ACCESS_KEY": testSK,
		"INPUT_DEPLOYMENT_ID":     "sd-big",
		"INPUT_OUTPUT_VALUES":     "deploy_status_code: '0'\n" + blockScalar("deploy_stdout", text),
	}
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), cli.Process{
		Args: []string{"deploy-action"}, Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
	})
	require.Equal(t, 0, code, stdout.String())
	got, ok := srv.SoftwareDeployment("sd-big")
	require.True(t, ok)
	stored := got["output_values"].(map[string]any)["deploy_stdout"].(string)
	require.Greater(t, len(text), 200<<10-100)
	assert.True(t, stored == text, "deploy_stdout changed on the way: %d bytes sent, %d stored", len(text), len(stored))
	assert.Equal(t, "0", got["output_values"].(map[string]any)["deploy_status_code"], "a string stays a string")
	assert.Equal(t, "COMPLETE", got["status"])
	outputs, err := os.ReadFile(env["GITHUB_OUTPUT"])
	require.NoError(t, err)
	assert.Contains(t, string(outputs), "status<<")
}
