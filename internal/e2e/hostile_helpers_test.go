package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// The hostile-server suite (hostile_test.go) runs the built binary against
// a server that breaks one assumption per case: a small handler in front of
// the simulator that passes a request on, answers it itself, or rewrites
// the simulator's answer. This file is its machinery: the case type, the
// run of one case (main step, then post step, as the runner does), the
// request wrapper the hostile handlers work with, and the checks every
// case gets.

// Credentials of the suite. Every case signs with AK/SK and a security
// token (temporary credentials), so a server can echo the token; the auth
// token is for the cases that authenticate with one.
const (
	testSecurityToken = "STS-hostile-Zq8vN3kP0wXr7Yt5Lm2Hb9Jc4Fd6Gs1Qa"
	testAuthToken     = "MIIauth-hostile-Tk7Pq2Wz9Xc4Vb6Nm1Lk8Jh3Gf5Ds0A"
	// maxRSSKiB is the memory bound of one run of the binary: 64 MB.
	maxRSSKiB = 64 << 10
	// maxOutputBytes is GitHub's limit of one step output (1 MB).
	maxOutputBytes = 1 << 20
	// maxLogBytes bounds what one step may write to the workflow log.
	maxLogBytes = 8 << 20
	// none, as a wanted count, wants zero (0 leaves the count unchecked).
	none = -1
	// killed is the exit code of a step that was killed (SIGKILL).
	killed = -1
)

// hostileCase is one case: a server misbehaviour and what the action must
// do about it. Only name and want are needed; the rest defaults to a
// deploy of taskOK against the plain simulator, run to its end.
type hostileCase struct {
	name     string
	scenario string                       // the simulator's scenario (YAML); "" for the defaults
	inputs   map[string]string            // on top of hostileInputs; "" removes an input
	setup    func(h *hostileRun)          // before the server starts: seed records, add inputs (h.in)
	hostile  func(x *exchange)            // every request; nil (or not answering) passes it on
	drive    func(h *hostileRun)          // starts the main step and acts on it; nil runs it to its end
	want     hostileWant                  // what every case checks
	check    func(h *hostileRun)          // anything else
	secrets  func(h *hostileRun) []string // values the case adds to those that must never show
}

// hostileWant is the outcome checked for every case.
type hostileWant struct {
	code    int  // the main step's exit code (killed: SIGKILL)
	anyCode bool // the exit code is not checked (the case's check looks at it)

	status    string // the status output, when not ""
	never     string // a status output that would be a false verdict
	starts    int    // deploy: records the run created (StartCount); none: zero; 0: unchecked
	adopt     bool   // record_id output and state name the one record the run created
	stopped   bool   // the record the run created was stopped
	postCode  int    // the post step's exit code
	running   bool   // the case leaves a deployment running on purpose (else nothing may run at the end)
	noRequest bool   // nothing at all may be sent
}

// hostileRun is one run of a case.
type hostileRun struct {
	t      *testing.T
	tc     hostileCase
	srv    *sim.Server
	url    string
	main   *step
	post   *step
	inPost atomic.Bool

	before map[string]bool // records of taskOK that existed before the main step
	seeded string          // a record setup seeded, when it did
	// mainCode and postCode are the exit codes of the two steps.
	mainCode, postCode int
	// mainState is the main step's state file: what the post step got.
	mainState map[string]string
	// startsAfterMain, executionsAfterMain and signalsAfterMain are the
	// remote counts when the main step had ended.
	startsAfterMain, executionsAfterMain, signalsAfterMain int

	// in are inputs setup adds, over the case's (a record id known only
	// once the simulator runs).
	in map[string]string

	mu     sync.Mutex
	counts map[string]int // requests by operation
	values map[string]any // what hostile handlers remember within a run

	evilOnce sync.Once
	evil     *httptest.Server
	evilHits atomic.Int32
}

// hostileInputs are the inputs of every case: a deploy of taskOK with an
// encrypt parameter, temporary credentials, and short times.
func hostileInputs() map[string]string {
	return map[string]string{
		"task_id":         taskOK,
		"params":          paramsWithSecret,
		"security_token":  testSecurityToken,
		"timeout":         "10s",
		"poll_interval":   "1s",
		"request_timeout": "2s",
	}
}

