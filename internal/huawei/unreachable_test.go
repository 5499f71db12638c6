package huawei

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huaweitest"
)

// failingDialer is a transport whose every dial fails with err, without
// touching the network (no DNS, no proxy), and counts the dials.
func failingDialer(err error) (*http.Client, *atomic.Int32) {
	var n atomic.Int32
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			n.Add(1)
			return nil, err
		},
	}
	return &http.Client{Transport: tr}, &n
}

func refused(ip string) error {
	return &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 443},
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

func TestDoTransportErrorsThatCannotSucceedFailAtOnce(t *testing.T) {
	t.Parallel()
	const host = "codearts-deploy.cn-north-4.myhuaweicloud.com"
	tests := []struct {
		name       string
		err        error
		wantReason string // "" when the error is retried
	}{
		{"no such host", &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}, "no such host: DNS has no address for " + host},
		{"refused outside loopback", refused("192.0.2.10"), "connection refused by 192.0.2.10:443"},
		{"refused by an IPv6 host", refused("2001:db8::1"), "connection refused by [2001:db8::1]:443"},
		{"invalid port", &net.AddrError{Err: "invalid port", Addr: "99999"}, "address 99999: invalid port"},
		{"no usable address", &net.AddrError{Err: "no suitable address found", Addr: "x.onion"}, "address x.onion: no suitable address found"},
		{"DNS timeout is retried", &net.DNSError{Err: "i/o timeout", Name: host, IsTimeout: true}, ""},
		{"DNS server failure is retried", &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}, ""},
		{"refused on loopback is retried (the simulator may be restarting)", refused("127.0.0.1"), ""},
		{"refused on IPv6 loopback is retried", refused("::1"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hc, dials := failingDialer(tt.err)
			c := newTestClient(t, "https://"+host, WithHTTPClient(hc))
			// A start: not idempotent, so only "provably not sent" may
			// be retried, and a permanent failure is no unknown outcome.
			_, err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/v2/tasks/T/start"}, nil)
			require.Error(t, err)
			assert.False(t, IsUnknownOutcome(err), "nothing was sent")
			if tt.wantReason == "" {
				assert.EqualValues(t, fastPolicy.MaxTries, dials.Load(), "retried")
				var ue *UnreachableError
				assert.False(t, errors.As(err, &ue))
				return
			}
			assert.EqualValues(t, 1, dials.Load(), "not retried")
			var ue *UnreachableError
			require.True(t, errors.As(err, &ue), "%v", err)
			assert.Equal(t, host, ue.Host)
			assert.Equal(t, tt.wantReason, ue.Reason)
			assert.Equal(t, "Test: cannot reach "+host+": "+tt.wantReason+"; check region and endpoint", err.Error())
			assert.ErrorIs(t, err, tt.err, "the transport's error is kept")
		})
	}
}

func TestDoInvalidCertificateFailsAtOnce(t *testing.T) {
	t.Parallel()
	srv := huaweitest.NewTLS(t, huaweitest.OK("{}"))
	var retries int
	c := newTestClient(t, srv.URL, WithRetryNotify(func(RetryEvent) { retries++ }))
	_, err := c.Do(t.Context(), Request{Method: http.MethodGet, Path: "/v2/tasks/T/state", Idempotent: true}, nil)
	require.Error(t, err)
	var ue *UnreachableError
	require.True(t, errors.As(err, &ue), "%v", err)
	assert.Contains(t, ue.Reason, "invalid certificate: certificate signed by unknown authority")
	assert.Contains(t, err.Error(), "cannot reach "+strings.TrimPrefix(srv.URL, "https://"))
	assert.Zero(t, retries)
	assert.Zero(t, srv.Count(), "the request was never sent")
}

func TestDoServerThatDoesNotSpeakTLSFailsAtOnce(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	var accepted atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_, _ = io.WriteString(conn, "SSH-2.0-OpenSSH_9.6\r\n")
			_ = conn.Close()
		}
	}()
	c := newTestClient(t, "https://"+ln.Addr().String())
	_, err = c.Do(t.Context(), Request{Method: http.MethodGet, Path: "/x", Idempotent: true}, nil)
	var ue *UnreachableError
	require.True(t, errors.As(err, &ue), "%v", err)
	assert.Equal(t, "the server does not speak TLS", ue.Reason)
	assert.EqualValues(t, 1, accepted.Load(), "not retried")
}

// refusingProxy is an HTTP proxy on loopback that records each CONNECT
// target and answers it with status, tunnelling nothing.
func refusingProxy(t *testing.T, status int) (*url.URL, func() []string) {
	t.Helper()
	srv := huaweitest.New(t, huaweitest.Answer{Status: status})
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	return u, func() []string {
		var targets []string
		for _, r := range srv.Requests() {
			targets = append(targets, r.Method+" "+r.Host)
		}
		return targets
	}
}

func TestDoProxyRefusal(t *testing.T) {
	t.Parallel()
	const host = "codearts-deploy.eu-west-101.myhuaweicloud.eu"
	tests := []struct {
		status    int
		permanent bool
	}{
		{http.StatusForbidden, true},
		{http.StatusProxyAuthRequired, true},
		{http.StatusTooManyRequests, false},
		{http.StatusBadGateway, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			proxy, connects := refusingProxy(t, tt.status)
			tr := defaultTransport.(*http.Transport).Clone()
			tr.Proxy = http.ProxyURL(proxy)
			c := newTestClient(t, "https://"+host, WithHTTPClient(&http.Client{Transport: tr}))
			_, err := c.Do(t.Context(), Request{Method: http.MethodGet, Path: "/v2/tasks/T/state", Idempotent: true}, nil)
			require.Error(t, err)
			got := connects()
			require.NotEmpty(t, got)
			assert.Equal(t, "CONNECT "+host+":443", got[0], "the proxy is asked for the endpoint's host")
			var ue *UnreachableError
			if !tt.permanent {
				assert.Len(t, got, int(fastPolicy.MaxTries), "retried")
				assert.False(t, errors.As(err, &ue))
				return
			}
			assert.Len(t, got, 1, "not retried")
			require.True(t, errors.As(err, &ue), "%v", err)
			assert.Equal(t, host, ue.Host)
			assert.Contains(t, ue.Reason, fmt.Sprintf("refused to connect to %s:443: %d %s", host, tt.status, http.StatusText(tt.status)))
		})
	}
}
