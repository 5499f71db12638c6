package sim

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// healthGet asks endpoint name once, as an application's health check is
// asked: no signature.
func (h *harness) healthGet(name string) (int, string) {
	h.t.Helper()
	resp, err := h.client.Get(h.ts.URL + HealthPath(name))
	require.NoError(h.t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	return resp.StatusCode, b.String()
}

func TestHealthPatterns(t *testing.T) {
	t.Parallel()
	sc, err := ParseScenario([]byte(`
health:
  - {name: later, healthy_after: 2s}
  - {name: flapping, flapping: true}
  - {name: never, never: true, unhealthy_status: 500, unhealthy_body: "db down"}
  - {name: wrong-body, body: maintenance}
`))
	require.NoError(t, err)
	h := newHarness(t, Options{Scenario: sc})
	type answer struct {
		status int
		body   string
	}
	ask := func(name string) answer {
		st, b := h.healthGet(name)
		return answer{st, b}
	}
	up, down := answer{200, `{"status":"UP"}`}, answer{503, `{"status":"DOWN"}`}

	assert.Equal(t, up, ask("anything-else"), "a name no entry names is healthy")
	assert.Equal(t, answer{200, "maintenance"}, ask("wrong-body"))

	assert.Equal(t, down, ask("later"))
	h.clock.Advance(1999 * time.Millisecond)
	assert.Equal(t, down, ask("later"))
	h.clock.Advance(time.Millisecond)
	assert.Equal(t, up, ask("later"), "healthy 2s after the first request")

	var flaps []int
	for range 5 {
		flaps = append(flaps, ask("flapping").status)
	}
	assert.Equal(t, []int{200, 503, 200, 503, 200}, flaps, "never two good answers in a row")

	h.clock.Advance(time.Hour)
	assert.Equal(t, answer{500, "db down"}, ask("never"))

	reqs := h.srv.HealthRequests("later")
	require.Len(t, reqs, 3)
	assert.Equal(t, []bool{false, false, true}, []bool{reqs[0].Healthy, reqs[1].Healthy, reqs[2].Healthy})
	assert.Empty(t, reqs[0].Credentials)
}

func TestHealthRecordsCredentialsAndNeedsNone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	req := h.newRequest(http.MethodGet, HealthPath("app"), "")
	req.Header.Set("X-Project-Id", "p")
	r := h.send(req)
	assert.Equal(t, http.StatusOK, r.status, "not behind the gateway")
	reqs := h.srv.HealthRequests("app")
	require.Len(t, reqs, 1)
	assert.Equal(t, []string{"Authorization", "X-Sdk-Date", "X-Project-Id"}, reqs[0].Credentials)
}

func TestHealthSlowAnswer(t *testing.T) {
	t.Parallel()
	sc, err := ParseScenario([]byte("health: [{name: slow, delay: 300ms}]"))
	require.NoError(t, err)
	h := newHarness(t, Options{Scenario: sc})
	h.client.Timeout = 50 * time.Millisecond
	_, err = h.client.Get(h.ts.URL + HealthPath("slow"))
	require.Error(t, err, "the answer comes after the client gave up")
	h.client.Timeout = 0
	st, _ := h.healthGet("slow")
	assert.Equal(t, http.StatusOK, st)
	assert.Len(t, h.srv.HealthRequests("slow"), 1, "a request whose client left is not counted")
}

func TestHealthScenarioErrors(t *testing.T) {
	t.Parallel()
	_, err := ParseScenario([]byte(`
health:
  - {name: "a b"}
  - {name: x, never: true, healthy_after: 1s}
  - {name: x, status: 42, delay: -1s}
  - {name: y, flaping: true}
`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown field flaping in a health endpoint (valid: name, healthy_after, flapping, never, delay, status, body, unhealthy_status, unhealthy_body)")

	_, err = ParseScenario([]byte(`
health:
  - {name: "a b"}
  - {name: x, never: true, healthy_after: 1s}
  - {name: x, status: 42, delay: -1s}
  - {}
`))
	require.Error(t, err)
	for _, want := range []string{
		`health[0].name: "a b" must be 1-64 letters, digits, - or _`,
		`health[1].never: a never-healthy endpoint takes neither healthy_after nor flapping`,
		`health[2].name: "x" is already used by health[1]`,
		`health[2].status: 42 is not an HTTP status (100-599)`,
		`health[2].delay: -1s must not be negative`,
		`health[3].name: required`,
	} {
		assert.Contains(t, err.Error(), want)
	}
}