// runHostile runs one case: the simulator behind the case's handler on
// loopback, the main step, then the post step with the main step's state
// (the runner's post-if defaults to always()), and the checks.
func runHostile(t *testing.T, tc hostileCase) {
	t.Helper()
	opts := sim.Options{
		AccessKeyID: testAK, SecretAccessKey: testSK,
		SecurityTokens: []string{testSecurityToken},
		AuthTokens:     []string{testAuthToken},
		StepDuration:   100 * time.Millisecond,
	}
	if tc.scenario != "" {
		sc, err := sim.ParseScenario([]byte(tc.scenario))
		require.NoError(t, err)
		opts.Scenario = sc
	}
	h := &hostileRun{t: t, tc: tc, srv: sim.New(opts), in: map[string]string{}, counts: map[string]int{}, values: map[string]any{}}
	if tc.setup != nil {
		tc.setup(h)
	}
	h.before = map[string]bool{}
	for _, r := range h.srv.Records(taskOK) {
		h.before[r.ID] = true
	}
	// Started after setup, so the handlers see what setup wrote.
	server := httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(server.Close)
	h.url = server.URL

	h.main = newStep(t, h.url, h.inputs())
	if tc.drive != nil {
		tc.drive(h)
	} else {
		startProbed(h.main, false)
	}
	h.mainCode = h.main.wait()
	h.mainState = readFileCommands(t, h.main.env["GITHUB_STATE"])
	h.startsAfterMain = h.srv.StartCount(taskOK)
	h.executionsAfterMain = h.srv.PlanExecutions(planOK)
	h.signalsAfterMain = h.srv.SignalCount(hostileDeployment)

	h.inPost.Store(true)
	h.post = newStep(t, h.url, h.inputs())
	for k, v := range h.mainState {
		h.post.env["STATE_"+k] = v
	}
	startProbed(h.post, true)
	h.postCode = h.post.wait()

	h.checkCommon()
	if tc.check != nil {
		tc.check(h)
	}
	if t.Failed() {
		t.Logf("main step (exit %d):\n%s\nstderr:\n%s\noutputs: %q\nstate: %q\npost step (exit %d):\n%s\nrequests: %v",
			h.mainCode, clip(h.main.stdout.String()), clip(h.main.stderr.String()), clipMap(h.out()), h.mainState,
			h.postCode, clip(h.post.stdout.String()), h.requestCounts())
	}
}

// out returns the main step's outputs.
func (h *hostileRun) out() map[string]string {
	return readFileCommands(h.t, h.main.env["GITHUB_OUTPUT"])
}

// inputs are the case's inputs over hostileInputs.
func (h *hostileRun) inputs() map[string]string {
	in := hostileInputs()
	for k, v := range h.tc.inputs {
		in[k] = v
	}
	for k, v := range h.in {
		in[k] = v
	}
	return in
}

// checkCommon makes the checks every case gets.
func (h *hostileRun) checkCommon() {
	t, w := h.t, h.tc.want
	out := h.out()
	if !w.anyCode {
		assert.Equal(t, w.code, h.mainCode, "the main step's exit code")
	}
	if w.status != "" {
		assert.Equal(t, w.status, out["status"], "the status output")
	}
	if w.never != "" {
		assert.NotEqual(t, w.never, out["status"], "a false verdict")
	}
	assert.Equal(t, w.postCode, h.postCode, "the post step's exit code")

	// The post step never starts anything.
	assert.Equal(t, h.startsAfterMain, h.srv.StartCount(taskOK), "the post step started a deployment")
	assert.Equal(t, h.executionsAfterMain, h.srv.PlanExecutions(planOK), "the post step executed the release plan")
	assert.Equal(t, h.signalsAfterMain, h.srv.SignalCount(hostileDeployment), "the post step signalled")

	switch w.starts {
	case 0:
	case none:
		assert.Zero(t, h.srv.StartCount(taskOK), "deployments started")
	default:
		assert.Equal(t, w.starts, h.srv.StartCount(taskOK), "deployments started")
	}
	ours := h.ours()
	if w.adopt {
		if assert.Len(t, ours, 1, "records the run created") {
			assert.Equal(t, ours[0].ID, out["record_id"], "the record_id output names the record the run created")
			if id, ok := h.mainState["record_id"]; ok {
				assert.Equal(t, ours[0].ID, id, "the state names the record the run created")
			}
		}
	}
	if w.stopped && assert.Len(t, ours, 1, "records the run created") {
		assert.True(t, ours[0].Stopped, "record %s was not stopped", ours[0].ID)
	}
	if !w.running {
		assert.Empty(t, h.srv.Running(), "a deployment was left running")
		assert.NotEqual(t, "RUNNING", h.srv.PlanStatus(planOK), "the release plan was left executing")
	}
	if w.noRequest {
		assert.Empty(t, h.srv.Calls(), "requests sent")
		assert.Empty(t, h.requestCounts(), "requests sent")
	}
	assert.Zero(t, h.evilHits.Load(), "a request reached the host a redirect pointed to")

	// A record id that reaches an output or the state is a record of the
	// task, never a value the server made up.
	known := map[string]bool{}
	for _, r := range h.srv.Records(taskOK) {
		known[r.ID] = true
	}
	for _, v := range []string{out["record_id"], h.mainState["record_id"]} {
		if v != "" {
			assert.Regexp(t, `^[0-9A-Za-z]{32}$`, v, "a record id in the outputs or state")
			assert.True(t, known[v], "record id %.40q is no record of the task", v)
		}
	}

	for _, s := range []*step{h.main, h.post} {
		if kib, ok := peakKiB(s); assert.True(t, ok, "the peak memory of %s is not known", stepName(s)) {
			t.Logf("peak memory of the %s: %d KiB", stepName(s), kib)
			assert.Less(t, kib, int64(maxRSSKiB), "peak memory of the %s in KiB", stepName(s))
		}
		assert.LessOrEqual(t, len(s.stdout.String()), maxLogBytes, "bytes written to the workflow log")
		for name, v := range readFileCommands(t, s.env["GITHUB_OUTPUT"]) {
			assert.LessOrEqual(t, len(v), maxOutputBytes, "size of output %s", name)
		}
	}
	h.checkSecrets()
}

