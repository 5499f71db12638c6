package sim

import (
	"cmp"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// This file is IAM's keyless exchange (huawei-api.md §3 "Keyless"): a
// GitHub OIDC token (oidc.go) for an IAM token, which the gateway then
// accepts in X-Auth-Token until it expires (auth.go). Errors have IAM's
// `{"error_code": "IAM.xxxx", "error_msg": "..."}` shape; the codes are the
// simulator's own (IAM.1000-IAM.1009), chosen not to pretend to be
// documented ones:
//
//	400 IAM.1000 request body invalid (no auth.id_token.id, no scope, a domain scope)
//	400 IAM.1001 project id not 32 letters/digits
//	404 IAM.1002 identity provider (X-Idp-Id) does not exist
//	400 IAM.1003 id_token is not a well-formed RS256 JWT (its signature is invalid)
//	401 IAM.1004 id_token signature is invalid (another key)
//	401 IAM.1005 id_token has expired
//	401 IAM.1006 id_token is not yet valid (nbf)
//	401 IAM.1007 iss is not the identity provider's issuer
//	401 IAM.1008 aud is not the identity provider's client id
//	403 IAM.1009 sub does not match the identity provider's mapping rule

// Keyless defaults.
const (
	// DefaultIdPID is the id (X-Idp-Id) of the default identity provider.
	DefaultIdPID = "github-actions"
	// DefaultOIDCAudience is the default identity provider's client id:
	// the audience a job requests its token for.
	DefaultOIDCAudience = "sts.huaweicloud.com"
	// DefaultIAMTokenLifetime is how long exchanged IAM tokens are valid,
	// as real IAM tokens are.
	DefaultIAMTokenLifetime = 24 * time.Hour
)

// IAM error codes (the simulator's own; see the file comment).
const (
	iamBodyInvalid    = "IAM.1000"
	iamProjectInvalid = "IAM.1001"
	iamIdPNotFound    = "IAM.1002"
	iamTokenMalformed = "IAM.1003"
	iamBadSignature   = "IAM.1004"
	iamTokenExpired   = "IAM.1005"
	iamNotYetValid    = "IAM.1006"
	iamBadIssuer      = "IAM.1007"
	iamBadAudience    = "IAM.1008"
	iamSubjectDenied  = "IAM.1009"
)

// iamExpiresForm is IAM's expires_at/issued_at: RFC 3339 in UTC with
// microseconds.
const iamExpiresForm = "2006-01-02T15:04:05.000000Z"

// IdentityProvider is an OIDC identity provider registered in IAM. Zero
// fields get defaults: ID DefaultIdPID, Issuer OIDCIssuer, Audience
// DefaultOIDCAudience, Subject "repo:*".
type IdentityProvider struct {
	// ID is the X-Idp-Id value.
	ID string
	// Issuer is the accepted `iss` (default OIDCIssuer).
	Issuer string
	// Audience is the client id: the required `aud`.
	Audience string
	// Subject is the mapping rule on `sub`: exact, or a glob where `*`
	// matches any run of characters (e.g. "repo:octo-org/octo-repo:*").
	Subject string
}

// defaultIdentityProviders fills in providers' zero fields; none at all is
// the one default provider, which trusts every repository.
func defaultIdentityProviders(idps []IdentityProvider) []IdentityProvider {
	if len(idps) == 0 {
		idps = []IdentityProvider{{}}
	}
	idps = slices.Clone(idps)
	for i := range idps {
		p := &idps[i]
		p.ID = cmp.Or(p.ID, DefaultIdPID)
		p.Issuer = cmp.Or(p.Issuer, OIDCIssuer)
		p.Audience = cmp.Or(p.Audience, DefaultOIDCAudience)
		p.Subject = cmp.Or(p.Subject, "repo:*")
	}
	return idps
}

func iamRoutes() []route {
	return []route{
		{method: http.MethodPost, segs: []string{"v3.0", "OS-AUTH", "id-token", "tokens"}, op: "iam", public: true, handle: (*Server).exchangeIDToken},
	}
}

// iamToken is an IAM token the exchange issued.
type iamToken struct {
	projectID string
	expiresAt time.Time
}

// iamErrorBody is IAM's error shape.
type iamErrorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

func iamError(status int, code, msg string) response {
	return response{status: status, code: code, body: iamErrorBody{ErrorCode: code, ErrorMsg: msg}}
}

// idTokenRequest is the exchange's body.
type idTokenRequest struct {
	Auth *struct {
		IDToken *struct {
			ID string `json:"id"`
		} `json:"id_token"`
		Scope *struct {
			Project *struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"project"`
			Domain json.RawMessage `json:"domain"`
		} `json:"scope"`
	} `json:"auth"`
}

// The success answer.
type iamTokenBody struct {
	Token iamTokenInfo `json:"token"`
}

type iamTokenInfo struct {
	ExpiresAt string     `json:"expires_at"`
	IssuedAt  string     `json:"issued_at"`
	Methods   []string   `json:"methods"`
	Project   iamNamedID `json:"project"`
	User      iamUser    `json:"user"`
}

type iamNamedID struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type iamUser struct {
	Name       string        `json:"name"`
	ID         string        `json:"id"`
	Federation iamFederation `json:"OS-FEDERATION"`
}

type iamFederation struct {
	IdentityProvider iamID `json:"identity_provider"`
	Protocol         iamID `json:"protocol"`
}

type iamID struct {
	ID string `json:"id"`
}

// exchangeIDToken is `POST /v3.0/OS-AUTH/id-token/tokens`: it checks the
// body, the identity provider, then the JWT (signature, exp, nbf, iss, aud,
// sub), and answers 201 with a new token in X-Subject-Token.
func (s *Server) exchangeIDToken(req *request) response {
	resp, ok := s.checkExchange(req)
	s.mu.Lock()
	if ok {
		s.exchanges++
	} else {
		s.exchangeFailures++
	}
	s.mu.Unlock()
	return resp
}

// checkExchange does the exchange's work; ok is false when IAM refuses
// it, and the answer says why.
func (s *Server) checkExchange(req *request) (response, bool) {
	jwt, projectID, refusal, ok := parseExchangeBody(req.body)
	if !ok {
		return refusal, false
	}
	idp, refusal, ok := s.identityProvider(req.http.Header.Get("X-Idp-Id"))
	if !ok {
		return refusal, false
	}
	claims, refusal, ok := s.checkIDToken(jwt, idp, req.now)
	if !ok {
		return refusal, false
	}
	return s.issueIAMToken(idp, claims.Sub, projectID, req.now), true
}

// iamFail is iamError with a formatted message.
func iamFail(status int, code, format string, args ...any) response {
	return iamError(status, code, fmt.Sprintf(format, args...))
}

// parseExchangeBody reads the exchange's body: the OIDC token and the
// project the IAM token is to be scoped to (a domain scope is refused).
func parseExchangeBody(data []byte) (jwt, projectID string, refusal response, ok bool) {
	invalid := func(msg string) (string, string, response, bool) {
		return "", "", iamError(http.StatusBadRequest, iamBodyInvalid, "The request body is invalid: "+msg), false
	}
	var body idTokenRequest
	if err := json.Unmarshal(data, &body); err != nil {
		return invalid(idTokenRequestShape)
	}
	if msg := body.problem(); msg != "" {
		return invalid(msg)
	}
	projectID = body.Auth.Scope.Project.ID
	if !validID(projectID) {
		return "", "", iamFail(http.StatusBadRequest, iamProjectInvalid, "Invalid project id %q: a project id is 32 letters/digits.", projectID), false
	}
	return body.Auth.IDToken.ID, projectID, response{}, true
}

// idTokenRequestShape is the body the exchange wants, for the message
// about one that is not it.
const idTokenRequestShape = `want {"auth":{"id_token":{"id":...},"scope":{"project":{"id":...}}}}.`

// problem says which part the exchange needs the body lacks, or is
// empty; the project id's form is checked apart.
func (b idTokenRequest) problem() string {
	switch a := b.Auth; {
	case a == nil:
		return idTokenRequestShape
	case a.IDToken == nil || a.IDToken.ID == "":
		return "auth.id_token.id is required."
	case a.Scope == nil:
		return "auth.scope is required."
	case a.Scope.Project == nil && a.Scope.Domain != nil:
		return "only a project scope (auth.scope.project.id) is supported."
	case a.Scope.Project == nil:
		return "auth.scope.project.id is required."
	}
	return ""
}

// identityProvider finds the identity provider X-Idp-Id names.
func (s *Server) identityProvider(id string) (IdentityProvider, response, bool) {
	i := slices.IndexFunc(s.idps, func(p IdentityProvider) bool { return p.ID == id })
	if i < 0 {
		return IdentityProvider{}, iamFail(http.StatusNotFound, iamIdPNotFound, "The identity provider %q does not exist.", id), false
	}
	return s.idps[i], response{}, true
}

// checkIDToken verifies jwt's signature and then its claims against idp
// at now.
func (s *Server) checkIDToken(jwt string, idp IdentityProvider, now time.Time) (verifiedClaims, response, bool) {
	claims, err := verifyJWT(jwt, s.oidcKey())
	switch {
	case errors.Is(err, errMalformedJWT):
		return claims, iamFail(http.StatusBadRequest, iamTokenMalformed, "The id_token signature is invalid: %v.", err), false
	case err != nil:
		return claims, iamFail(http.StatusUnauthorized, iamBadSignature, "The id_token signature is invalid: %v.", err), false
	}
	if refusal, ok := checkClaims(claims, idp, now); !ok {
		return claims, refusal, false
	}
	return claims, response{}, true
}

// checkClaims checks a verified token's exp, nbf, iss, aud and sub against
// idp at now.
func checkClaims(claims verifiedClaims, idp IdentityProvider, now time.Time) (response, bool) {
	if claims.Exp == nil || !now.Before(time.Unix(int64(*claims.Exp), 0)) {
		return iamFail(http.StatusUnauthorized, iamTokenExpired, "The id_token has expired."), false
	}
	if claims.Nbf != nil && now.Before(time.Unix(int64(*claims.Nbf), 0)) {
		return iamFail(http.StatusUnauthorized, iamNotYetValid, "The id_token is not yet valid (nbf is in the future)."), false
	}
	if claims.Iss != idp.Issuer {
		return iamFail(http.StatusUnauthorized, iamBadIssuer, "The issuer %q of the id_token is not the issuer %q of identity provider %s.", claims.Iss, idp.Issuer, idp.ID), false
	}
	if auds := claims.audiences(); !slices.Contains(auds, idp.Audience) {
		return iamFail(http.StatusUnauthorized, iamBadAudience, "The audience %q of the id_token is not allowed by identity provider %s: its client id is %q.",
			strings.Join(auds, ","), idp.ID, idp.Audience), false
	}
	if !globMatch(idp.Subject, claims.Sub) {
		return iamFail(http.StatusForbidden, iamSubjectDenied, "The subject %q of the id_token does not match the mapping rules of identity provider %s.", claims.Sub, idp.ID), false
	}
	return response{}, true
}

// issueIAMToken issues a token for subject sub of idp, scoped to
// projectID, and answers it: 201 with the token in X-Subject-Token.
func (s *Server) issueIAMToken(idp IdentityProvider, sub, projectID string, now time.Time) response {
	token := newIAMToken()
	expires := now.Add(s.opts.IAMTokenLifetime)
	s.mu.Lock()
	s.iamTokens[token] = iamToken{projectID: projectID, expiresAt: expires}
	s.mu.Unlock()
	return response{
		status: http.StatusCreated,
		header: http.Header{"X-Subject-Token": {token}},
		body: iamTokenBody{Token: iamTokenInfo{
			ExpiresAt: expires.UTC().Format(iamExpiresForm),
			IssuedAt:  now.UTC().Format(iamExpiresForm),
			Methods:   []string{"mapped"},
			Project:   iamNamedID{ID: projectID, Name: simRegion},
			User: iamUser{
				// A mapping rule like {"user":{"name":"{0}"}} on sub.
				Name: sub,
				ID:   sha256Hex([]byte("user:" + idp.ID + ":" + sub))[:32],
				Federation: iamFederation{
					IdentityProvider: iamID{ID: idp.ID},
					Protocol:         iamID{ID: "oidc"},
				},
			},
		}},
	}
}

// newIAMToken returns "MII" and 200 base64url characters: the look of a
// real IAM token (a PKI token).
func newIAMToken() string {
	var b [150]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(errors.Join(errors.New("sim: random token"), err))
	}
	return "MII" + base64.RawURLEncoding.EncodeToString(b[:])
}

// checkIAMToken looks tok up among the exchanged tokens: found reports
// whether it is one, and problem is "" when it may be used at now by a
// request naming projectID in X-Project-Id ("" when it names none).
func (s *Server) checkIAMToken(tok, projectID string, now time.Time) (found bool, problem string) {
	s.mu.Lock()
	t, ok := s.iamTokens[tok]
	s.mu.Unlock()
	switch {
	case !ok:
		return false, ""
	case !now.Before(t.expiresAt):
		return true, "the token has expired"
	case projectID != "" && projectID != t.projectID:
		return true, "the token is scoped to another project than X-Project-Id"
	}
	return true, ""
}

// TokenExchanges returns how many OIDC tokens IAM exchanged successfully.
func (s *Server) TokenExchanges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exchanges
}

// ExchangeFailures returns how many exchanges IAM refused (faults not
// counted: a faulted request never reaches IAM).
func (s *Server) ExchangeFailures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exchangeFailures
}

// globMatch reports whether s matches pattern, where `*` matches any run
// of characters (including none, `/` and `:`) and everything else itself.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

// constantTimeEqual compares secrets without leaking where they differ.
func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
