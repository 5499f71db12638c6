// Package codearts is a client of the CodeArts Deploy API: start a
// deployment task, read a record's state, stop a record. The official SDK
// covers only start and history, so the action carries this small client.
package codearts

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// TaskPath is the path of a CodeArts Deploy task, as the calls and a dry
// run's report name it.
func TaskPath(taskID string) string { return "/v2/tasks/" + url.PathEscape(taskID) }

// StopPath is the path that stops a deployment record of a task.
func StopPath(taskID, recordID string) string {
	return TaskPath(taskID) + "/records/" + url.PathEscape(recordID) + "/stop"
}

// ServiceName names the service in messages.
const ServiceName = "CodeArts Deploy"

// Client calls CodeArts Deploy.
type Client struct{ api *huawei.Client }

// New returns a client of the CodeArts Deploy endpoint at baseURL.
func New(baseURL string, creds huawei.Credentials, opts ...huawei.Option) (*Client, error) {
	return huawei.NewService(func(api *huawei.Client) *Client { return &Client{api: api} }, ServiceName, baseURL, creds, opts...)
}

// Param is a dynamic parameter of a deployment task.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Type  string `json:"type"` // text | enum | encrypt | host_group
}

// StartRequest is the body of StartDeployTask; every field is optional.
type StartRequest struct {
	Params        []Param `json:"params,omitempty"`
	RecordID      string  `json:"record_id,omitempty"`      // redeploy with this record's parameters
	TriggerSource string  `json:"trigger_source,omitempty"` // "0" or "1"
}

// Started is the answer to StartDeployTask.
type Started struct {
	ID      string `json:"id"` // the new record
	TaskID  string `json:"task_id"`
	JobName string `json:"job_name"`
	Raw     []byte `json:"-"`
}

// Start starts a deployment of task taskID and returns the new record.
//
// The call is not idempotent: after an error for which
// huawei.IsUnknownOutcome is true the record may exist all the same. An
// accepted start whose answer names no record (an odd or cut body) is such
// an error too: the service took the request, so the record most likely
// exists, and the caller must look for it rather than report that nothing
// started.
//
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/StartDeployTask.html
func (c *Client) Start(ctx context.Context, taskID string, req StartRequest) (*Started, error) {
	resp, err := c.api.Do(ctx, huawei.Request{
		Method: "POST",
		Path:   TaskPath(taskID) + "/start",
		Body:   req,
	}, nil)
	if err != nil {
		return nil, err
	}
	return startedRecord(taskID, resp)
}

// startedRecord reads the answer to an accepted start of task taskID; an
// answer that does not name the new record leaves the outcome unknown.
func startedRecord(taskID string, resp *huawei.Response) (*Started, error) {
	out, err := decodeStarted(resp.Body)
	if err != nil {
		return nil, &huawei.UnknownOutcomeError{Err: fmt.Errorf("%s: the service accepted the start of task %s (request id %s), but its answer cannot be read: %w", ServiceName, taskID, resp.RequestID, err)}
	}
	if !ValidID(out.ID) {
		// The 2xx proves the start arrived, but without the new record's
		// id the outcome is as unknown as after a lost answer.
		return nil, &huawei.UnknownOutcomeError{Err: protocolError("POST", "/v2/tasks/"+taskID+"/start", resp,
			"it carries no record id of 32 letters and digits")}
	}
	out.Raw = resp.Body
	return out, nil
}

// ValidID reports whether s has the shape of a CodeArts Deploy task or
// record id: 32 letters and digits (API notes §1; the API pages' "Range" of
// task_id and record_id). An answer with any other id is not trusted: it
// could be an echo of anything, a secret included.
func ValidID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// Record is the state of one deployment record.
type Record struct {
	RecordID  string `json:"record_id"`
	TaskID    string `json:"task_id"`
	TaskName  string `json:"task_name"`
	Executor  string `json:"executor"`
	NickName  string `json:"nick_name"`
	Status    string `json:"status"` // running | succeeded | failed, and others: see Classify
	Step      string `json:"step"`   // running | finish
	StartTime string `json:"start_time"`
	EndTime   string `json:"end_time"`
	Steps     []Step `json:"step_state"`
	// StepsCut says the answer listed more than MaxSteps steps: Steps
	// holds the first MaxSteps.
	StepsCut bool `json:"-"`
}

