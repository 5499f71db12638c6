package conformance

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/sim"
)

// The signer corpus: each request is sent by the action's client
// (internal/huawei, the code every service client goes through) and built
// and signed by the SDK (huaweicloud-sdk-go-v3 v0.1.207
// core/request/http_request_builder.go and core/auth/signer/signer.go).
// Both must give the same Authorization header and put the same path and
// query on the wire; and the simulator, whose verifier follows the SDK's
// canonical rules, must accept the SDK's request as it accepts the
// action's.

const (
	corpusAK = "CONFORMANCEACCESSKEY"
	corpusSK = "conformance-secret-access-key"
)

// corpusDate is the fixed signing time, so each case signs reproducibly.
var corpusDate = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// corpusCase is one request of the corpus. path is a template with
// {name} variables, filled from vars: the action's clients escape each id
// with url.PathEscape, the SDK substitutes it raw.
type corpusCase struct {
	name    string
	method  string
	path    string
	vars    map[string]string
	query   url.Values
	body    any // nil: no body
	token   string
	project string
}

const (
	taskA   = "0123456789abcdef0123456789abcdef"
	recordA = "fedcba9876543210fedcba9876543210"
	project = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	planA   = "716eda33-dbc6-47f3-953f-29119edd5e5c"
	tempTok = "temporary-security-token-0001"
)

