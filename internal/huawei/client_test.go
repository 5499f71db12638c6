package huawei

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huaweitest"
)

var fastPolicy = RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxTries: 4, MaxElapsed: 5 * time.Second, AttemptTimeout: 2 * time.Second}

// answer is a scripted answer of the test server.
func answer(status int, header map[string]string, body string) huaweitest.Answer {
	return huaweitest.Answer{Status: status, Header: header, Body: body}
}

func newTestClient(t *testing.T, base string, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient("Test", base, Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"}, append([]Option{WithRetryPolicy(fastPolicy)}, opts...)...)
	require.NoError(t, err)
	return c
}

func TestDoRetriesThrottlingAndHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	srv := huaweitest.New(t,
		answer(429, map[string]string{"Retry-After": "0"}, `{"error_code":"APIGW.0308","error_msg":"policy user over ratelimit, limit:20, time:1 minute"}`),
		answer(200, nil, `{"id":"r1"}`),
	)
	var events []RetryEvent
	c := newTestClient(t, srv.URL, WithRetryNotify(func(e RetryEvent) { events = append(events, e) }))
	var out struct{ ID string }
	_, err := c.Do(t.Context(), Request{Method: "POST", Path: "/v2/tasks/x/start", Body: map[string]string{"a": "b"}}, &out)
	require.NoError(t, err)
	assert.Equal(t, "r1", out.ID)
	assert.EqualValues(t, 2, srv.Count())
	require.Len(t, events, 1)
	apiErr, ok := AsAPIError(events[0].Err)
	require.True(t, ok)
	assert.Equal(t, CodeThrottled, apiErr.Code)
	// Each attempt is signed afresh with the same body.
	for _, r := range srv.Requests() {
		assert.Contains(t, r.Header.Get("Authorization"), "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=")
		assert.Equal(t, `{"a":"b"}`, r.Body)
	}
}

func TestDoNonIdempotentServerFaultIsUnknownOutcome(t *testing.T) {
	t.Parallel()
	srv := huaweitest.New(t, answer(502, map[string]string{"X-Request-Id": "rid-1"}, `{"error_code":"APIGW.0202","error_msg":"Bad gateway"}`))
	c := newTestClient(t, srv.URL)
	_, err := c.Do(t.Context(), Request{Method: "POST", Path: "/start"}, nil)
	require.Error(t, err)
	assert.True(t, IsUnknownOutcome(err))
	assert.EqualValues(t, 1, srv.Count(), "a start must not be blindly retried after a 5xx")
	assert.Contains(t, err.Error(), "rid-1")

	srv2 := huaweitest.New(t, answer(503, nil, `{}`), answer(200, nil, `{}`))
	_, err = newTestClient(t, srv2.URL).Do(t.Context(), Request{Method: "GET", Path: "/state", Idempotent: true}, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, srv2.Count())
}

