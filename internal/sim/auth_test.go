package sim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vectors from huawei-api.md §3, taken from huaweicloud-sdk-go-v3's
// core/auth/signer/signer_test.go: AK "AccessKey", SK "SecretKey", only
// x-sdk-date signed.
var signerVectors = []struct {
	name, method, target, body, want string
}{
	{"GET with query", http.MethodGet, "/path?limit=1", "", "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"},
	{"POST with body", http.MethodPost, "/path?key=value", "{\"Name\":\"test\",\"Id\":1}\n", "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59"},
}

func TestSignerVectors(t *testing.T) {
	t.Parallel()
	for _, tc := range signerVectors {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tc.method, "https://example.huaweicloud.com"+tc.target, strings.NewReader(tc.body))
			require.NoError(t, err)
			req.Header.Set("X-Sdk-Date", "20060102T150405Z")
			signed := []string{"x-sdk-date"}

			canonical := canonicalRequest(req.Method, req.URL.EscapedPath(), req.URL.RawQuery, req.Header, req.Host, signed, []byte(tc.body))
			assert.Equal(t, tc.want, sign("SecretKey", "20060102T150405Z", canonical), "verifier")
			// The test helper is checked against the same vectors, so the
			// server tests below sign correctly.
			assert.Equal(t, tc.want, testSignature(req, "SecretKey", "20060102T150405Z", []byte(tc.body), signed), "test helper")
		})
	}
}

// TestStringToSignVector is the signing guide's example, which fixes the
// HMAC step on its own.
func TestStringToSignVector(t *testing.T) {
	t.Parallel()
	sts := "SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
	assert.Equal(t, "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
		hmacHex("MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", sts))
}

func TestCanonicalParts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, got, want string
	}{
		{"uri gets trailing slash", canonicalURI("/v2/tasks/abc/start"), "/v2/tasks/abc/start/"},
		{"root", canonicalURI("/"), "/"},
		{"segment escaping", canonicalURI("/a%20b/c~d/e%2Ff"), "/a%20b/c~d/e%2Ff/"},
		{"reserved chars escaped", canonicalURI("/a:b@c"), "/a%3Ab%40c/"},
		{"query sorted", canonicalQuery("b=2&a=1&a=0"), "a=0&a=1&b=2"},
		{"query escaping", canonicalQuery("k%20x=v%2Fw&e="), "e=&k%20x=v%2Fw"},
		// huawei-api.md §3 and the SDK's signer.go: a "+" is a literal
		// plus; raw keys and raw values are sorted before escaping.
		{"plus is a literal plus", canonicalQuery("q=a+b"), "q=a%2Bb"},
		{"percent-20 is a space", canonicalQuery("q=a%20b"), "q=a%20b"},
		{"keys sorted raw", canonicalQuery("a%3A=1&a0=2"), "a0=2&a%3A=1"},
		{"values sorted raw", canonicalQuery("k=%C3%BC&k=b"), "k=b&k=%C3%BC"},
		{"key without = is empty", canonicalQuery("e&f=x"), "e=&f=x"},
		{"broken escape signs nothing", canonicalQuery("q=%zz"), unsignableQuery},
		{"empty query", canonicalQuery(""), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, tc.got)
		})
	}
}

func TestSignedRequestAccepted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		signed []string
		extra  map[string]string
	}{
		{"host and date", []string{"host", "x-sdk-date"}, nil},
		{"date only", []string{"x-sdk-date"}, nil},
		{"with project id", []string{"host", "x-project-id", "x-sdk-date"}, map[string]string{"X-Project-Id": "0123456789abcdef0123456789abcdef"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			body := `{"params":[{"key":"version","value":"1.4.2","type":"text"}]}`
			req, err := http.NewRequest(http.MethodPost, h.ts.URL+"/v2/tasks/"+testTask+"/start", strings.NewReader(body))
			require.NoError(t, err)
			for k, v := range tc.extra {
				req.Header.Set(k, v)
			}
			testSign(req, testAK, testSK, h.clock.Now(), []byte(body), tc.signed)
			got := h.send(req)
			assert.Equal(t, http.StatusOK, got.status, "%s", got.body)
		})
	}
}