// corpus covers every method and path the action uses, then queries,
// bodies, paths and credentials of every kind the brief lists.
func corpus() []corpusCase {
	task := map[string]string{"task_id": taskA}
	rec := map[string]string{"task_id": taskA, "record_id": recordA}
	app := map[string]string{"app_id": taskA, "record_id": recordA}
	plan := map[string]string{"project_id": project, "release_plan_id": planA}
	sd := map[string]string{"project_id": project, "deployment_id": "sd-e2e-1"}
	const (
		start   = "/v2/tasks/{task_id}/start"
		state   = "/v2/tasks/{task_id}/state"
		stop    = "/v2/tasks/{task_id}/records/{record_id}/stop"
		detail  = "/v2/tasks/{task_id}"
		logs    = "/v1/applications/{app_id}/records/{record_id}/logs"
		appInfo = "/v1/applications/{app_id}/info"
		history = "/v2/{project_id}/task/{id}/history"
		planP   = "/v3/{project_id}/cas/release-plans/{release_plan_id}"
		swd     = "/v1/{project_id}/software_deployments/{deployment_id}"
	)
	params := map[string]any{
		"params": []map[string]string{
			{"key": "version", "value": "1.4.2", "type": "text"},
			{"key": "db_password", "value": "s3cret", "type": "encrypt"},
		},
		"trigger_source": "0",
	}
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	return []corpusCase{
		// Every operation the action calls.
		{name: "start with params", method: "POST", path: start, vars: task, body: params},
		{name: "start, redeploy of a record", method: "POST", path: start, vars: task, body: map[string]any{"record_id": recordA, "trigger_source": "0"}},
		{name: "start, empty object body", method: "POST", path: start, vars: task, body: map[string]any{}},
		{name: "start, no body", method: "POST", path: start, vars: task},
		{name: "start with a security token", method: "POST", path: start, vars: task, body: params, token: tempTok},
		{name: "start with a project id", method: "POST", path: start, vars: task, body: params, project: project},
		{name: "start with project and token", method: "POST", path: start, vars: task, body: params, project: project, token: tempTok},
		{name: "state of the latest record", method: "GET", path: state, vars: task, query: q("step_state", "true")},
		{name: "state of a record", method: "GET", path: state, vars: task, query: q("record_id", recordA, "step_state", "true")},
		{name: "state without query", method: "GET", path: state, vars: task},
		{name: "stop", method: "PUT", path: stop, vars: rec},
		{name: "stop with a token", method: "PUT", path: stop, vars: rec, token: tempTok, project: project},
		{name: "task detail", method: "GET", path: detail, vars: task},
		{name: "log page", method: "GET", path: logs, vars: app, query: q("offset", "0", "end_offset", "2048")},
		{name: "log page of a step", method: "GET", path: logs, vars: app, query: q("offset", "2048", "end_offset", "4096", "step_id", "ab12cd34")},
		{name: "log page, 19-digit offsets", method: "GET", path: logs, vars: app, query: q("offset", "9223372036854775806", "end_offset", "9223372036854775807")},
		{name: "application detail", method: "GET", path: appInfo, vars: map[string]string{"app_id": taskA}},
		{name: "history by date", method: "GET", path: history, vars: map[string]string{"project_id": project, "id": taskA}, query: q("page", "1", "size", "10", "start_date", "2026-03-01", "end_date", "2026-03-14")},
		{name: "release plan", method: "GET", path: planP, vars: plan, project: project},
		{name: "release plan execute", method: "POST", path: planP + "/execute", vars: plan, project: project},
		{name: "release plan rollback", method: "POST", path: planP + "/rollback", vars: plan, project: project},
		{name: "release plan abort", method: "POST", path: planP + "/abort", vars: plan, project: project},
		{name: "release plan deploy-info", method: "GET", path: planP + "/deploy-info", vars: plan, project: project},
		{name: "software deployment signal", method: "PUT", path: swd, vars: sd, project: project, body: map[string]any{
			"status": "COMPLETE", "status_reason": "Outputs received",
			"output_values": map[string]any{"deploy_status_code": 0, "deploy_stdout": "line 1\n\t\"quoted\" <tag> & ü ✓\n"},
		}},
		{name: "software deployment read", method: "GET", path: swd, vars: sd, project: project},
		{name: "software deployment signal, temporary credentials", method: "PUT", path: swd, vars: sd, project: project, token: tempTok, body: map[string]any{"status": "IN_PROGRESS"}},

		// Queries.
		{name: "repeated key, values out of order", method: "GET", path: state, vars: task, query: url.Values{"k": {"2", "1", "10"}}},
		{name: "repeated key, raw and escaped orders differ", method: "GET", path: state, vars: task, query: url.Values{"k": {"ü", "b", "B"}}},
		{name: "keys whose raw and escaped orders differ", method: "GET", path: state, vars: task, query: q("a:", "1", "a0", "2", "a@", "3", "aZ", "4")},
		{name: "space in a value", method: "GET", path: state, vars: task, query: q("q", "a b  c")},
		{name: "plus in a value", method: "GET", path: state, vars: task, query: q("q", "1+1 = 2")},
		{name: "unicode key and value", method: "GET", path: state, vars: task, query: q("名前", "値 ✓", "emoji", "🚀")},
		{name: "reserved characters", method: "GET", path: state, vars: task, query: q("r", "a&b=c/d?e#f;g,h:i@j$k!l*m'n(o)p[q]")},
		{name: "percent signs", method: "GET", path: state, vars: task, query: q("p", "100%", "e", "%20")},
		{name: "empty value", method: "GET", path: state, vars: task, query: q("e", "")},
		{name: "empty values among others", method: "GET", path: state, vars: task, query: q("a", "", "b", "x", "c", "")},
		{name: "empty and filled values of one key", method: "GET", path: state, vars: task, query: url.Values{"k": {"x", "", "a"}}},
		{name: "unreserved characters stay", method: "GET", path: state, vars: task, query: q("k-_.~", "v-_.~")},
		{name: "space in a key", method: "GET", path: state, vars: task, query: q("a key", "v", "akey", "w")},
		{name: "control characters", method: "GET", path: state, vars: task, query: q("t", "a\tb\nc")},
		{name: "query on a POST", method: "POST", path: start, vars: task, query: q("x", "y z"), body: params},

		// Paths.
		{name: "id with a space", method: "GET", path: detail, vars: map[string]string{"task_id": "a b"}},
		{name: "id with unicode", method: "GET", path: detail, vars: map[string]string{"task_id": "ü✓"}},
		{name: "id with a percent sign", method: "GET", path: detail, vars: map[string]string{"task_id": "50%"}},
		{name: "id with sub-delimiters", method: "PUT", path: stop, vars: map[string]string{"task_id": "a+b", "record_id": "c:d@e"}},
		{name: "trailing slash", method: "GET", path: detail + "/", vars: task},
		{name: "trailing slash with a query", method: "GET", path: state + "/", vars: task, query: q("step_state", "true", "q", "a b")},

		// Bodies.
		{name: "large body", method: "PUT", path: swd, vars: sd, project: project, body: map[string]any{"output_values": map[string]any{"deploy_stdout": strings.Repeat("0123456789 ✓\n", 2000)}}},
		{name: "body with escapes", method: "PUT", path: swd, vars: sd, body: map[string]any{"status_reason": "\u2028\u2029\\/\"\x01"}},
		{name: "everything at once", method: "PUT", path: stop + "/", vars: map[string]string{"task_id": "t 1", "record_id": "ü"}, query: url.Values{"z": {"b", "a"}, "a:": {""}, "m": {"1+1 2"}}, body: map[string]any{"x": []int{1, 2}}, token: tempTok, project: project},
	}
}

