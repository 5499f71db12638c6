package sim

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestThrottled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		retry time.Duration
		want  string
	}{
		{0, "1"},
		{-time.Second, "1"},
		{time.Second, "1"},
		{1500 * time.Millisecond, "2"},
		{3 * time.Second, "3"},
	}
	for _, tc := range tests {
		got := throttled(tc.retry, "req")
		assert.Equal(t, http.StatusTooManyRequests, got.status)
		assert.Equal(t, "APIGW.0308", got.code)
		assert.Equal(t, tc.want, got.header.Get("Retry-After"), "retry %s", tc.retry)
		assert.Equal(t, "req", got.body.(gatewayErrorBody).RequestID)
	}
}

func TestBackendError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status, wantStatus int
		wantCode           string
	}{
		{http.StatusGatewayTimeout, http.StatusGatewayTimeout, "APIGW.0201"},
		{http.StatusBadGateway, http.StatusBadGateway, "APIGW.0202"},
		{0, http.StatusServiceUnavailable, "APIGW.0203"},
		{http.StatusInternalServerError, http.StatusInternalServerError, "APIGW.0203"},
	}
	for _, tc := range tests {
		got := backendError(tc.status, "req")
		assert.Equal(t, tc.wantStatus, got.status, "status %d", tc.status)
		assert.Equal(t, tc.wantCode, got.code, "status %d", tc.status)
	}
}