// checkSecrets checks that no secret, nor any 12 characters of one, shows
// in what either step printed or wrote, outside the ::add-mask:: commands,
// and that each mask came before the value's first other use.
func (h *hostileRun) checkSecrets() {
	t := h.t
	secrets := []string{testAK, testSK, testSecurityToken, testAuthToken, encryptValue}
	for _, name := range []string{"INPUT_ACCESS_KEY_ID", "INPUT_SECRET_ACCESS_KEY", "INPUT_SECURITY_TOKEN", "INPUT_AUTH_TOKEN"} {
		secrets = append(secrets, h.main.env[name])
	}
	if h.tc.secrets != nil {
		secrets = append(secrets, h.tc.secrets(h)...)
	}
	var pieces []string
	for _, s := range secrets {
		pieces = append(pieces, secretPieces(s)...)
	}
	for _, s := range []*step{h.main, h.post} {
		var shown []string
		for _, l := range strings.Split(s.everything(), "\n") {
			if !strings.HasPrefix(l, "::add-mask::") {
				shown = append(shown, l)
			}
		}
		all := strings.Join(shown, "\n")
		for _, p := range pieces {
			if strings.Contains(all, p) {
				t.Errorf("%s: part of a secret (%.4s…) leaked into stdout, stderr, outputs, state or summary", stepName(s), p)
				break
			}
		}
		// Each mask comes before any other line showing its value.
		var before []string
		for _, l := range strings.Split(s.stdout.String(), "\n") {
			v, ok := strings.CutPrefix(l, "::add-mask::")
			if !ok {
				before = append(before, l)
				continue
			}
			if strings.Contains(strings.Join(before, "\n"), v) {
				t.Errorf("secret %.4s… printed before its mask", v)
			}
		}
	}
}