// wireRequest is a request as it arrived, kept with its header values:
// the corpus compares signatures, which needs them.
type wireRequest struct {
	method, requestURI, host string
	header                   http.Header
	body                     []byte
	status                   int
}

// wireRecorder records each request in front of the simulator.
type wireRecorder struct {
	next http.Handler
	seen record[wireRequest]
}

func (w *wireRecorder) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body := readBody(r)
	// Recorded before the answer is written: the client may return (and
	// the test look) as soon as the answer arrives.
	i := w.seen.add(wireRequest{method: r.Method, requestURI: r.RequestURI, host: r.Host, header: r.Header.Clone(), body: body})
	sw := &statusWriter{ResponseWriter: rw, onStatus: func(status int) {
		w.seen.update(i, func(q *wireRequest) { q.status = status })
	}}
	w.next.ServeHTTP(sw, r)
}

func (w *wireRecorder) requests() []wireRequest { return w.seen.all() }

// statusWriter remembers the status and the body written.
type statusWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	// onStatus, when set, learns the status before the answer goes out.
	onStatus func(int)
}

func (s *statusWriter) setStatus(code int) {
	if s.status != 0 {
		return
	}
	s.status = code
	if s.onStatus != nil {
		s.onStatus(code)
	}
}

func (s *statusWriter) WriteHeader(code int) {
	s.setStatus(code)
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.setStatus(http.StatusOK)
	s.body.Write(b)
	return s.ResponseWriter.Write(b)
}

// fill substitutes the path variables, each through esc.
func fill(template string, vars map[string]string, esc func(string) string) string {
	for k, v := range vars {
		template = strings.ReplaceAll(template, "{"+k+"}", esc(v))
	}
	return template
}

// newCorpusServer is a simulator that knows the corpus key, on the
// corpus's clock, behind a recorder.
func newCorpusServer(t *testing.T) (*wireRecorder, string) {
	t.Helper()
	s := sim.New(sim.Options{
		AccessKeyID: corpusAK, SecretAccessKey: corpusSK,
		SecurityTokens: []string{tempTok},
		Now:            func() time.Time { return corpusDate },
	})
	rec := &wireRecorder{next: s}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

// sendWithAction sends tc through the action's client and returns the
// request as it arrived.
func sendWithAction(t *testing.T, rec *wireRecorder, base string, tc corpusCase) wireRequest {
	t.Helper()
	opts := []huawei.Option{
		huawei.WithClock(func() time.Time { return corpusDate }),
		huawei.WithRetryPolicy(huawei.RetryPolicy{MaxTries: 1, AttemptTimeout: 10 * time.Second, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, MaxElapsed: 10 * time.Second}),
	}
	if tc.project != "" {
		opts = append(opts, huawei.WithProjectID(tc.project))
	}
	c, err := huawei.NewClient("Conformance", base, huawei.Credentials{AccessKeyID: corpusAK, SecretAccessKey: corpusSK, SecurityToken: tc.token}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	// The answer does not matter here (a start of an unknown task is
	// refused, say); only what was sent does.
	_, _ = c.Do(t.Context(), huawei.Request{Method: tc.method, Path: fill(tc.path, tc.vars, url.PathEscape), Query: tc.query, Body: tc.body}, nil)
	seen := rec.requests()
	if len(seen) != 1 {
		t.Fatalf("the action sent %d requests, want 1", len(seen))
	}
	return seen[0]
}

// sdkRequest builds tc with the SDK's request builder, with the headers
// the action signed and the exact body it sent, and signs it with the
// SDK's signer.
func sdkRequest(t *testing.T, base string, tc corpusCase, sent wireRequest) (*request.DefaultHttpRequest, map[string]string) {
	t.Helper()
	b := request.NewHttpRequestBuilder().WithEndpoint(base).WithMethod(tc.method).WithPath(tc.path)
	for k, v := range tc.vars {
		b.AddPathParam(k, v)
	}
	for k, vs := range tc.query {
		if len(vs) == 1 {
			b.AddQueryParam(k, reflect.ValueOf(vs[0]))
		} else {
			b.AddQueryParam(k, reflect.ValueOf(vs))
		}
	}
	// The SDK signs every header it is given (but Content-Type): give it
	// those the action signed.
	for _, name := range signedHeaders(t, sent.header.Get("Authorization")) {
		switch name {
		case "host":
			b.AddHeaderParam("Host", sent.host)
		default:
			b.AddHeaderParam(http.CanonicalHeaderKey(name), sent.header.Get(name))
		}
	}
	if ct := sent.header.Get("Content-Type"); ct != "" {
		b.AddHeaderParam("Content-Type", ct)
	}
	if len(sent.body) > 0 {
		// A string body goes out byte for byte.
		b.WithBody("", string(sent.body))
	}
	req := b.Build()
	added, err := signer.Sign(req, corpusAK, corpusSK)
	if err != nil {
		t.Fatalf("SDK signer: %v", err)
	}
	return req, added
}

// signedHeaders reads SignedHeaders out of an Authorization value.
func signedHeaders(t *testing.T, auth string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(auth, "SignedHeaders=")
	if !ok {
		t.Fatalf("no SignedHeaders in %q", auth)
	}
	list, _, _ := strings.Cut(rest, ",")
	return strings.Split(list, ";")
}

// TestSignerCorpus is the corpus: same Authorization, same wire form, and
// the SDK's request accepted by the simulator.
func TestSignerCorpus(t *testing.T) {
	t.Parallel()
	cases := corpus()
	if len(cases) < 40 {
		t.Fatalf("the corpus has %d requests, the brief asks for at least 40", len(cases))
	}
	methods := map[string]bool{}
	for _, tc := range cases {
		methods[tc.method] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, base := newCorpusServer(t)
			sent := sendWithAction(t, rec, base, tc)

			req, added := sdkRequest(t, base, tc, sent)
			if got, want := sent.header.Get("Authorization"), added["Authorization"]; got != want {
				t.Errorf("Authorization\n action %s\n    SDK %s", got, want)
			}
			if got, want := sent.header.Get("X-Sdk-Date"), added["X-Sdk-Date"]; got != want {
				t.Errorf("X-Sdk-Date: action %s, SDK %s", got, want)
			}
			for k, v := range added {
				req.AddHeaderParam(k, v)
			}
			hr, err := req.ConvertRequest()
			if err != nil {
				t.Fatalf("SDK ConvertRequest: %v", err)
			}
			if got, want := sent.requestURI, hr.URL.RequestURI(); got != want {
				t.Errorf("path and query on the wire\n action %s\n    SDK %s", got, want)
			}
			if sent.status == http.StatusUnauthorized {
				t.Errorf("the simulator refused the action's signature")
			}

			// The SDK's own request, sent as the SDK sends it.
			resp, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Fatalf("sending the SDK's request: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				t.Errorf("the simulator refused the SDK's signature")
			}
		})
	}
	for _, m := range []string{"GET", "POST", "PUT"} {
		if !methods[m] {
			t.Errorf("the corpus has no %s request; the action uses %s", m, m)
		}
	}
}

