package sim

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tlsSim serves the simulator over TLS with its own CA on loopback.
func tlsSim(t *testing.T) (*httptest.Server, *TLSIdentity) {
	t.Helper()
	id, err := NewTLSIdentity()
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(New(Options{AccessKeyID: testAK, SecretAccessKey: testSK}))
	srv.TLS = id.Config
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, id
}

func proxiedClient(t *testing.T, proxy string, ca []byte) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca))
	u, err := url.Parse(proxy)
	require.NoError(t, err)
	return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u), TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func TestProxyTunnelsSimNamesToTheSimulator(t *testing.T) {
	t.Parallel()
	srv, id := tlsSim(t)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, err := NewProxy(srv.Listener.Addr().String(), 0)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	c := proxiedClient(t, p.URL, id.CAPEM)

	resp, err := c.Get("https://codearts.sim.test:" + port + HealthPath("app"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, healthyBody, string(body), "the private CA's certificate is valid for *.sim.test")
	assert.Equal(t, []string{"CONNECT codearts.sim.test:" + port}, p.Requests())
	assert.Len(t, p.Dialed(), 1)

	_, err = c.Get("https://example.com/")
	require.Error(t, err, "only *.sim.test is tunnelled")
	assert.Contains(t, p.Requests(), "CONNECT example.com:443")
	assert.Len(t, p.Dialed(), 1, "nothing dialled for it")
}

func TestProxyRefusing(t *testing.T) {
	t.Parallel()
	srv, id := tlsSim(t)
	p, err := NewProxy(srv.Listener.Addr().String(), http.StatusForbidden)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	_, err = proxiedClient(t, p.URL, id.CAPEM).Get("https://codearts.sim.test/")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Forbidden")
	assert.Empty(t, p.Dialed())

	_, err = NewProxy("example.com:443", 0)
	assert.ErrorContains(t, err, "is not a loopback address")
}

func TestProxyRefusal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		refuse         int
		method, host   string
		wantStatus     int
		wantTextPrefix string
	}{
		{"a sim name", 0, http.MethodConnect, "codearts.sim.test:443", 0, ""},
		{"the bare domain", 0, http.MethodConnect, "sim.test:443", 0, ""},
		{"elsewhere", 0, http.MethodConnect, "example.com:443", http.StatusForbidden, "this proxy only reaches"},
		{"a look-alike", 0, http.MethodConnect, "evilsim.test:443", http.StatusForbidden, "this proxy only reaches"},
		{"not a tunnel", 0, http.MethodGet, "codearts.sim.test:80", http.StatusMethodNotAllowed, "this proxy only tunnels"},
		{"refusing", http.StatusProxyAuthRequired, http.MethodConnect, "codearts.sim.test:443", http.StatusProxyAuthRequired, "refused"},
	}
	for _, tc := range tests {
		p := &Proxy{Refuse: tc.refuse}
		status, text := p.refusal(&http.Request{Method: tc.method, Host: tc.host})
		assert.Equal(t, tc.wantStatus, status, tc.name)
		assert.True(t, strings.HasPrefix(text, tc.wantTextPrefix), "%s: %q", tc.name, text)
	}
}