// secretPieces returns what of secret must never show: each line of it,
// and of a line longer than 12 characters every 12 characters in a row, so
// a secret cut or partly masked is caught too.
func secretPieces(secret string) []string {
	var out []string
	for _, line := range strings.FieldsFunc(secret, func(r rune) bool { return r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		switch {
		case len(line) < 6:
		case len(line) <= 12:
			out = append(out, line)
		default:
			for i := 0; i+12 <= len(line); i++ {
				out = append(out, line[i:i+12])
			}
		}
	}
	return out
}

// ours returns the records of taskOK the run created.
func (h *hostileRun) ours() []sim.RecordInfo {
	var out []sim.RecordInfo
	for _, r := range h.srv.Records(taskOK) {
		if !h.before[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

// eventually waits until cond holds, failing the test after 15 s.
func (h *hostileRun) eventually(cond func() bool, what string) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("%s did not happen within 15s; stdout:\n%s", what, clip(h.main.stdout.String()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// signalWhen returns a drive that starts the main step and sends sig
// once cond holds.
func signalWhen(sig syscall.Signal, what string, cond func(h *hostileRun) bool) func(h *hostileRun) {
	return func(h *hostileRun) {
		startProbed(h.main, false)
		h.eventually(func() bool { return cond(h) }, what)
		signalProbed(h.main, sig)
	}
}

// count is how many requests of op the server has seen.
func (h *hostileRun) count(op string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[op]
}

// requestCounts are the requests the server has seen, by operation.
func (h *hostileRun) requestCounts() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.counts {
		out[k] = v
	}
	return out
}

// remember and recall keep a value within a run: the handlers of the
// table are shared by every run of a case, what they remember is not.
func (h *hostileRun) remember(key string, v any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.values[key] = v
}

func (h *hostileRun) recall(key string) any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.values[key]
}

// bump counts under key and returns the new count.
func (h *hostileRun) bump(key string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, _ := h.values[key].(int)
	h.values[key] = n + 1
	return n + 1
}

// evilURL is the base URL of another host, which must never be contacted:
// redirects point there.
func (h *hostileRun) evilURL() string {
	h.evilOnce.Do(func() {
		h.evil = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.evilHits.Add(1)
			w.WriteHeader(http.StatusTeapot)
		}))
		h.t.Cleanup(h.evil.Close)
	})
	return h.evil.URL
}

// serve is the hostile server: the case's handler first, the simulator
// for whatever it leaves unanswered.
func (h *hostileRun) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	op := opOf(r)
	h.mu.Lock()
	h.counts[op]++
	n := h.counts[op]
	h.mu.Unlock()
	x := &exchange{w: w, r: r, body: body, op: op, n: n, post: h.inPost.Load(), h: h}
	if h.tc.hostile != nil {
		h.tc.hostile(x)
	}
	if !x.done {
		x.pass()
	}
}

// opOf names the operation of a request, as the simulator's scenario
// faults do: start, state, stop, detail, history, logs, app_detail; plans,
// plan, execute, rollback, abort, deploy_info; signal (PUT) and deployment
// (GET) of RTS.
func opOf(r *http.Request) string {
	s := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	at := func(i int, v string) bool { return len(s) > i && s[i] == v }
	switch {
	case len(s) == 4 && at(0, "v2") && at(1, "tasks") && at(3, "start"):
		return "start"
	case len(s) == 4 && at(0, "v2") && at(1, "tasks") && at(3, "state"):
		return "state"
	case len(s) == 6 && at(0, "v2") && at(1, "tasks") && at(5, "stop"):
		return "stop"
	case len(s) == 3 && at(0, "v2") && at(1, "tasks"):
		return "detail"
	case len(s) == 5 && at(0, "v2") && at(2, "task") && at(4, "history"):
		return "history"
	case len(s) == 6 && at(0, "v1") && at(1, "applications") && at(5, "logs"):
		return "logs"
	case len(s) == 4 && at(0, "v1") && at(1, "applications") && at(3, "info"):
		return "app_detail"
	case len(s) >= 4 && at(0, "v3") && at(2, "cas") && at(3, "release-plans"):
		switch len(s) {
		case 4:
			return "plans"
		case 5:
			return "plan"
		}
		return strings.ReplaceAll(s[5], "-", "_")
	case len(s) == 4 && at(0, "v1") && at(2, "software_deployments"):
		if r.Method == http.MethodPut {
			return "signal"
		}
		return "deployment"
	}
	return "other"
}

// exchange is one request as a hostile handler sees it. A handler answers
// it (reply, answer, drop, hang, ...) or leaves it to the simulator.
type exchange struct {
	w    http.ResponseWriter
	r    *http.Request
	body []byte
	op   string
	n    int  // this is the n-th request of op in the run, from 1
	post bool // sent by the post step
	h    *hostileRun
	done bool
}

// query returns a query parameter of the request.
func (x *exchange) query(name string) string { return x.r.URL.Query().Get(name) }

// token is the credential the request carried: its security token or
// auth token, which a hostile server may echo.
func (x *exchange) token() string {
	if v := x.r.Header.Get("X-Security-Token"); v != "" {
		return v
	}
	return x.r.Header.Get("X-Auth-Token")
}

// pass lets the simulator answer.
func (x *exchange) pass() {
	x.r.Body = io.NopCloser(bytes.NewReader(x.body))
	x.h.srv.ServeHTTP(x.w, x.r)
	x.done = true
}

// process has the simulator handle the request (which checks the real
// signature) and returns its answer without sending it.
func (x *exchange) process() *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	x.r.Body = io.NopCloser(bytes.NewReader(x.body))
	x.h.srv.ServeHTTP(rec, x.r)
	return rec
}

