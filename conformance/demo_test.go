package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/sim"
)

// The demo run: the built action runs the four operations (deploy, a
// deploy's dry run, stop, release-plan with execute, signal) as a workflow
// step runs it, against
// the simulator behind a recorder. Every request is then matched to the
// SDK's definition of its operation or to one written from the API pages,
// and every answer is checked against the SDK's response model or the
// documented shape.

// binary is the action, built once from the main module.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "deploy-action-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "deploy-action")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = ".." // the action's module, with its own go.mod
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the action:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	demoAK       = "CONFORMANCEDEMOKEY00"
	demoSK       = "conformance-demo-secret-key"
	demoProject  = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	deployTask   = "7d3f1c2a9b8e4f60a1c2d3e4f5a6b7c8"
	stopTask     = "0123456789abcdef0123456789abcdef"
	demoPlan     = "716eda33-dbc6-47f3-953f-29119edd5e5c"
	demoSoftware = "sd-conformance-1"
	// rollbackTask fails, and its latest record failed too, so
	// rollback_on_failure reads the history for an older success.
	rollbackTask = "f00dfacef00dfacef00dfacef00dface"
)

// demoScenario gives each operation something to act on.
const demoScenario = `
tasks:
  - task_id: ` + deployTask + `
    name: checkout-service
    steps: [Download package, Deploy, Health check]
  - {task_id: ` + stopTask + `, already_running: 5m}
  - {task_id: ` + rollbackTask + `, fail_at_step: 2}
release_plans:
  - id: ` + demoPlan + `
    name: checkout-release
    components:
      - {name: api, seq: 1, version: 1.4.2}
      - {name: worker, seq: 2, version: 1.4.2}
software_deployments:
  - {id: ` + demoSoftware + `, server_id: srv-1, action: CREATE}
`

// mustSee are the operations a full demo run calls at least once.
var mustSee = []string{
	"StartDeployTask", "ShowDeployStatus", "ShowDeployTaskDetail", "ShowAppLog",
	"ShowAppDetailById", "ListDeployTaskHistoryByDate", "ShowExecutionParams", "StopDeployTaskRecordV2",
	"ShowReleasePlan", "ExecuteReleasePlan", "ShowReleasePlanDeployInfo",
	"UpdateSoftwareDeployment",
}

// exchange is one request and its answer as the recorder saw them. Of
// the request headers only the names are kept, never the values (they
// carry the signature and tokens), except the media type of Content-Type,
// which holds nothing secret and which the definitions constrain.
type exchange struct {
	method, escapedPath, rawQuery string
	headerNames                   []string
	contentType                   string
	body                          []byte
	status                        int
	answer                        []byte
}

func (e exchange) String() string {
	if e.rawQuery == "" {
		return e.method + " " + e.escapedPath
	}
	return e.method + " " + e.escapedPath + "?" + e.rawQuery
}

// recorder records every exchange with the handler behind it.
type recorder struct {
	next http.Handler
	seen record[exchange]
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := readBody(r)
	sw := &statusWriter{ResponseWriter: w}
	rc.next.ServeHTTP(sw, r)
	names := make([]string, 0, len(r.Header)+1)
	for k := range r.Header {
		names = append(names, http.CanonicalHeaderKey(k))
	}
	if r.Host != "" {
		names = append(names, "Host")
	}
	sort.Strings(names)
	path, _, _ := strings.Cut(r.RequestURI, "?")
	ex := exchange{
		method: r.Method, escapedPath: path, rawQuery: r.URL.RawQuery,
		headerNames: names, body: body, status: sw.status, answer: sw.body.Bytes(),
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		ex.contentType = mediaType(ct)
	}
	rc.seen.add(ex)
}

func (rc *recorder) exchanges() []exchange { return rc.seen.all() }

