package sim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const exchangePath = "/v3.0/OS-AUTH/id-token/tokens"

func exchangeBody(jwt, project string) string {
	return `{"auth":{"id_token":{"id":"` + jwt + `"},"scope":{"project":{"id":"` + project + `"}}}}`
}

// exchange posts body to IAM with X-Idp-Id idp (none when empty); IAM is
// not behind the gateway's signature check.
func (h *harness) exchange(idp, body string) reply {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.ts.URL+exchangePath, strings.NewReader(body))
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/json;charset=utf8")
	if idp != "" {
		req.Header.Set("X-Idp-Id", idp)
	}
	return h.send(req)
}

// exchangeOK exchanges jwt for a token scoped to testProject.
func (h *harness) exchangeOK(jwt string) string {
	h.t.Helper()
	got := h.exchange(DefaultIdPID, exchangeBody(jwt, testProject))
	require.Equal(h.t, http.StatusCreated, got.status, "%s", got.body)
	return got.header.Get("X-Subject-Token")
}

// withToken sends an unsigned request carrying X-Auth-Token (and
// X-Project-Id when project is set).
func (h *harness) withToken(method, path, token, project string) reply {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, nil)
	require.NoError(h.t, err)
	req.Header.Set("X-Auth-Token", token)
	if project != "" {
		req.Header.Set("X-Project-Id", project)
	}
	return h.send(req)
}

