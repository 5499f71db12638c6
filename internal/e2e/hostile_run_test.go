package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// The hostile-server suite (hostile_test.go) runs the built binary against
// a server that breaks one assumption per case: a small handler in front of
// the simulator that passes a request on, answers it itself, or rewrites
// the simulator's answer. This file is the run of one case (main step,
// then post step, as the runner does, with the harness's steps) and the
// checks every case gets; hostile_server_test.go is the server and the
// request wrapper the hostile handlers work with.

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
	srv := newSimulator(t, sim.Options{SecurityTokens: []string{testSecurityToken}, AuthTokens: []string{testAuthToken}}, tc.scenario)
	h := &hostileRun{t: t, tc: tc, srv: srv, in: map[string]string{}, counts: map[string]int{}, values: map[string]any{}}
	if tc.setup != nil {
		tc.setup(h)
	}
	h.before = map[string]bool{}
	for _, r := range h.srv.Records(taskOK) {
		h.before[r.ID] = true
	}
	// Started after setup, so the handlers see what setup wrote.
	h.url = serve(t, http.HandlerFunc(h.serve))

	h.main = h.newStep()
	if tc.drive != nil {
		tc.drive(h)
	} else {
		h.main.start(false)
	}
	h.mainCode = h.main.wait()
	h.mainState = h.main.state()
	h.startsAfterMain = h.srv.StartCount(taskOK)
	h.executionsAfterMain = h.srv.PlanExecutions(planOK)
	h.signalsAfterMain = h.srv.SignalCount(hostileDeployment)

	h.inPost.Store(true)
	h.post = h.newStep()
	h.post.setState(h.mainState)
	h.post.start(true)
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

// newStep is a step of the case against the hostile server, run through
// the probe so that its peak memory is known.
func (h *hostileRun) newStep() *step {
	s := newStep(h.t, h.url, h.inputs())
	s.probed = true
	return s
}

// out returns the main step's outputs.
func (h *hostileRun) out() map[string]string { return h.main.outputs() }

// inputs are the case's inputs over hostileInputs.
func (h *hostileRun) inputs() map[string]string {
	return merge(merge(hostileInputs(), h.tc.inputs), h.in)
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
		for name, v := range s.outputs() {
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
		h.main.start(false)
		h.eventually(func() bool { return cond(h) }, what)
		h.main.signal(sig)
	}
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

// stepName names a step for messages.
func stepName(s *step) string {
	if strings.HasSuffix(s.cmd.Args[len(s.cmd.Args)-1], "-post") {
		return "post step"
	}
	return "main step"
}