// runStep runs the action once as a workflow step: inputs as INPUT_
// variables (with the defaults action.yml gives), file commands in a
// temporary directory. It returns the exit code and the log.
func runStep(t *testing.T, endpoint string, inputs map[string]string) (int, string) {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"GITHUB_OUTPUT":             filepath.Join(dir, "output"),
		"GITHUB_STATE":              filepath.Join(dir, "state"),
		"GITHUB_STEP_SUMMARY":       filepath.Join(dir, "summary"),
		"INPUT_ENDPOINT":            endpoint,
		"INPUT_REGION":              "cn-north-4",
		"INPUT_PROJECT_ID":          demoProject,
		"INPUT_OPERATION":           "deploy",
		"INPUT_TIMEOUT":             "2m",
		"INPUT_POLL_INTERVAL":       "1s",
		"INPUT_WAIT":                "true",
		"INPUT_IF_RUNNING":          "wait",
		"INPUT_STOP_ON_CANCEL":      "true",
		"INPUT_STOP_ON_TIMEOUT":     "true",
		"INPUT_ROLLBACK_ON_FAILURE": "false",
		"INPUT_SHOW_LOGS":           "true",
		"INPUT_EXECUTE":             "false",
		"INPUT_ACCESS_KEY_ID":       demoAK,
		"INPUT_SECRET_ACCESS_KEY":   demoSK,
	}
	for k, v := range inputs {
		env["INPUT_"+strings.ToUpper(k)] = v
	}
	cmd := exec.Command(binary)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running the action: %v", err)
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// TestDemoRunConforms runs the four operations and checks every request
// and answer of the run.
func TestDemoRunConforms(t *testing.T) {
	t.Parallel()
	sc, err := sim.ParseScenario([]byte(demoScenario))
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(sim.Options{AccessKeyID: demoAK, SecretAccessKey: demoSK, Scenario: sc, StepDuration: 100 * time.Millisecond})
	// Yesterday's deployment, as in `demo`: the action forecasts from it.
	s.SeedRecordTook(deployTask, 300*time.Millisecond, 24*time.Hour)
	// An older success, then a failure: the rollback target is in the
	// history, not the latest record.
	s.SeedRecord(rollbackTask, "succeeded", 3*time.Hour)
	s.SeedRecord(rollbackTask, "failed", time.Hour)
	rec := &recorder{next: s}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)

	running := s.Running()
	if len(running) != 1 {
		t.Fatalf("the scenario should have one running record, has %d", len(running))
	}
	steps := []struct {
		name     string
		inputs   map[string]string
		wantCode int
	}{
		{"deploy", map[string]string{
			"task_id": deployTask,
			"params":  "- {key: version, value: 1.4.2}\n- {key: db_password, value: not-a-real-secret, type: encrypt}\n",
		}, 0},
		// After the deploy above, whose parameters it compares with.
		{"deploy dry run", map[string]string{
			"task_id": deployTask, "dry_run": "true",
			"params": "- {key: version, value: 1.4.3}\n- {key: replicas, value: 2}\n",
		}, 0},
		{"deploy that fails and rolls back", map[string]string{"task_id": rollbackTask, "rollback_on_failure": "true"}, 1},
		{"stop", map[string]string{"operation": "stop", "task_id": stopTask, "record_id": running[0].ID}, 0},
		{"release-plan", map[string]string{"operation": "release-plan", "release_plan_id": demoPlan, "execute": "true"}, 0},
		{"signal", map[string]string{
			"operation": "signal", "deployment_id": demoSoftware, "config_id": "cfg-42",
			"input_values":  `{"version": "1.4.2"}`,
			"output_values": "deploy_status_code: 0\ndeploy_stdout: |\n  done ✓\n  \"quoted\" & <tagged>\nresult: {url: 'https://staging.example.test'}\n",
		}, 0},
	}
	for _, st := range steps {
		if code, log := runStep(t, srv.URL, st.inputs); code != st.wantCode {
			t.Fatalf("%s exited %d, want %d:\n%s", st.name, code, st.wantCode, log)
		}
	}
	// The action reads the application detail only when the task detail
	// lists no steps, which the simulator's never does: the call is made
	// here with the action's own client, as the log reader makes it.
	appDetailCall(t, srv.URL)

	// Close waits for every handler to finish, so the last exchange is
	// recorded before it is read.
	srv.Close()
	defs := append(sdkDefs(), docDefs()...)
	seen := map[string]int{}
	exchanges := rec.exchanges()
	for _, ex := range exchanges {
		name, problems := checkExchange(defs, ex)
		seen[name]++
		for _, p := range problems {
			label := name
			if label == "" {
				label = "unknown request"
			}
			t.Errorf("%s (%s): %s", label, ex, p)
		}
	}
	for _, p := range checkStepIDs(exchanges) {
		t.Error(p)
	}
	for _, name := range mustSee {
		if seen[name] == 0 {
			t.Errorf("the demo run never called %s", name)
		}
	}
	var counts []string
	for _, name := range sortedKeys(seen) {
		counts = append(counts, fmt.Sprintf("%s %d", name, seen[name]))
	}
	t.Logf("%d requests checked: %s", len(exchanges), strings.Join(counts, ", "))
}

// checkExchange matches a recorded exchange to its definition and lists
// every way it departs from it.
func checkExchange(defs []apiDef, ex exchange) (string, []string) {
	d, vars, ok := matchDef(defs, ex.method, ex.escapedPath)
	if !ok {
		return "", []string{"no SDK or documented definition has this method and path"}
	}
	var out []string
	for _, name := range sortedKeys(d.vars) {
		if v := vars[name]; !d.vars[name].MatchString(v) {
			out = append(out, fmt.Sprintf("path variable %s %q does not match %s", name, v, d.vars[name]))
		}
	}
	out = append(out, checkQuery(d, ex.rawQuery)...)
	for _, h := range ex.headerNames {
		if !commonHeaders[h] && !slices.Contains(d.headers, h) {
			out = append(out, "header "+h+" is not declared by the operation")
		}
	}
	switch {
	case d.contentType != "" && ex.contentType == "":
		out = append(out, "no Content-Type: "+d.source+" requires "+d.contentType)
	case d.contentType != "" && ex.contentType != d.contentType:
		out = append(out, fmt.Sprintf("Content-Type is %s, the definition says %s", ex.contentType, d.contentType))
	}
	if d.body == nil {
		if len(bytes.TrimSpace(ex.body)) > 0 {
			out = append(out, "the request has a body; the operation takes none")
		}
	} else {
		out = append(out, d.body(ex.body)...)
	}
	if ex.status < 200 || ex.status > 299 {
		out = append(out, fmt.Sprintf("the simulator answered %d: %s", ex.status, ex.answer))
	} else if d.answer != nil && len(bytes.TrimSpace(ex.answer)) > 0 {
		out = append(out, d.answer(ex.answer)...)
	}
	return d.name, out
}

