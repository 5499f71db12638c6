package codearts

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// TaskDetail is the part of ShowDeployTaskDetail the action uses.
type TaskDetail struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	AppID string `json:"app_id"`
	// ProjectID is the task's CodeArts project (not the IAM project):
	// the project_id ListDeployTaskHistoryByDate takes (huaweicloud-sdk-go-v3
	// v0.1.207 services/codeartsdeploy/v2/model/model_show_deploy_task_detail_response.go).
	ProjectID string `json:"project_id"`
}

// Detail reads a task's detail; the action needs its app_id to read logs.
// The API reference shows the object both bare and wrapped in "result", so
// both are accepted.
//
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/ShowDeployTaskDetail.html
func (c *Client) Detail(ctx context.Context, taskID string) (*TaskDetail, error) {
	resp, err := c.api.Do(ctx, huawei.Request{
		Method:     "GET",
		Path:       "/v2/tasks/" + url.PathEscape(taskID),
		Idempotent: true,
	}, nil)
	if err != nil {
		return nil, err
	}
	var wrapped struct {
		Result *TaskDetail `json:"result"`
	}
	if err := json.Unmarshal(resp.Body, &wrapped); err == nil && wrapped.Result != nil && wrapped.Result.AppID != "" {
		return wrapped.Result, nil
	}
	var bare TaskDetail
	if err := json.Unmarshal(resp.Body, &bare); err != nil {
		return nil, err
	}
	return &bare, nil
}

// LogPage is one page of a record's log.
type LogPage struct {
	HasMore   bool    `json:"has_more"`
	Text      string  `json:"text"`
	Offset    FlexInt `json:"offset"`
	EndOffset FlexInt `json:"end_offset"`
}

// Logs reads one page of a record's log from byte offset on, limited to one
// step (1-based) when stepID > 0. Pages may end inside a line.
//
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/ShowAppLog.html
func (c *Client) Logs(ctx context.Context, appID, recordID string, stepID int, offset int64) (*LogPage, error) {
	q := url.Values{"offset": {strconv.FormatInt(offset, 10)}}
	if stepID > 0 {
		q.Set("step_id", strconv.Itoa(stepID))
	}
	var out struct {
		Result LogPage `json:"result"`
	}
	_, err := c.api.Do(ctx, huawei.Request{
		Method:     "GET",
		Path:       "/v1/applications/" + url.PathEscape(appID) + "/records/" + url.PathEscape(recordID) + "/logs",
		Query:      q,
		Idempotent: true,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out.Result, nil
}
