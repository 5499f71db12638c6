package sim

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExecutionParams(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	first := h.startOK(testTask, `{"params":[{"key":"version","value":"1.4.2","type":"text"},{"key":"pw","value":"s3cret","type":"encrypt"}]}`)
	h.clock.Advance(time.Minute)
	second := h.startOK(testTask, `{"record_id":"`+first+`","params":[{"key":"replicas","value":"3","type":"text"}]}`)
	path := "/v2/history/tasks/" + testTask + "/params"

	params := func(query string) []map[string]any {
		t.Helper()
		r := h.do(http.MethodGet, path+query, "")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var out []map[string]any
		require.NoError(t, json.Unmarshal(r.body, &out), "a bare array: %s", r.body)
		return out
	}
	assert.Equal(t, []map[string]any{
		{"name": "version", "type": "text", "value": "1.4.2"},
		{"name": "pw", "type": "encrypt", "value": ""},
	}, params("?record_id="+first), "an encrypt value is never answered")
	assert.Equal(t, []map[string]any{
		{"name": "version", "type": "text", "value": "1.4.2"},
		{"name": "pw", "type": "encrypt", "value": ""},
		{"name": "replicas", "type": "text", "value": "3"},
	}, params("?record_id="+second), "a redeploy runs with the earlier record's parameters and its own")
	assert.Len(t, params(""), 3, "without record_id: the latest record")

	tests := []struct {
		name, path string
		status     int
		code       string
	}{
		{"malformed task", "/v2/history/tasks/short/params?record_id=" + first, http.StatusBadRequest, "DEV.CH.10001"},
		{"malformed record", path + "?record_id=abc", http.StatusBadRequest, "DEV.CH.10001"},
		{"empty record", path + "?record_id=", http.StatusBadRequest, "DEV.CH.10001"},
		{"unknown record", path + "?record_id=ffffffffffffffffffffffffffffffff", http.StatusBadRequest, "Deploy.00011303"},
		{"another task's record", "/v2/history/tasks/abcdefabcdefabcdefabcdefabcdefab/params?record_id=" + first, http.StatusBadRequest, "Deploy.00011303"},
		{"a task without records", "/v2/history/tasks/abcdefabcdefabcdefabcdefabcdefab/params", http.StatusBadRequest, "Deploy.00011303"},
	}
	for _, tt := range tests {
		r := h.do(http.MethodGet, tt.path, "")
		assert.Equal(t, tt.status, r.status, tt.name)
		assert.Equal(t, tt.code, r.errorCode(t), tt.name)
	}
}

func TestDeletedTask(t *testing.T) {
	t.Parallel()
	sc, err := ParseScenario([]byte("tasks:\n  - {task_id: " + testTask + ", deleted: true}\n"))
	require.NoError(t, err)
	h := newHarness(t, Options{Scenario: sc})
	const rec = "ffffffffffffffffffffffffffffffff"
	for _, req := range []struct{ method, path string }{
		{http.MethodPost, "/v2/tasks/" + testTask + "/start"},
		{http.MethodGet, "/v2/tasks/" + testTask + "/state"},
		{http.MethodGet, "/v2/tasks/" + testTask},
		{http.MethodPut, "/v2/tasks/" + testTask + "/records/" + rec + "/stop"},
		{http.MethodGet, "/v2/history/tasks/" + testTask + "/params?record_id=" + rec},
		{http.MethodGet, "/v2/" + CodeArtsProjectID(testTask) + "/task/" + testTask + "/history?page=1&size=10&start_date=2025-07-01&end_date=2025-07-09"},
	} {
		r := h.do(req.method, req.path, "")
		assert.Equal(t, http.StatusNotFound, r.status, req.path)
		assert.Equal(t, "Deploy.00011020", r.errorCode(t), req.path)
	}
	_, err = ParseScenario([]byte("tasks:\n  - {task_id: " + testTask + ", deleted: true, already_running: 1m}\n"))
	assert.ErrorContains(t, err, "tasks[0].already_running: a deleted task runs nothing")
}
