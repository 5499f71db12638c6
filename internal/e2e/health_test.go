package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// End-to-end tests of the health gate (health_url) through the built
// binary, against the simulator's scripted health endpoints.

const healthScenario = `
health:
  - {name: later, healthy_after: 400ms}
  - {name: flapping, flapping: true}
  - {name: never, never: true, unhealthy_body: '{"status":"DOWN","db":"unreachable"}'}
  - {name: slow, delay: 2s}
  - {name: wrong-body, body: '{"status":"MAINTENANCE"}'}
`

// healthInputs are the inputs of a fast health gate against endpoint name.
func healthInputs(url, name string) map[string]string {
	return map[string]string{
		"task_id":         taskOK,
		"health_url":      url + sim.HealthPath(name),
		"health_body":     "UP",
		"health_interval": "200ms",
		"health_timeout":  "1200ms",
		"health_healthy":  "3",
		"request_timeout": "1s",
	}
}

func TestHealthGate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endpoint string
		healthy  bool
		want     []string // in the annotation of an unhealthy service
	}{
		{endpoint: "app", healthy: true},
		{endpoint: "later", healthy: true},
		{endpoint: "flapping", want: []string{"the longest run 1", "503 Service Unavailable", "200 OK"}},
		{endpoint: "never", want: []string{"the longest run 0", `503 Service Unavailable in`, `(status not in 200-399): {"status":"DOWN","db":"unreachable"}`}},
		{endpoint: "slow", want: []string{"no answer: timed out after 1.0s"}},
		{endpoint: "wrong-body", want: []string{`200 OK in`, `(body does not contain "UP"): {"status":"MAINTENANCE"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			t.Parallel()
			srv, url := simulator(t, healthScenario)
			s := newStep(t, url, healthInputs(url, tt.endpoint))
			code := s.run()
			stdout := s.stdout.String()
			out := s.outputs()
			checks := srv.HealthRequests(tt.endpoint)
			for _, c := range checks {
				assert.Empty(t, c.Credentials, "credentials sent to the health endpoint")
			}
			assert.Contains(t, stdout, "::group::Health check: GET "+url+sim.HealthPath(tt.endpoint)+" until 3 good answers in a row")
			// One line per check in the group (a slow endpoint's checks
			// end before its answers, which are not counted).
			lines := strings.Count(stdout, "\n✓ ") + strings.Count(stdout, "\n✗ ")
			assert.GreaterOrEqual(t, lines, len(checks))
			if tt.healthy {
				require.Equal(t, 0, code, stdout)
				assert.Equal(t, "succeeded", out["status"])
				assert.Contains(t, stdout, "✓ Healthy: 3 good answers in a row")
				assert.Contains(t, s.summary(), "| Health | ✅ healthy: 3 good answers in a row")
				return
			}
			require.Equal(t, 1, code, stdout)
			assert.Equal(t, "unhealthy", out["status"])
			assert.NotEmpty(t, out["record_id"])
			err := oneError(t, s)
			assert.Contains(t, err, "title=Unhealthy::")
			assert.Contains(t, err, "did not give 3 good answers in a row (200-399) within 1.2s")
			assert.Contains(t, err, "%0ALast answers:%0A")
			for _, w := range tt.want {
				assert.Contains(t, err, w)
			}
			sum := s.summary()
			assert.Contains(t, sum, "Deployment unhealthy")
			assert.Contains(t, sum, "**Last answers of the health check**")
			assert.Empty(t, out["rollback_record_id"], "rollback_on_failure is false")
			assert.Equal(t, 1, srv.StartCount(taskOK))
		})
	}
}

func TestHealthGateUnhealthyRollsBack(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, healthScenario)
	good := srv.SeedRecord(taskOK, "succeeded", time.Hour)
	in := healthInputs(url, "never")
	in["rollback_on_failure"] = "true"
	in["health_timeout"] = "1s"
	s := newStep(t, url, in)
	require.Equal(t, 1, s.run(), s.stdout.String())
	out := s.outputs()
	assert.Equal(t, "unhealthy", out["status"])
	recs := srv.Records(taskOK)
	require.Len(t, recs, 3)
	assert.Equal(t, out["rollback_record_id"], recs[2].ID)
	assert.Equal(t, good, recs[2].FromRecordID, "the unhealthy deployment is rolled back like a failed one")
	err := oneError(t, s)
	assert.Contains(t, err, "%0ARollback to record "+good+": succeeded.")
}

// TestHealthGateSendsNoCredentials checks what reaches a health endpoint
// byte for byte: none of the step's credentials or Huawei's headers, with
// keys and with a token.
func TestHealthGateSendsNoCredentials(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []http.Header
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		_, _ = w.Write([]byte("UP"))
	}))
	t.Cleanup(app.Close)
	_, url := simulatorWith(t, sim.Options{AuthTokens: []string{"MIIE-e2e-iam-token"}})
	var wg sync.WaitGroup
	for _, token := range []string{"", "MIIE-e2e-iam-token"} {
		in := healthInputs(url, "")
		in["health_url"] = app.URL + "/healthz"
		s := newStep(t, url, in)
		if token != "" {
			s.env["INPUT_AUTH_TOKEN"] = token
			delete(s.env, "INPUT_ACCESS_KEY_ID")
			delete(s.env, "INPUT_SECRET_ACCESS_KEY")
		}
		s.start(false)
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.Equal(t, 0, s.wait(), s.stdout.String())
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 6)
	for _, h := range seen {
		var names []string
		for k, v := range h {
			names = append(names, k)
			for _, secret := range []string{testAK, testSK, "MIIE-e2e-iam-token", testProject} {
				assert.NotContains(t, strings.Join(v, " "), secret, "header %s", k)
			}
		}
		assert.ElementsMatch(t, []string{"User-Agent", "Accept", "Accept-Encoding"}, names)
	}
}

func TestHealthGateBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := newStep(t, url, map[string]string{"task_id": taskOK, "health_url": "https://user:pw@app.example.com/", "health_status": "2xx", "health_healthy": "0"})
	require.Equal(t, 1, s.run())
	err := oneError(t, s)
	for _, w := range []string{"health_url: must not contain user credentials", `health_status: "2xx" is not a status code`, `health_healthy: "0" is not a whole number`} {
		assert.Contains(t, err, w)
	}
	assert.Empty(t, srv.Calls())
}
