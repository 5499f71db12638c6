package sim_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// A simulator on loopback, driven here with an IAM token for brevity; the
// action's client signs with AK/SK instead.
func ExampleNew() {
	sc, err := sim.ParseScenario([]byte(`
tasks:
  - task_id: 0123456789abcdef0123456789abcdef
    refuse_start: {code: Deploy.00011042, message: "A draft application cannot be executed."}
`))
	if err != nil {
		panic(err)
	}
	srv := sim.New(sim.Options{AuthTokens: []string{"example-token"}, Scenario: sc})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v2/tasks/0123456789abcdef0123456789abcdef/start", nil)
	req.Header.Set("X-Auth-Token", "example-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	fmt.Println(srv.StartCount("0123456789abcdef0123456789abcdef"))
	// Output:
	// 400 {"error_code":"Deploy.00011042","error_msg":"A draft application cannot be executed."}
	// 0
}

func ExampleParseScenario() {
	_, err := sim.ParseScenario([]byte(`
tasks:
  - task_id: 0123456789abcdef0123456789abcdef
    fail_at_step: 7
faults:
  - op: start
    kind: explode
`))
	fmt.Println(err)
	// Output:
	// tasks[0].fail_at_step: 7 is past the last step (4)
	// faults[0].kind: "explode" is not one of throttle, error, drop, slow, hang
}
