package huawei

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The vectors come from the official Go SDK's signer tests
// (huaweicloud-sdk-go-v3 core/auth/signer/signer_test.go) and the API
// signing guide, as collected in the API notes.
func TestSignVectors(t *testing.T) {
	t.Parallel()
	const date = "20060102T150405Z"
	tests := []struct {
		name, method, path, query string
		body                      string
		want                      string
	}{
		{"get with query", "GET", "/path", "limit=1", "", "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"},
		{"post with body", "POST", "/path", "key=value", "{\"Name\":\"test\",\"Id\":1}\n", "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			assert.NoError(t, err)
			h := http.Header{}
			h.Set("X-Sdk-Date", date)
			got := Sign(SigningInput{
				Method: tt.method, Path: tt.path, Query: q, Header: h,
				Host: "example.huaweicloud.com", Signed: []string{"x-sdk-date"},
				BodyHash: HexSHA256([]byte(tt.body)),
			}, date, "AccessKey", "SecretKey")
			assert.Equal(t, tt.want, got.Signature)
			assert.Equal(t, "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature="+tt.want, got.Authorization)
		})
	}
}

func TestSignStringGuideVector(t *testing.T) {
	t.Parallel()
	got := SignString("SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a",
		"MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc")
	assert.Equal(t, "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe", got)
}

func TestCanonicalParts(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, want string }{
		{"", "/"},
		{"/", "/"},
		{"/v2/tasks/abc/start", "/v2/tasks/abc/start/"},
		{"/a b/ü", "/a%20b/%C3%BC/"},
		{"/keep-_.~/", "/keep-_.~/"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, CanonicalURI(tt.path), tt.path)
	}
	q := url.Values{"step_state": {"true"}, "record_id": {"b", "a"}, "a b": {"x/y"}}
	assert.Equal(t, "a%20b=x%2Fy&record_id=a&record_id=b&step_state=true", CanonicalQuery(q))
}

func TestSignCoversHostAndHeaders(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("X-Sdk-Date", "20260101T000000Z")
	h.Set("X-Project-Id", "  p1  ")
	in := SigningInput{Method: "GET", Path: "/x", Header: h, Host: "h.example", Signed: []string{"X-Sdk-Date", "host", "x-project-id"}}
	got := Sign(in, "20260101T000000Z", "AK", "SK")
	assert.Equal(t, "host;x-project-id;x-sdk-date", got.SignedHeaders)
	assert.Equal(t, "GET\n/x/\n\nhost:h.example\nx-project-id:p1\nx-sdk-date:20260101T000000Z\n\nhost;x-project-id;x-sdk-date\n"+EmptyBodyHash, got.CanonicalRequest)
	other := in
	other.Host = "evil.example"
	assert.NotEqual(t, got.Signature, Sign(other, "20260101T000000Z", "AK", "SK").Signature, "host must be covered")
}

func TestSignedHeaderNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want []string
	}{
		{nil, []string{}},
		{[]string{"X-Sdk-Date", "host", "Content-Type"}, []string{"content-type", "host", "x-sdk-date"}},
		{[]string{"B", "a"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, signedHeaderNames(tt.in), "%q", tt.in)
	}
}

func TestCanonicalHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     SigningInput
		signed []string
		want   string
	}{
		{"none", SigningInput{}, nil, ""},
		{"host from Host, values trimmed",
			SigningInput{Host: "example.com", Header: http.Header{"X-Sdk-Date": {" 20060102T150405Z "}, "Host": {"other"}}},
			[]string{"host", "x-sdk-date"}, "host:example.com\nx-sdk-date:20060102T150405Z\n"},
		{"a header not sent is signed empty", SigningInput{Header: http.Header{}}, []string{"x-project-id"}, "x-project-id:\n"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, canonicalHeaders(tt.in, tt.signed), tt.name)
	}
}
