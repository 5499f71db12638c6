package huawei

import (
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tlsServer is a loopback HTTPS server answering {} whose certificate no
// system trusts, and that certificate in PEM.
func tlsServer(t *testing.T) (*httptest.Server, []byte) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "{}")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

func TestWithRootCAsTrustsAPrivateCA(t *testing.T) {
	t.Parallel()
	srv, ca := tlsServer(t)
	req := Request{Method: http.MethodGet, Path: "/v2/tasks/T/state", Idempotent: true}

	_, err := newTestClient(t, srv.URL).Do(t.Context(), req, nil)
	var ue *UnreachableError
	require.True(t, errors.As(err, &ue), "without the CA: %v", err)
	assert.Contains(t, ue.Reason, "certificate signed by unknown authority")
	assert.Contains(t, ue.Reason, "trust its CA with ca_file or SSL_CERT_FILE")

	pool, err := CertPool(ca)
	require.NoError(t, err)
	resp, err := newTestClient(t, srv.URL, WithRootCAs(pool)).Do(t.Context(), req, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestCertPool(t *testing.T) {
	t.Parallel()
	pool, err := CertPool()
	require.NoError(t, err)
	assert.Nil(t, pool, "no bundles: the system's roots, loaded as Go does")
	assert.Equal(t, defaultTransport, Transport(nil))

	_, err = CertPool([]byte("no certificate here"))
	require.Error(t, err)

	_, ca := tlsServer(t)
	pool, err = CertPool(ca)
	require.NoError(t, err)
	tr, ok := Transport(pool).(*http.Transport)
	require.True(t, ok)
	assert.Same(t, pool, tr.TLSClientConfig.RootCAs)
	assert.NotNil(t, tr.Proxy, "the proxy settings still apply")
	assert.NotNil(t, tr.OnProxyConnectResponse, "a proxy's refusal is still typed")
}
