package huawei

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
)

// UnreachableError says that a request could not reach its host for a
// reason no retry can change: the name does not exist, the address is
// malformed, the certificate is not valid for the host, a host outside
// loopback refused the connection, or the proxy refused the tunnel. In every
// case the request was not sent.
type UnreachableError struct {
	Service string // e.g. "CodeArts Deploy"
	Host    string // the endpoint's host[:port]
	Reason  string // what went wrong, in words
	Err     error  // the transport's error
}

// Error names the host and the reason, and the inputs that choose the host.
func (e *UnreachableError) Error() string {
	inputs := "region and endpoint"
	if e.Service == "IAM" {
		inputs = "region and iam_endpoint"
	}
	return fmt.Sprintf("%s: cannot reach %s: %s; check %s", e.Service, e.Host, e.Reason, inputs)
}

// Unwrap returns the transport's error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// permanentTransportError returns an *UnreachableError when err, a failed
// attempt's transport error, can never succeed on a retry; nil otherwise.
// Retrying these only turns a clear cause into a timeout at the end of the
// whole budget.
func (c *Client) permanentTransportError(err error) error {
	if reason := unreachableReason(err); reason != "" {
		return &UnreachableError{Service: c.service, Host: c.base.Host, Reason: reason, Err: err}
	}
	return nil
}

// UnreachableReason says why err, a transport error of any HTTP client
// that uses Transport, can never succeed on a retry, or "" when a retry
// might: for the requests the action sends outside a Client (GitHub's ID
// token endpoint, the health check).
func UnreachableReason(err error) string { return unreachableReason(err) }

// unreachableReason says why err can never succeed, or "" when a retry
// might: a DNS timeout, a dropped connection, a refusal on loopback (the
// simulator may be restarting), a proxy's 5xx.
func unreachableReason(err error) string {
	var dnsErr *net.DNSError
	var addrErr *net.AddrError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var proxyErr *proxyRefusedError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "no such host: DNS has no address for " + dnsErr.Name
	case errors.As(err, &addrErr):
		// Before any connection: a port out of range, or a name that
		// resolves to no usable address (Go answers so for .onion
		// names, RFC 7686).
		return fmt.Sprintf("address %s: %s", addrErr.Addr, addrErr.Err)
	case errors.As(err, &certErr):
		return certificateReason(certErr)
	case errors.As(err, &recErr):
		// (net/http reports an HTTP server behind an https URL
		// with an untyped error, which stays retryable.)
		return "the server does not speak TLS"
	case errors.As(err, &proxyErr) && proxyErr.permanent():
		return proxyErr.Error()
	}
	if addr, ok := refusedBy(err); ok && !isLoopbackAddr(addr) {
		return "connection refused by " + addr.String()
	}
	return ""
}

// certificateReason says why the certificate was refused, with a hint
// when no trusted CA signed it.
func certificateReason(certErr *tls.CertificateVerificationError) string {
	msg := "invalid certificate: " + strings.TrimPrefix(certErr.Err.Error(), "x509: ")
	var unknown x509.UnknownAuthorityError
	if errors.As(certErr.Err, &unknown) {
		msg += " (a private CA or a TLS-inspecting proxy: trust its CA with ca_file or SSL_CERT_FILE)"
	}
	return msg
}

// refusedBy returns the address that refused the connection, if err is a
// refused dial.
func refusedBy(err error) (net.Addr, bool) {
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return nil, false
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		return nil, false
	}
	// A proxy's dial is wrapped in a "proxyconnect" error: the address
	// is on the innermost one.
	for {
		var inner *net.OpError
		if !errors.As(op.Err, &inner) {
			break
		}
		op = inner
	}
	return op.Addr, op.Addr != nil
}

func isLoopbackAddr(a net.Addr) bool {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.IsLoopback()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// proxyRefusedError is a proxy's answer other than 200 to a CONNECT.
type proxyRefusedError struct {
	Proxy, Target string
	StatusCode    int
	Status        string
}

func (e *proxyRefusedError) Error() string {
	return fmt.Sprintf("the proxy %s (HTTPS_PROXY) refused to connect to %s: %s", e.Proxy, e.Target, e.Status)
}

// permanent reports whether the refusal is the proxy's policy (403, 407 and
// other 4xx) rather than a passing fault (408, 429, 5xx).
func (e *proxyRefusedError) permanent() bool {
	return e.StatusCode >= 400 && e.StatusCode < 500 &&
		e.StatusCode != http.StatusRequestTimeout && e.StatusCode != http.StatusTooManyRequests
}

// defaultTransport is http.DefaultTransport, which honours HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY (never proxying loopback), with the proxy's
// refusal of a CONNECT turned into a typed error, so the retry
// classification can tell policy from a passing fault.
var defaultTransport = newDefaultTransport()

func newDefaultTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.OnProxyConnectResponse = func(_ context.Context, proxy *url.URL, req *http.Request, resp *http.Response) error {
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		return &proxyRefusedError{Proxy: proxy.Host, Target: req.Host, StatusCode: resp.StatusCode, Status: resp.Status}
	}
	return t
}
