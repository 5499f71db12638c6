package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// This file is the gateway's authentication, written from huawei-api.md §3
// and not shared with the client's signer: if both were the same code, a
// misreading of the spec would sign and verify consistently and never be
// caught.

const (
	signAlgorithm = "SDK-HMAC-SHA256"
	sdkDateFormat = "20060102T150405Z"
	// maxClockSkew is how far X-Sdk-Date may be from the gateway clock.
	maxClockSkew = 15 * time.Minute
	// lockoutFailures: an AK is locked after MORE than this many
	// consecutive signature failures...
	lockoutFailures = 5
	// ...for this long, during which even correct signatures are refused.
	lockoutDuration = 5 * time.Minute
)

const iamAuthError = "Incorrect IAM authentication information: "

// akState tracks consecutive failures of one access key for the lockout.
type akState struct {
	failures    int
	lockedUntil time.Time
}

// authenticate checks the token or the AK/SK signature. On failure it
// returns the gateway's answer and the Call fault ("locked" or ""). Every
// failure is the gateway's 401 APIGW.0301; only the message differs.
func (s *Server) authenticate(r *http.Request, body []byte, reqID string) (response, string, bool) {
	now := s.clock()
	var problem, fault string
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		problem = s.checkToken(tok, r.Header.Get("X-Project-Id"), now)
	} else {
		problem, fault = s.checkSignature(r, body, now)
	}
	if problem != "" {
		return gatewayError(http.StatusUnauthorized, "APIGW.0301", iamAuthError+problem, reqID), fault, false
	}
	return response{}, "", true
}

// checkToken checks an X-Auth-Token: one of Options.AuthTokens, or a token
// of the keyless exchange (iam.go), valid until it expires and only for
// the project it was scoped to. It returns "" or what is wrong.
func (s *Server) checkToken(tok, projectID string, now time.Time) string {
	for _, want := range s.opts.AuthTokens {
		if constantTimeEqual(tok, want) {
			return ""
		}
	}
	if found, problem := s.checkIAMToken(tok, projectID, now); found {
		return problem
	}
	return "decrypt token fail"
}

// checkSignature checks the AK/SK signature of r and keeps the lockout
// of the configured key. It returns "" or what is wrong, and the Call
// fault ("locked" when the key is locked out).
func (s *Server) checkSignature(r *http.Request, body []byte, now time.Time) (problem, fault string) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return "Authorization header or X-Auth-Token not found", ""
	}
	auth, perr := parseAuthorization(header)
	if auth.access == "" || auth.access != s.opts.AccessKeyID {
		// Unknown keys are not tracked: only the configured key can be
		// locked, and tracking arbitrary keys would grow without bound.
		if perr != "" {
			return perr, ""
		}
		return "access key not found", ""
	}
	st, locked := s.keyState(auth.access, now)
	if locked {
		return "the access key is locked after too many failed attempts, try again in 5 minutes", "locked"
	}
	problem, counts := s.verifySignature(r, body, auth, perr, now)
	s.recordAttempt(st, problem, counts, now)
	return problem, ""
}

// recordAttempt keeps the key's lockout count: a failure that counts adds
// one, a success starts the count afresh, anything else leaves it.
func (s *Server) recordAttempt(st *akState, problem string, counts bool, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case counts:
		st.countFailure(now)
	case problem == "":
		st.failures = 0
	}
}

// keyState returns the lockout state of access key ak, and whether it is
// locked at now.
func (s *Server) keyState(ak string, now time.Time) (*akState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.aks[ak]
	if st == nil {
		st = &akState{}
		s.aks[ak] = st
	}
	return st, now.Before(st.lockedUntil)
}

// countFailure counts one more consecutive failure, locking the key once
// there are more than lockoutFailures. Callers hold s.mu.
func (st *akState) countFailure(now time.Time) {
	st.failures++
	if st.failures > lockoutFailures {
		st.failures = 0
		st.lockedUntil = now.Add(lockoutDuration)
	}
}

