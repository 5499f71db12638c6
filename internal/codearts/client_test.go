package codearts_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/huaweitest"
)

// TestStartWithoutARecordIDIsAnUnknownOutcome: a 2xx proves the start
// arrived, so an answer without a usable record id must be looked into,
// never taken for "not started". An id of the wrong shape (an echo of a
// token, say) is not used either.
func TestStartWithoutARecordIDIsAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	const secret = "SECURITYTOKEN-echoed/by+the=server"
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"empty object", 200, `{}`},
		{"no content", 204, ``},
		{"empty id", 200, `{"id":"","task_id":"` + testTask + `"}`},
		{"id of the wrong shape", 200, `{"id":"` + secret + `"}`},
		{"id too short", 200, `{"id":"0123456789abcdef"}`},
		{"not JSON", 200, `<html>ok</html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := huaweitest.New(t, huaweitest.Answer{Status: tt.status, Body: tt.body})
			s, err := client(t, srv.URL).Start(t.Context(), testTask, codearts.StartRequest{})
			require.Error(t, err)
			assert.Nil(t, s)
			assert.True(t, huawei.IsUnknownOutcome(err), "%v", err)
			assert.NotContains(t, err.Error(), "SECURITYTOKEN")
		})
	}
	s, err := answeringStatus(t, 200, `{"id":"`+recordID+`","job_name":"job_1"}`).Start(t.Context(), testTask, codearts.StartRequest{})
	require.NoError(t, err)
	assert.Equal(t, recordID, s.ID)
}

// TestStateAboutAnotherRecordIsAProtocolError: an answer about another
// record (or task) than the one asked for must never decide a verdict.
func TestStateAboutAnotherRecordIsAProtocolError(t *testing.T) {
	t.Parallel()
	const other = "ffffffffffffffffffffffffffffffff"
	state := func(record, task, status string) string {
		return `{"status":"` + status + `","result":{"record_id":"` + record + `","task_id":"` + task + `","status":"succeeded","step":"finish"}}`
	}
	tests := []struct {
		name, body, asked string
		wantErr           bool
	}{
		{"the record asked for", state(recordID, testTask, "success"), recordID, false},
		{"another record", state(other, testTask, "success"), recordID, true},
		{"another task", state(recordID, other, "success"), recordID, true},
		{"a record id of the wrong shape", state("x-token-echo", testTask, "success"), "", true},
		{"status error", state(recordID, testTask, "error"), recordID, true},
		{"no record id: tolerated", state("", testTask, "success"), recordID, false},
		{"latest: any record", state(other, testTask, "success"), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, err := answeringStatus(t, 200, tt.body).State(t.Context(), testTask, tt.asked)
			if !tt.wantErr {
				require.NoError(t, err)
				assert.Equal(t, "succeeded", st.Result.Status)
				return
			}
			require.Error(t, err)
			assert.True(t, huawei.IsProtocolError(err), "%v", err)
			assert.Nil(t, st)
		})
	}
}

func answeringStatus(t *testing.T, status int, body string) *codearts.Client {
	t.Helper()
	return client(t, huaweitest.New(t, huaweitest.Answer{Status: status, Body: body}).URL)
}
