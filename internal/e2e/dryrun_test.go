package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// End-to-end tests of dry_run: true through the built binary. A dry run
// reads, and must never send anything that changes something.

// dryRunReport is the result output of a dry run.
type dryRunReport struct {
	DryRun bool `json:"dry_run"`
	Checks []struct {
		Name    string
		Passed  bool
		Warning bool
		Detail  string
	}
	WouldSend []struct {
		Method, Path string
		Body         json.RawMessage
	} `json:"would_send"`
}

func readReport(t *testing.T, s *step) dryRunReport {
	t.Helper()
	var r dryRunReport
	require.NoError(t, json.Unmarshal([]byte(s.outputs()["result"]), &r), s.outputs()["result"])
	require.True(t, r.DryRun)
	return r
}

// dryRun runs a step with inputs as a dry run and checks its exit code
// and that its status output is dry_run.
func dryRun(t *testing.T, url string, inputs map[string]string, code int) *step {
	t.Helper()
	inputs["dry_run"] = "true"
	s := newStep(t, url, inputs)
	require.Equal(t, code, s.run(), s.stdout.String())
	assert.Equal(t, "dry_run", s.outputs()["status"])
	return s
}

// assertOnlyReads fails on any request but a GET.
func assertOnlyReads(t *testing.T, srv *sim.Server, since int) {
	t.Helper()
	for _, c := range srv.Calls()[since:] {
		assert.Equal(t, http.MethodGet, c.Method, "a dry run sent %s %s", c.Method, c.Path)
	}
}

func TestDryRunDeploy(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "tasks:\n  - {task_id: "+taskOK+", name: checkout-service}\n")
	prev := srv.SeedRecord(taskOK, "succeeded", time.Hour)
	srv.SetRecordParams(prev, sim.ParamInfo{Key: "version", Value: "1.4.1", Type: "text"}, sim.ParamInfo{Key: "region", Value: "north", Type: "text"})

	s := newStep(t, url, map[string]string{"task_id": taskOK, "params": paramsWithSecret, "dry_run": "true",
		"rollback_on_failure": "true", "health_url": "https://app.example.com/healthz"})
	code := s.run()
	stdout := s.stdout.String()
	require.Equal(t, 0, code, stdout)
	assertOnlyReads(t, srv, 0)
	assert.Equal(t, 0, srv.StartCount(taskOK))

	out := s.outputs()
	assert.Equal(t, "dry_run", out["status"])
	r := readReport(t, s)
	names := map[string]bool{}
	for _, c := range r.Checks {
		names[c.Name] = true
		assert.True(t, c.Passed, "%s: %s", c.Name, c.Detail)
	}
	for _, want := range []string{"credentials", "task", "params", "params vs. the previous execution", "running deployment", "rollback_on_failure", "health gate"} {
		assert.True(t, names[want], "check %q", want)
	}
	require.Len(t, r.WouldSend, 1)
	assert.Equal(t, "POST", r.WouldSend[0].Method)
	assert.Equal(t, "/v2/tasks/"+taskOK+"/start", r.WouldSend[0].Path)
	assert.Contains(t, string(r.WouldSend[0].Body), `"value":"***"`, "the encrypt value is masked")

	assert.Contains(t, stdout, "::warning::⚠ params vs. the previous execution: compared with record "+prev)
	assert.Contains(t, stdout, "db_password")
	assert.Contains(t, stdout, "::group::Would send: POST /v2/tasks/"+taskOK+"/start")
	assert.Empty(t, annotations(stdout, "error"))
	assert.Contains(t, stdout, "\n✓ Dry run: every check passed; nothing was changed.\n")
	sum := s.summary()
	assert.Contains(t, sum, "Dry run of deploy: every check passed")
	assert.Contains(t, sum, "`POST /v2/tasks/"+taskOK+"/start`")
	assert.Equal(t, "true", s.state()["done"])
	assert.Empty(t, s.state()["start_attempt_at"], "nothing started: nothing for the post step")
	assertNoSecrets(t, s)
}

