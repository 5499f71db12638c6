package sim

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oidcToken asks the GitHub OIDC endpoint for a token the way the runner's
// toolkit does: ACTIONS_ID_TOKEN_REQUEST_URL plus `&audience=`, with the
// request token as a bearer. An empty audience leaves the parameter out,
// an empty bearer the header.
func (h *harness) oidcToken(audience, bearer string) reply {
	h.t.Helper()
	u := h.ts.URL + "/_github/oidc/token?api-version=2.0"
	if audience != "" {
		u += "&audience=" + url.QueryEscape(audience)
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(h.t, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return h.send(req)
}

// oidcJWT returns the JWT of a successful token request.
func (h *harness) oidcJWT(audience string) string {
	h.t.Helper()
	got := h.oidcToken(audience, DefaultOIDCRequestToken)
	require.Equal(h.t, http.StatusOK, got.status, "%s", got.body)
	m := got.json(h.t)
	require.EqualValues(h.t, 1, m["count"])
	return m["value"].(string)
}

// verifyWithJWKS checks jwt against the server's published JWKS and returns
// its header and claims. It is written from RFC 7515/7517 independently of
// verifyJWT, so a bug in one is not mirrored in the other.
func (h *harness) verifyWithJWKS(jwt string) (header, claims map[string]any) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.ts.URL+"/_github/oidc/.well-known/jwks", nil)
	require.NoError(h.t, err)
	got := h.send(req)
	require.Equal(h.t, http.StatusOK, got.status, "%s", got.body)
	var set struct {
		Keys []struct{ Kty, Alg, Use, Kid, N, E string }
	}
	require.NoError(h.t, json.Unmarshal(got.body, &set))
	require.Len(h.t, set.Keys, 1)
	k := set.Keys[0]
	assert.Equal(h.t, "RSA", k.Kty)
	assert.Equal(h.t, "RS256", k.Alg)
	assert.Equal(h.t, "sig", k.Use)
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	require.NoError(h.t, err)
	e, err := base64.RawURLEncoding.DecodeString(k.E)
	require.NoError(h.t, err)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	assert.Equal(h.t, 2048, pub.N.BitLen())
	assert.Equal(h.t, 65537, pub.E)

	parts := strings.Split(jwt, ".")
	require.Len(h.t, parts, 3)
	decode := func(s string) map[string]any {
		raw, err := base64.RawURLEncoding.DecodeString(s)
		require.NoError(h.t, err)
		var m map[string]any
		require.NoError(h.t, json.Unmarshal(raw, &m))
		return m
	}
	header, claims = decode(parts[0]), decode(parts[1])
	assert.Equal(h.t, k.Kid, header["kid"])
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(h.t, err)
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	require.NoError(h.t, rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig), "signature against the JWKS")
	return header, claims
}