// TestQuerySignedLikeTheSDK sends queries in the SDK's wire form, signed
// by the SDK's canonical rules, and the same queries signed by the rules
// the action once had: only the first are accepted.
func TestQuerySignedLikeTheSDK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// wire is the raw query as the SDK sends it; signedAs is the query
		// whose canonical form the client signed, as a url.Values the
		// test helper canonicalizes the SDK's way.
		wire     string
		signedAs url.Values
		ok       bool
	}{
		{"space as %20", "step_state=true&x=a%20b", url.Values{"step_state": {"true"}, "x": {"a b"}}, true},
		{"plus is a plus", "step_state=true&x=1%2B1", url.Values{"step_state": {"true"}, "x": {"1+1"}}, true},
		{"a literal + on the wire is a plus too", "step_state=true&x=1+1", url.Values{"step_state": {"true"}, "x": {"1+1"}}, true},
		{"a + signed as a space is rejected", "step_state=true&x=a+b", url.Values{"step_state": {"true"}, "x": {"a b"}}, false},
		{"raw-sorted keys", "a0=2&a%3A=1&step_state=true", url.Values{"a0": {"2"}, "a:": {"1"}, "step_state": {"true"}}, true},
		{"empty value without =", "e&step_state=true", url.Values{"e": {""}, "step_state": {"true"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			id := h.startOK(testTask, "")
			req, err := http.NewRequest(http.MethodGet, h.ts.URL+"/v2/tasks/"+testTask+"/state", nil)
			require.NoError(t, err)
			signedAs := tc.signedAs
			signedAs.Set("record_id", id)
			req.URL.RawQuery = "record_id=" + id + "&" + tc.wire
			date := h.clock.Now().UTC().Format("20060102T150405Z")
			req.Header.Set("X-Sdk-Date", date)
			sig := testSignatureOf(req, signedAs, testSK, date, nil, []string{"host", "x-sdk-date"})
			req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+testAK+", SignedHeaders=host;x-sdk-date, Signature="+sig)
			got := h.send(req)
			if tc.ok {
				assert.Equal(t, http.StatusOK, got.status, "%s", got.body)
			} else {
				assert.Equal(t, http.StatusUnauthorized, got.status, "%s", got.body)
			}
		})
	}
}

func TestSignatureRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(h *harness, req *http.Request) *http.Request
	}{
		{"wrong secret key", func(h *harness, req *http.Request) *http.Request {
			testSign(req, testAK, "not-the-secret", h.clock.Now(), []byte(`{}`), []string{"host", "x-sdk-date"})
			return req
		}},
		{"unknown access key", func(h *harness, req *http.Request) *http.Request {
			testSign(req, "SOMEONEELSE", testSK, h.clock.Now(), []byte(`{}`), []string{"host", "x-sdk-date"})
			return req
		}},
		{"tampered body", func(h *harness, req *http.Request) *http.Request {
			testSign(req, testAK, testSK, h.clock.Now(), []byte(`{}`), []string{"host", "x-sdk-date"})
			req2, _ := http.NewRequest(req.Method, req.URL.String(), strings.NewReader(`{"trigger_source":"1"}`))
			req2.Header = req.Header
			return req2
		}},
		{"tampered query", func(h *harness, req *http.Request) *http.Request {
			testSign(req, testAK, testSK, h.clock.Now(), []byte(`{}`), []string{"host", "x-sdk-date"})
			req.URL.RawQuery = "x=1"
			return req
		}},
		{"x-sdk-date not signed", func(h *harness, req *http.Request) *http.Request {
			testSign(req, testAK, testSK, h.clock.Now(), []byte(`{}`), []string{"host"})
			return req
		}},
		{"missing authorization", func(h *harness, req *http.Request) *http.Request {
			return req
		}},
		{"malformed authorization", func(h *harness, req *http.Request) *http.Request {
			req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+testAK+" Signature=abc")
			return req
		}},
		{"other algorithm", func(h *harness, req *http.Request) *http.Request {
			req.Header.Set("Authorization", "Bearer abc")
			return req
		}},
		{"missing x-sdk-date header", func(h *harness, req *http.Request) *http.Request {
			testSign(req, testAK, testSK, h.clock.Now(), []byte(`{}`), []string{"host", "x-sdk-date"})
			req.Header.Del("X-Sdk-Date")
			return req
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			req, err := http.NewRequest(http.MethodPost, h.ts.URL+"/v2/tasks/"+testTask+"/start", strings.NewReader(`{}`))
			require.NoError(t, err)
			got := h.send(tc.mutate(h, req))
			require.Equal(t, http.StatusUnauthorized, got.status, "%s", got.body)
			m := got.json(t)
			assert.Equal(t, "APIGW.0301", m["error_code"])
			assert.Contains(t, m["error_msg"], "Incorrect IAM authentication information")
			assert.Equal(t, got.header.Get("X-Request-Id"), m["request_id"])
			assert.Zero(t, h.srv.StartCount(testTask), "a rejected start must not deploy")
		})
	}
}

func TestClockSkewRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		offset     time.Duration
		wantStatus int
	}{
		{"20 minutes behind", -20 * time.Minute, http.StatusUnauthorized},
		{"20 minutes ahead", 20 * time.Minute, http.StatusUnauthorized},
		{"14 minutes behind is tolerated", -14 * time.Minute, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			req, err := http.NewRequest(http.MethodGet, h.ts.URL+"/v2/tasks/"+testTask+"/state", nil)
			require.NoError(t, err)
			h.srv.SeedRecord(testTask, "succeeded", time.Hour)
			testSign(req, testAK, testSK, h.clock.Now().Add(tc.offset), nil, []string{"host", "x-sdk-date"})
			got := h.send(req)
			require.Equal(t, tc.wantStatus, got.status, "%s", got.body)
			if tc.wantStatus == http.StatusUnauthorized {
				m := got.json(t)
				// The same answer as a wrong signature: only the Date
				// header tells skew apart.
				assert.Equal(t, "APIGW.0301", m["error_code"])
				assert.Equal(t, "Incorrect IAM authentication information: verify aksk signature fail", m["error_msg"])
				serverTime, err := http.ParseTime(got.header.Get("Date"))
				require.NoError(t, err)
				assert.Equal(t, h.clock.Now().Truncate(time.Second), serverTime.Truncate(time.Second))
			}
		})
	}
}

// TestScenarioClockSkew: a skewed gateway rejects a client with the real
// time, and the client recovers by signing with the Date header's time.
func TestScenarioClockSkew(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Scenario: &Scenario{ClockSkew: 20 * time.Minute}})
	got := h.start(testTask, "")
	require.Equal(t, http.StatusUnauthorized, got.status)
	assert.Equal(t, "APIGW.0301", got.errorCode(t))

	serverTime, err := http.ParseTime(got.header.Get("Date"))
	require.NoError(t, err)
	assert.Equal(t, h.clock.Now().Add(20*time.Minute), serverTime, "Date shows the gateway clock")

	req, err := http.NewRequest(http.MethodPost, h.ts.URL+"/v2/tasks/"+testTask+"/start", nil)
	require.NoError(t, err)
	testSign(req, testAK, testSK, serverTime, nil, []string{"host", "x-sdk-date"})
	got = h.send(req)
	assert.Equal(t, http.StatusOK, got.status, "%s", got.body)
}

