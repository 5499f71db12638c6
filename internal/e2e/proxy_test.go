package e2e

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// End-to-end tests of a runner behind an HTTP proxy that trusts a private
// CA. The simulator serves TLS with a CA of its own; the binary reaches it
// only through a CONNECT proxy on loopback, by host names of sim.test that
// no DNS resolves (Go never proxies a loopback URL, so the names must not
// look like loopback). The proxy resolves them itself, to the simulator:
// nothing leaves the machine.

// tlsSimulator is the simulator over TLS with its own CA, recording the
// address of every connection it accepts.
type tlsSimulator struct {
	*sim.Server
	id   *sim.TLSIdentity
	srv  *httptest.Server
	port string

	mu       sync.Mutex
	accepted []string
}

func newTLSSimulator(t *testing.T, scenario string) *tlsSimulator {
	t.Helper()
	id, err := sim.NewTLSIdentity()
	require.NoError(t, err)
	ts := &tlsSimulator{Server: newSimulator(t, sim.Options{}, scenario), id: id}
	ts.srv = httptest.NewUnstartedServer(ts.Server)
	ts.srv.TLS = id.Config
	ts.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.srv.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateNew {
			ts.mu.Lock()
			ts.accepted = append(ts.accepted, c.RemoteAddr().String())
			ts.mu.Unlock()
		}
	}
	ts.srv.StartTLS()
	t.Cleanup(ts.srv.Close)
	_, ts.port, _ = net.SplitHostPort(ts.srv.Listener.Addr().String())
	return ts
}

// url is the simulator as host name of sim.test, reached through a proxy.
func (ts *tlsSimulator) url(host string) string {
	return "https://" + host + "." + sim.SimDomain + ":" + ts.port
}

func (ts *tlsSimulator) connections() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.accepted)
}

// writeCA puts the simulator's CA into the step's workspace.
func (ts *tlsSimulator) writeCA(t *testing.T, s *step) string {
	t.Helper()
	path := filepath.Join(s.dir, "corp-ca.pem")
	require.NoError(t, os.WriteFile(path, ts.id.CAPEM, 0o600))
	return path
}

func newProxy(t *testing.T, ts *tlsSimulator, refuse int) *sim.Proxy {
	t.Helper()
	p, err := sim.NewProxy(ts.srv.Listener.Addr().String(), refuse)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// TestWholeDeployThroughProxy sends a keyless deploy with a health gate
// through the proxy: the GitHub token endpoint, IAM, CodeArts Deploy and
// the health endpoint, each by its own host name. Every connection the
// simulator accepted must be one of the proxy's tunnels.
func TestWholeDeployThroughProxy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		proxyVar, caFrom string
	}{
		{"HTTPS_PROXY and ca_file", "HTTPS_PROXY", "ca_file"},
		{"https_proxy and SSL_CERT_FILE", "https_proxy", "SSL_CERT_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTLSSimulator(t, "")
			proxy := newProxy(t, ts, 0)
			s := newStep(t, ts.url("codearts"), map[string]string{
				"task_id": taskOK, "params": paramsWithSecret,
				"idp_id": sim.DefaultIdPID, "iam_endpoint": ts.url("iam"), "oidc_audience": sim.DefaultOIDCAudience,
				"health_url": ts.url("app") + sim.HealthPath("checkout"), "health_interval": "200ms", "health_healthy": "2",
			})
			delete(s.env, "INPUT_ACCESS_KEY_ID")
			delete(s.env, "INPUT_SECRET_ACCESS_KEY")
			s.env["ACTIONS_ID_TOKEN_REQUEST_URL"] = ts.url("token") + "/_github/oidc/token?api-version=2.0"
			s.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = sim.DefaultOIDCRequestToken
			s.env[tt.proxyVar] = proxy.URL
			// The Go resolver, which never reaches beyond the machine
			// for these names: they are only ever given to the proxy.
			s.env["GODEBUG"] = "netdns=go"
			ca := ts.writeCA(t, s)
			if tt.caFrom == "ca_file" {
				s.env["GITHUB_WORKSPACE"] = s.dir
				s.env["INPUT_CA_FILE"] = "corp-ca.pem"
			} else {
				s.env["SSL_CERT_FILE"] = ca
			}

			code := s.run()
			stdout := s.stdout.String()
			require.Equal(t, 0, code, stdout)
			assert.Equal(t, "succeeded", s.outputs()["status"])
			assert.Equal(t, 1, ts.StartCount(taskOK))
			assert.Len(t, ts.HealthRequests("checkout"), 2)

			asked := proxy.Requests()
			for _, host := range []string{"token", "iam", "codearts", "app"} {
				assert.Contains(t, asked, "CONNECT "+host+"."+sim.SimDomain+":"+ts.port)
			}
			conns := ts.connections()
			require.NotEmpty(t, conns)
			tunnels := proxy.Dialed()
			for _, c := range conns {
				assert.Contains(t, tunnels, c, "a connection that did not come through the proxy")
			}
			assert.NotEmpty(t, ts.Calls())
			assertNoSecrets(t, s)
		})
	}
}