func TestDoNeverRetriesAuthFailures(t *testing.T) {
	t.Parallel()
	srv := huaweitest.New(t, answer(401, map[string]string{"X-Request-Id": "abc"}, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"abc"}`))
	_, err := newTestClient(t, srv.URL).Do(t.Context(), Request{Method: "GET", Path: "/state", Idempotent: true}, nil)
	apiErr, ok := AsAPIError(err)
	require.True(t, ok)
	assert.Equal(t, 401, apiErr.HTTPStatus)
	assert.Equal(t, CodeAuthFailed, apiErr.Code)
	assert.EqualValues(t, 1, srv.Count())
	assert.NotContains(t, err.Error(), "SK")
}

// TestDoCorrectsClockSkewOnce: the gateway answers a skewed X-Sdk-Date with
// the same 401 APIGW.0301 as a wrong key; only its Date header tells skew
// apart. A skewed clock is corrected once; a wrong key is never retried.
func TestDoCorrectsClockSkewOnce(t *testing.T) {
	t.Parallel()
	const authFailed = `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}`
	rejectDated := func(offset time.Duration) huaweitest.Answer {
		return huaweitest.Answer{Handle: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Date", time.Now().Add(offset).UTC().Format(http.TimeFormat))
			w.WriteHeader(401)
			_, _ = io.WriteString(w, authFailed)
		}}
	}
	tests := []struct {
		name      string
		offset    time.Duration
		creds     Credentials
		answers   []huaweitest.Answer
		wantCalls int32
		wantOK    bool
	}{
		{"gateway ahead", 20 * time.Minute, Credentials{}, nil, 2, true},
		{"gateway behind", -40 * time.Minute, Credentials{}, nil, 2, true},
		{"once only", 20 * time.Minute, Credentials{}, []huaweitest.Answer{rejectDated(20 * time.Minute)}, 2, false},
		{"clocks agree: a wrong key", time.Minute, Credentials{}, nil, 1, false},
		{"token: the clock does not matter", 20 * time.Minute, Credentials{AuthToken: "tok"}, nil, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			answers := tt.answers
			if answers == nil {
				answers = []huaweitest.Answer{rejectDated(tt.offset), answer(200, nil, `{}`)}
			} else {
				answers = append([]huaweitest.Answer{rejectDated(tt.offset)}, answers...)
			}
			srv := huaweitest.New(t, answers...)
			creds := tt.creds
			if creds.AuthToken == "" {
				creds = Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"}
			}
			c, err := NewClient("Test", srv.URL, creds, WithRetryPolicy(fastPolicy))
			require.NoError(t, err)
			_, err = c.Do(t.Context(), Request{Method: "GET", Path: "/x", Idempotent: true}, nil)
			assert.EqualValues(t, tt.wantCalls, srv.Count())
			if !tt.wantOK {
				apiErr, ok := AsAPIError(err)
				require.True(t, ok, "%v", err)
				assert.Equal(t, CodeAuthFailed, apiErr.Code)
				return
			}
			require.NoError(t, err)
			second, err := time.Parse(DateFormat, srv.Requests()[1].Header.Get("X-Sdk-Date"))
			require.NoError(t, err)
			assert.WithinDuration(t, time.Now().Add(tt.offset), second, 5*time.Second, "the retry is dated by the gateway's clock")
		})
	}
}

// TestDoSendsContentTypeOnEveryRequest: ServiceStage documents
// Content-Type as mandatory on every call, and the SDK always sends it.
func TestDoSendsContentTypeOnEveryRequest(t *testing.T) {
	t.Parallel()
	srv := huaweitest.New(t, answer(200, nil, `{}`))
	c := newTestClient(t, srv.URL)
	for _, req := range []Request{
		{Method: "GET", Path: "/read", Idempotent: true},
		{Method: "POST", Path: "/execute"},
		{Method: "PUT", Path: "/stop", Idempotent: true},
		{Method: "POST", Path: "/start", Body: map[string]string{"a": "b"}},
	} {
		_, err := c.Do(t.Context(), req, nil)
		require.NoError(t, err)
	}
	require.Len(t, srv.Requests(), 4)
	for _, r := range srv.Requests() {
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"), "%s %s", r.Method, r.URL.Path)
	}
}

func TestDoConnectionRefusedIsRetriedEvenForStart(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	var events int
	c := newTestClient(t, "http://"+addr, WithRetryNotify(func(RetryEvent) { events++ }))
	_, err = c.Do(t.Context(), Request{Method: "POST", Path: "/start"}, nil)
	require.Error(t, err)
	assert.False(t, IsUnknownOutcome(err), "a refused connection proves the start never arrived")
	assert.Equal(t, int(fastPolicy.MaxTries)-1, events)
}

func TestDoDroppedConnectionIsUnknownOutcome(t *testing.T) {
	t.Parallel()
	srv := huaweitest.New(t, huaweitest.Answer{Handle: func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}})
	_, err := newTestClient(t, srv.URL).Do(t.Context(), Request{Method: "POST", Path: "/start"}, nil)
	require.Error(t, err)
	assert.True(t, IsUnknownOutcome(err))
	assert.EqualValues(t, 1, srv.Count())
}

func TestDoSendsTokenAndProject(t *testing.T) {
	t.Parallel()
	srv := huaweitest.New(t, answer(200, nil, `{}`))
	c, err := NewClient("Test", srv.URL, Credentials{AuthToken: "tok"}, WithProjectID("p"))
	require.NoError(t, err)
	_, err = c.Do(t.Context(), Request{Method: "GET", Path: "/x"}, nil)
	require.NoError(t, err)
	r := srv.Requests()[0]
	assert.Equal(t, "tok", r.Header.Get("X-Auth-Token"))
	assert.Equal(t, "p", r.Header.Get("X-Project-Id"))
	assert.Empty(t, r.Header.Get("Authorization"))
}

func TestDoDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	other := huaweitest.New(t, huaweitest.OK("{}"))
	srv := huaweitest.New(t, answer(302, map[string]string{"Location": other.URL + "/steal"}, ""))
	_, err := newTestClient(t, srv.URL).Do(t.Context(), Request{Method: "GET", Path: "/x", Idempotent: true}, nil)
	require.Error(t, err)
	assert.Zero(t, other.Count(), "credentials must never follow a redirect")
}

func TestDecodeErrorShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, code, msg, rid string
	}{
		{"codearts", `{"error_code":"Deploy.00011027","error_msg":"being deployed"}`, "Deploy.00011027", "being deployed", "hdr"},
		{"nested", `{"error":{"code":"DEV.CH.10001","message":"Param invalid"},"status":"failed"}`, "DEV.CH.10001", "Param invalid", "hdr"},
		{"gateway", `{"error_code":"APIGW.0308","error_msg":"over ratelimit","request_id":"body"}`, "APIGW.0308", "over ratelimit", "hdr"},
		{"iam nested", `{"error":{"error_code":"IAM.0011","error_msg":"Request parameter error"}}`, "IAM.0011", "Request parameter error", "hdr"},
		{"keystone", `{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}`, "Unauthorized", "The request you have made requires authentication.", "hdr"},
		{"heat", `{"code":404,"error":{"message":"The Software Deployment (x) could not be found.","traceback":null,"type":"NotFound"},"explanation":"The resource could not be found.","title":"Not Found"}`, "NotFound", "The Software Deployment (x) could not be found.", "hdr"},
		{"heat without message", `{"code":400,"error":{"type":"HTTPBadRequest"},"explanation":"The server could not comply.","title":"Bad Request"}`, "HTTPBadRequest", "The server could not comply.", "hdr"},
		{"deeper", `{"status":"failed","result":{"detail":{"error_code":"Deploy.00011154","error_msg":"no permission"}}}`, "Deploy.00011154", "no permission", "hdr"},
		{"code only", `{"error_code":"SVCSTG.00100403"}`, "SVCSTG.00100403", "Bad Gateway", "hdr"},
		{"odd types", `{"error_code":["x"],"error_msg":{"a":1},"code":true}`, "", `{"error_code":["x"],"error_msg":{"a":1},"code":true}`, "hdr"},
		{"plain", `<html>bad gateway</html>`, "", "<html>bad gateway</html>", "hdr"},
		{"empty", ``, "", "Bad Gateway", "hdr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{"X-Request-Id": {"hdr"}, "Retry-After": {"7"}}
			got := DecodeError(502, h, []byte(tt.body))
			assert.Equal(t, tt.code, got.Code)
			assert.Equal(t, tt.msg, got.Message)
			assert.Equal(t, tt.rid, got.RequestID)
			assert.Equal(t, 7*time.Second, got.RetryAfter)
		})
	}
	got := DecodeError(429, http.Header{}, []byte(`{"error_code":"APIGW.0308","request_id":"body"}`))
	assert.Equal(t, "body", got.RequestID, "the body's request id is used when the header is missing")
}

// TestServerAskedWaitsAreCapped: a Retry-After far in the future (a huge
// number of seconds, the year 9999) must neither overflow nor make the
// step sleep until its timeout.
func TestServerAskedWaitsAreCapped(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"Fri, 31 Dec 9999 23:59:59 GMT", "99999999999999999999", "9223372036854775807", "31536000"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv := huaweitest.New(t, answer(429, map[string]string{"Retry-After": v}, `{"error_code":"APIGW.0308","error_msg":"policy user over ratelimit, limit:20, time:1 minute"}`))
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var events []RetryEvent
			// The default budget, which a minute's wait fits in.
			policy := fastPolicy
			policy.MaxElapsed = DefaultRetryPolicy.MaxElapsed
			c := newTestClient(t, srv.URL, WithRetryPolicy(policy), WithRetryNotify(func(e RetryEvent) {
				events = append(events, e)
				cancel() // the wait itself is not the point; what it would be is
			}))
			_, err := c.Do(ctx, Request{Method: "GET", Path: "/state", Idempotent: true}, nil)
			require.Error(t, err)
			require.Len(t, events, 1)
			assert.Equal(t, MaxServerWait, events[0].Wait)
			assert.Greater(t, events[0].ServerAsked, MaxServerWait, "the log can say what was asked")
			assert.EqualValues(t, 1, srv.Count())
		})
	}

	// With less time left than the (capped) wait, the throttle error is
	// final at once rather than a sleep until the deadline.
	srv := huaweitest.New(t, answer(429, map[string]string{"Retry-After": "3600"}, `{"error_code":"APIGW.0308","error_msg":"over ratelimit"}`))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := newTestClient(t, srv.URL).Do(ctx, Request{Method: "GET", Path: "/state", Idempotent: true}, nil)
	apiErr, ok := AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, CodeThrottled, apiErr.Code)
	assert.NoError(t, ctx.Err(), "returned before the deadline")
	assert.EqualValues(t, 1, srv.Count())
}

// TestErrorsAreMaskedBeforeTheyAreCut: a server that echoes a secret in its
// error must not leak it, whether the shortening falls inside it or the
// secret is spelled with JSON escapes.
func TestErrorsAreMaskedBeforeTheyAreCut(t *testing.T) {
	t.Parallel()
	const secret = "SECRETtokenSECRETtokenSECRETtoken"
	redact := func(s string) string { return strings.ReplaceAll(s, secret, "***") }
	escaped := strings.ReplaceAll(secret, "S", `\u0053`)
	tests := []struct{ name, body string }{
		{"text cut inside the secret", strings.Repeat("x", maxMessageBytes-5) + secret},
		{"json cut inside the secret", `{"error_code":"APIGW.0301","error_msg":"` + strings.Repeat("x", maxMessageBytes-5) + secret + `"}`},
		{"json escapes", `{"error_code":"Deploy.1","error_msg":"token ` + escaped + ` refused"}`},
		{"in the code", `{"error_code":"` + secret + `","error_msg":"m"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := huaweitest.New(t, answer(400, map[string]string{"X-Request-Id": "rid"}, tt.body))
			_, err := newTestClient(t, srv.URL, WithRedact(redact)).Do(t.Context(), Request{Method: "GET", Path: "/x", Idempotent: true}, nil)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), secret[:6])
			assert.LessOrEqual(t, len([]rune(err.Error())), maxMessageBytes+200, "bounded")
		})
	}
}