// answer sends the status and headers of rec with body instead of its own.
func (x *exchange) answer(rec *httptest.ResponseRecorder, body []byte) {
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			x.w.Header()[k] = v
		}
	}
	x.w.WriteHeader(rec.Code)
	_, _ = x.w.Write(body)
	x.done = true
}

// edit has the simulator answer, lets f change the JSON object of the
// answer, and sends it.
func (x *exchange) edit(f func(m map[string]any)) {
	rec := x.process()
	x.answer(rec, editJSON(rec.Body.Bytes(), f))
}

// editResult is edit for the "result" object of a CodeArts answer.
func (x *exchange) editResult(f func(res map[string]any)) {
	x.edit(func(m map[string]any) {
		if res, ok := m["result"].(map[string]any); ok {
			f(res)
		}
	})
}

// reply answers with status and body; kv are header names and values
// (Content-Type is application/json unless given).
func (x *exchange) reply(status int, body string, kv ...string) {
	x.w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	x.w.Header().Set("X-Request-Id", fmt.Sprintf("hostile%025d", x.n))
	for i := 0; i+1 < len(kv); i += 2 {
		x.w.Header().Set(kv[i], kv[i+1])
	}
	x.w.WriteHeader(status)
	_, _ = io.WriteString(x.w, body)
	x.done = true
}

