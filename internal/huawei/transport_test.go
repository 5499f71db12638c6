package huawei

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huaweitest"
)

func TestWithRootCAsTrustsAPrivateCA(t *testing.T) {
	t.Parallel()
	srv := huaweitest.NewTLS(t, huaweitest.OK("{}"))
	ca := srv.CertificatePEM()
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

	pool, err = CertPool(huaweitest.NewTLS(t, huaweitest.OK("{}")).CertificatePEM())
	require.NoError(t, err)
	tr, ok := Transport(pool).(*http.Transport)
	require.True(t, ok)
	assert.Same(t, pool, tr.TLSClientConfig.RootCAs)
	assert.NotNil(t, tr.Proxy, "the proxy settings still apply")
	assert.NotNil(t, tr.OnProxyConnectResponse, "a proxy's refusal is still typed")
}
