package rts

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAnswerReadsOptionalFieldsLeniently: an accepted signal whose answer
// has an odd optional field is still read; only the status may fail it.
func TestAnswerReadsOptionalFieldsLeniently(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"times as numbers":     `"creation_time":1422717156,"updated_time":1422717180`,
		"reason as an object":  `"status_reason":{"en":"Outputs received"}`,
		"ids as numbers":       `"id":5,"server_id":6,"config_id":7`,
		"action as an array":   `"action":["UPDATE"]`,
		"values of any shape":  `"input_values":[1,2],"output_values":"none"`,
		"values that are null": `"input_values":null,"output_values":null`,
	}
	for name, fields := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ans, err := decodeAnswer([]byte(`{"software_deployment":{"status":"COMPLETE",` + fields + `}}`))
			require.NoError(t, err)
			assert.Equal(t, StatusComplete, ans.Deployment.Status)
		})
	}
	ans, err := decodeAnswer([]byte(`{"software_deployment":{"status":"FAILED","id":5,"status_reason":7}}`))
	require.NoError(t, err)
	assert.Equal(t, "5", ans.Deployment.ID)
	assert.Equal(t, "7", ans.Deployment.StatusReason)

	for _, body := range []string{
		`{"software_deployment":{"status":3}}`,
		`{"software_deployment":{"status":["COMPLETE"]}}`,
		`{"software_deployment":"COMPLETE"}`,
		`{"software_deployment":null}`,
		`[]`,
	} {
		_, err := decodeAnswer([]byte(body))
		assert.Error(t, err, body)
	}
}

// FuzzDecodeAnswer feeds the software deployment decoder arbitrary
// answers: it must never panic, keep the object as sent, and fail only
// when the status cannot be read or the object is missing.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add([]byte(`{"software_deployment":{"action":"UPDATE","config_id":"cfg-1","creation_time":"2015-01-31T15:12:36Z","id":"5c9a1f0e","input_values":{},"output_values":{"big":12345678901234567890},"server_id":"srv-1","status":"COMPLETE","status_reason":"Outputs received","updated_time":"2015-01-31T15:13:00Z"}}`))
	f.Add([]byte(`{"software_deployment":{"status":"FAILED","status_reason":{"x":1},"id":7,"output_values":[1]}}`))
	f.Add([]byte(`{"software_deployment":{"status":5}}`))
	f.Add([]byte(`{"software_deployment":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ans, err := decodeAnswer(data)
		if err != nil {
			var verdict struct {
				SoftwareDeployment *struct {
					Status string `json:"status"`
				} `json:"software_deployment"`
			}
			if json.Unmarshal(data, &verdict) == nil && verdict.SoftwareDeployment != nil {
				t.Fatalf("the status read, the answer did not: %v", err)
			}
			return
		}
		if !json.Valid(ans.Object) {
			t.Fatalf("object %q is not JSON", ans.Object)
		}
	})
}