func TestProxyThatRefuses(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusForbidden, http.StatusProxyAuthRequired} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			ts := newTLSSimulator(t, "")
			proxy := newProxy(t, ts, status)
			s := newStep(t, ts.url("codearts"), map[string]string{"task_id": taskOK})
			offline(s, nil)
			s.env["HTTPS_PROXY"] = proxy.URL
			s.env["INPUT_CA_FILE"] = ts.writeCA(t, s)
			assertFailedAtOnce(t, s, s.run(), "cannot reach codearts.sim.test:"+ts.port,
				"the proxy "+proxy.URL[len("http://"):]+" (HTTPS_PROXY) refused to connect to codearts.sim.test:"+ts.port)
			assert.Len(t, proxy.Requests(), 1, "a refusal by policy is not retried")
			assert.Empty(t, ts.connections())
		})
	}
}

// TestNoProxyIsHonoured: a host NO_PROXY names is dialled directly, not
// through the proxy. The name is a .onion one, which Go's resolver refuses
// without asking DNS (RFC 7686), so the direct attempt fails at once, on
// the machine.
func TestNoProxyIsHonoured(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"NO_PROXY", "no_proxy"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts := newTLSSimulator(t, "")
			proxy := newProxy(t, ts, 0)
			s := newStep(t, "https://codearts.sim.onion", map[string]string{"task_id": taskOK})
			offline(s, nil)
			s.env["HTTPS_PROXY"] = proxy.URL
			s.env[v] = "sim.onion,example.com"
			assertFailedAtOnce(t, s, s.run(), "cannot reach codearts.sim.onion", "no suitable address found")
			assert.Empty(t, proxy.Requests(), "NO_PROXY names it: not proxied")
		})
	}
}

func TestPrivateCA(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		set  func(t *testing.T, ts *tlsSimulator, s *step)
		ok   bool
	}{
		{"trusted through ca_file", func(t *testing.T, ts *tlsSimulator, s *step) {
			ts.writeCA(t, s)
			s.env["GITHUB_WORKSPACE"] = s.dir
			s.env["INPUT_CA_FILE"] = "corp-ca.pem"
		}, true},
		{"trusted through SSL_CERT_FILE", func(t *testing.T, ts *tlsSimulator, s *step) {
			s.env["SSL_CERT_FILE"] = ts.writeCA(t, s)
		}, true},
		{"not trusted without it", func(*testing.T, *tlsSimulator, *step) {}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTLSSimulator(t, "")
			// Straight to the simulator on loopback: its certificate is
			// valid for 127.0.0.1 too.
			s := newStep(t, "https://127.0.0.1:"+ts.port, map[string]string{"task_id": taskOK})
			tt.set(t, ts, s)
			code := s.run()
			if tt.ok {
				require.Equal(t, 0, code, s.stdout.String())
				assert.Equal(t, "succeeded", s.outputs()["status"])
				return
			}
			assertFailedAtOnce(t, s, code, "invalid certificate: certificate signed by unknown authority", "trust its CA with ca_file or SSL_CERT_FILE")
			assert.Empty(t, ts.Calls())
		})
	}
}

func TestCAFileMissingFailsBeforeSending(t *testing.T) {
	t.Parallel()
	srv, url := simulator(t, "")
	s := newStep(t, url, map[string]string{"task_id": taskOK, "ca_file": "certs/corp-ca.pem"})
	s.env["GITHUB_WORKSPACE"] = s.dir
	refusedBeforeSending(t, srv, s, "ca_file: file", "a container action sees only the workspace")
}
