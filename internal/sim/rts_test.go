package sim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testDeployment = "5c9a1f0e-2b7d-4e43-9a51-6f2d8c7b3e10"

func deploymentPath(id string) string {
	return "/v1/" + testProject + "/software_deployments/" + id
}

// swResult returns software_deployment of a successful answer.
func swResult(t *testing.T, got reply) map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, got.status, "%s", got.body)
	m := got.json(t)
	require.Len(t, m, 1, "only software_deployment")
	return m["software_deployment"].(map[string]any)
}

func TestSoftwareDeploymentDefault(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	_, ok := h.srv.SoftwareDeployment(testDeployment)
	assert.False(t, ok, "not touched yet")

	got := swResult(t, h.do(http.MethodGet, deploymentPath(testDeployment), ""))
	assert.Regexp(t, uuidRE, got["server_id"])
	assert.Regexp(t, uuidRE, got["config_id"])
	assert.Equal(t, map[string]any{
		"action": "CREATE", "config_id": got["config_id"], "creation_time": "2025-07-09T03:36:28Z",
		"id": testDeployment, "input_values": map[string]any{}, "output_values": map[string]any{},
		"server_id": got["server_id"], "status": "IN_PROGRESS", "status_reason": "Deploy data available",
		"updated_time": nil,
	}, got)
	stored, ok := h.srv.SoftwareDeployment(testDeployment)
	require.True(t, ok)
	assert.Equal(t, "IN_PROGRESS", stored["status"])
	assert.Zero(t, h.srv.SignalCount(testDeployment), "a GET is not a signal")

	h.clock.Advance(time.Minute)
	again := swResult(t, h.do(http.MethodGet, deploymentPath(testDeployment), ""))
	assert.Equal(t, "2025-07-09T03:36:28Z", again["creation_time"], "created at first touch")
	assert.Equal(t, got["server_id"], again["server_id"])
}