func TestLockout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	bad := func() reply {
		req, err := http.NewRequest(http.MethodGet, h.ts.URL+"/v2/tasks/"+testTask+"/state", nil)
		require.NoError(t, err)
		testSign(req, testAK, "wrong", h.clock.Now(), nil, []string{"x-sdk-date"})
		return h.send(req)
	}
	good := func() reply {
		return h.do(http.MethodGet, "/v2/tasks/"+testTask+"/state", "")
	}

	// Five failures, then a good request: the counter resets on success.
	for range 5 {
		require.Equal(t, "APIGW.0301", bad().errorCode(t))
	}
	assert.Equal(t, http.StatusNotFound, good().status, "not locked after 5 failures")

	// Six consecutive failures lock the key, even for a correct signature.
	for range 6 {
		require.Equal(t, "APIGW.0301", bad().errorCode(t))
	}
	got := good()
	assert.Equal(t, http.StatusUnauthorized, got.status)
	assert.Equal(t, "APIGW.0301", got.errorCode(t))
	c := lastCall(t, h.srv)
	assert.Equal(t, "locked", c.Fault)
	assert.Equal(t, http.StatusUnauthorized, c.Status)

	h.clock.Advance(4 * time.Minute)
	assert.Equal(t, http.StatusUnauthorized, good().status, "still locked after 4 minutes")
	h.clock.Advance(time.Minute + time.Second)
	assert.Equal(t, http.StatusNotFound, good().status, "unlocked after 5 minutes (no record yet: 404)")
}

func TestAuthToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		token      string
		wantStatus int
	}{
		{"accepted", "valid-token", http.StatusOK},
		{"second accepted", "other-token", http.StatusOK},
		{"rejected", "forged-token", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{AuthTokens: []string{"valid-token", "other-token"}})
			req, err := http.NewRequest(http.MethodPost, h.ts.URL+"/v2/tasks/"+testTask+"/start", nil)
			require.NoError(t, err)
			req.Header.Set("X-Auth-Token", tc.token)
			got := h.send(req)
			require.Equal(t, tc.wantStatus, got.status, "%s", got.body)
			if tc.wantStatus != http.StatusOK {
				assert.Equal(t, "APIGW.0301", got.errorCode(t))
			}
		})
	}
}

func TestSecurityToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		allowed    []string
		token      string
		wantStatus int
	}{
		{"no token configured, any accepted", nil, "whatever", http.StatusOK},
		{"configured and matching", []string{"sts-1"}, "sts-1", http.StatusOK},
		{"configured, no header (permanent key)", []string{"sts-1"}, "", http.StatusOK},
		{"configured and wrong", []string{"sts-1"}, "sts-2", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{SecurityTokens: tc.allowed})
			req, err := http.NewRequest(http.MethodPost, h.ts.URL+"/v2/tasks/"+testTask+"/start", nil)
			require.NoError(t, err)
			signed := []string{"host", "x-sdk-date"}
			if tc.token != "" {
				req.Header.Set("X-Security-Token", tc.token)
				signed = []string{"host", "x-sdk-date", "x-security-token"}
			}
			testSign(req, testAK, testSK, h.clock.Now(), nil, signed)
			got := h.send(req)
			assert.Equal(t, tc.wantStatus, got.status, "%s", got.body)
		})
	}
}

func TestParseAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header     string
		wantAccess string
		wantErr    bool
	}{
		{"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=abc", "AK", false},
		{"SDK-HMAC-SHA256 Access=AK,SignedHeaders=x-sdk-date,Signature=abc", "AK", false},
		{"SDK-HMAC-SHA256 Access=AK, Signature=abc", "AK", true},
		{"SDK-HMAC-SHA256 Access=AK, SignedHeaders=Host, Signature=abc", "AK", true},
		{"SDK-HMAC-SHA256 Access=AK, Bogus=1, SignedHeaders=host, Signature=abc", "AK", true},
		{"SDK-HMAC-SHA1 Access=AK, SignedHeaders=host, Signature=abc", "", true},
		{"", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.header, func(t *testing.T) {
			t.Parallel()
			got, err := parseAuthorization(tc.header)
			assert.Equal(t, tc.wantAccess, got.access)
			assert.Equal(t, tc.wantErr, err != "", "error %q", err)
		})
	}
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=abc")
	f.Add("SDK-HMAC-SHA256 ,,==;")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err == "" && (a.access == "" && !strings.Contains(h, "Access=")) {
			t.Fatalf("accepted %q without Access", h)
		}
	})
}
