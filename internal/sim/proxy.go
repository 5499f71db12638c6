package sim

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// This file lets the simulator play a corporate network: a CONNECT proxy
// on loopback (what HTTPS_PROXY names on a self-hosted runner) and a
// private CA whose certificate the simulator serves TLS with. Go never
// proxies loopback URLs, so a client is pointed at a host name that does
// not look like loopback (SimDomain, reserved by RFC 2606 and resolved by
// no DNS); the proxy resolves every such name itself, to the simulator on
// loopback. Nothing leaves the machine.

// SimDomain is the domain of the names the proxy tunnels to the
// simulator: codearts.sim.test, iam.sim.test, ...
const SimDomain = "sim.test"

// TLSIdentity is a private CA and a server certificate it signed for
// *.sim.test, localhost and 127.0.0.1.
type TLSIdentity struct {
	// CAPEM is the CA certificate, what a client is told to trust
	// (ca_file, SSL_CERT_FILE).
	CAPEM []byte
	// Config serves TLS with the server certificate.
	Config *tls.Config
}

// NewTLSIdentity makes a CA and a server certificate valid for a day.
func NewTLSIdentity() (*TLSIdentity, error) {
	now := time.Now()
	caKey, caDER, err := newCA(now)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, leafDER, err := newLeaf(now, caCert, caKey)
	if err != nil {
		return nil, err
	}
	return &TLSIdentity{
		CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Config: &tls.Config{
			Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}},
			MinVersion:   tls.VersionTLS12,
		},
	}, nil
}

// newCA makes the self-signed CA, valid from an hour before now for a day.
func newCA(now time.Time) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "deploy-action simulator CA", Organization: []string{"deploy-action"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, ca, ca, &key.PublicKey, key)
	return key, der, err
}

// newLeaf makes the server certificate for *.sim.test, localhost and the
// loopback addresses, signed by the CA.
func newLeaf(now time.Time, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "*." + SimDomain},
		DNSNames:     []string{"*." + SimDomain, "localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	return key, der, err
}

// Proxy is an HTTP CONNECT proxy on loopback. It tunnels a CONNECT to any
// host of SimDomain to Target, whatever the port asked, and refuses
// everything else with 403, so nothing it is asked for can reach beyond
// the machine. With Refuse set it refuses every CONNECT with that status.
type Proxy struct {
	// URL is the proxy's address, for HTTPS_PROXY.
	URL string
	// Target is where every tunnel goes: the simulator's loopback address.
	Target string
	// Refuse, when not 0, is the status every CONNECT is refused with.
	Refuse int

	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	asks []string // "CONNECT host:port", in order
	// dialed are the local addresses of the tunnels' connections to
	// Target: the addresses the simulator sees them come from.
	dialed []string
	conns  map[net.Conn]bool
	closed bool
}

// NewProxy starts a proxy on a free loopback port that tunnels to target,
// a loopback host:port.
func NewProxy(target string, refuse int) (*Proxy, error) {
	host, _, err := net.SplitHostPort(target)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("proxy target %q is not a loopback address", target)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), Target: target, Refuse: refuse, ln: ln, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Requests returns what the proxy was asked, "CONNECT host:port" (or
// "METHOD URL" for a plain proxied request), in order.
func (p *Proxy) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asks...)
}

// Dialed returns the local addresses of the proxy's connections to the
// target, in order.
func (p *Proxy) Dialed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialed...)
}

// Close stops the proxy and ends its tunnels.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	_ = p.ln.Close()
	p.wg.Wait()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			_ = c.Close()
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			p.handle(c)
		}()
	}
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

// handle serves one client connection: one CONNECT and its tunnel.
func (p *Proxy) handle(c net.Conn) {
	br := bufio.NewReader(c)
	req, ok := p.readAsk(c, br)
	if !ok {
		return
	}
	if status, msg := p.refusal(req); status != 0 {
		answer(c, status, msg)
		return
	}
	up, ok := p.dial(c)
	if !ok {
		return
	}
	defer p.untrack(up)
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	splice(c, br, up)
}

// readAsk reads what the client asks (given 10s for it) and logs it.
func (p *Proxy) readAsk(c net.Conn, br *bufio.Reader) (*http.Request, bool) {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, false
	}
	_ = c.SetReadDeadline(time.Time{})
	p.mu.Lock()
	defer p.mu.Unlock()
	if req.Method == http.MethodConnect {
		p.asks = append(p.asks, "CONNECT "+req.Host)
	} else {
		p.asks = append(p.asks, req.Method+" "+req.URL.String())
	}
	return req, true
}

// refusal is the status and text req is refused with, status 0 when the
// proxy tunnels it.
func (p *Proxy) refusal(req *http.Request) (int, string) {
	host, _, _ := net.SplitHostPort(req.Host)
	switch {
	case p.Refuse != 0:
		return p.Refuse, "refused by the test proxy"
	case req.Method != http.MethodConnect:
		return http.StatusMethodNotAllowed, "this proxy only tunnels (CONNECT)"
	case host != SimDomain && !strings.HasSuffix(host, "."+SimDomain):
		return http.StatusForbidden, "this proxy only reaches *." + SimDomain
	}
	return 0, ""
}

// dial connects to the target for client c's tunnel (answering c when it
// cannot) and tracks the connection; the caller untracks it.
func (p *Proxy) dial(c net.Conn) (net.Conn, bool) {
	up, err := net.DialTimeout("tcp", p.Target, 5*time.Second)
	if err != nil {
		answer(c, http.StatusBadGateway, "the simulator is not there")
		return nil, false
	}
	if !p.track(up) {
		_ = up.Close()
		return nil, false
	}
	p.mu.Lock()
	p.dialed = append(p.dialed, up.LocalAddr().String())
	p.mu.Unlock()
	return up, true
}

// splice copies both ways between client c (whose reader is br) and up
// until both directions have ended.
func splice(c net.Conn, br *bufio.Reader, up net.Conn) {
	done := make(chan struct{}, 2)
	go func() {
		// What the client sent after the CONNECT may already be buffered.
		_, _ = io.Copy(up, br)
		closeWrite(up)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(c, up)
		closeWrite(c)
		done <- struct{}{}
	}()
	<-done
	<-done
}

// closeWrite ends one direction of a tunnel, so the other side sees the
// end of what was sent and can finish its answer.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}

func answer(c net.Conn, status int, msg string) {
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(msg), msg)
}
