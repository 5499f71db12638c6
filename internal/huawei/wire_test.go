package huawei

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huaweitest"
)

// These tests fix the three points where the action once differed from the
// official SDK's signer and wire form (huaweicloud-sdk-go-v3 v0.1.207
// core/auth/signer/signer.go canonicalQueryString, and
// core/request/default_http_request.go fillQueryParams and fillPath).
// The conformance module checks the same against the SDK itself.

// TestCanonicalQuerySortsRawBytes: the SDK sorts the raw keys, and the raw
// values of one key, and only then escapes them. Sorting the escaped forms
// orders differently as soon as a byte outside A-Z a-z 0-9 - _ . ~ is
// involved, because "%" sorts before digits and letters.
func TestCanonicalQuerySortsRawBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		q    url.Values
		want string
	}{
		{"keys: ':' sorts after '0' raw, '%3A' before it escaped", url.Values{"a:": {"1"}, "a0": {"2"}}, "a0=2&a%3A=1"},
		{"values: 'b' sorts before 'ü' raw, after '%C3%BC' escaped", url.Values{"k": {"ü", "b"}}, "k=b&k=%C3%BC"},
		{"keys: '@' sorts after '9' raw", url.Values{"x@": {"1"}, "x9": {"1"}}, "x9=1&x%40=1"},
		{"values: space and digits", url.Values{"k": {"a1", "a b"}}, "k=a%20b&k=a1"},
		{"empty values sort first", url.Values{"k": {"x", ""}}, "k=&k=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, CanonicalQuery(tt.q))
		})
	}
}

// TestSignVectorRawSortedQuery is a vector computed with the SDK's own
// signer (huaweicloud-sdk-go-v3 v0.1.207 core/auth/signer, Signer.Sign) for
// a query whose raw and escaped orders differ: GET /path with
// a:=1, a0=2, k=ü and k=b, AK "AccessKey", SK "SecretKey", only
// x-sdk-date signed, X-Sdk-Date 20060102T150405Z.
func TestSignVectorRawSortedQuery(t *testing.T) {
	t.Parallel()
	const date = "20060102T150405Z"
	h := http.Header{}
	h.Set("X-Sdk-Date", date)
	got := Sign(SigningInput{
		Method: "GET", Path: "/path",
		Query:  url.Values{"a:": {"1"}, "a0": {"2"}, "k": {"ü", "b"}},
		Header: h, Host: "example.huaweicloud.com", Signed: []string{"x-sdk-date"},
	}, date, "AccessKey", "SecretKey")
	assert.Equal(t, "GET\n/path/\na0=2&a%3A=1&k=b&k=%C3%BC\nx-sdk-date:"+date+"\n\nx-sdk-date\n"+EmptyBodyHash, got.CanonicalRequest)
	assert.Equal(t, sdkVectorRawSortedQuery, got.Signature)
}

// TestWireQueryLikeTheSDK: the SDK encodes the query with url.Values.Encode
// and then writes "+" as "%20", because the gateway reads a "+" as a
// literal plus; a key with an empty value goes without "=". A space must
// therefore never reach the wire as "+", or the gateway canonicalizes a
// different value than the one signed.
func TestWireQueryLikeTheSDK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		q    url.Values
		want string
	}{
		{"space is %20", url.Values{"q": {"a b"}}, "q=a%20b"},
		{"plus is %2B", url.Values{"p": {"1+1"}}, "p=1%2B1"},
		{"repeated keys keep their order", url.Values{"k": {"2", "1"}}, "k=2&k=1"},
		{"empty value has no =", url.Values{"e": {""}, "f": {"x"}}, "e&f=x"},
		{"reserved and unicode", url.Values{"r": {"a&b=c/d?ü"}}, "r=a%26b%3Dc%2Fd%3F%C3%BC"},
		{"no query", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := huaweitest.New(t, answer(200, nil, `{}`))
			_, err := newTestClient(t, srv.URL).Do(t.Context(), Request{Method: "GET", Path: "/v2/x", Query: tt.q, Idempotent: true}, nil)
			require.NoError(t, err)
			r := srv.Requests()[0]
			assert.Equal(t, tt.want, r.URL.RawQuery)
			assert.NotContains(t, r.URL.RawQuery, "+")
		})
	}
}

// TestWirePathEscapedOnce: the clients escape each id with url.PathEscape
// when they build Request.Path; the transport must send that path as it is
// and not escape the "%" again ("a%20b" becoming "a%2520b", which the
// service reads as an id containing "%20"). The signature covers the
// decoded path, escaped once, as the SDK's canonicalURI does.
func TestWirePathEscapedOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, id, wantEscaped string
	}{
		{"plain", "0123456789abcdef", "/v2/tasks/0123456789abcdef/start"},
		{"space", "a b", "/v2/tasks/a%20b/start"},
		{"percent", "50%", "/v2/tasks/50%25/start"},
		{"unicode", "ü", "/v2/tasks/%C3%BC/start"},
		{"sub-delims stay", "a:b@c+d", "/v2/tasks/a:b@c+d/start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := huaweitest.New(t, answer(200, nil, `{}`))
			_, err := newTestClient(t, srv.URL).Do(t.Context(), Request{Method: "POST", Path: "/v2/tasks/" + url.PathEscape(tt.id) + "/start"}, nil)
			require.NoError(t, err)
			r := srv.Requests()[0]
			assert.Equal(t, tt.wantEscaped, r.URL.EscapedPath(), "on the wire")
			assert.Equal(t, "/v2/tasks/"+tt.id+"/start", r.URL.Path, "as the service reads it")

			date := r.Header.Get("X-Sdk-Date")
			want := Sign(SigningInput{
				Method: "POST", Path: "/v2/tasks/" + tt.id + "/start", Header: r.Header,
				Host: r.Host, Signed: []string{"host", "x-sdk-date"},
			}, date, "AK", "SK")
			assert.Equal(t, want.Authorization, r.Header.Get("Authorization"))
		})
	}
}

// TestWirePathBelowBasePath: an endpoint with a path keeps it, escaped as
// given, in front of the request path.
func TestWirePathBelowBasePath(t *testing.T) {
	t.Parallel()
	srv := huaweitest.New(t, answer(200, nil, `{}`))
	_, err := newTestClient(t, srv.URL+"/gw%20x/").Do(t.Context(), Request{Method: "GET", Path: "/v2/tasks/" + url.PathEscape("a b"), Idempotent: true}, nil)
	require.NoError(t, err)
	assert.Equal(t, "/gw%20x/v2/tasks/a%20b", srv.Requests()[0].URL.EscapedPath())
}

// sdkVectorRawSortedQuery is the SDK signer's signature for the request of
// TestSignVectorRawSortedQuery.
const sdkVectorRawSortedQuery = "42c8b25b5ac0b0b17ca9616d153c5a6a0b7cb013ffaa3c349a318d0efbd6b1e2"
