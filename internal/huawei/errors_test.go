package huawei

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorKeyOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    map[string]any
		want []string
	}{
		{"empty: error is still looked for", map[string]any{}, []string{"error"}},
		{"error first, the rest sorted", map[string]any{"z": 1, "error": 2, "a": 3}, []string{"error", "a", "z"}},
		{"no error key", map[string]any{"fault": 1, "detail": 2}, []string{"error", "detail", "fault"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, errorKeyOrder(tt.m), tt.name)
	}
}

func TestEncodeBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    any
		want    string
		wantErr string
	}{
		{"no body", nil, "", ""},
		{"an object", map[string]int{"a": 1}, `{"a":1}`, ""},
		{"cannot encode", func() {}, "", "encoding POST /v1/x body: "},
	}
	for _, tt := range tests {
		got, err := encodeBody(Request{Method: "POST", Path: "/v1/x", Body: tt.body})
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, tt.name)
			continue
		}
		assert.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, string(got), tt.name)
	}
}

func TestAPIErrorReadBody(t *testing.T) {
	t.Parallel()
	upper := func(s string) string { return strings.ToUpper(s) }
	tests := []struct {
		name, headerID, body string
		want                 APIError
	}{
		{"JSON with a request id", "", `{"error_code":"x.1","error_msg":"no","request_id":"r1"}`, APIError{Code: "X.1", Message: "NO", RequestID: "R1"}},
		{"the header's request id wins", "h1", `{"error_code":"x.1","request_id":"r1"}`, APIError{Code: "X.1", RequestID: "h1"}},
		{"text", "", " gateway timeout \n", APIError{Message: "GATEWAY TIMEOUT"}},
		{"JSON without an error is the message", "", `{"a":1}`, APIError{Message: `{"A":1}`}},
		{"empty", "", "", APIError{}},
	}
	for _, tt := range tests {
		e := APIError{RequestID: tt.headerID}
		e.readBody([]byte(tt.body), upper)
		assert.Equal(t, tt.want, e, tt.name)
	}
}
