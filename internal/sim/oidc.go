package sim

import (
	"cmp"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file is the GitHub side of keyless authentication
// (github-runner.md, huawei-api.md §3 "Keyless"): the endpoint a job
// fetches its OIDC token from ($ACTIONS_ID_TOKEN_REQUEST_URL, authorised by
// $ACTIONS_ID_TOKEN_REQUEST_TOKEN) and the JWKS that publishes the key the
// tokens are signed with. The JWTs are RS256, signed and verified here by
// hand with crypto/rsa, and carry GitHub's claims. The IAM endpoint that
// exchanges them is in iam.go.

// OIDC defaults. The request token is public on purpose, like the default
// AK/SK: the simulator prints it so users can point a client at it.
const (
	// OIDCIssuer is the `iss` of issued JWTs: GitHub Actions' issuer.
	OIDCIssuer = "https://token.actions.githubusercontent.com"
	// DefaultOIDCRequestToken is the bearer token the OIDC endpoint
	// requires unless Options.OIDCRequestToken says otherwise.
	DefaultOIDCRequestToken = "simulator-oidc-request-token"
	// DefaultOIDCSubject is the `sub` of issued JWTs unless
	// Options.OIDCSubject says otherwise.
	DefaultOIDCSubject = "repo:octo-org/octo-repo:ref:refs/heads/main"
	// DefaultOIDCTokenLifetime is how long issued JWTs are valid, as on
	// GitHub.
	DefaultOIDCTokenLifetime = 5 * time.Minute
)

// githubDefaultAudience is the `aud` GitHub gives a token requested without
// an audience parameter: the URL of the repository owner.
const githubDefaultAudience = "https://github.com/octo-org"

// The fixed parts of the job the simulated runner plays.
const (
	oidcRepository = "octo-org/octo-repo"
	oidcRef        = "refs/heads/main"
	oidcWorkflow   = "deploy"
	oidcActor      = "octocat"
	oidcEventName  = "push"
	oidcRunID      = "8675309"
)

func oidcRoutes() []route {
	return []route{
		{method: http.MethodGet, segs: []string{"_github", "oidc", "token"}, op: "oidc", public: true, handle: (*Server).issueOIDCToken},
		{method: http.MethodGet, segs: []string{"_github", "oidc", ".well-known", "jwks"}, op: "oidc", public: true, handle: (*Server).oidcJWKS},
	}
}

// signingKey is an RSA key with its JWK thumbprint (RFC 7638) as kid.
type signingKey struct {
	priv *rsa.PrivateKey
	kid  string
}

// newSigningKey generates an RSA-2048 key.
func newSigningKey() *signingKey {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(errors.Join(errors.New("sim: generate RSA key"), err))
	}
	k := &signingKey{priv: priv}
	thumb := sha256.Sum256([]byte(`{"e":"` + k.jwkE() + `","kty":"RSA","n":"` + k.jwkN() + `"}`))
	k.kid = b64(thumb[:])
	return k
}

func (k *signingKey) jwkN() string { return b64(k.priv.N.Bytes()) }
func (k *signingKey) jwkE() string { return b64(big.NewInt(int64(k.priv.E)).Bytes()) }

// forgeKey is the key ForgeJWT signs with: one for the whole package,
// since all a forgery needs is to be some other key.
var forgeKey = sync.OnceValue(newSigningKey)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwtHeader is the JOSE header of issued JWTs.
type jwtHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid"`
}

// githubClaims are the claims of a GitHub Actions OIDC token, in GitHub's
// order. GitHub's own claims are all strings; the registered time claims
// are numeric seconds.
type githubClaims struct {
	Jti                  string `json:"jti"`
	Sub                  string `json:"sub"`
	Aud                  string `json:"aud"`
	Ref                  string `json:"ref"`
	Sha                  string `json:"sha"`
	Repository           string `json:"repository"`
	RepositoryOwner      string `json:"repository_owner"`
	RunID                string `json:"run_id"`
	RunNumber            string `json:"run_number"`
	RunAttempt           string `json:"run_attempt"`
	Actor                string `json:"actor"`
	Workflow             string `json:"workflow"`
	HeadRef              string `json:"head_ref"`
	BaseRef              string `json:"base_ref"`
	EventName            string `json:"event_name"`
	RefType              string `json:"ref_type"`
	JobWorkflowRef       string `json:"job_workflow_ref"`
	RunnerEnvironment    string `json:"runner_environment"`
	Iss                  string `json:"iss"`
	Nbf                  int64  `json:"nbf"`
	Exp                  int64  `json:"exp"`
	Iat                  int64  `json:"iat"`
	RepositoryVisibility string `json:"repository_visibility"`
}