// TestKeylessRoundTrip: a JWT from the OIDC endpoint becomes an IAM token
// that deploys, and nothing secret reaches the log.
func TestKeylessRoundTrip(t *testing.T) {
	t.Parallel()
	var log logLines
	h := newHarness(t, Options{Logf: log.Logf})
	jwt := h.oidcJWT(DefaultOIDCAudience)
	got := h.exchange(DefaultIdPID, exchangeBody(jwt, testProject))
	require.Equal(t, http.StatusCreated, got.status, "%s", got.body)
	token := got.header.Get("X-Subject-Token")
	assert.Regexp(t, `^MII[A-Za-z0-9_-]{200}$`, token)

	now := h.clock.Now()
	tok := got.json(t)["token"].(map[string]any)
	assert.Equal(t, now.Add(24*time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z"), tok["expires_at"])
	assert.Equal(t, "2025-07-09T03:36:28.000000Z", tok["issued_at"])
	assert.Equal(t, []any{"mapped"}, tok["methods"])
	assert.Equal(t, map[string]any{"id": testProject, "name": "cn-north-4"}, tok["project"])
	user := tok["user"].(map[string]any)
	assert.Equal(t, DefaultOIDCSubject, user["name"])
	assert.Regexp(t, hex32, user["id"])
	assert.Equal(t, map[string]any{"identity_provider": map[string]any{"id": DefaultIdPID}, "protocol": map[string]any{"id": "oidc"}},
		user["OS-FEDERATION"])
	assert.Equal(t, 1, h.srv.TokenExchanges())
	assert.Zero(t, h.srv.ExchangeFailures())

	start := h.withToken(http.MethodPost, "/v2/tasks/"+testTask+"/start", token, "")
	require.Equal(t, http.StatusOK, start.status, "%s", start.body)
	assert.Equal(t, 1, h.srv.StartCount(testTask))
	assert.Equal(t, http.StatusOK, h.withToken(http.MethodGet, "/v2/tasks/"+testTask+"/state", token, testProject).status,
		"X-Project-Id of the token's project")
	other := h.withToken(http.MethodGet, "/v2/tasks/"+testTask+"/state", token, strings.Repeat("9", 32))
	assert.Equal(t, http.StatusUnauthorized, other.status)
	assert.Equal(t, "APIGW.0301", other.errorCode(t))
	assert.Contains(t, other.json(t)["error_msg"], "another project")

	lines := log.All()
	require.Len(t, lines, 5)
	assert.Equal(t, "sim: GET /_github/oidc/token -> 200", lines[0])
	assert.Equal(t, "sim: POST /v3.0/OS-AUTH/id-token/tokens -> 201", lines[1])
	for _, l := range lines {
		assert.NotContains(t, l, jwt[:40])
		assert.NotContains(t, l, token[:40])
		assert.NotContains(t, l, DefaultOIDCRequestToken)
	}
}

func TestExchangeRejected(t *testing.T) {
	t.Parallel()
	type setup struct {
		h   *harness
		jwt string // a valid JWT for the default provider
	}
	tests := []struct {
		name       string
		idps       []IdentityProvider
		request    func(s setup) reply
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"unknown identity provider", nil, func(s setup) reply {
			return s.h.exchange("gitlab", exchangeBody(s.jwt, testProject))
		}, 404, "IAM.1002", `The identity provider "gitlab" does not exist.`},
		{"missing X-Idp-Id", nil, func(s setup) reply {
			return s.h.exchange("", exchangeBody(s.jwt, testProject))
		}, 404, "IAM.1002", "does not exist"},
		{"bad signature", nil, func(s setup) reply {
			return s.h.exchange(DefaultIdPID, exchangeBody(s.h.srv.ForgeJWT(DefaultOIDCAudience), testProject))
		}, 401, "IAM.1004", "signature is invalid"},
		{"malformed token", nil, func(s setup) reply {
			return s.h.exchange(DefaultIdPID, exchangeBody("not.a-jwt", testProject))
		}, 400, "IAM.1003", "signature is invalid"},
		{"expired", nil, func(s setup) reply {
			return s.h.exchange(DefaultIdPID, exchangeBody(s.h.srv.IssueJWT(DefaultOIDCAudience, "", -time.Second), testProject))
		}, 401, "IAM.1005", "The id_token has expired."},
		{"expires exactly now", nil, func(s setup) reply {
			s.h.clock.Advance(5 * time.Minute)
			return s.h.exchange(DefaultIdPID, exchangeBody(s.jwt, testProject))
		}, 401, "IAM.1005", "expired"},
		{"not yet valid", nil, func(s setup) reply {
			s.h.clock.Advance(-time.Minute)
			return s.h.exchange(DefaultIdPID, exchangeBody(s.jwt, testProject))
		}, 401, "IAM.1006", "not yet valid"},
		{"wrong issuer", []IdentityProvider{{Issuer: "https://gitlab.example.com"}}, func(s setup) reply {
			return s.h.exchange(DefaultIdPID, exchangeBody(s.jwt, testProject))
		}, 401, "IAM.1007", `is not the issuer "https://gitlab.example.com"`},
		{"wrong audience", nil, func(s setup) reply {
			return s.h.exchange(DefaultIdPID, exchangeBody(s.h.srv.IssueJWT("", "", 0), testProject))
		}, 401, "IAM.1008", `The audience "https://github.com/octo-org" of the id_token is not allowed by identity provider github-actions: its client id is "sts.huaweicloud.com".`},
		{"subject not matched", []IdentityProvider{{ID: "prod", Subject: "repo:octo-org/octo-repo:environment:prod"}}, func(s setup) reply {
			return s.h.exchange("prod", exchangeBody(s.jwt, testProject))
		}, 403, "IAM.1009", `The subject "repo:octo-org/octo-repo:ref:refs/heads/main" of the id_token does not match the mapping rules of identity provider prod.`},
		{"bad project", nil, func(s setup) reply {
			return s.h.exchange(DefaultIdPID, exchangeBody(s.jwt, "cn-north-4"))
		}, 400, "IAM.1001", `Invalid project id "cn-north-4"`},
		{"missing scope", nil, func(s setup) reply {
			return s.h.exchange(DefaultIdPID, `{"auth":{"id_token":{"id":"`+s.jwt+`"}}}`)
		}, 400, "IAM.1000", "auth.scope is required"},
		{"domain scope", nil, func(s setup) reply {
			return s.h.exchange(DefaultIdPID, `{"auth":{"id_token":{"id":"`+s.jwt+`"},"scope":{"domain":{"id":"d"}}}}`)
		}, 400, "IAM.1000", "only a project scope"},
		{"missing id_token", nil, func(s setup) reply {
			return s.h.exchange(DefaultIdPID, `{"auth":{"scope":{"project":{"id":"`+testProject+`"}}}}`)
		}, 400, "IAM.1000", "auth.id_token.id is required"},
		{"not JSON", nil, func(s setup) reply {
			return s.h.exchange(DefaultIdPID, `auth=`+s.jwt)
		}, 400, "IAM.1000", "The request body is invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{IdentityProviders: tc.idps})
			jwt := h.srv.IssueJWT(DefaultOIDCAudience, "", 0)
			got := tc.request(setup{h: h, jwt: jwt})
			require.Equal(t, tc.wantStatus, got.status, "%s", got.body)
			m := got.json(t)
			assert.Equal(t, tc.wantCode, m["error_code"])
			assert.Contains(t, m["error_msg"], tc.wantMsg)
			assert.Empty(t, got.header.Get("X-Subject-Token"))
			assert.Equal(t, tc.wantCode, lastCall(t, h.srv).Code)
			assert.Zero(t, h.srv.TokenExchanges())
			assert.Equal(t, 1, h.srv.ExchangeFailures())
		})
	}
}

func TestIdentityProviderRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{IdentityProviders: []IdentityProvider{
		{ID: "repo-only", Audience: "client-1", Subject: "repo:octo-org/octo-repo:*"},
		{ID: "exact", Subject: "repo:octo-org/octo-repo:environment:prod"},
	}})
	try := func(idp, aud, sub string) int {
		return h.exchange(idp, exchangeBody(h.srv.IssueJWT(aud, sub, 0), testProject)).status
	}
	assert.Equal(t, 201, try("repo-only", "client-1", "repo:octo-org/octo-repo:ref:refs/heads/main"))
	assert.Equal(t, 201, try("repo-only", "client-1", "repo:octo-org/octo-repo:pull_request"))
	assert.Equal(t, 403, try("repo-only", "client-1", "repo:octo-org/other-repo:ref:refs/heads/main"))
	assert.Equal(t, 401, try("repo-only", DefaultOIDCAudience, ""), "the provider's own client id")
	assert.Equal(t, 201, try("exact", DefaultOIDCAudience, "repo:octo-org/octo-repo:environment:prod"), "defaults fill the audience")
	assert.Equal(t, 403, try("exact", DefaultOIDCAudience, "repo:octo-org/octo-repo:environment:prod2"))
	assert.Equal(t, 404, try(DefaultIdPID, DefaultOIDCAudience, ""), "configured providers replace the default one")
	assert.Equal(t, 3, h.srv.TokenExchanges())
	assert.Equal(t, 4, h.srv.ExchangeFailures())
}

// TestIAMTokenExpiry: the gateway accepts an exchanged token until it
// expires on the gateway clock; static AuthTokens never expire.
func TestIAMTokenExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{IAMTokenLifetime: 10 * time.Second, AuthTokens: []string{"static-token"}})
	token := h.exchangeOK(h.oidcJWT(DefaultOIDCAudience))
	state := "/v2/tasks/" + testTask + "/state"
	h.srv.SeedRecord(testTask, "succeeded", time.Hour)

	assert.Equal(t, http.StatusOK, h.withToken(http.MethodGet, state, token, "").status)
	h.clock.Advance(9*time.Second + 999*time.Millisecond)
	assert.Equal(t, http.StatusOK, h.withToken(http.MethodGet, state, token, "").status, "valid until expires_at")
	h.clock.Advance(time.Millisecond)
	got := h.withToken(http.MethodGet, state, token, "")
	require.Equal(t, http.StatusUnauthorized, got.status, "%s", got.body)
	m := got.json(t)
	assert.Equal(t, "APIGW.0301", m["error_code"])
	assert.Equal(t, "Incorrect IAM authentication information: the token has expired", m["error_msg"])
	assert.Equal(t, got.header.Get("X-Request-Id"), m["request_id"])

	h.clock.Advance(1000 * time.Hour)
	assert.Equal(t, http.StatusOK, h.withToken(http.MethodGet, state, "static-token", "").status)
	unknown := h.withToken(http.MethodGet, state, "MII"+strings.Repeat("A", 200), "")
	assert.Equal(t, http.StatusUnauthorized, unknown.status)
	assert.Contains(t, unknown.json(t)["error_msg"], "decrypt token fail")
}

// TestKeylessFaults: the exchange (op iam) and the OIDC endpoint (op oidc)
// can be throttled and failed; a faulted request is not processed.
func TestKeylessFaults(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Faults: []Fault{
		{Op: "oidc", Kind: FaultError, Status: 503, Times: 1},
		{Op: "iam", Kind: FaultThrottle, RetryAfter: 2 * time.Second, Times: 1},
		{Op: "iam", Kind: FaultError, Status: 504, Times: 1},
	}}
	require.NoError(t, sc.Validate())
	h := newHarness(t, Options{Scenario: sc})

	got := h.oidcToken(DefaultOIDCAudience, DefaultOIDCRequestToken)
	assert.Equal(t, http.StatusServiceUnavailable, got.status)
	assert.Equal(t, "APIGW.0203", got.errorCode(t))
	assert.Zero(t, h.srv.OIDCTokensIssued(), "an error fault is not processed")
	jwt := h.oidcJWT(DefaultOIDCAudience)

	got = h.exchange(DefaultIdPID, exchangeBody(jwt, testProject))
	assert.Equal(t, http.StatusTooManyRequests, got.status)
	assert.Equal(t, "APIGW.0308", got.errorCode(t))
	assert.Equal(t, "2", got.header.Get("Retry-After"))
	got = h.exchange(DefaultIdPID, exchangeBody(jwt, testProject))
	assert.Equal(t, http.StatusGatewayTimeout, got.status)
	assert.Zero(t, h.srv.TokenExchanges())
	assert.Zero(t, h.srv.ExchangeFailures(), "faulted requests never reach IAM")
	h.exchangeOK(jwt)

	assert.Equal(t, []string{"error", "", "throttle", "error", ""}, callFaults(h.srv))
}