func TestDryRunFailingChecks(t *testing.T) {
	t.Parallel()
	const deleted = "de1e7edde1e7edde1e7edde1e7edde1e"
	tests := []struct {
		name   string
		inputs map[string]string
		failed string
	}{
		{"a deployment is running and if_running is fail", map[string]string{"task_id": taskOK, "if_running": "fail"},
			"running deployment: record "},
		{"the task was deleted", map[string]string{"task_id": deleted},
			"task: task " + deleted + " does not exist"},
		{"the credentials are refused", map[string]string{"task_id": taskOK, "secret_access_key": "not-the-secret"},
			"credentials: the gateway refused them"},
		{"the record to redeploy does not exist", map[string]string{"task_id": taskOK, "record_id": "ffffffffffffffffffffffffffffffff"},
			"record_id: task " + taskOK + " has no record ffffffffffffffffffffffffffffffff"},
		{"a watch of an unknown record", map[string]string{"operation": "watch", "task_id": deleted},
			"task: task " + deleted + " does not exist"},
		{"a stop of an unknown record", map[string]string{"operation": "stop", "task_id": taskOK, "record_id": "ffffffffffffffffffffffffffffffff"},
			"record: task " + taskOK + " has no deployment record"},
		{"a release plan that does not exist", map[string]string{"operation": "release-plan", "release_plan_id": "missing-plan"},
			"release plan: no such release plan"},
		{"a software deployment that does not exist", map[string]string{"operation": "signal", "deployment_id": "missing-1"},
			"software deployment: no such software deployment missing-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := simulator(t, runningTask+"  - {task_id: "+deleted+", deleted: true}\n")
			s := dryRun(t, url, tt.inputs, 1)
			err := oneError(t, s)
			assert.Contains(t, err, "title=Dry run%3A a check failed::")
			assert.Contains(t, err, tt.failed)
			assertOnlyReads(t, srv, 0)
			assert.Len(t, srv.Running(), 1, "the running deployment is left alone")
			r := readReport(t, s)
			assert.NotEmpty(t, r.Checks)
		})
	}
}

func TestDryRunOtherOperations(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, runningTask)
	rec := srv.Running()[0].ID
	tests := []struct {
		name      string
		inputs    map[string]string
		wouldSend string // "" for nothing
		detail    string
	}{
		{"watch", map[string]string{"operation": "watch", "task_id": taskOK}, "", "the watch would follow it to its end"},
		{"stop", map[string]string{"operation": "stop", "task_id": taskOK, "record_id": rec}, "PUT /v2/tasks/" + taskOK + "/records/" + rec + "/stop", "it would be stopped"},
		{"release plan", map[string]string{"operation": "release-plan", "release_plan_id": planOK, "execute": "true"},
			"POST /v3/" + testProject + "/cas/release-plans/" + planOK + "/execute", "would run batch 1:"},
		{"signal", map[string]string{"operation": "signal", "deployment_id": "d-1", "output_values": "deploy_status_code: 0\ndeploy_stdout: all good\n"},
			"PUT /v1/" + testProject + "/software_deployments/d-1", "d-1 exists: status IN_PROGRESS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := dryRun(t, url, tt.inputs, 0)
			r := readReport(t, s)
			var details []string
			for _, c := range r.Checks {
				assert.True(t, c.Passed, "%s: %s", c.Name, c.Detail)
				details = append(details, c.Detail)
			}
			assert.Contains(t, strings.Join(details, "\n"), tt.detail)
			if tt.wouldSend == "" {
				assert.Empty(t, r.WouldSend)
			} else {
				require.Len(t, r.WouldSend, 1)
				assert.Equal(t, tt.wouldSend, r.WouldSend[0].Method+" "+r.WouldSend[0].Path)
			}
			if tt.name == "signal" {
				assert.JSONEq(t, `{"output_values":{"deploy_status_code":0,"deploy_stdout":"all good"},"status":"COMPLETE","status_reason":"Outputs received"}`, string(r.WouldSend[0].Body))
			}
		})
	}
	t.Cleanup(func() {
		assertOnlyReads(t, srv, 0)
		assert.Len(t, srv.Running(), 1, "nothing stopped")
	})
}
