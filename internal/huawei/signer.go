package huawei

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Algorithm is the name of Huawei Cloud's AK/SK signing scheme.
const Algorithm = "SDK-HMAC-SHA256"

// DateFormat is the layout of the X-Sdk-Date header.
const DateFormat = "20060102T150405Z"

// EmptyBodyHash is the hex SHA-256 of an empty body.
const EmptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// SigningInput is everything the signature depends on. Building it is the
// caller's job; Sign itself is a pure function, so it can be tested with the
// published vectors and its intermediate strings shown in debug logs.
type SigningInput struct {
	Method   string
	Path     string     // the request path, unescaped (url.URL.Path)
	Query    url.Values // the query parameters
	Header   http.Header
	Host     string   // the Host header value
	Signed   []string // lower-case names of the headers to sign; "host" means Host
	BodyHash string   // lower-case hex SHA-256 of the exact body bytes
}

// Signature is the result of signing, with the intermediate strings kept for
// tests and debugging (they contain no secret).
type Signature struct {
	CanonicalRequest string
	StringToSign     string
	SignedHeaders    string
	Signature        string // lower-case hex
	Authorization    string // the complete Authorization header value
}

// Sign computes the SDK-HMAC-SHA256 signature of in, as of the X-Sdk-Date
// header value date, with the given key pair.
func Sign(in SigningInput, date, accessKeyID, secretAccessKey string) Signature {
	signed := signedHeaderNames(in.Signed)
	signedHeaders := strings.Join(signed, ";")
	canonical := canonicalRequest(in, signed, signedHeaders)
	stringToSign := Algorithm + "\n" + date + "\n" + HexSHA256([]byte(canonical))
	sig := hmacHex(secretAccessKey, stringToSign)
	return Signature{
		CanonicalRequest: canonical,
		StringToSign:     stringToSign,
		SignedHeaders:    signedHeaders,
		Signature:        sig,
		Authorization:    Algorithm + " Access=" + accessKeyID + ", SignedHeaders=" + signedHeaders + ", Signature=" + sig,
	}
}

// signedHeaderNames is names in lower case, sorted: the order in which
// the headers are signed and listed.
func signedHeaderNames(names []string) []string {
	signed := make([]string, len(names))
	for i, h := range names {
		signed[i] = strings.ToLower(h)
	}
	sort.Strings(signed)
	return signed
}

// canonicalRequest joins the six lines the signature covers: method, URI,
// query, headers, signed header names and body hash.
func canonicalRequest(in SigningInput, signed []string, signedHeaders string) string {
	bodyHash := in.BodyHash
	if bodyHash == "" {
		bodyHash = EmptyBodyHash
	}
	return strings.Join([]string{
		in.Method,
		CanonicalURI(in.Path),
		CanonicalQuery(in.Query),
		canonicalHeaders(in, signed),
		signedHeaders,
		bodyHash,
	}, "\n")
}

// canonicalHeaders writes each signed header as "name:value\n", its value
// trimmed; "host" is the Host header value, which http.Header does not hold.
func canonicalHeaders(in SigningInput, signed []string) string {
	var headers strings.Builder
	for _, name := range signed {
		value := in.Header.Get(name)
		if name == "host" {
			value = in.Host
		}
		headers.WriteString(name)
		headers.WriteByte(':')
		headers.WriteString(strings.TrimSpace(value))
		headers.WriteByte('\n')
	}
	return headers.String()
}

// SignString returns the signature of a ready string-to-sign; it exists for
// the signing guide's vector, which starts from that string.
func SignString(stringToSign, secretAccessKey string) string {
	return hmacHex(secretAccessKey, stringToSign)
}

// FormatDate formats t as an X-Sdk-Date value.
func FormatDate(t time.Time) string { return t.UTC().Format(DateFormat) }

// CanonicalURI escapes each path segment and always ends in "/", as the
// gateway expects.
func CanonicalURI(path string) string {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		segments[i] = escape(s)
	}
	uri := strings.Join(segments, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri
}

// CanonicalQuery sorts the raw keys bytewise, and the raw values of one
// key, and only then escapes each and joins them as k=v pairs with "&".
// The order is the SDK's (huaweicloud-sdk-go-v3 v0.1.207
// core/auth/signer/signer.go canonicalQueryString): sorting the escaped
// forms instead differs whenever a byte outside A-Z a-z 0-9 - _ . ~ is
// involved, since "%" sorts before digits and letters.
func CanonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		values := append([]string(nil), q[k]...)
		sort.Strings(values)
		ek := escape(k)
		for _, v := range values {
			parts = append(parts, ek+"="+escape(v))
		}
	}
	return strings.Join(parts, "&")
}

// HexSHA256 is the lower-case hex SHA-256 of b.
func HexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacHex(key, data string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(data))
	return hex.EncodeToString(m.Sum(nil))
}

// escape keeps A-Z a-z 0-9 - _ . ~ and writes every other byte as %XX.
// The simulator's signEscape is a deliberate twin: it shares no code with
// the clients, so that a signer misreading the spec is refused there.
func escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
