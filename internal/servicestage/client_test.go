package servicestage_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/huaweitest"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

const (
	project = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	planID  = "716eda33-dbc6-47f3-953f-29119edd5e5c"
)

// seedDeployInfo is the API notes' example answer (§4), nulls included.
const seedDeployInfo = `{ "id": "716eda33-dbc6-47f3-953f-29119edd5e5c",
  "components": [ { "job_id": "JOB6999c66d-cb39-4c46-9f98-893b704300e0",
      "status": "RUNNING", "job_status": "SUCCEEDED", "name": "sch",
      "id": "df49e875-000c-4d69-8f45-c4f384549e1b", "seq": 1, "version": "2024.0802.18390",
      "rollback_job_id": null, "start_time": 1722933924962, "end_time": 1722933950018,
      "rollback_job_status": null, "rollback_start_time": 0, "rollback_end_time": 0,
      "fail_message": null, "rollback_fail_message": null } ] }`

var fastRetries = huawei.RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxTries: 4, MaxElapsed: 5 * time.Second, AttemptTimeout: 2 * time.Second}

func client(t *testing.T, s *huaweitest.Server) *servicestage.Client {
	t.Helper()
	c, err := servicestage.New(s.URL, huawei.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"},
		huawei.WithRetryPolicy(fastRetries), huawei.WithProjectID(project))
	require.NoError(t, err)
	return c
}

func assertSigned(t *testing.T, r huaweitest.Request) {
	t.Helper()
	assert.Equal(t, project, r.Header.Get("X-Project-Id"))
	huaweitest.Signed(t, r, "AK", "x-project-id")
}

func TestDeployInfoDecodesTheSeedExample(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t, huaweitest.Answer{Status: 200, Body: seedDeployInfo})
	info, err := client(t, s).DeployInfo(context.Background(), project, planID)
	require.NoError(t, err)

	r := s.One(t, "GET", "/v3/"+project+"/cas/release-plans/"+planID+"/deploy-info")
	assert.Empty(t, r.Body)
	assertSigned(t, r)

	assert.Equal(t, planID, info.ID)
	assert.JSONEq(t, seedDeployInfo, string(info.Raw))
	require.Len(t, info.Components, 1)
	want := servicestage.Component{
		JobID: "JOB6999c66d-cb39-4c46-9f98-893b704300e0", Status: "RUNNING", JobStatus: "SUCCEEDED",
		Name: "sch", ID: "df49e875-000c-4d69-8f45-c4f384549e1b", Seq: 1, Version: "2024.0802.18390",
		StartTime: 1722933924962, EndTime: 1722933950018,
	}
	assert.Equal(t, want, info.Components[0])
	started, ok := info.Components[0].StartTime.Time()
	require.True(t, ok)
	assert.Equal(t, time.Date(2024, 8, 6, 8, 45, 24, 962e6, time.UTC), started)
	_, ok = info.Components[0].RollbackStartTime.Time()
	assert.False(t, ok, "0 is an unknown time")
}

func TestDeployInfoToleratesStringsAndNulls(t *testing.T) {
	t.Parallel()
	body := `{"id":"p","components":[
	  {"name":"a","seq":"2","status":"FAILED","start_time":"1722933924962","end_time":null,
	   "rollback_job_status":"RUNNING","rollback_start_time":null,"fail_message":"disk full",
	   "rollback_fail_message":"x","unknown_field":{"nested":true}},
	  {"name":"b","seq":null,"status":"CREATED"},
	  {"name":"c","seq":3.0,"status":"SUCCESS","start_time":1.722933924962e12}]}`
	s := huaweitest.New(t, huaweitest.Answer{Status: 200, Body: body})
	info, err := client(t, s).DeployInfo(context.Background(), project, "p")
	require.NoError(t, err)
	require.Len(t, info.Components, 3)
	a := info.Components[0]
	assert.Equal(t, servicestage.Seq(2), a.Seq)
	assert.Equal(t, servicestage.EpochMillis(1722933924962), a.StartTime)
	assert.Zero(t, a.EndTime)
	assert.Equal(t, "RUNNING", a.RollbackJobStatus)
	assert.Equal(t, "disk full", a.FailMessage)
	assert.Equal(t, servicestage.Seq(0), info.Components[1].Seq)
	assert.Equal(t, servicestage.Seq(3), info.Components[2].Seq)
	assert.Equal(t, servicestage.EpochMillis(1722933924962), info.Components[2].StartTime)
}

func TestSeqDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    servicestage.Seq
		wantErr bool
	}{
		{`1`, 1, false},
		{`"1"`, 1, false},
		{`" 12 "`, 12, false},
		{`2.0`, 2, false},
		{`"3.0"`, 3, false},
		{`null`, 0, false},
		{`""`, 0, false},
		{`1.5`, 0, true},
		{`"one"`, 0, true},
		{`true`, 0, true},
		{`99999999999`, 0, true},
	}
	for _, tt := range tests {
		var got servicestage.Seq
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.wantErr {
			assert.Error(t, err, tt.in)
			continue
		}
		if assert.NoError(t, err, tt.in) {
			assert.Equal(t, tt.want, got, tt.in)
		}
	}
}

