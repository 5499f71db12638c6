package huawei

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var fastPolicy = RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxTries: 4, MaxElapsed: 5 * time.Second, AttemptTimeout: 2 * time.Second}

// scripted answers each request with the next of answers, repeating the last.
func scripted(t *testing.T, answers ...func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32, *[]*http.Request) {
	t.Helper()
	var n atomic.Int32
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		seen = append(seen, r.Clone(context.Background()))
		if i >= len(answers) {
			i = len(answers) - 1
		}
		answers[i](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n, &seen
}

func answer(status int, header map[string]string, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func newTestClient(t *testing.T, base string, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient("Test", base, Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"}, append([]Option{WithRetryPolicy(fastPolicy)}, opts...)...)
	require.NoError(t, err)
	return c
}

func TestDoRetriesThrottlingAndHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	srv, n, seen := scripted(t,
		answer(429, map[string]string{"Retry-After": "0"}, `{"error_code":"APIGW.0308","error_msg":"policy user over ratelimit, limit:20, time:1 minute"}`),
		answer(200, nil, `{"id":"r1"}`),
	)
	var events []RetryEvent
	c := newTestClient(t, srv.URL, WithRetryNotify(func(e RetryEvent) { events = append(events, e) }))
	var out struct{ ID string }
	_, err := c.Do(t.Context(), Request{Method: "POST", Path: "/v2/tasks/x/start", Body: map[string]string{"a": "b"}}, &out)
	require.NoError(t, err)
	assert.Equal(t, "r1", out.ID)
	assert.EqualValues(t, 2, n.Load())
	require.Len(t, events, 1)
	apiErr, ok := AsAPIError(events[0].Err)
	require.True(t, ok)
	assert.Equal(t, CodeThrottled, apiErr.Code)
	// Each attempt is signed afresh with the same body.
	for _, r := range *seen {
		assert.Contains(t, r.Header.Get("Authorization"), "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=")
		b, _ := io.ReadAll(r.Body)
		assert.Equal(t, `{"a":"b"}`, string(b))
	}
}

func TestDoNonIdempotentServerFaultIsUnknownOutcome(t *testing.T) {
	t.Parallel()
	srv, n, _ := scripted(t, answer(502, map[string]string{"X-Request-Id": "rid-1"}, `{"error_code":"APIGW.0202","error_msg":"Bad gateway"}`))
	c := newTestClient(t, srv.URL)
	_, err := c.Do(t.Context(), Request{Method: "POST", Path: "/start"}, nil)
	require.Error(t, err)
	assert.True(t, IsUnknownOutcome(err))
	assert.EqualValues(t, 1, n.Load(), "a start must not be blindly retried after a 5xx")
	assert.Contains(t, err.Error(), "rid-1")

	srv2, n2, _ := scripted(t, answer(503, nil, `{}`), answer(200, nil, `{}`))
	_, err = newTestClient(t, srv2.URL).Do(t.Context(), Request{Method: "GET", Path: "/state", Idempotent: true}, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, n2.Load())
}

func TestDoNeverRetriesAuthFailures(t *testing.T) {
	t.Parallel()
	srv, n, _ := scripted(t, answer(401, map[string]string{"X-Request-Id": "abc"}, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"abc"}`))
	_, err := newTestClient(t, srv.URL).Do(t.Context(), Request{Method: "GET", Path: "/state", Idempotent: true}, nil)
	apiErr, ok := AsAPIError(err)
	require.True(t, ok)
	assert.Equal(t, 401, apiErr.HTTPStatus)
	assert.Equal(t, CodeAuthFailed, apiErr.Code)
	assert.EqualValues(t, 1, n.Load())
	assert.NotContains(t, err.Error(), "SK")
}

func TestDoCorrectsClockSkewOnce(t *testing.T) {
	t.Parallel()
	gateway := time.Now().Add(20 * time.Minute).UTC()
	skewed := answer(401, map[string]string{"Date": gateway.Format(http.TimeFormat)}, `{"error_code":"APIGW.0303","error_msg":"clock skew"}`)
	srv, n, seen := scripted(t, skewed, answer(200, nil, `{}`))
	_, err := newTestClient(t, srv.URL).Do(t.Context(), Request{Method: "GET", Path: "/x", Idempotent: true}, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, n.Load())
	second, err := time.Parse(DateFormat, (*seen)[1].Header.Get("X-Sdk-Date"))
	require.NoError(t, err)
	assert.WithinDuration(t, gateway, second, 5*time.Second, "the retry is dated by the gateway's clock")

	srv2, n2, _ := scripted(t, skewed)
	_, err = newTestClient(t, srv2.URL).Do(t.Context(), Request{Method: "GET", Path: "/x", Idempotent: true}, nil)
	require.Error(t, err)
	assert.EqualValues(t, 2, n2.Load(), "only one correction is tried")
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
	srv, n, _ := scripted(t, func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
	_, err := newTestClient(t, srv.URL).Do(t.Context(), Request{Method: "POST", Path: "/start"}, nil)
	require.Error(t, err)
	assert.True(t, IsUnknownOutcome(err))
	assert.EqualValues(t, 1, n.Load())
}

func TestDoSendsTokenAndProject(t *testing.T) {
	t.Parallel()
	srv, _, seen := scripted(t, answer(200, nil, `{}`))
	c, err := NewClient("Test", srv.URL, Credentials{AuthToken: "tok"}, WithProjectID("p"))
	require.NoError(t, err)
	_, err = c.Do(t.Context(), Request{Method: "GET", Path: "/x"}, nil)
	require.NoError(t, err)
	r := (*seen)[0]
	assert.Equal(t, "tok", r.Header.Get("X-Auth-Token"))
	assert.Equal(t, "p", r.Header.Get("X-Project-Id"))
	assert.Empty(t, r.Header.Get("Authorization"))
}

func TestDoDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	srv, _, _ := scripted(t, answer(302, map[string]string{"Location": other.URL + "/steal"}, ""))
	_, err := newTestClient(t, srv.URL).Do(t.Context(), Request{Method: "GET", Path: "/x", Idempotent: true}, nil)
	require.Error(t, err)
	assert.Zero(t, elsewhere.Load(), "credentials must never follow a redirect")
}

func TestDecodeErrorShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, code, msg, rid string
	}{
		{"codearts", `{"error_code":"Deploy.00011027","error_msg":"being deployed"}`, "Deploy.00011027", "being deployed", "hdr"},
		{"nested", `{"error":{"code":"DEV.CH.10001","message":"Param invalid"},"status":"failed"}`, "DEV.CH.10001", "Param invalid", "hdr"},
		{"gateway", `{"error_code":"APIGW.0308","error_msg":"over ratelimit","request_id":"body"}`, "APIGW.0308", "over ratelimit", "hdr"},
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
