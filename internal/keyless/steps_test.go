package keyless

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

func TestIDTokenURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, audience, want, wantErr string
	}{
		{"https://pipelines.example.com/oidc?api-version=2.0", "my-aud", "https://pipelines.example.com/oidc?api-version=2.0&audience=my-aud", ""},
		{"https://pipelines.example.com/oidc?audience=old", "new", "https://pipelines.example.com/oidc?audience=new", ""},
		{"://nonsense", "a", "", "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL"},
	}
	for _, tt := range tests {
		got, err := idTokenURL(tt.raw, tt.audience)
		if tt.wantErr != "" {
			assert.EqualError(t, err, tt.wantErr, tt.raw)
			continue
		}
		assert.NoError(t, err, tt.raw)
		assert.Equal(t, tt.want, got.String(), tt.raw)
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 7, 9, 3, 0, 0, 0, time.UTC)
	s := &Source{now: func() time.Time { return now }}
	tests := []struct {
		expiresAt string
		want      time.Time
	}{
		{"2025-07-10T03:00:00.000000Z", time.Date(2025, 7, 10, 3, 0, 0, 0, time.UTC)},
		{"", now.Add(24 * time.Hour)},
		{"tomorrow", now.Add(24 * time.Hour)},
	}
	for _, tt := range tests {
		assert.True(t, tt.want.Equal(s.expiry(tt.expiresAt)), tt.expiresAt)
	}
}

func TestHint(t *testing.T) {
	t.Parallel()
	s := &Source{cfg: Config{IdPID: "gh", Audience: "aud"}}
	tests := []struct {
		name string
		err  huawei.APIError
		want string
	}{
		{"no such provider", huawei.APIError{HTTPStatus: http.StatusNotFound}, `identity provider "gh" does not exist in IAM`},
		{"expired", huawei.APIError{HTTPStatus: http.StatusUnauthorized, Message: "The token has Expired"}, "the ID token expired before it was exchanged"},
		{"project", huawei.APIError{HTTPStatus: http.StatusBadRequest, Message: "invalid project scope"}, "check project_id"},
		{"anything else", huawei.APIError{HTTPStatus: http.StatusForbidden}, `check identity provider "gh" in IAM: it must be an OIDC provider`},
	}
	for _, tt := range tests {
		assert.Contains(t, s.hint(&tt.err), tt.want, tt.name)
	}
}

func TestWithDefaults(t *testing.T) {
	t.Parallel()
	got := Config{}.withDefaults()
	assert.NotNil(t, got.HTTP)
	assert.NotNil(t, got.Mask)
	assert.NotNil(t, got.Logf)

	h := &http.Client{}
	assert.Same(t, h, Config{HTTP: h}.withDefaults().HTTP, "a client given is kept")
}