// signJWT returns the compact RS256 serialization of claims, signed by key
// but naming kid (a forgery names the genuine kid).
func signJWT(key *signingKey, kid string, claims any) string {
	h, err := json.Marshal(jwtHeader{Alg: "RS256", Typ: "JWT", Kid: kid})
	if err != nil {
		panic(fmt.Sprintf("sim: marshal JWT header: %v", err))
	}
	c, err := json.Marshal(claims)
	if err != nil {
		panic(fmt.Sprintf("sim: marshal JWT claims: %v", err))
	}
	input := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.priv, crypto.SHA256, sum[:])
	if err != nil {
		panic(errors.Join(errors.New("sim: sign JWT"), err))
	}
	return input + "." + b64(sig)
}

// claimsFor builds GitHub's claims for a token issued at now. The
// repository and ref claims follow the subject when it has GitHub's
// `repo:OWNER/REPO:ref:REF` shape, so a test changing OIDCSubject gets a
// consistent token.
func (s *Server) claimsFor(audience, subject string, lifetime time.Duration, now time.Time) githubClaims {
	audience = cmp.Or(audience, githubDefaultAudience)
	subject = cmp.Or(subject, s.opts.OIDCSubject)
	lifetime = cmp.Or(lifetime, s.opts.OIDCTokenLifetime)
	repo, ref := repoAndRef(subject)
	owner, _, _ := strings.Cut(repo, "/")
	return githubClaims{
		Jti:                  newUUID(),
		Sub:                  subject,
		Aud:                  audience,
		Ref:                  ref,
		Sha:                  sha256Hex([]byte(repo + "@" + ref))[:40],
		Repository:           repo,
		RepositoryOwner:      owner,
		RunID:                oidcRunID,
		RunNumber:            "42",
		RunAttempt:           "1",
		Actor:                oidcActor,
		Workflow:             oidcWorkflow,
		EventName:            oidcEventName,
		RefType:              "branch",
		JobWorkflowRef:       repo + "/.github/workflows/" + oidcWorkflow + ".yml@" + ref,
		RunnerEnvironment:    "github-hosted",
		Iss:                  OIDCIssuer,
		Nbf:                  now.Unix(),
		Exp:                  now.Add(lifetime).Unix(),
		Iat:                  now.Unix(),
		RepositoryVisibility: "private",
	}
}

// repoAndRef are the repository and ref a subject of GitHub's
// `repo:OWNER/REPO:ref:REF` shape names; the simulated job's own for the
// parts another subject does not name.
func repoAndRef(subject string) (repo, ref string) {
	repo, ref = oidcRepository, oidcRef
	rest, ok := strings.CutPrefix(subject, "repo:")
	if !ok {
		return repo, ref
	}
	r, tail, _ := strings.Cut(rest, ":")
	if strings.Count(r, "/") == 1 {
		repo = r
	}
	if v, ok := strings.CutPrefix(tail, "ref:"); ok && v != "" {
		ref = v
	}
	return repo, ref
}

// newUUID returns a random version 4 UUID, the shape of GitHub's jti.
func newUUID() string {
	h := newHexID()
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// IssueJWT issues a JWT as the OIDC endpoint would, signed with this
// server's key, at the gateway clock: for tests that need a token the
// endpoint would not give, e.g. an already expired one (negative lifetime)
// or one with another subject. An empty audience is GitHub's default
// ("https://github.com/octo-org"), an empty subject Options.OIDCSubject, a
// zero lifetime Options.OIDCTokenLifetime. It does not count towards
// OIDCTokensIssued.
func (s *Server) IssueJWT(audience, subject string, lifetime time.Duration) string {
	key := s.oidcKey()
	return signJWT(key, key.kid, s.claimsFor(audience, subject, lifetime, s.clock()))
}

// ForgeJWT returns a JWT that looks like one of IssueJWT's (same header and
// kid, valid claims for audience) but whose signature was made with another
// key, so IAM must reject it.
func (s *Server) ForgeJWT(audience string) string {
	return signJWT(forgeKey(), s.oidcKey().kid, s.claimsFor(audience, "", 0, s.clock()))
}

// OIDCTokensIssued returns how many tokens the OIDC endpoint has issued.
func (s *Server) OIDCTokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oidcIssued
}

