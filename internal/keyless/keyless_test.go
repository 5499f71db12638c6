package keyless

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/huaweitest"
)

// fakeServices answers GitHub's ID token request and IAM's exchange,
// checking what the source sends.
type fakeServices struct {
	t         *testing.T
	jwts      atomic.Int32
	exchanges atomic.Int32
	life      time.Duration
	iamStatus int
}

func (f *fakeServices) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/oidc/token":
		assert.Equal(f.t, "Bearer request-token", r.Header.Get("Authorization"))
		assert.Equal(f.t, "2.0", r.URL.Query().Get("api-version"), "the runner's own query is kept")
		assert.Equal(f.t, "my-audience", r.URL.Query().Get("audience"))
		n := f.jwts.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]any{"count": 1, "value": "jwt-" + string(rune('0'+n))})
	case "/v3.0/OS-AUTH/id-token/tokens":
		assert.Equal(f.t, "POST", r.Method)
		assert.Equal(f.t, "github", r.Header.Get("X-Idp-Id"))
		assert.Empty(f.t, r.Header.Get("Authorization"))
		assert.Empty(f.t, r.Header.Get("X-Project-Id"), "IAM takes the project from the body's scope")
		var body struct {
			Auth struct {
				IDToken struct{ ID string } `json:"id_token"`
				Scope   struct {
					Project struct{ ID string }
				}
			}
		}
		b, _ := io.ReadAll(r.Body)
		require.NoError(f.t, json.Unmarshal(b, &body))
		assert.Regexp(f.t, `^jwt-`, body.Auth.IDToken.ID)
		assert.Equal(f.t, "proj", body.Auth.Scope.Project.ID)
		if f.iamStatus != 0 {
			w.WriteHeader(f.iamStatus)
			_, _ = w.Write([]byte(`{"error_msg":"The identity provider does not exist.","error_code":"IAM.0003"}`))
			return
		}
		n := f.exchanges.Add(1)
		w.Header().Set("X-Subject-Token", "iam-token-"+string(rune('0'+n)))
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"token": map[string]any{
			"expires_at": time.Now().Add(f.life).UTC().Format("2006-01-02T15:04:05.000000Z")}})
	default:
		http.NotFound(w, r)
	}
}

func newSource(t *testing.T, f *fakeServices, masked *[]string) (*Source, *huaweitest.Server) {
	t.Helper()
	srv := huaweitest.Serve(t, f)
	src, err := New(Config{
		IdPID: "github", ProjectID: "proj", Audience: "my-audience", IAM: srv.URL,
		RequestURL: srv.URL + "/oidc/token?api-version=2.0", RequestToken: "request-token",
		Mask: func(v string) { *masked = append(*masked, v) },
		// The step's options, as the cli passes them, name the project
		// for the services.
		Options: []huawei.Option{huawei.WithProjectID("proj")},
	})
	require.NoError(t, err)
	return src, srv
}

func TestTokenIsCachedAndRenewedBeforeExpiry(t *testing.T) {
	t.Parallel()
	f := &fakeServices{t: t, life: 8 * time.Second}
	var masked []string
	src, _ := newSource(t, f, &masked)
	now := time.Now()
	src.now = func() time.Time { return now }

	tok, err := src.Token(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "iam-token-1", tok)
	assert.Equal(t, []string{"jwt-1", "iam-token-1"}, masked, "JWT and token are masked as soon as they exist")

	now = now.Add(5 * time.Second) // 3 s left of 8: more than a quarter
	tok, _ = src.Token(t.Context())
	assert.Equal(t, "iam-token-1", tok)
	assert.EqualValues(t, 1, f.exchanges.Load())

	now = now.Add(2 * time.Second) // 1 s left: within the renewal margin
	tok, err = src.Token(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "iam-token-2", tok)
	assert.EqualValues(t, 2, f.jwts.Load(), "a fresh ID token for each exchange")
}

func TestUnknownIdPIsExplained(t *testing.T) {
	t.Parallel()
	f := &fakeServices{t: t, life: time.Hour, iamStatus: http.StatusNotFound}
	var masked []string
	src, _ := newSource(t, f, &masked)
	_, err := src.Token(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "The identity provider does not exist.")
	assert.Contains(t, err.Error(), `identity provider "github" does not exist in IAM`)
	assert.NotContains(t, err.Error(), "jwt-1")
}

func TestIDTokenFromFile(t *testing.T) {
	t.Parallel()
	f := &fakeServices{t: t, life: time.Hour}
	var masked []string
	src, _ := newSource(t, f, &masked)
	path := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(path, []byte("jwt-from-file\n"), 0o600))
	src.cfg.IDTokenFile = path
	_, err := src.Token(t.Context())
	require.NoError(t, err)
	assert.Zero(t, f.jwts.Load(), "a token file replaces the runner's endpoint")
	assert.Contains(t, masked, "jwt-from-file")

	require.NoError(t, os.WriteFile(path, nil, 0o600))
	src.token = ""
	_, err = src.Token(t.Context())
	assert.ErrorContains(t, err, "is empty")
}

// TestPrivateCATrustedForBothEnds runs GitHub's token endpoint and IAM
// over TLS with a certificate of their own: with RootCAs both the ID token
// request and the exchange trust it, without it neither does.
func TestPrivateCATrustedForBothEnds(t *testing.T) {
	t.Parallel()
	f := &fakeServices{t: t, life: time.Hour}
	srv := huaweitest.ServeTLS(t, f)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	newSrc := func(roots *x509.CertPool) *Source {
		src, err := New(Config{
			IdPID: "github", ProjectID: "proj", Audience: "my-audience", IAM: srv.URL,
			RequestURL: srv.URL + "/oidc/token?api-version=2.0", RequestToken: "request-token",
			RootCAs: roots,
		})
		require.NoError(t, err)
		return src
	}

	_, err := newSrc(nil).Token(t.Context())
	require.ErrorContains(t, err, "certificate signed by unknown authority")
	assert.Zero(t, f.jwts.Load())

	tok, err := newSrc(roots).Token(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "iam-token-1", tok)
	assert.EqualValues(t, 1, f.jwts.Load())
}

func TestIDTokenAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		status        int
		body          string
		want          string
		wantErr       string
		wantPermanent bool
	}{
		{"token", 200, `{"count":1,"value":"eyJ.jwt"}`, "eyJ.jwt", "", false},
		{"no value", 200, `{"count":0}`, "", "the answer carries no token", true},
		{"not JSON", 200, `<html>`, "", "the answer carries no token", true},
		{"throttled: retried", 429, ``, "", "HTTP 429", false},
		{"server fault: retried", 503, ``, "", "HTTP 503", false},
		{"forbidden: the permission is missing", 403, ``, "", "permissions: id-token: write", true},
	}
	for _, tt := range tests {
		got, err := idTokenAnswer(tt.status, []byte(tt.body))
		assert.Equal(t, tt.want, got, tt.name)
		if tt.wantErr == "" {
			assert.NoError(t, err, tt.name)
			continue
		}
		if assert.Error(t, err, tt.name) {
			assert.Contains(t, err.Error(), tt.wantErr, tt.name)
			var perm *backoff.PermanentError
			assert.Equal(t, tt.wantPermanent, errors.As(err, &perm), tt.name)
		}
	}
}