func TestKeylessFaultOpsParse(t *testing.T) {
	t.Parallel()
	sc, err := ParseScenario([]byte("faults:\n  - op: iam\n    kind: drop\n  - op: oidc\n    kind: slow\n    delay: 1s\n"))
	require.NoError(t, err)
	assert.Equal(t, "iam", sc.Faults[0].Op)
	_, err = ParseScenario([]byte("faults:\n  - op: iam\n    task_id: " + testTask + "\n    kind: drop\n"))
	require.ErrorContains(t, err, "faults[0].task_id: op iam has no task")
}

// TestExchangeDropped: a dropped exchange still issued its token, like any
// dropped request that was processed.
func TestExchangeDropped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Scenario: &Scenario{Faults: []Fault{{Op: "iam", Kind: FaultDrop, Times: 1}}}})
	req, err := http.NewRequest(http.MethodPost, h.ts.URL+exchangePath, strings.NewReader(exchangeBody(h.oidcJWT(DefaultOIDCAudience), testProject)))
	require.NoError(t, err)
	req.Header.Set("X-Idp-Id", DefaultIdPID)
	_, err = h.client.Do(req)
	require.Error(t, err, "no answer")
	assert.Equal(t, 1, h.srv.TokenExchanges())
	assert.Equal(t, http.StatusCreated, lastCall(t, h.srv).Status)
}

func TestKeylessDefaults(t *testing.T) {
	t.Parallel()
	s := New(Options{IdentityProviders: []IdentityProvider{{ID: "mine"}}})
	assert.Equal(t, []IdentityProvider{{ID: "mine", Issuer: OIDCIssuer, Audience: DefaultOIDCAudience, Subject: "repo:*"}}, s.idps)
	assert.Equal(t, DefaultOIDCRequestToken, s.opts.OIDCRequestToken)
	assert.Equal(t, 5*time.Minute, s.opts.OIDCTokenLifetime)
	assert.Equal(t, 24*time.Hour, s.opts.IAMTokenLifetime)
	assert.Equal(t, []IdentityProvider{{ID: DefaultIdPID, Issuer: OIDCIssuer, Audience: DefaultOIDCAudience, Subject: "repo:*"}},
		New(Options{}).idps)
}

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"repo:*", "repo:octo-org/octo-repo:ref:refs/heads/main", true},
		{"repo:*", "repo:", true},
		{"repo:*", "rep", false},
		{"repo:octo-org/octo-repo:*", "repo:octo-org/octo-repo:pull_request", true},
		{"repo:octo-org/octo-repo:*", "repo:octo-org/octo-repo-fork:pull_request", false},
		{"repo:octo-org/*:ref:refs/heads/main", "repo:octo-org/a/b:ref:refs/heads/main", true},
		{"repo:octo-org/*:ref:refs/heads/main", "repo:octo-org/a:ref:refs/heads/dev", false},
		{"*:environment:prod", "repo:a/b:environment:prod", true},
		{"a*b*a", "aba", true},
		{"a*a", "a", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"*", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+" "+tc.s, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, globMatch(tc.pattern, tc.s))
		})
	}
}

func TestParseExchangeBody(t *testing.T) {
	t.Parallel()
	project := strings.Repeat("a", 32)
	tests := []struct {
		name, body, wantCode, wantMsg string
	}{
		{"well formed", exchangeBody("jwt", project), "", ""},
		{"not JSON", "{", iamBodyInvalid, "want {"},
		{"no auth", `{}`, iamBodyInvalid, "want {"},
		{"no id_token", `{"auth":{"scope":{"project":{"id":"` + project + `"}}}}`, iamBodyInvalid, "auth.id_token.id is required"},
		{"no scope", `{"auth":{"id_token":{"id":"jwt"}}}`, iamBodyInvalid, "auth.scope is required"},
		{"a domain scope", `{"auth":{"id_token":{"id":"jwt"},"scope":{"domain":{"id":"d"}}}}`, iamBodyInvalid, "only a project scope"},
		{"an empty scope", `{"auth":{"id_token":{"id":"jwt"},"scope":{}}}`, iamBodyInvalid, "auth.scope.project.id is required"},
		{"a short project id", exchangeBody("jwt", "p1"), iamProjectInvalid, `Invalid project id "p1"`},
	}
	for _, tc := range tests {
		jwt, projectID, refusal, ok := parseExchangeBody([]byte(tc.body))
		if tc.wantCode == "" {
			assert.True(t, ok, tc.name)
			assert.Equal(t, "jwt", jwt, tc.name)
			assert.Equal(t, project, projectID, tc.name)
			continue
		}
		assert.False(t, ok, tc.name)
		assert.Equal(t, tc.wantCode, refusal.code, tc.name)
		assert.Contains(t, refusal.body.(iamErrorBody).ErrorMsg, tc.wantMsg, tc.name)
	}
}