// drop closes the connection without an answer.
func (x *exchange) drop() {
	x.done = true
	conn, _, err := x.w.(http.Hijacker).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// hang never answers; it returns when the client gives up.
func (x *exchange) hang() {
	x.done = true
	<-x.r.Context().Done()
}

// cutShort sends the head of an answer announcing body whole, then keep
// bytes of it, and closes the connection.
func (x *exchange) cutShort(status int, body []byte, keep int) {
	x.done = true
	conn, buf, err := x.w.(http.Hijacker).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", status, http.StatusText(status), len(body))
	_, _ = buf.Write(body[:keep])
	_ = buf.Flush()
}

// trickle sends an answer one byte every gap, until it is whole or the
// client gives up: a slowloris answer.
func (x *exchange) trickle(status int, body []byte, gap time.Duration) {
	x.done = true
	x.w.Header().Set("Content-Type", "application/json")
	x.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	x.w.WriteHeader(status)
	flusher := x.w.(http.Flusher)
	for i := range body {
		if _, err := x.w.Write(body[i : i+1]); err != nil {
			return
		}
		flusher.Flush()
		select {
		case <-x.r.Context().Done():
			return
		case <-time.After(gap):
		}
	}
}

// on applies f to requests of op only.
func on(op string, f func(x *exchange)) func(x *exchange) {
	return func(x *exchange) {
		if x.op == op {
			f(x)
		}
	}
}

// firstOf applies f to the first n requests of op only.
func firstOf(n int, op string, f func(x *exchange)) func(x *exchange) {
	return func(x *exchange) {
		if x.op == op && x.n <= n {
			f(x)
		}
	}
}

// polls applies f to the state reads of one record (with record_id), not
// to those of the task's latest record.
func polls(f func(x *exchange)) func(x *exchange) {
	return func(x *exchange) {
		if x.op == "state" && x.query("record_id") != "" {
			f(x)
		}
	}
}

// firstPolls applies f to the first n state reads of one record.
func firstPolls(n int, f func(x *exchange)) func(x *exchange) {
	return polls(func(x *exchange) {
		if x.h.bump("polls") <= n {
			f(x)
		}
	})
}

// mainOnly applies f to the main step's requests only.
func mainOnly(f func(x *exchange)) func(x *exchange) {
	return func(x *exchange) {
		if !x.post {
			f(x)
		}
	}
}

// processThenAnswer has the simulator handle the request, then answers
// status and body instead: the work is done, the answer says otherwise.
func processThenAnswer(status int, body string, kv ...string) func(x *exchange) {
	return func(x *exchange) {
		x.process()
		x.reply(status, body, kv...)
	}
}

// editJSON decodes a JSON object, lets f change it and encodes it again
// (numbers keep their digits, <, > and & stay as they are); a body that is
// no JSON object comes back unchanged.
func editJSON(b []byte, f func(m map[string]any)) []byte {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil || m == nil {
		return b
	}
	f(m)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if enc.Encode(m) != nil {
		return b
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

// steps returns the step_state entries of a state result.
func steps(res map[string]any) []map[string]any {
	list, _ := res["step_state"].([]any)
	var out []map[string]any
	for _, s := range list {
		if m, ok := s.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// uEscape spells s entirely in \uXXXX escapes, as a JSON string's content.
func uEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// stateFinal reports whether a state answer says its record has ended.
func stateFinal(res map[string]any) bool { return res["step"] == "finish" }

// pretendRecord turns a state result into one about record id, ended
// with status.
func pretendRecord(res map[string]any, id, status string) {
	// An hour ago, in the region's time as the service writes it.
	ago := time.Now().Add(-time.Hour).In(time.FixedZone("UTC+8", 8*3600)).Format("2006-01-02 15:04:05")
	res["record_id"] = id
	res["status"] = status
	res["step"] = "finish"
	res["start_time"], res["end_time"] = ago, ago
}

// lines returns the lines of s.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// clip shortens a text for a failure message.
func clip(s string) string {
	const n = 6000
	if len(s) <= n {
		return s
	}
	return s[:n/2] + fmt.Sprintf("\n… %d bytes …\n", len(s)-n) + s[len(s)-n/2:]
}

func clipMap(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if len(v) > 300 {
			v = v[:300] + "…"
		}
		out[k] = v
	}
	return out
}

// The binary's peak memory is its ru_maxrss, but not as the test process
// sees it: Go starts a program with clone(CLONE_VM), and Linux carries the
// parent's high-water mark across exec, so a child of this (large) test
// process would report the test's peak. The steps of the hostile suite are
// therefore started by a probe: this test binary run again (small, fresh),
// which starts the action, writes its pid and, once it has ended, its
// ru_maxrss, and ends as the action did (exit code, or the same signal).

// probeEnv names the file the probe writes the action's peak memory to.
const probeEnv = "E2E_HOSTILE_PROBE_OUT"

func init() {
	if out := os.Getenv(probeEnv); out != "" {
		os.Exit(probe(out, os.Args[1]))
	}
}

// probe runs bin with the probe's environment (less probeEnv), standard
// output and error, and reports as described above.
func probe(out, bin string) int {
	cmd := exec.Command(bin)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, probeEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		return 127
	}
	pid := strconv.Itoa(cmd.Process.Pid)
	if os.WriteFile(out+".tmp", []byte(pid), 0o600) != nil || os.Rename(out+".tmp", out+".pid") != nil {
		_ = cmd.Process.Kill()
	}
	_ = cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		_ = os.WriteFile(out, []byte(strconv.FormatInt(ru.Maxrss, 10)), 0o600)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		_ = syscall.Kill(os.Getpid(), ws.Signal())
		time.Sleep(time.Second)
	}
	return cmd.ProcessState.ExitCode()
}

// startProbed is step.start through the probe.
func startProbed(s *step, post bool) {
	s.t.Helper()
	bin := binary
	if post {
		bin = filepath.Join(filepath.Dir(binary), "deploy-action-post")
	}
	self, err := os.Executable()
	require.NoError(s.t, err)
	s.cmd = exec.Command(self, bin)
	s.cmd.Dir = s.dir
	s.cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + s.dir, probeEnv + "=" + filepath.Join(s.dir, "maxrss")}
	for k, v := range s.env {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	s.cmd.Stdout, s.cmd.Stderr = &s.stdout, &s.stderr
	s.started = time.Now()
	require.NoError(s.t, s.cmd.Start())
	s.t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			if pid, ok := probedPID(s); ok {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
	})
}

// probedPID is the pid of the action the probe started, once known.
func probedPID(s *step) (int, bool) {
	b, err := os.ReadFile(filepath.Join(s.dir, "maxrss.pid"))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(string(b))
	return pid, err == nil
}

// signalProbed sends sig to the action (not to the probe), as the runner
// signals the step's process.
func signalProbed(s *step, sig syscall.Signal) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pid, ok := probedPID(s); ok {
			require.NoError(s.t, syscall.Kill(pid, sig))
			return
		}
		require.True(s.t, time.Now().Before(deadline), "the probe never started the action")
		time.Sleep(5 * time.Millisecond)
	}
}

// peakKiB is the action's peak memory in KiB, as the probe reported it.
func peakKiB(s *step) (int64, bool) {
	b, err := os.ReadFile(filepath.Join(s.dir, "maxrss"))
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// stepName names a step for messages.
func stepName(s *step) string {
	if strings.HasSuffix(s.cmd.Args[len(s.cmd.Args)-1], "-post") {
		return "post step"
	}
	return "main step"
}
