// Package huaweitest is the scripted test server of the client packages'
// tests: it serves answers on loopback (httptest), records each request it
// receives, and checks what a test expects of them. It also holds the
// small fakes several packages' tests share (a clock, a log collector, an
// answer rewriter; fakes.go). It is test support,
// imported only by _test.go files, and imports nothing of the project, so
// that huawei's own tests can use it too.
package huaweitest

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Answer is one scripted answer.
type Answer struct {
	Status int // 200 when 0
	Body   string
	// Header is set on the answer, over the defaults (Content-Type
	// application/json, X-Request-Id req-a, req-b, ... by request).
	Header map[string]string
	// Handle, when set, answers instead of the fields above.
	Handle http.HandlerFunc
}

// OK is a 200 answer with body.
func OK(body string) Answer { return Answer{Status: http.StatusOK, Body: body} }

// Request is one request as the server received it.
type Request struct {
	Method string
	Path   string // decoded
	URL    *url.URL
	Host   string // the Host header
	Header http.Header
	Body   string
}

// Server answers each request with the next scripted answer, repeating the
// last, and records the requests. It is closed when the test ends.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:port.
	URL string
	srv *httptest.Server

	mu      sync.Mutex
	answers []Answer
	handler http.Handler
	reqs    []Request
}

// New starts a server of the scripted answers (at least one).
func New(t testing.TB, answers ...Answer) *Server {
	t.Helper()
	if len(answers) == 0 {
		t.Fatal("huaweitest.New: no answer to serve")
	}
	return start(t, &Server{answers: answers}, false)
}

// NewTLS is New over HTTPS, with a certificate of its own that no system
// trusts (see Certificate). Handshake errors, which tests of untrusted
// certificates cause on purpose, are not logged.
func NewTLS(t testing.TB, answers ...Answer) *Server {
	t.Helper()
	if len(answers) == 0 {
		t.Fatal("huaweitest.NewTLS: no answer to serve")
	}
	return start(t, &Server{answers: answers}, true)
}

// ServeTLS is Serve over HTTPS, as NewTLS is New.
func ServeTLS(t testing.TB, h http.Handler) *Server {
	t.Helper()
	return start(t, &Server{handler: h}, true)
}

// Serve starts a server that answers with h, for answers that depend on
// the request; it records the requests like New.
func Serve(t testing.TB, h http.Handler) *Server {
	t.Helper()
	return start(t, &Server{handler: h}, false)
}

func start(t testing.TB, s *Server, tls bool) *Server {
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if tls {
		s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	return s
}

// Certificate is the certificate of a NewTLS or ServeTLS server.
func (s *Server) Certificate() *x509.Certificate { return s.srv.Certificate() }

// CertificatePEM is Certificate in PEM, as a CA file holds it.
func (s *Server) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	s.mu.Lock()
	i := len(s.reqs)
	s.reqs = append(s.reqs, Request{Method: r.Method, Path: r.URL.Path, URL: r.URL, Host: r.Host, Header: r.Header.Clone(), Body: string(body)})
	s.mu.Unlock()
	if s.handler != nil {
		s.handler.ServeHTTP(w, r)
		return
	}
	s.answers[min(i, len(s.answers)-1)].write(w, r, i)
}

// write sends a, the answer to the request numbered i (from 0).
func (a Answer) write(w http.ResponseWriter, r *http.Request, i int) {
	if a.Handle != nil {
		a.Handle(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", RequestID(i))
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, a.Body)
}

// RequestID is the X-Request-Id of the answer to request i (from 0):
// req-a, req-b, ...
func RequestID(i int) string {
	if i < 26 {
		return "req-" + string(rune('a'+i))
	}
	return fmt.Sprintf("req-%d", i)
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// One checks that the server received exactly one request, a method
// request of path, and returns it.
func (s *Server) One(t testing.TB, method, path string) Request {
	t.Helper()
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("the server received %d requests, want 1", len(reqs))
	}
	if r := reqs[0]; r.Method != method || r.Path != path {
		t.Errorf("the server received %s %s, want %s %s", r.Method, r.Path, method, path)
	}
	return reqs[0]
}

// Count is the number of requests received so far.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// Signed checks that r carries an SDK-HMAC-SHA256 signature by access key
// ak over at least the headers named (lower case), and reports what is
// missing through t. The signature's value is the signer's tests' to check.
func Signed(t testing.TB, r Request, ak string, headers ...string) bool {
	t.Helper()
	ok := r.Header.Get("X-Sdk-Date") != ""
	if !ok {
		t.Errorf("%s %s: no X-Sdk-Date", r.Method, r.Path)
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "SDK-HMAC-SHA256 Access="+ak+", SignedHeaders=") {
		t.Errorf("%s %s: Authorization %q is not an SDK-HMAC-SHA256 signature by %s", r.Method, r.Path, auth, ak)
		return false
	}
	_, rest, _ := strings.Cut(auth, "SignedHeaders=")
	signed, _, _ := strings.Cut(rest, ",")
	for _, h := range headers {
		if !strings.Contains(";"+signed+";", ";"+h+";") {
			t.Errorf("%s %s: %q is not among the signed headers %q", r.Method, r.Path, h, signed)
			ok = false
		}
	}
	return ok
}