// Step is one step of a deployment. There is no per-step status: a step
// with elapsed time has started.
type Step struct {
	ID            FlexInt  `json:"id"`
	Name          string   `json:"name"`
	Enable        FlexBool `json:"enable"`
	Offset        FlexInt  `json:"offset"`
	CurrentOffset FlexInt  `json:"current_offset"`
	ElapsedTime   FlexInt  `json:"elapsed_time"` // milliseconds
	Region        string   `json:"region"`
	FAQURL        string   `json:"faq_url"`
}

// Elapsed is the step's run time so far. A negative count (a buggy or
// hostile answer) reads as none, one beyond what a Duration holds (some 292
// years) as the longest one.
func (s Step) Elapsed() time.Duration {
	switch {
	case int64(s.ElapsedTime) < 0:
		return 0
	case int64(s.ElapsedTime) > math.MaxInt64/int64(time.Millisecond):
		return math.MaxInt64
	}
	return time.Duration(s.ElapsedTime) * time.Millisecond
}

// State is a decoded ShowDeployStatus answer with its raw bytes.
type State struct {
	Status string `json:"status"` // success | error
	Result Record `json:"result"`
	Raw    []byte `json:"-"`
}

// State reads the state of record recordID of task taskID, with its steps;
// an empty recordID asks for the task's latest record.
//
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/ShowDeployStatus.html
func (c *Client) State(ctx context.Context, taskID, recordID string) (*State, error) {
	var out State
	resp, err := c.api.Get(ctx, TaskPath(taskID)+"/state", stateQuery(recordID), &out)
	if err != nil {
		return nil, err
	}
	if problem := out.problem(taskID, recordID, resp.Body); problem != "" {
		return nil, protocolError("GET", "/v2/tasks/"+taskID+"/state", resp, problem)
	}
	out.Raw = resp.Body
	return &out, nil
}

// stateQuery asks for the state of record recordID (the task's latest
// when it is ""), with the state of each step.
func stateQuery(recordID string) url.Values {
	q := url.Values{"step_state": {"true"}}
	if recordID != "" {
		q.Set("record_id", recordID)
	}
	return q
}

// problem says what makes the state answer body unusable for the record
// asked for, or "": an answer about another record, or an ambiguous one.
func (s *State) problem(taskID, recordID string, body []byte) string {
	if problem := s.mismatch(taskID, recordID); problem != "" {
		return problem
	}
	if huawei.DuplicateKeys(body) {
		return "a JSON object in it has a key twice, so its values are ambiguous"
	}
	return ""
}

// mismatch says what makes a state answer unusable for the record asked
// for, or "". An answer about another record or task must never decide a
// verdict: a buggy or hostile server that answers with a record that has
// succeeded would otherwise pass a deployment that still runs. A missing
// record_id or task_id is tolerated (the answer names no other record);
// one of the wrong shape is not.
func (s *State) mismatch(taskID, recordID string) string {
	r := s.Result
	switch {
	case strings.EqualFold(s.Status, "error"):
		return `it reports status "error"`
	case r.RecordID != "" && !ValidID(r.RecordID):
		return "its record_id is not 32 letters and digits"
	case recordID != "" && r.RecordID != "" && r.RecordID != recordID:
		return "it is about another record than the one asked for"
	case r.TaskID != "" && r.TaskID != taskID:
		return "it is about another task than the one asked for"
	}
	return ""
}

// Stop stops a running record. Stopping twice is harmless, so the call is
// retried like a read.
//
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/StopDeployTaskRecord.html
func (c *Client) Stop(ctx context.Context, taskID, recordID string) ([]byte, error) {
	resp, err := c.api.Do(ctx, huawei.Request{
		Method:     "PUT",
		Path:       StopPath(taskID, recordID),
		Idempotent: true,
	}, nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
