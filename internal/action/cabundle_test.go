package action

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCAPEM returns a self-signed CA certificate in PEM. It has no
// validity window: Load only parses bundles, nothing here verifies a chain.
func testCAPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "deploy-action test CA"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// writeFile writes b to dir/name and returns the path.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

func TestLoadCABundles(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	ca := testCAPEM(t)
	writeFile(t, ws, "corp-ca.pem", append([]byte("# the corporate CA\n"), ca...))
	other := writeFile(t, t.TempDir(), "env-ca.pem", append(append([]byte{}, ca...), testCAPEM(t)...))
	got, err := Load(envFrom(deployEnv(map[string]string{
		"INPUT_CA_FILE":    "corp-ca.pem",
		"GITHUB_WORKSPACE": ws,
		"SSL_CERT_FILE":    other,
	})))
	require.NoError(t, err)
	require.Len(t, got.CABundles, 2)
	assert.Equal(t, "ca_file", got.CABundles[0].Source)
	assert.Equal(t, filepath.Join(ws, "corp-ca.pem"), got.CABundles[0].Path, "a relative ca_file is in the workspace")
	assert.True(t, bytes.HasSuffix(got.CABundles[0].PEM, ca))
	assert.Equal(t, "SSL_CERT_FILE", got.CABundles[1].Source)
	n, problem := countCertificates(got.CABundles[1].PEM)
	assert.Equal(t, 2, n)
	assert.Empty(t, problem)
}