// checkQuery reads the query as the gateway does ("+" is a literal plus)
// and checks it against the definition's parameters. The simulator's
// canonicalQuery (internal/sim/auth.go) reads it the same way; the pair
// is deliberate: a check of the simulator's answers must not take its
// reading of the request from the simulator.
func checkQuery(d apiDef, rawQuery string) []string {
	var out []string
	if strings.Contains(rawQuery, "+") {
		out = append(out, `the query has a "+": the SDK never sends one (a space is %20, a plus %2B)`)
	}
	q := url.Values{}
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, kerr := url.PathUnescape(k)
		val, verr := url.PathUnescape(v)
		if kerr != nil || verr != nil {
			return append(out, "the query is not validly escaped")
		}
		q.Add(key, val)
	}
	for _, k := range sortedKeys(q) {
		p, ok := d.query[k]
		switch {
		case !ok:
			out = append(out, "query parameter "+k+" is not a parameter of the operation")
		case len(q[k]) > 1:
			out = append(out, fmt.Sprintf("query parameter %s is given %d times", k, len(q[k])))
		case p.valid != nil && !p.valid(q.Get(k)):
			out = append(out, fmt.Sprintf("query parameter %s=%q is not %s", k, q.Get(k), p.rule))
		}
	}
	for _, k := range sortedKeys(d.query) {
		if d.query[k].required && q[k] == nil {
			out = append(out, "the required query parameter "+k+" is missing")
		}
	}
	return out
}

// checkStepIDs: ShowAppLog's step_id is "a step's id from the application
// detail (result.arrange_infos[0].steps.step1.id)" (ShowAppLog.html), not
// its position; every step_id the run sent must be one of the ids the
// run's task or application details named.
func checkStepIDs(exchanges []exchange) []string {
	named := map[string]bool{}
	for _, ex := range exchanges {
		if ex.method != "GET" || ex.status != http.StatusOK {
			continue
		}
		for _, id := range stepIDsIn(ex.answer) {
			named[id] = true
		}
	}
	var out []string
	for _, ex := range exchanges {
		if !strings.HasSuffix(ex.escapedPath, "/logs") {
			continue
		}
		q, err := url.ParseQuery(ex.rawQuery)
		if err != nil {
			continue
		}
		if id := q.Get("step_id"); id != "" && !named[id] {
			out = append(out, fmt.Sprintf("ShowAppLog (%s): step_id %q is not the id of any step the details named (%s)", ex, id, strings.Join(sortedKeys(named), ", ")))
		}
	}
	return out
}

// stepIDsIn finds the step ids of a task detail (steps, bare or in a
// result wrapper) or an application detail (result.arrange_infos[].steps).
func stepIDsIn(answer []byte) []string {
	var v struct {
		Steps  map[string]struct{ ID any } `json:"steps"`
		Result struct {
			Steps        map[string]struct{ ID any } `json:"steps"`
			ArrangeInfos []struct {
				Steps map[string]struct{ ID any } `json:"steps"`
			} `json:"arrange_infos"`
		} `json:"result"`
	}
	if json.Unmarshal(answer, &v) != nil {
		return nil
	}
	var out []string
	add := func(steps map[string]struct{ ID any }) {
		for _, s := range steps {
			if s.ID != nil {
				out = append(out, fmt.Sprint(s.ID))
			}
		}
	}
	add(v.Steps)
	add(v.Result.Steps)
	for _, a := range v.Result.ArrangeInfos {
		add(a.Steps)
	}
	return out
}

// appDetailCall reads the deploy task's application detail through the
// action's CodeArts client, signed as every call of the action is.
func appDetailCall(t *testing.T, endpoint string) {
	t.Helper()
	c, err := codearts.New(endpoint, huawei.Credentials{AccessKeyID: demoAK, SecretAccessKey: demoSK}, huawei.WithProjectID(demoProject))
	if err != nil {
		t.Fatal(err)
	}
	detail, err := c.Detail(t.Context(), deployTask)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppDetail(t.Context(), detail.AppID); err != nil {
		t.Fatal(err)
	}
}
