package codearts

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/huaweitest"
)

const (
	histProject = "4b5c6d7e8f90a1b2c3d4e5f60718293a"
	histTask    = "0123456789abcdef0123456789abcdef"
)

// historyServer answers every request with body and records what came.
func historyServer(t *testing.T, status int, body string) (*Client, func() []huaweitest.Request) {
	t.Helper()
	srv := huaweitest.New(t, huaweitest.Answer{Status: status, Body: body})
	c, err := New(srv.URL, huawei.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"},
		huawei.WithRetryPolicy(huawei.RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, MaxTries: 2, MaxElapsed: time.Second, AttemptTimeout: time.Second}))
	require.NoError(t, err)
	return c, srv.Requests
}

func day(s string) time.Time {
	t, err := time.Parse(HistoryDateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestHistoryRequestAndAnswer(t *testing.T) {
	t.Parallel()
	// Field names from huaweicloud-sdk-go-v3 v0.1.207
	// services/codeartsdeploy/v2/model/model_execute_record_v2_body.go.
	body := `{"result":[
		{"duration":"00:03:12","state":"succeeded","operator":"dev_user","execution_id":"2c82ffe8d00d4968a4e5f7a36d87ae17",
		 "start_time":"2022-04-15 10:00:00","nickname":"Dev","end_time":"2022-04-15 10:03:12","release_id":42,"type":"deploy"},
		{"state":"failed","execution_id":"0ee9c8e6a7dc44109541e53c6dccf47c","start_time":1649988000000,"release_id":"41"}],
		"total_num":7}`
	c, requests := historyServer(t, http.StatusOK, body)
	page, err := c.History(context.Background(), histProject, histTask, HistoryQuery{From: day("2022-03-16"), To: day("2022-04-15"), Page: 2, Size: 100})
	require.NoError(t, err)

	reqs := requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "/v2/"+histProject+"/task/"+histTask+"/history", reqs[0].URL.Path)
	want := url.Values{"page": {"2"}, "size": {"100"}, "start_date": {"2022-03-16"}, "end_date": {"2022-04-15"}}
	assert.Equal(t, want, reqs[0].URL.Query())

	require.Len(t, page.Records, 2)
	r := page.Records[0]
	assert.Equal(t, "2c82ffe8d00d4968a4e5f7a36d87ae17", r.ExecutionID)
	assert.Equal(t, PhaseSucceeded, Classify(r.State))
	assert.Equal(t, FlexString("2022-04-15 10:00:00"), r.StartTime)
	assert.Equal(t, FlexString("2022-04-15 10:03:12"), r.EndTime)
	assert.EqualValues(t, 42, r.ReleaseID)
	assert.Equal(t, "dev_user", r.Operator)
	assert.Equal(t, FlexString("1649988000000"), page.Records[1].StartTime, "a numeric time is kept as its digits")
	assert.EqualValues(t, 41, page.Records[1].ReleaseID)
	require.NotNil(t, page.TotalNum)
	assert.EqualValues(t, 7, *page.TotalNum)
}

func TestHistoryWithoutTotal(t *testing.T) {
	t.Parallel()
	c, _ := historyServer(t, http.StatusOK, `{"result":[]}`)
	page, err := c.History(context.Background(), histProject, histTask, HistoryQuery{From: day("2022-04-01"), To: day("2022-04-02"), Page: 1, Size: 10})
	require.NoError(t, err)
	assert.Empty(t, page.Records)
	assert.Nil(t, page.TotalNum)
}

// TestHistoryNumbersAsWritten: the SDK types total_num int32 and
// release_id int64 (huaweicloud-sdk-go-v3 v0.1.207
// services/codeartsdeploy/v2/model/model_list_deploy_task_history_by_date_response.go,
// model_execute_record_v2_body.go). A whole number written as a float or a
// string is read; a fraction names no count and is an error, never a
// guess that could page past records.
func TestHistoryNumbersAsWritten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, total string
		want        int64
		wantErr     bool
	}{
		{"integer", `7`, 7, false},
		{"float-written", `7.0`, 7, false},
		{"string", `"7"`, 7, false},
		{"fraction", `7.5`, 0, true},
		{"string fraction", `"7.5"`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := historyServer(t, http.StatusOK, `{"result":[],"total_num":`+tt.total+`}`)
			page, err := c.History(context.Background(), histProject, histTask, HistoryQuery{From: day("2022-04-01"), To: day("2022-04-02"), Page: 1, Size: 10})
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, page.TotalNum)
			assert.Equal(t, tt.want, int64(*page.TotalNum))
		})
	}
}

func TestHistoryRefusesBadQueryBeforeSending(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		q    HistoryQuery
		want string
	}{
		{"page 0", HistoryQuery{From: day("2022-04-01"), To: day("2022-04-02"), Page: 0, Size: 10}, "page 0 is not in 1-99999"},
		{"size 0", HistoryQuery{From: day("2022-04-01"), To: day("2022-04-02"), Page: 1, Size: 0}, "size 0 is not in 1-100"},
		{"size 101", HistoryQuery{From: day("2022-04-01"), To: day("2022-04-02"), Page: 1, Size: 101}, "size 101 is not in 1-100"},
		{"reversed", HistoryQuery{From: day("2022-04-02"), To: day("2022-04-01"), Page: 1, Size: 10}, "end_date 2022-04-01 is before start_date 2022-04-02"},
		{"31 days", HistoryQuery{From: day("2022-03-15"), To: day("2022-04-15"), Page: 1, Size: 10}, "more than 30 days apart"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, requests := historyServer(t, http.StatusOK, `{"result":[]}`)
			_, err := c.History(context.Background(), histProject, histTask, tt.q)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, requests(), "a bad query is not sent")
		})
	}
}

func TestHistoryErrorIsAPIError(t *testing.T) {
	t.Parallel()
	c, _ := historyServer(t, http.StatusForbidden, `{"error_code":"Deploy.00011154","error_msg":"Insufficient permissions."}`)
	_, err := c.History(context.Background(), histProject, histTask, HistoryQuery{From: day("2022-04-01"), To: day("2022-04-02"), Page: 1, Size: 10})
	apiErr, ok := huawei.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 403, apiErr.HTTPStatus)
	assert.Equal(t, "Deploy.00011154", apiErr.Code)
}

func TestParseHistoryTime(t *testing.T) {
	t.Parallel()
	cst := time.FixedZone("CST", 8*3600)
	want := time.Date(2022, 4, 15, 10, 0, 0, 0, cst)
	tests := []struct {
		in string
		ok bool
	}{
		{"2022-04-15 10:00:00", true},
		{"2022-04-15T10:00:00", true},
		{"2022-04-15T02:00:00Z", true},
		{"2022-04-15T10:00:00+08:00", true},
		{"1649988000000", true},
		{"1649988000", true},
		{"", false},
		{"15/04/2022", false},
	}
	for _, tt := range tests {
		got, ok := ParseHistoryTime(tt.in, cst)
		assert.Equal(t, tt.ok, ok, "%q", tt.in)
		if tt.ok {
			assert.True(t, want.Equal(got), "%q: got %s, want %s", tt.in, got, want)
		}
	}
}