// TestSimulatorRejectsOtherCanonicalForms sends requests signed by the
// SDK but whose wire form a client that signs differently would produce:
// the simulator must refuse them, as the gateway would.
func TestSimulatorRejectsOtherCanonicalForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		query   url.Values
		rewrite func(rawQuery string) string
	}{
		// "+" is a literal plus to the gateway: a space sent as "+" is
		// another value than the one signed.
		{"space sent as +", url.Values{"step_state": {"true"}, "q": {"a b"}}, func(s string) string { return strings.ReplaceAll(s, "%20", "+") }},
		// The signature covers the values: changing one must not pass.
		{"value changed", url.Values{"step_state": {"true"}, "q": {"a"}}, func(s string) string { return strings.ReplaceAll(s, "q=a", "q=b") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, base := newCorpusServer(t)
			tc := corpusCase{method: "GET", path: "/v2/tasks/{task_id}/state", vars: map[string]string{"task_id": taskA}, query: tt.query}
			b := request.NewHttpRequestBuilder().WithEndpoint(base).WithMethod(tc.method).WithPath(tc.path).
				AddPathParam("task_id", taskA).
				AddHeaderParam("X-Sdk-Date", corpusDate.Format(huawei.DateFormat))
			for k, vs := range tt.query {
				b.AddQueryParam(k, reflect.ValueOf(vs[0]))
			}
			req := b.Build()
			added, err := signer.Sign(req, corpusAK, corpusSK)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range added {
				req.AddHeaderParam(k, v)
			}
			hr, err := req.ConvertRequest()
			if err != nil {
				t.Fatal(err)
			}
			hr.URL.RawQuery = tt.rewrite(hr.URL.RawQuery)
			resp, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				Code string `json:"error_code"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || body.Code != "APIGW.0301" {
				t.Errorf("got %d %s, want 401 APIGW.0301", resp.StatusCode, body.Code)
			}
		})
	}
}

// sortedKeys is for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
