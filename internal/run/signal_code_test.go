package run

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

func TestFloatCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          float64
		want        string
		wantNonZero bool
	}{
		{0, "0", false},
		{math.Copysign(0, -1), "0", false},
		{2, "2", true},
		{-1, "-1", true},
		{1.5, "1.5", true},
		{1 << 52, "4503599627370496", true},
		{1 << 53, "9.007199254740992e+15", true}, // too large to be an exit status
		{1e300, "1e+300", true},
	}
	for _, tt := range tests {
		got, nonZero := floatCode(tt.in)
		assert.Equal(t, tt.want, got, "%v", tt.in)
		assert.Equal(t, tt.wantNonZero, nonZero, "%v", tt.in)
	}
}

func TestStringCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		want        string
		wantNonZero bool
	}{
		{"", "", false},
		{" \t\n", "", false},
		{"0", "0", false},
		{" 0 ", "0", false},
		{"-0", "0", false},
		{"0.0", "0", false},
		{"007", "7", true},
		{"127", "127", true},
		{"2.0", "2", true},
		{"2.5", "2.5", true},
		{"1e3", "1000", true},
		{"Inf", "Inf", true}, // not a number an exit status can be: as written
		{"NaN", "NaN", true},
		{"segfault", "segfault", true},
		{" segfault ", "segfault", true},
	}
	for _, tt := range tests {
		got, nonZero := stringCode(tt.in)
		assert.Equal(t, tt.want, got, "%q", tt.in)
		assert.Equal(t, tt.wantNonZero, nonZero, "%q", tt.in)
	}
}

func TestValueSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"a short string", "ok", ""},
		{"one line with its newline", "ok\n", ""},
		{"64 bytes", strings.Repeat("x", 64), ""},
		{"65 bytes", strings.Repeat("x", 65), " (65 bytes)"},
		{"two lines", "a\nb", " (3 bytes, 2 lines)"},
		{"two lines and a newline", "a\nb\n", " (4 bytes, 2 lines)"},
		{"a mapping", map[string]any{"a": 1, "b": 2}, " (2 keys)"},
		{"a list", []any{1, 2, 3}, " (3 items)"},
		{"a number", 3.0, ""},
		{"null", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, valueSize(tt.in))
		})
	}
}

func TestSignalFailure(t *testing.T) {
	t.Parallel()
	live := context.Background()
	ended, cancel := context.WithCancel(live)
	cancel()
	notFound := fmt.Errorf("updating: %w", &huawei.APIError{HTTPStatus: http.StatusNotFound})
	refused := &huawei.APIError{HTTPStatus: http.StatusBadRequest}
	tests := []struct {
		name       string
		err        error
		outer, ctx context.Context
		wantWhat   Failed
		wantCause  Cause
	}{
		{"no deployment", notFound, live, live, FailedNoDeployment, CauseError},
		{"other error", refused, live, live, FailedSignal, CauseError},
		{"not found after the timeout", notFound, live, ended, FailedSignal, CauseTimedOut},
		{"not found after a cancel", notFound, ended, ended, FailedSignal, CauseCancelled},
	}
	for _, tt := range tests {
		f := signalFailure(tt.err, tt.outer, tt.ctx, time.Minute)
		if f.What != tt.wantWhat || f.Cause != tt.wantCause || f.Err != tt.err {
			t.Errorf("%s: signalFailure = %+v, want What %v, Cause %v, Err %v", tt.name, f, tt.wantWhat, tt.wantCause, tt.err)
		}
	}
}