// githubError is the shape of GitHub's API errors; they have no code, so
// the call log's Code stays "".
type githubError struct {
	Message string `json:"message"`
}

// oidcTokenResponse is the OIDC endpoint's answer.
type oidcTokenResponse struct {
	Count int    `json:"count"`
	Value string `json:"value"`
}

// issueOIDCToken is `GET /_github/oidc/token?audience=AUD`: a JWT for the
// audience (GitHub's default when absent), for a caller holding the
// request token.
func (s *Server) issueOIDCToken(req *request) response {
	tok, ok := strings.CutPrefix(req.http.Header.Get("Authorization"), "Bearer ")
	if !ok || !constantTimeEqual(tok, s.opts.OIDCRequestToken) {
		return response{status: http.StatusUnauthorized, body: githubError{
			Message: "Bad credentials: the bearer token is missing or is not the job's ACTIONS_ID_TOKEN_REQUEST_TOKEN",
		}}
	}
	key := s.oidcKey()
	jwt := signJWT(key, key.kid, s.claimsFor(req.http.URL.Query().Get("audience"), "", 0, req.now))
	s.mu.Lock()
	s.oidcIssued++
	s.mu.Unlock()
	return response{status: http.StatusOK, body: oidcTokenResponse{Count: 1, Value: jwt}}
}

// jwk is one RSA public key of a JWKS.
type jwk struct {
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// oidcJWKS is `GET /_github/oidc/.well-known/jwks`: the public key.
func (s *Server) oidcJWKS(*request) response {
	key := s.oidcKey()
	return response{status: http.StatusOK, body: map[string][]jwk{
		"keys": {{Kty: "RSA", Alg: "RS256", Use: "sig", Kid: key.kid, N: key.jwkN(), E: key.jwkE()}},
	}}
}

// verifiedClaims are the claims IAM reads from a verified JWT. aud may be
// a string or an array of strings (RFC 7519 §4.1.3).
type verifiedClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp *float64        `json:"exp"`
	Nbf *float64        `json:"nbf"`
}

// audiences returns the aud claim as a list.
func (c verifiedClaims) audiences() []string {
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(c.Aud, &many)
	return many
}

// verifyJWT checks that token is a compact RS256 JWT signed by key and
// returns its claims; the error says what is wrong with it. Claims are not
// checked here.
func verifyJWT(token string, key *signingKey) (verifiedClaims, error) {
	var c verifiedClaims
	hdr, rawClaims, sig, ok := decodeJWT(token)
	if !ok {
		return c, errMalformedJWT
	}
	if hdr.Alg != "RS256" {
		return c, fmt.Errorf("%w: alg %s is not RS256", errMalformedJWT, strconv.Quote(hdr.Alg))
	}
	if hdr.Kid != "" && hdr.Kid != key.kid {
		return c, errUnknownKey
	}
	signed := token[:strings.LastIndexByte(token, '.')]
	sum := sha256.Sum256([]byte(signed))
	if rsa.VerifyPKCS1v15(&key.priv.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return c, errBadSignature
	}
	if json.Unmarshal(rawClaims, &c) != nil {
		return c, errMalformedJWT
	}
	return c, nil
}

// decodeJWT splits a compact JWT into its decoded header, its claims
// (still JSON) and its signature; false when it is not three base64url
// parts with a JSON header.
func decodeJWT(token string) (hdr jwtHeader, rawClaims, sig []byte, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return hdr, nil, nil, false
	}
	rawHdr, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	rawClaims, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(rawHdr, &hdr) != nil {
		return hdr, nil, nil, false
	}
	return hdr, rawClaims, sig, true
}

var (
	errMalformedJWT = errors.New("the id_token is not a well-formed RS256 JWT")
	errUnknownKey   = errors.New("the id_token names a key (kid) that is not in the identity provider's JWKS")
	errBadSignature = errors.New("the id_token was not signed by a key of the identity provider's JWKS")
)
