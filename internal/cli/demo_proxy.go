package cli

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// This file serves the demo's simulator: on loopback, or over TLS with a
// private CA behind a CONNECT proxy (demo --proxy).

// proxied is the simulator served over TLS with a private CA, behind a
// CONNECT proxy.
type proxied struct {
	*sim.Proxy
	srv            *http.Server
	base, endpoint string

	mu       sync.Mutex
	accepted []string // remote addresses of the simulator's connections
}

// serveBehindProxy serves the simulator over TLS with a private CA,
// writes the CA into the workspace for ca_file, and starts a CONNECT proxy
// that tunnels *.sim.test to it. The step's process is this one, so the
// proxy is set in its environment, where net/http reads it, as the runner
// sets HTTPS_PROXY in a container's; NO_PROXY is emptied so that no name
// of *.sim.test is ever looked up in DNS.
func serveBehindProxy(h http.Handler, dir string) (*proxied, error) {
	id, err := sim.NewTLSIdentity()
	if err != nil {
		return nil, err
	}
	if err := writeWorkspaceCA(dir, id.CAPEM); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxied{base: "https://" + ln.Addr().String()}
	p.serveTLS(h, ln, id.Config)
	if p.Proxy, err = sim.NewProxy(ln.Addr().String(), 0); err != nil {
		p.srv.Close()
		return nil, err
	}
	for k, v := range map[string]string{"HTTPS_PROXY": p.URL, "https_proxy": "", "NO_PROXY": "", "no_proxy": ""} {
		_ = os.Setenv(k, v)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p.endpoint = "https://codearts." + sim.SimDomain + ":" + port
	return p, nil
}

// writeWorkspaceCA writes the private CA into the workspace, where the
// ca_file input names it.
func writeWorkspaceCA(dir string, pem []byte) error {
	ws := filepath.Join(dir, "workspace")
	if err := os.MkdirAll(ws, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(ws, "corp-ca.pem"), pem, 0o600)
}

// serveTLS serves h over TLS on ln, remembering every connection the
// simulator accepts for the verdict.
func (p *proxied) serveTLS(h http.Handler, ln net.Listener, config *tls.Config) {
	p.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, TLSConfig: config, ErrorLog: log.New(io.Discard, "", 0),
		ConnState: func(c net.Conn, st http.ConnState) {
			if st == http.StateNew {
				p.mu.Lock()
				p.accepted = append(p.accepted, c.RemoteAddr().String())
				p.mu.Unlock()
			}
		}}
	go func() {
		if err := p.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "simulator:", err)
		}
	}()
}

// Close stops the simulator, then the proxy.
func (p *proxied) Close() {
	p.srv.Close()
	p.Proxy.Close()
}

// verdict says whether every connection the simulator accepted came
// through the proxy's tunnels.
func (p *proxied) verdict() string {
	p.mu.Lock()
	accepted := slices.Clone(p.accepted)
	p.mu.Unlock()
	tunnels := p.Dialed()
	for _, a := range accepted {
		if !slices.Contains(tunnels, a) {
			return fmt.Sprintf("The simulator accepted a connection from %s, outside the proxy's tunnels.", a)
		}
	}
	return fmt.Sprintf("The simulator accepted %d connections, each one a tunnel of the proxy: the proxy carried every request.", len(accepted))
}

// serve starts h on addr and returns the server and its base URL.
func serve(h http.Handler, addr string) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "simulator:", err)
		}
	}()
	return srv, "http://" + ln.Addr().String(), nil
}