// TestStartOutcomeRules: only the gateway's throttle proves a start was not
// processed; any 2xx proves it arrived, even one the client cannot use.
func TestStartOutcomeRules(t *testing.T) {
	t.Parallel()
	huge := `{"id":"` + strings.Repeat("a", MaxResponseBytes) + `"}`
	tests := []struct {
		name        string
		answer      huaweitest.Answer
		idempotent  bool
		wantCalls   int32
		wantUnknown bool
	}{
		{"gateway throttle is retried", answer(429, nil, `{"error_code":"APIGW.0308","error_msg":"over ratelimit"}`), false, 4, false},
		{"APIG throttle is retried", answer(429, nil, `{"error_code":"APIG.0308","error_msg":"over ratelimit"}`), false, 4, false},
		{"service 429 is an unknown outcome", answer(429, nil, `{"error_code":"Deploy.00011999","error_msg":"busy"}`), false, 1, true},
		{"bare 429 is an unknown outcome", answer(429, nil, ``), false, 1, true},
		{"bare 429 on a read is retried", answer(429, nil, ``), true, 4, false},
		{"2xx that does not decode", answer(200, nil, `{"id":`), false, 1, true},
		{"2xx of the wrong type", answer(200, nil, `{"id":42}`), false, 1, true},
		{"2xx larger than the limit", answer(200, nil, huge), false, 1, true},
		{"2xx larger than the limit on a read: asking again brings the same", answer(200, nil, huge), true, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := huaweitest.New(t, tt.answer)
			var out struct {
				ID string `json:"id"`
			}
			_, err := newTestClient(t, srv.URL).Do(t.Context(), Request{Method: "POST", Path: "/start", Idempotent: tt.idempotent}, &out)
			require.Error(t, err)
			assert.EqualValues(t, tt.wantCalls, srv.Count())
			assert.Equal(t, tt.wantUnknown, IsUnknownOutcome(err), "%v", err)
			assert.Less(t, len(err.Error()), 1000, "no body in the message")
		})
	}
}

func TestDuplicateKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want bool
	}{
		{`{"status":"success","result":{"status":"failed"}}`, false},
		{`{"result":{"status":"failed","status":"succeeded"}}`, true},
		{`{"a":1,"a":1}`, true},
		{`{"list":[{"id":1},{"id":1}]}`, false},
		{`{"list":[{"id":1,"x":{"k":1,"k":2}}]}`, true},
		{`[1,2,{"a":{}}]`, false},
		{`{"a":`, false},
		{``, false},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, DuplicateKeys([]byte(tt.body)), tt.body)
	}
}