// verifySignature checks a request of the configured key, whose
// Authorization header parsed to auth with the error perr. It returns ""
// or what is wrong, and whether that counts towards the lockout.
func (s *Server) verifySignature(r *http.Request, body []byte, auth authorization, perr string, now time.Time) (problem string, counts bool) {
	if perr != "" {
		return perr, true
	}
	date, problem := s.signatureProblem(r, body, auth)
	if problem != "" {
		return problem, true
	}
	if !s.securityTokenOK(r.Header.Get("X-Security-Token")) {
		return "security token invalid or expired", true
	}
	if clockSkewed(now, date) {
		// The gateway documents no code of its own for skew: its pages show
		// a skewed X-Sdk-Date as the same 401 APIGW.0301 "verify aksk
		// signature fail" as any other signature failure
		// (https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html),
		// and only its Date header (set on every answer) tells a client
		// that its clock is off. Not counted towards the lockout: the
		// signature was right.
		return "verify aksk signature fail", false
	}
	return "", false
}

// signatureProblem checks that the request is signed with the secret
// key, X-Sdk-Date included, and returns the signing date; the problem is
// empty when the signature is right.
func (s *Server) signatureProblem(r *http.Request, body []byte, auth authorization) (time.Time, string) {
	if !slices.Contains(auth.signedHeaders, "x-sdk-date") {
		return time.Time{}, "x-sdk-date must be among SignedHeaders"
	}
	dateStr := r.Header.Get("X-Sdk-Date")
	date, err := time.Parse(sdkDateFormat, dateStr)
	if err != nil {
		return time.Time{}, "X-Sdk-Date missing or not in the form 20060102T150405Z"
	}
	canonical := canonicalRequest(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, r.Host, auth.signedHeaders, body)
	want := sign(s.opts.SecretAccessKey, dateStr, canonical)
	if !hmac.Equal([]byte(want), []byte(auth.signature)) {
		return time.Time{}, "verify aksk signature fail"
	}
	return date, ""
}

// clockSkewed reports whether the signing date lies more than
// maxClockSkew either side of now.
func clockSkewed(now, date time.Time) bool {
	d := now.Sub(date)
	return d > maxClockSkew || d < -maxClockSkew
}

// securityTokenOK reports whether a signed request's X-Security-Token
// (tok, "" when absent) is acceptable: any when Options.SecurityTokens is
// empty, else one of them. Every configured token is compared, so the
// time taken does not tell which one matched.
func (s *Server) securityTokenOK(tok string) bool {
	if tok == "" || len(s.opts.SecurityTokens) == 0 {
		return true
	}
	ok := false
	for _, t := range s.opts.SecurityTokens {
		if constantTimeEqual(tok, t) {
			ok = true
		}
	}
	return ok
}

// authorization is a parsed `SDK-HMAC-SHA256 Access=..., SignedHeaders=...,
// Signature=...` header.
type authorization struct {
	access        string
	signedHeaders []string
	signature     string
}

// parseAuthorization parses the header; the error string is "" when the
// header is well formed. access is filled in whenever it could be read, so
// a malformed header still counts against its key.
func parseAuthorization(h string) (authorization, string) {
	var a authorization
	rest, ok := strings.CutPrefix(h, signAlgorithm+" ")
	if !ok {
		return a, "Authorization must start with " + signAlgorithm
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !a.set(k, v) {
			return a, "Authorization header is malformed"
		}
		seen[k] = true
	}
	if !seen["Access"] || !seen["SignedHeaders"] || !seen["Signature"] {
		return a, "Authorization header is malformed"
	}
	if !lowercaseNames(a.signedHeaders) {
		return a, "SignedHeaders must be lowercase header names"
	}
	return a, ""
}

// lowercaseNames reports whether every name is non-empty and lowercase,
// as SignedHeaders must be.
func lowercaseNames(names []string) bool {
	for _, n := range names {
		if n == "" || n != strings.ToLower(n) {
			return false
		}
	}
	return true
}

