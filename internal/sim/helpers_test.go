package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huaweitest"
)

const (
	testAK   = "TESTACCESSKEY0000001"
	testSK   = "test-secret-access-key"
	testTask = "0123456789abcdef0123456789abcdef"
)

// newFakeClock is the injected clock: tests advance it instead of
// sleeping.
func newFakeClock() *huaweitest.Clock {
	return huaweitest.NewClock(time.Date(2025, 7, 9, 3, 36, 28, 0, time.UTC))
}

// harness is a simulator on a loopback httptest server plus a client
// that signs like the SDK does.
type harness struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	clock  *huaweitest.Clock
	client *http.Client
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	clock := newFakeClock()
	if opts.AccessKeyID == "" {
		opts.AccessKeyID, opts.SecretAccessKey = testAK, testSK
	}
	if opts.StepDuration == 0 {
		opts.StepDuration = 100 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	srv := New(opts)
	ts := httptest.NewServer(srv)
	// Closing the server waits for every handler: a hanging fault that
	// ignored the request context would block the test here.
	t.Cleanup(ts.Close)
	// No keep-alives: the transport silently retries idempotent requests on
	// a reused connection that breaks, which would hide dropped answers.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return &harness{t: t, srv: srv, ts: ts, clock: clock, client: client}
}

// reply is a finished exchange.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// errorCode returns the code of either error shape.
func (r reply) errorCode(t *testing.T) string {
	t.Helper()
	m := r.json(t)
	if c, ok := m["error_code"].(string); ok {
		return c
	}
	if e, ok := m["error"].(map[string]any); ok {
		return e["code"].(string)
	}
	return ""
}

// newRequest builds a request signed with the harness clock and testAK/SK.
func (h *harness) newRequest(method, path, body string) *http.Request {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
	require.NoError(h.t, err)
	// As the SDK does, on every request (ServiceStage refuses one without).
	req.Header.Set("Content-Type", "application/json")
	testSign(req, testAK, testSK, h.clock.Now(), []byte(body), []string{"host", "x-sdk-date"})
	return req
}

// doWith sends a request whose header name is value, signed as usual (the
// SDK does not sign Content-Type).
func (h *harness) doWith(method, path, name, value string) reply {
	h.t.Helper()
	req := h.newRequest(method, path, "")
	req.Header.Set(name, value)
	return h.send(req)
}

// doWithout sends a request without header name.
func (h *harness) doWithout(method, path, name string) reply {
	h.t.Helper()
	req := h.newRequest(method, path, "")
	req.Header.Del(name)
	return h.send(req)
}

func (h *harness) send(req *http.Request) reply {
	h.t.Helper()
	resp, err := h.client.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: data}
}

func (h *harness) do(method, path, body string) reply {
	h.t.Helper()
	return h.send(h.newRequest(method, path, body))
}

func (h *harness) start(taskID, body string) reply {
	h.t.Helper()
	return h.do(http.MethodPost, "/v2/tasks/"+taskID+"/start", body)
}

// startOK starts a deployment and returns the record id.
func (h *harness) startOK(taskID, body string) string {
	h.t.Helper()
	r := h.start(taskID, body)
	require.Equal(h.t, http.StatusOK, r.status, "start: %s", r.body)
	return r.json(h.t)["id"].(string)
}

func (h *harness) state(taskID, recordID string) reply {
	h.t.Helper()
	return h.do(http.MethodGet, "/v2/tasks/"+taskID+"/state?record_id="+recordID+"&step_state=true", "")
}

// stateResult returns result of a successful state call.
func (h *harness) stateResult(taskID, recordID string) map[string]any {
	h.t.Helper()
	r := h.state(taskID, recordID)
	require.Equal(h.t, http.StatusOK, r.status, "state: %s", r.body)
	m := r.json(h.t)
	require.Equal(h.t, "success", m["status"])
	return m["result"].(map[string]any)
}

func (h *harness) stop(taskID, recordID string) reply {
	h.t.Helper()
	return h.do(http.MethodPut, "/v2/tasks/"+taskID+"/records/"+recordID+"/stop", "")
}

// startMidway starts a deployment of testTask on a harness whose scenario
// has just task, and returns its state 150ms later: halfway through the
// second of its 100ms steps, still running.
func startMidway(t *testing.T, task ScenarioTask) (*harness, string, map[string]any) {
	t.Helper()
	h := newHarness(t, Options{Scenario: &Scenario{Tasks: []ScenarioTask{task}}})
	id := h.startOK(testTask, "")
	h.clock.Advance(150 * time.Millisecond)
	res := h.stateResult(testTask, id)
	assert.Equal(t, "running", res["status"], "a running record reports running")
	return h, id, res
}

// testSign signs req the way huawei-api.md §3 describes. It is written
// independently of the verifier in auth.go (different escaping technique,
// different structure) so that a bug in one is not mirrored in the other.
func testSign(req *http.Request, ak, sk string, at time.Time, body []byte, signed []string) {
	date := at.UTC().Format("20060102T150405Z")
	req.Header.Set("X-Sdk-Date", date)
	sig := testSignature(req, sk, date, body, signed)
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+ak+", SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
}

// testSignature signs req with the query it carries, read as the gateway
// reads it: a "+" is a literal plus.
func testSignature(req *http.Request, sk, date string, body []byte, signed []string) string {
	q, err := url.ParseQuery(strings.ReplaceAll(req.URL.RawQuery, "+", "%2B"))
	if err != nil {
		panic(err)
	}
	return testSignatureOf(req, q, sk, date, body, signed)
}

// testSignatureOf signs req as if its query were q.
func testSignatureOf(req *http.Request, q url.Values, sk, date string, body []byte, signed []string) string {
	esc := func(s string) string {
		// QueryEscape keeps exactly A-Z a-z 0-9 - _ . ~ apart from turning
		// space into "+"; fix that up.
		return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
	}
	var segs []string
	for _, seg := range strings.Split(req.URL.Path, "/") {
		segs = append(segs, esc(seg))
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var qs []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			qs = append(qs, esc(k)+"="+esc(v))
		}
	}
	var hs string
	for _, name := range signed {
		v := req.Header.Get(name)
		if name == "host" {
			v = req.URL.Host
			if req.Host != "" {
				v = req.Host
			}
		}
		hs += name + ":" + strings.TrimSpace(v) + "\n"
	}
	bodyHash := sha256.Sum256(body)
	canonical := req.Method + "\n" + uri + "\n" + strings.Join(qs, "&") + "\n" + hs + "\n" +
		strings.Join(signed, ";") + "\n" + hex.EncodeToString(bodyHash[:])
	crHash := sha256.Sum256([]byte(canonical))
	sts := "SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(crHash[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(sts))
	return hex.EncodeToString(mac.Sum(nil))
}

// logLines collects what a server logs through Options.Logf (give it
// Logf), safely for concurrent requests.
type logLines = huaweitest.Lines

// callFaults returns the Fault of every call so far, in arrival order.
func callFaults(s *Server) []string {
	var faults []string
	for _, c := range s.Calls() {
		faults = append(faults, c.Fault)
	}
	return faults
}

// lastCall returns the newest call of the log.
func lastCall(t *testing.T, s *Server) Call {
	t.Helper()
	calls := s.Calls()
	require.NotEmpty(t, calls)
	return calls[len(calls)-1]
}
