package huaweitest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Post(url, "text/plain", strings.NewReader("sent"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestScriptedAnswersInOrderThenTheLast(t *testing.T) {
	t.Parallel()
	s := New(t, Answer{Status: 503, Body: "busy"}, Answer{Body: "one", Header: map[string]string{"X-Request-Id": "mine"}}, OK("two"))
	tests := []struct {
		wantStatus int
		wantBody   string
		wantID     string
	}{
		{503, "busy", "req-a"},
		{200, "one", "mine"},
		{200, "two", "req-c"},
		{200, "two", "req-d"},
	}
	for i, tt := range tests {
		status, body, h := get(t, s.URL+fmt.Sprintf("/p/%d?q=%d", i, i))
		if status != tt.wantStatus || body != tt.wantBody || h.Get("X-Request-Id") != tt.wantID {
			t.Errorf("answer %d: got %d %q %q, want %d %q %q", i, status, body, h.Get("X-Request-Id"), tt.wantStatus, tt.wantBody, tt.wantID)
		}
		if got, want := h.Get("Content-Type"), "application/json"; got != want {
			t.Errorf("answer %d: Content-Type %q, want %q", i, got, want)
		}
	}
	reqs := s.Requests()
	if got, want := len(reqs), len(tests); got != want || s.Count() != want {
		t.Fatalf("got %d requests (Count %d), want %d", got, s.Count(), want)
	}
	for i, r := range reqs {
		if r.Method != "POST" || r.Path != fmt.Sprintf("/p/%d", i) || r.URL.Query().Get("q") != fmt.Sprint(i) || r.Body != "sent" || r.Header.Get("Content-Type") != "text/plain" {
			t.Errorf("request %d recorded as %+v", i, r)
		}
	}
}

func TestServeRecordsAndHandlerSeesTheBody(t *testing.T) {
	t.Parallel()
	s := Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(append([]byte("echo "), b...))
	}))
	_, body, _ := get(t, s.URL+"/x")
	if got, want := body, "echo sent"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := s.Requests(); len(got) != 1 || got[0].Body != "sent" {
		t.Errorf("recorded %+v", got)
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	for i, want := range map[int]string{0: "req-a", 1: "req-b", 25: "req-z", 26: "req-26"} {
		if got := RequestID(i); got != want {
			t.Errorf("RequestID(%d) = %q, want %q", i, got, want)
		}
	}
}

// recorder is a testing.TB that keeps the errors reported to it.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestSigned(t *testing.T) {
	t.Parallel()
	signed := http.Header{"X-Sdk-Date": {"20250709T113628Z"}, "Authorization": {"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-project-id;x-sdk-date, Signature=abc"}}
	tests := []struct {
		name    string
		header  http.Header
		ak      string
		headers []string
		wantOK  bool
	}{
		{"signed", signed, "AK", []string{"host", "x-project-id"}, true},
		{"another key", signed, "OTHER", nil, false},
		{"a header not signed", signed, "AK", []string{"x-security-token"}, false},
		{"a prefix of a signed header", signed, "AK", []string{"x-project"}, false},
		{"no date", http.Header{"Authorization": signed["Authorization"]}, "AK", nil, false},
		{"a token, not a signature", http.Header{"X-Auth-Token": {"t"}}, "AK", nil, false},
	}
	for _, tt := range tests {
		rec := &recorder{TB: t}
		ok := Signed(rec, Request{Method: "GET", Path: "/x", Header: tt.header}, tt.ak, tt.headers...)
		if ok != tt.wantOK || (len(rec.errs) == 0) != tt.wantOK {
			t.Errorf("%s: Signed = %v with errors %q, want %v", tt.name, ok, rec.errs, tt.wantOK)
		}
	}
}

func TestTLSServersAnswerOverHTTPS(t *testing.T) {
	t.Parallel()
	for name, s := range map[string]*Server{
		"NewTLS":   NewTLS(t, OK("{}")),
		"ServeTLS": ServeTLS(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "{}") })),
	} {
		if !strings.HasPrefix(s.URL, "https://127.0.0.1:") {
			t.Errorf("%s: URL %s", name, s.URL)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(s.CertificatePEM()) {
			t.Fatalf("%s: CertificatePEM is no PEM certificate", name)
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		resp, err := c.Get(s.URL + "/x")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "{}" || s.Count() != 1 {
			t.Errorf("%s: got %q after %d requests", name, b, s.Count())
		}
		// An untrusting client fails the handshake; the server logs nothing.
		if _, err := http.Get(s.URL); err == nil {
			t.Errorf("%s: an untrusting client got through", name)
		}
	}
}

func TestOne(t *testing.T) {
	t.Parallel()
	s := New(t, OK("{}"))
	tests := []struct {
		name         string
		method, path string
		wantErrors   int
	}{
		{"as asked", "POST", "/a", 0},
		{"another method", "GET", "/a", 1},
		{"another path", "POST", "/b", 1},
	}
	get(t, s.URL+"/a")
	for _, tt := range tests {
		rec := &recorder{TB: t}
		if r := s.One(rec, tt.method, tt.path); r.Path != "/a" || len(rec.errs) != tt.wantErrors {
			t.Errorf("%s: got %s with errors %q", tt.name, r.Path, rec.errs)
		}
	}
}