// set sets field k of the header to v; it is false for an unknown field.
func (a *authorization) set(k, v string) bool {
	switch k {
	case "Access":
		a.access = v
	case "SignedHeaders":
		if v != "" {
			a.signedHeaders = strings.Split(v, ";")
		}
	case "Signature":
		a.signature = v
	default:
		return false
	}
	return true
}

// sign returns the lowercase hex signature of a canonical request.
func sign(secretKey, sdkDate, canonical string) string {
	return hmacHex(secretKey, stringToSign(sdkDate, canonical))
}

func stringToSign(sdkDate, canonical string) string {
	return signAlgorithm + "\n" + sdkDate + "\n" + sha256Hex([]byte(canonical))
}

func hmacHex(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonicalRequest builds
// METHOD\nCanonicalURI\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nHexSHA256(body).
func canonicalRequest(method, escapedPath, rawQuery string, header http.Header, host string, signed []string, body []byte) string {
	return strings.Join([]string{
		method,
		canonicalURI(escapedPath),
		canonicalQuery(rawQuery),
		canonicalHeaders(header, host, signed),
		strings.Join(signed, ";"),
		sha256Hex(body),
	}, "\n")
}

// canonicalURI escapes each path segment and always ends in "/". Segments
// are split on the escaped path so an encoded "/" stays inside its
// segment, then decoded and re-escaped the canonical way.
func canonicalURI(escapedPath string) string {
	segs := strings.Split(escapedPath, "/")
	for i, seg := range segs {
		if dec, err := url.PathUnescape(seg); err == nil {
			seg = dec
		}
		segs[i] = signEscape(seg)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// canonicalQuery is the gateway's reading of the raw query (written
// independently of internal/huawei on purpose, like signEscape), in the
// order of the SDK's signer (huaweicloud-sdk-go-v3 v0.1.207
// core/auth/signer/signer.go canonicalQueryString): the keys sorted on
// their raw bytes, the values of one key too, and only then each escaped.
// A "+" on the wire is a literal plus, as the gateway reads it: the SDK
// never sends one for a space (default_http_request.go fillQueryParams
// writes "%20"), so a client that does has signed a different value. A key
// without "=" has an empty value (the SDK sends empty values that way).
// A query with a broken escape yields a canonical form no client signs, so
// its signature check fails.
func canonicalQuery(rawQuery string) string {
	values, ok := decodeQuery(rawQuery)
	if !ok {
		return unsignableQuery
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(values)) {
		vs := values[k]
		sort.Strings(vs)
		for _, v := range vs {
			out = append(out, signEscape(k)+"="+signEscape(v))
		}
	}
	return strings.Join(out, "&")
}

// decodeQuery splits a raw query into its decoded keys and values, a "+"
// staying a plus; ok is false when an escape is broken.
func decodeQuery(rawQuery string) (values map[string][]string, ok bool) {
	values = map[string][]string{}
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, kerr := url.PathUnescape(k)
		val, verr := url.PathUnescape(v)
		if kerr != nil || verr != nil {
			return nil, false
		}
		values[key] = append(values[key], val)
	}
	return values, true
}

// unsignableQuery stands for a query that cannot be decoded: signEscape
// never writes a NUL, so no signature matches it.
const unsignableQuery = "\x00undecodable query"

// canonicalHeaders lists `name:trimmed-value\n` for each signed header in
// SignedHeaders order. Host is not in r.Header on a server, so it comes
// from r.Host.
func canonicalHeaders(header http.Header, host string, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		var v string
		if name == "host" {
			v = host
		} else {
			v = strings.Join(header.Values(name), ",")
		}
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(strings.TrimSpace(v))
		b.WriteByte('\n')
	}
	return b.String()
}

// signEscape keeps A-Z a-z 0-9 - _ . ~ and writes every other byte as %XX
// with uppercase hex (unlike url.PathEscape, which keeps more).
//
// It is written independently of internal/huawei on purpose: the
// simulator shares no code with the clients (layout_test.go), so a client
// whose signer misreads the spec is refused here instead of being verified
// by its own mistake. Tools that compare code will pair this with the
// signer's escape; the likeness is the spec's, not a copy to factor out.
func signEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
