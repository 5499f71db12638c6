package rts_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/huaweitest"
	"github.com/deploy-action/deploy-action/internal/rts"
)

const (
	project      = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	deploymentID = "5c9a1f0e-2b7d-4e43-9a51-6f2d8c7b3e10"
	path         = "/v1/" + project + "/software_deployments/" + deploymentID
)

// answerBody is an RTS answer with a value JSON would lose in a round trip
// through float64, to check the object is passed on as sent.
const answerBody = `{"software_deployment":{"action":"UPDATE","config_id":"cfg-1","creation_time":"2015-01-31T15:12:36Z",
 "id":"` + deploymentID + `","input_values":{},"output_values":{"deploy_status_code":0,"big":12345678901234567890,"deploy_stdout":"a\nb"},
 "server_id":"srv-1","status":"COMPLETE","status_reason":"Outputs received","updated_time":"2015-01-31T15:13:00Z"}}`

func client(t *testing.T, s *huaweitest.Server) *rts.Client {
	t.Helper()
	c, err := rts.New(s.URL, huawei.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"},
		huawei.WithProjectID(project),
		huawei.WithRetryPolicy(huawei.RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxTries: 4, MaxElapsed: 5 * time.Second, AttemptTimeout: 2 * time.Second}))
	require.NoError(t, err)
	return c
}

func TestUpdateSendsOnlyGivenFields(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t, huaweitest.Answer{Status: 200, Body: answerBody})
	stdout := strings.Repeat("line with <html> & \"quotes\"\n", 3)
	ans, err := client(t, s).UpdateSoftwareDeployment(context.Background(), project, deploymentID, rts.Update{
		Status:       rts.StatusComplete,
		OutputValues: map[string]any{"deploy_stdout": stdout, "deploy_status_code": int64(0)},
	})
	require.NoError(t, err)

	r := s.One(t, "PUT", path)
	assert.Equal(t, project, r.Header.Get("X-Project-Id"))
	assert.Contains(t, r.Header.Get("Authorization"), "SignedHeaders=")
	assert.Contains(t, r.Header.Get("Content-Type"), "application/json")
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.Body), &body))
	assert.Equal(t, map[string]any{
		"status":        "COMPLETE",
		"output_values": map[string]any{"deploy_stdout": stdout, "deploy_status_code": float64(0)},
	}, body, "empty fields are not sent, so they keep their stored values")

	assert.Equal(t, "COMPLETE", ans.Deployment.Status)
	assert.Equal(t, "Outputs received", ans.Deployment.StatusReason)
	assert.Equal(t, "srv-1", ans.Deployment.ServerID)
	assert.Contains(t, string(ans.Object), "12345678901234567890", "the object is kept as sent")
	assert.JSONEq(t, answerBody, string(ans.Raw))
}

func TestUpdateIsRetriedAfterA5xx(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t,
		huaweitest.Answer{Status: 503, Body: `{"error_code":"APIGW.0203","error_msg":"Backend unavailable."}`},
		huaweitest.Answer{Status: 200, Body: answerBody})
	_, err := client(t, s).UpdateSoftwareDeployment(context.Background(), project, deploymentID, rts.Update{Status: rts.StatusFailed})
	require.NoError(t, err)
	reqs := s.Requests()
	require.Len(t, reqs, 2, "the PUT sets state, so resending it is safe")
	assert.Equal(t, reqs[0].Body, reqs[1].Body, "the same body both times")
}

func TestHeatErrorIsDecoded(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t, huaweitest.Answer{Status: 404, Body: `{"code":404,"error":{"message":"Software deployment with id ` + deploymentID +
		` not found","traceback":null,"type":"NotFound"},"explanation":"The resource could not be found.","title":"Not Found"}`})
	_, err := client(t, s).UpdateSoftwareDeployment(context.Background(), project, deploymentID, rts.Update{Status: rts.StatusComplete})
	require.Error(t, err)
	apiErr, ok := huawei.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 404, apiErr.HTTPStatus)
	assert.Equal(t, "NotFound", apiErr.Code)
	assert.Equal(t, "Software deployment with id "+deploymentID+" not found", apiErr.Message)
	assert.Equal(t, "req-a", apiErr.RequestID)
	assert.True(t, rts.IsNotFound(err))
	assert.Len(t, s.Requests(), 1)
}

func TestHeatErrorWithoutMessageUsesExplanation(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t, huaweitest.Answer{Status: 400, Body: `{"code":400,"error":{"type":"HTTPBadRequest"},"explanation":"The server could not comply.","title":"Bad Request"}`})
	_, err := client(t, s).GetSoftwareDeployment(context.Background(), project, deploymentID)
	apiErr, ok := huawei.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "HTTPBadRequest", apiErr.Code)
	assert.Equal(t, "The server could not comply.", apiErr.Message)
	assert.False(t, rts.IsNotFound(err))
}

func TestGetSoftwareDeployment(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t, huaweitest.Answer{Status: 200, Body: answerBody})
	ans, err := client(t, s).GetSoftwareDeployment(context.Background(), project, deploymentID)
	require.NoError(t, err)
	r := s.One(t, "GET", path)
	assert.Empty(t, r.Body)
	assert.Equal(t, deploymentID, ans.Deployment.ID)
}

func TestAnswerWithoutDeploymentIsAnError(t *testing.T) {
	t.Parallel()
	s := huaweitest.New(t, huaweitest.Answer{Status: 200, Body: `{"something":"else"}`})
	_, err := client(t, s).GetSoftwareDeployment(context.Background(), project, deploymentID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no software_deployment")
	assert.Contains(t, err.Error(), "req-a")
}

// TestAnswerAboutAnotherDeploymentIsAProtocolError: a signal's answer must
// be about the deployment signalled, or it is never reported as its state.
func TestAnswerAboutAnotherDeploymentIsAProtocolError(t *testing.T) {
	t.Parallel()
	other := strings.ReplaceAll(answerBody, deploymentID, "00000000-0000-4000-8000-000000000000")
	s := huaweitest.New(t, huaweitest.Answer{Status: 200, Body: other})
	ans, err := client(t, s).UpdateSoftwareDeployment(context.Background(), project, deploymentID, rts.Update{Status: rts.StatusComplete})
	require.Error(t, err)
	assert.Nil(t, ans)
	assert.True(t, huawei.IsProtocolError(err), "%v", err)
}