func TestOIDCTokenClaims(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	jwt := h.oidcJWT(DefaultOIDCAudience)
	header, claims := h.verifyWithJWKS(jwt)

	assert.Equal(t, "RS256", header["alg"])
	assert.Equal(t, "JWT", header["typ"])
	assert.NotEmpty(t, header["kid"])

	now := h.clock.Now().Unix()
	assert.Equal(t, OIDCIssuer, claims["iss"])
	assert.Equal(t, DefaultOIDCAudience, claims["aud"])
	assert.Equal(t, "repo:octo-org/octo-repo:ref:refs/heads/main", claims["sub"])
	assert.EqualValues(t, now, claims["iat"])
	assert.EqualValues(t, now, claims["nbf"])
	assert.EqualValues(t, now+300, claims["exp"], "valid 5 minutes, like GitHub's")
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`, claims["jti"])
	assert.Equal(t, "octo-org/octo-repo", claims["repository"])
	assert.Equal(t, "octo-org", claims["repository_owner"])
	assert.Equal(t, "refs/heads/main", claims["ref"])
	for _, c := range []string{"workflow", "run_id", "actor", "event_name"} {
		assert.IsType(t, "", claims[c], c)
		assert.NotEmpty(t, claims[c], c)
	}
	assert.Equal(t, 1, h.srv.OIDCTokensIssued())

	other := h.oidcJWT(DefaultOIDCAudience)
	_, claims2 := h.verifyWithJWKS(other)
	assert.NotEqual(t, claims["jti"], claims2["jti"], "jti is random")
	assert.Equal(t, 2, h.srv.OIDCTokensIssued())
}

func TestOIDCDefaultAudienceAndOptions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{
		OIDCSubject:       "repo:acme/shop:ref:refs/heads/release",
		OIDCTokenLifetime: time.Minute,
		OIDCRequestToken:  "runner-request-token",
	})
	got := h.oidcToken("", "runner-request-token")
	require.Equal(t, http.StatusOK, got.status, "%s", got.body)
	_, claims := h.verifyWithJWKS(got.json(t)["value"].(string))
	assert.Equal(t, "https://github.com/octo-org", claims["aud"], "GitHub's default audience")
	assert.Equal(t, "repo:acme/shop:ref:refs/heads/release", claims["sub"])
	assert.Equal(t, "acme/shop", claims["repository"], "repository follows the subject")
	assert.Equal(t, "acme", claims["repository_owner"])
	assert.Equal(t, "refs/heads/release", claims["ref"])
	assert.EqualValues(t, h.clock.Now().Add(time.Minute).Unix(), claims["exp"])

	assert.Equal(t, http.StatusUnauthorized, h.oidcToken("", DefaultOIDCRequestToken).status, "the default request token is replaced")
}

func TestOIDCBearerRequired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
	}{
		{"no authorization", ""},
		{"wrong token", "Bearer not-the-request-token"},
		{"not a bearer", "token " + DefaultOIDCRequestToken},
		{"signed like the gateway", "SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=host, Signature=abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			req, err := http.NewRequest(http.MethodGet, h.ts.URL+"/_github/oidc/token?api-version=2.0&audience=x", nil)
			require.NoError(t, err)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			got := h.send(req)
			require.Equal(t, http.StatusUnauthorized, got.status, "%s", got.body)
			m := got.json(t)
			assert.Contains(t, m["message"], "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
			assert.Len(t, m, 1, "GitHub's error shape: only a message")
			assert.Zero(t, h.srv.OIDCTokensIssued())
			c := lastCall(t, h.srv)
			assert.Equal(t, http.StatusUnauthorized, c.Status)
			assert.Empty(t, c.Code)
		})
	}
}

func TestIssueAndForgeJWT(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	_, claims := h.verifyWithJWKS(h.srv.IssueJWT("", "repo:x/y:environment:prod", -time.Minute))
	assert.Equal(t, "https://github.com/octo-org", claims["aud"])
	assert.Equal(t, "repo:x/y:environment:prod", claims["sub"])
	assert.Equal(t, "x/y", claims["repository"])
	assert.Equal(t, "refs/heads/main", claims["ref"], "no ref in the subject: the default")
	assert.EqualValues(t, h.clock.Now().Add(-time.Minute).Unix(), claims["exp"])
	assert.Zero(t, h.srv.OIDCTokensIssued(), "IssueJWT is not the endpoint")

	forged := h.srv.ForgeJWT(DefaultOIDCAudience)
	genuine := h.srv.IssueJWT(DefaultOIDCAudience, "", 0)
	assert.Equal(t, strings.Split(genuine, ".")[0], strings.Split(forged, ".")[0], "same header, same kid")
	_, err := verifyJWT(forged, h.srv.oidcKey())
	require.ErrorIs(t, err, errBadSignature)
	c, err := verifyJWT(genuine, h.srv.oidcKey())
	require.NoError(t, err)
	assert.Equal(t, []string{DefaultOIDCAudience}, c.audiences())
}

func TestVerifyJWTMalformed(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	good := s.IssueJWT(DefaultOIDCAudience, "", 0)
	parts := strings.Split(good, ".")
	b := base64.RawURLEncoding.EncodeToString
	tests := []struct {
		name, token string
		want        error
	}{
		{"empty", "", errMalformedJWT},
		{"two parts", parts[0] + "." + parts[1], errMalformedJWT},
		{"bad base64", parts[0] + ".%%%." + parts[2], errMalformedJWT},
		{"alg none", b([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".", errMalformedJWT},
		{"HS256", b([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2], errMalformedJWT},
		{"other kid", b([]byte(`{"alg":"RS256","typ":"JWT","kid":"other"}`)) + "." + parts[1] + "." + parts[2], errUnknownKey},
		{"tampered claims", parts[0] + "." + b([]byte(`{"sub":"repo:evil/repo:ref:refs/heads/main"}`)) + "." + parts[2], errBadSignature},
		{"truncated signature", parts[0] + "." + parts[1] + "." + parts[2][:20], errBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := verifyJWT(tc.token, s.oidcKey())
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestRepoAndRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subject, wantRepo, wantRef string
	}{
		{"repo:acme/shop:ref:refs/heads/release", "acme/shop", "refs/heads/release"},
		{"repo:acme/shop:environment:prod", "acme/shop", oidcRef},
		{"repo:acme/shop:ref:", "acme/shop", oidcRef},
		{"repo:not-a-repo:ref:refs/tags/v1", oidcRepository, "refs/tags/v1"},
		{"something else", oidcRepository, oidcRef},
	}
	for _, tc := range tests {
		repo, ref := repoAndRef(tc.subject)
		assert.Equal(t, tc.wantRepo, repo, tc.subject)
		assert.Equal(t, tc.wantRef, ref, tc.subject)
	}
}