func TestShowDecodesThePlan(t *testing.T) {
	t.Parallel()
	body := `{"id":"` + planID + `","name":"checkout","action":"deploy","status":"FAILED","fail_strategy":"stop",
	  "execute_time":1722933924962,"components":[{"id":"c1","name":"api","seq":"1","version":"1.4.2","status":"FAILED"}]}`
	s := huaweitest.New(t, huaweitest.Answer{Status: 200, Body: body})
	plan, err := client(t, s).Show(context.Background(), project, planID)
	require.NoError(t, err)
	r := s.One(t, "GET", "/v3/"+project+"/cas/release-plans/"+planID)
	assertSigned(t, r)
	assert.Equal(t, "checkout", plan.Name)
	assert.Equal(t, "FAILED", plan.Status)
	assert.Equal(t, "stop", plan.FailStrategy)
	assert.Equal(t, servicestage.EpochMillis(1722933924962), plan.ExecuteTime)
	require.Len(t, plan.Components, 1)
	assert.Equal(t, servicestage.Seq(1), plan.Components[0].Seq)
}

func TestExecuteIsNotRetriedAfterA5xx(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t, huaweitest.Answer{Status: 502, Body: `{"error_code":"APIGW.0202","error_msg":"Backend unavailable."}`}, huaweitest.Answer{Status: 200, Body: `{}`})
	_, err := client(t, s).Execute(context.Background(), project, planID)
	require.Error(t, err)
	assert.True(t, huawei.IsUnknownOutcome(err), "a 5xx leaves an execute's outcome open: %v", err)
	// execute is not idempotent: never retried blindly.
	r := s.One(t, "POST", "/v3/"+project+"/cas/release-plans/"+planID+"/execute")
	assert.Empty(t, r.Body, "execute has no body")
	assertSigned(t, r)
}

func TestExecuteIsRetriedWhenThrottled(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t, huaweitest.Answer{Status: 429, Body: `{"error_code":"APIGW.0308","error_msg":"over ratelimit"}`}, huaweitest.Answer{Status: 200, Body: `{}`})
	_, err := client(t, s).Execute(context.Background(), project, planID)
	require.NoError(t, err)
	assert.Len(t, s.Requests(), 2, "a throttled call never reached the service: safe to retry")
}

func TestAbortIsRetriedLikeARead(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t, huaweitest.Answer{Status: 503, Body: `{"error_code":"APIGW.0203","error_msg":"Backend unavailable."}`}, huaweitest.Answer{Status: 200, Body: `{}`})
	_, err := client(t, s).Abort(context.Background(), project, planID)
	require.NoError(t, err)
	reqs := s.Requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		assert.Equal(t, "POST", r.Method)
		assert.Equal(t, "/v3/"+project+"/cas/release-plans/"+planID+"/abort", r.Path)
	}
}

func TestRollbackPath(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t, huaweitest.Answer{Status: 200, Body: `{}`})
	_, err := client(t, s).Rollback(context.Background(), project, planID)
	require.NoError(t, err)
	s.One(t, "POST", "/v3/"+project+"/cas/release-plans/"+planID+"/rollback")
}

func TestServiceStageErrorsCarryCodeAndRequestID(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t, huaweitest.Answer{Status: 404, Body: `{"error_code":"SVCSTG.00100433","error_msg":"Release plan not found"}`})
	_, err := client(t, s).DeployInfo(context.Background(), project, planID)
	apiErr, ok := huawei.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "release plan", servicestage.NotFound(err))
	assert.Equal(t, "Release plan not found", apiErr.Message)
	assert.Equal(t, "req-a", apiErr.RequestID)
	assert.Equal(t, servicestage.ServiceName, apiErr.Service)
	assert.Len(t, s.Requests(), 1, "a 404 is not retried")
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := map[string]servicestage.Phase{
		"CREATED":          servicestage.PhasePending,
		"RUNNING":          servicestage.PhaseRunning,
		"SUCCESS":          servicestage.PhaseSucceeded,
		"success":          servicestage.PhaseSucceeded,
		"FAILED":           servicestage.PhaseFailed,
		"PARTIALLY_FAILED": servicestage.PhaseFailed,
		"ROLLBACK_SUCCEED": servicestage.PhaseFailed,
		"ROLLBACK_FAILED":  servicestage.PhaseFailed,
		"ROLLBACK_RUNNING": servicestage.PhaseUnknown,
		"ABORTED":          servicestage.PhaseFailed,
		"QUEUED":           servicestage.PhaseUnknown,
		"":                 servicestage.PhaseUnknown,
	}
	for status, want := range tests {
		assert.Equal(t, want, servicestage.Classify(status), status)
	}
}