func TestSoftwareDeploymentUpdate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.clock.Advance(time.Second)
	created := h.clock.Now()

	stdout := "line 1\nline 2\n\ttabbed \"quoted\" \\ back\nünïcödé ✓\n"
	first := swResult(t, h.do(http.MethodPut, deploymentPath(testDeployment), `{
		"status": "COMPLETE", "status_reason": "Outputs received",
		"output_values": {"deploy_stdout": `+mustJSON(stdout)+`, "deploy_stderr": "", "deploy_status_code": 0,
			"result": {"url": "https://example.com", "replicas": 3, "ratio": 0.25, "ok": true, "none": null, "list": [1, "two"]},
			"big": 12345678901234567890123},
		"input_values": {"version": "1.4.2"}
	}`))
	assert.Equal(t, "COMPLETE", first["status"])
	assert.Equal(t, "Outputs received", first["status_reason"])
	assert.Equal(t, "CREATE", first["action"], "absent fields are kept")
	assert.Equal(t, created.UTC().Format(heatTimeForm), first["updated_time"])
	assert.Equal(t, created.UTC().Format(heatTimeForm), first["creation_time"], "created by its first request")

	stored, ok := h.srv.SoftwareDeployment(testDeployment)
	require.True(t, ok)
	out := stored["output_values"].(map[string]any)
	assert.Equal(t, stdout, out["deploy_stdout"], "strings intact")
	assert.Equal(t, json.Number("0"), out["deploy_status_code"], "numbers stay numbers")
	assert.Equal(t, json.Number("12345678901234567890123"), out["big"], "with their exact digits")
	assert.Equal(t, map[string]any{"url": "https://example.com", "replicas": json.Number("3"), "ratio": json.Number("0.25"),
		"ok": true, "none": nil, "list": []any{json.Number("1"), "two"}}, out["result"])
	assert.Equal(t, map[string]any{"version": "1.4.2"}, stored["input_values"])

	// A later update changes only what it carries.
	h.clock.Advance(time.Minute)
	second := swResult(t, h.do(http.MethodPut, deploymentPath(testDeployment), `{"action": "UPDATE", "status": "FAILED", "config_id": "cfg-2"}`))
	assert.Equal(t, "UPDATE", second["action"])
	assert.Equal(t, "FAILED", second["status"])
	assert.Equal(t, "cfg-2", second["config_id"])
	assert.Equal(t, "Outputs received", second["status_reason"], "kept")
	assert.Equal(t, first["output_values"], second["output_values"], "kept")
	assert.Equal(t, h.clock.Now().UTC().Format(heatTimeForm), second["updated_time"])
	assert.Equal(t, first["creation_time"], second["creation_time"])

	// The value maps are replaced as a whole, as Heat does; null is ignored.
	third := swResult(t, h.do(http.MethodPut, deploymentPath(testDeployment), `{"output_values": {"deploy_status_code": 1}, "input_values": null, "status_reason": null}`))
	assert.Equal(t, map[string]any{"deploy_status_code": float64(1)}, third["output_values"])
	assert.Equal(t, map[string]any{"version": "1.4.2"}, third["input_values"])
	assert.Equal(t, "FAILED", third["status"], "the status is what the client says")

	// An empty body only touches updated_time.
	fourth := swResult(t, h.do(http.MethodPut, deploymentPath(testDeployment), ""))
	delete(third, "updated_time")
	delete(fourth, "updated_time")
	assert.Equal(t, third, fourth)

	assert.Equal(t, swResult(t, h.do(http.MethodGet, deploymentPath(testDeployment), ""))["output_values"], third["output_values"], "GET returns the same object")
	assert.Equal(t, 4, h.srv.SignalCount(testDeployment))
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestSoftwareDeploymentLargeBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	prefix, suffix := `{"status":"COMPLETE","output_values":{"deploy_stdout":"`, `"}}`
	// Many lines (an escaped newline is two bytes) filling exactly 1 MiB.
	n := maxBodyBytes - len(prefix) - len(suffix)
	line := strings.Repeat("x", 61) + `\n` // 63 bytes of JSON
	raw := strings.Repeat(line, n/len(line))
	raw += strings.Repeat("y", n-len(raw))
	body := prefix + raw + suffix
	require.Len(t, body, maxBodyBytes)

	got := swResult(t, h.do(http.MethodPut, deploymentPath(testDeployment), body))
	want := strings.ReplaceAll(raw, `\n`, "\n")
	assert.Equal(t, want, got["output_values"].(map[string]any)["deploy_stdout"], "intact")
	stored, _ := h.srv.SoftwareDeployment(testDeployment)
	assert.Equal(t, want, stored["output_values"].(map[string]any)["deploy_stdout"])

	tooBig := h.do(http.MethodPut, deploymentPath(testDeployment), body+" ")
	assert.Equal(t, http.StatusRequestEntityTooLarge, tooBig.status)
	assert.Equal(t, "APIGW.0112", tooBig.errorCode(t))
	assert.Equal(t, 1, h.srv.SignalCount(testDeployment))
}

func TestSoftwareDeploymentErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantType         string
		wantMsg          string
	}{
		{"unknown status", deploymentPath(testDeployment), `{"status":"DONE"}`, 400, "HTTPBadRequest",
			`Invalid status "DONE": must be one of COMPLETE, IN_PROGRESS, FAILED`},
		{"lowercase status", deploymentPath(testDeployment), `{"status":"complete"}`, 400, "HTTPBadRequest", `"complete"`},
		{"status not a string", deploymentPath(testDeployment), `{"status":1}`, 400, "HTTPBadRequest", "status must be a string"},
		{"output_values not an object", deploymentPath(testDeployment), `{"output_values":"x"}`, 400, "HTTPBadRequest", "output_values must be a JSON object"},
		{"input_values a list", deploymentPath(testDeployment), `{"input_values":[1]}`, 400, "HTTPBadRequest", "input_values must be a JSON object"},
		{"unknown field", deploymentPath(testDeployment), `{"outputs":{}}`, 400, "HTTPBadRequest", `unknown field "outputs"`},
		{"wrapped body", deploymentPath(testDeployment), `{"software_deployment":{"status":"COMPLETE"}}`, 400, "HTTPBadRequest", `unknown field "software_deployment"`},
		{"not JSON", deploymentPath(testDeployment), `{"status":`, 400, "HTTPBadRequest", "must be a JSON object"},
		{"a list", deploymentPath(testDeployment), `[]`, 400, "HTTPBadRequest", "must be a JSON object: json: cannot unmarshal array into Go value of type map[string]json.RawMessage"},
		{"missing- id", deploymentPath("missing-1"), `{}`, 404, "NotFound", "Software deployment with id missing-1 not found"},
		{"malformed id", deploymentPath("a_b"), `{}`, 404, "NotFound", "a_b"},
		{"too long id", deploymentPath(strings.Repeat("a", 65)), `{}`, 404, "NotFound", ""},
		{"short project id", "/v1/abc/software_deployments/" + testDeployment, `{}`, 400, "HTTPBadRequest", "project_id in the path must be 32 letters/digits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			got := h.do(http.MethodPut, tc.path, tc.body)
			require.Equal(t, tc.wantStatus, got.status, "%s", got.body)
			m := got.json(t)
			assert.Equal(t, float64(tc.wantStatus), m["code"])
			e := m["error"].(map[string]any)
			assert.Equal(t, tc.wantType, e["type"])
			assert.Contains(t, e["message"], tc.wantMsg)
			assert.Contains(t, e, "traceback")
			assert.Nil(t, e["traceback"])
			assert.NotEmpty(t, m["title"])
			assert.NotEmpty(t, m["explanation"])
			assert.Equal(t, tc.wantType, lastCall(t, h.srv).Code)
			assert.Zero(t, h.srv.SignalCount(testDeployment))
			if tc.wantStatus == http.StatusBadRequest && strings.HasPrefix(tc.path, deploymentPath("")) {
				d, ok := h.srv.SoftwareDeployment(testDeployment)
				require.True(t, ok)
				assert.Equal(t, "IN_PROGRESS", d["status"], "a refused update changes nothing")
				assert.Nil(t, d["updated_time"])
			}
		})
	}
}

func TestSoftwareDeploymentNotFoundShape(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	got := h.do(http.MethodGet, deploymentPath("missing-abc"), "")
	assert.Equal(t, http.StatusNotFound, got.status)
	assert.JSONEq(t, `{"code":404,"error":{"message":"Software deployment with id missing-abc not found","traceback":null,"type":"NotFound"},`+
		`"explanation":"The resource could not be found.","title":"Not Found"}`, string(got.body))

	mismatch := h.doProject(http.MethodGet, deploymentPath(testDeployment), strings.Repeat("9", 32))
	assert.Equal(t, http.StatusBadRequest, mismatch.status)
	assert.JSONEq(t, `{"code":400,"error":{"message":"project_id in the path does not match the X-Project-Id header","traceback":null,"type":"HTTPBadRequest"},`+
		`"explanation":"The server could not comply with the request since it is either malformed or otherwise incorrect.","title":"Bad Request"}`, string(mismatch.body))
	assert.Equal(t, http.StatusOK, h.doProject(http.MethodGet, deploymentPath(testDeployment), testProject).status)
}

func TestSoftwareDeploymentScenario(t *testing.T) {
	t.Parallel()
	sc := &Scenario{SoftwareDeployments: []ScenarioSoftwareDeployment{
		{ID: "missing-but-named", ServerID: "srv-1", ConfigID: "cfg-1", Action: "UPDATE", Status: "COMPLETE"},
		{ID: "plain"},
	}}
	require.NoError(t, sc.Validate())
	h := newHarness(t, Options{Scenario: sc})

	d, ok := h.srv.SoftwareDeployment("missing-but-named")
	require.True(t, ok, "scenario deployments exist from the start")
	assert.Equal(t, "srv-1", d["server_id"])
	got := swResult(t, h.do(http.MethodGet, deploymentPath("missing-but-named"), ""))
	assert.Equal(t, map[string]any{
		"action": "UPDATE", "config_id": "cfg-1", "creation_time": "2025-07-09T03:36:28Z", "id": "missing-but-named",
		"input_values": map[string]any{}, "output_values": map[string]any{}, "server_id": "srv-1",
		"status": "COMPLETE", "status_reason": "Outputs received", "updated_time": nil,
	}, got, "a named id wins over the missing- rule")
	plain := swResult(t, h.do(http.MethodGet, deploymentPath("plain"), ""))
	assert.Equal(t, "CREATE", plain["action"])
	assert.Equal(t, "IN_PROGRESS", plain["status"])
}
