package huawei

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
)

// Transport returns the transport of every request the action sends (the
// services, IAM, GitHub's token endpoint, the health check): Go's default
// transport, which honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY in either
// case (never proxying loopback), with a proxy's refusal typed (see
// unreachable.go) and roots as the trusted CAs; nil roots trust the
// system's, which on Linux include SSL_CERT_FILE's.
func Transport(roots *x509.CertPool) http.RoundTripper {
	if roots == nil {
		return defaultTransport
	}
	t, ok := defaultTransport.(*http.Transport)
	if !ok {
		return defaultTransport
	}
	t = t.Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	return t
}

// WithRootCAs makes the client trust roots instead of the system's CAs
// alone (see CertPool).
func WithRootCAs(roots *x509.CertPool) Option {
	return func(c *Client) {
		if roots != nil {
			c.http.Transport = Transport(roots)
		}
	}
}

// CertPool returns the system's roots with every certificate of the PEM
// bundles added; nil when there are no bundles, so the default transport
// and its lazily loaded system roots stay in use. A system without a
// readable root store gets the bundles alone.
func CertPool(bundles ...[]byte) (*x509.CertPool, error) {
	if len(bundles) == 0 {
		return nil, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, b := range bundles {
		if !pool.AppendCertsFromPEM(b) {
			return nil, errors.New("a CA bundle holds no PEM certificate")
		}
	}
	return pool, nil
}
