package codearts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

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
	// Steps are the task's steps with the ids ShowAppLog's step_id takes.
	Steps Steps `json:"steps"`
}

// Detail reads a task's detail: its application id, which the log API
// needs, and its steps' ids. The SDK's model is a bare object
// (huaweicloud-sdk-go-v3 v0.1.207
// services/codeartsdeploy/v2/model/model_show_deploy_task_detail_response.go);
// an object wrapped in "result", as other CodeArts answers are, is
// accepted too.
//
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/ShowDeployTaskDetail.html
func (c *Client) Detail(ctx context.Context, taskID string) (*TaskDetail, error) {
	resp, err := c.api.Get(ctx, TaskPath(taskID), nil, nil)
	if err != nil {
		return nil, err
	}
	return decodeTaskDetail(resp.Body)
}

// decodeTaskDetail reads a task detail as a bare object, or, when that
// names no application, as one wrapped in "result" that does.
func decodeTaskDetail(body []byte) (*TaskDetail, error) {
	var bare TaskDetail
	if err := json.Unmarshal(body, &bare); err != nil {
		return nil, err
	}
	if bare.AppID == "" {
		if wrapped, ok := wrappedTaskDetail(body); ok {
			return wrapped, nil
		}
	}
	return &bare, nil
}

// wrappedTaskDetail reads a task's detail wrapped in "result"; false when
// body has none that names an application.
func wrappedTaskDetail(body []byte) (*TaskDetail, bool) {
	var wrapped struct {
		Result *TaskDetail `json:"result"`
	}
	if err := json.Unmarshal(body, &wrapped); err != nil || wrapped.Result == nil || wrapped.Result.AppID == "" {
		return nil, false
	}
	return wrapped.Result, true
}

// AppDetail is the part of ShowAppDetailById the action uses.
type AppDetail struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	ProjectID string `json:"project_id"`
	// Tasks are the application's deployment tasks (arrange_infos).
	Tasks []AppTask `json:"arrange_infos"`
}

// AppTask is one deployment task of an application.
type AppTask struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Steps Steps  `json:"steps"`
}

// StepsOf returns the steps of task taskID: those of the entry with that
// id, else of the first entry, where the ShowAppLog reference points
// (result.arrange_infos[0].steps.step1.id).
func (a *AppDetail) StepsOf(taskID string) Steps {
	for _, t := range a.Tasks {
		if t.ID == taskID {
			return t.Steps
		}
	}
	if len(a.Tasks) > 0 {
		return a.Tasks[0].Steps
	}
	return nil
}

// AppDetail reads an application's detail, where the ShowAppLog
// reference says step ids come from. The answer is
// {status, result: {id, name, project_id, arrange_infos: [{id, steps}]}}
// (huaweicloud-sdk-go-v3 v0.1.207
// services/codeartsdeploy/v2/model/model_show_app_detail_by_id_response.go,
// model_app_detail_info.go, model_task_v2_info.go).
// The path is the SDK's (codeArtsDeploy_meta.go, GenReqDefForShowAppDetailById).
//
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/ShowAppLog.html
// (step_id: "result.arrange_infos[0].steps.step1.id" of the application detail)
func (c *Client) AppDetail(ctx context.Context, appID string) (*AppDetail, error) {
	var out struct {
		Result AppDetail `json:"result"`
	}
	if _, err := c.api.Get(ctx, "/v1/applications/"+url.PathEscape(appID)+"/info", nil, &out); err != nil {
		return nil, err
	}
	return &out.Result, nil
}

// DetailStep is one step of a task as the task and application details
// list it (huaweicloud-sdk-go-v3 v0.1.207
// services/codeartsdeploy/v2/model/model_step.go).
type DetailStep struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Enable FlexBool `json:"enable"`
}

// Steps are a task's steps keyed step1, step2, ... in step order.
type Steps map[string]DetailStep

// UnmarshalJSON keeps the steps it can read, at most MaxSteps, and drops
// the others: the task detail API is marked as no longer maintained, and
// a step it cannot name only costs that step its own log. It never fails.
func (s *Steps) UnmarshalJSON(b []byte) error {
	*s = nil
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	*s = readSteps(dec)
	return nil
}

// readSteps reads the members of a steps object after its opening brace,
// at most MaxSteps, and keeps those that carry an id; it stops at the
// first it cannot read.
func readSteps(dec *json.Decoder) Steps {
	out := Steps{}
	for n := 0; n < MaxSteps && dec.More(); n++ {
		key, err := dec.Token()
		if err != nil {
			break
		}
		var st DetailStep
		if dec.Decode(&st) != nil {
			break
		}
		if k, ok := key.(string); ok && st.ID != "" {
			out[k] = st
		}
	}
	return out
}

// UnmarshalJSON reads a step of a task leniently; it never fails, and a
// step it cannot read has no id.
func (d *DetailStep) UnmarshalJSON(b []byte) error {
	var l huawei.Lenient[struct {
		ID     looseString              `json:"id"`
		Name   huawei.Text              `json:"name"`
		Enable huawei.Lenient[FlexBool] `json:"enable"`
	}]
	_ = l.UnmarshalJSON(b) // a step it cannot read stays empty
	w := l.V
	*d = DetailStep{ID: string(w.ID), Name: string(w.Name), Enable: w.Enable.V}
	return nil
}

// UnmarshalJSON reads a task detail leniently: none of it decides a
// verdict, and an odd field costs at most the step logs.
func (t *TaskDetail) UnmarshalJSON(b []byte) error {
	var w struct {
		ID        huawei.Text `json:"id"`
		Name      huawei.Text `json:"name"`
		AppID     huawei.Text `json:"app_id"`
		ProjectID huawei.Text `json:"project_id"`
		Steps     Steps       `json:"steps"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = TaskDetail{ID: string(w.ID), Name: string(w.Name), AppID: string(w.AppID), ProjectID: string(w.ProjectID), Steps: w.Steps}
	return nil
}

// maxAppTasks bounds the tasks kept from an application detail: an
// application has a few deployment tasks, and only one of them is looked
// for.
const maxAppTasks = 500

// UnmarshalJSON reads an application detail leniently, at most
// maxAppTasks of its tasks.
func (a *AppDetail) UnmarshalJSON(b []byte) error {
	var w struct {
		ID        huawei.Text                 `json:"id"`
		Name      huawei.Text                 `json:"name"`
		ProjectID huawei.Text                 `json:"project_id"`
		Tasks     huawei.LimitedList[AppTask] `json:"arrange_infos"`
	}
	w.Tasks.Max = maxAppTasks
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = AppDetail{ID: string(w.ID), Name: string(w.Name), ProjectID: string(w.ProjectID), Tasks: w.Tasks.Items}
	return nil
}

// UnmarshalJSON reads a task of an application leniently.
func (t *AppTask) UnmarshalJSON(b []byte) error {
	var l huawei.Lenient[struct {
		ID    huawei.Text `json:"id"`
		Name  huawei.Text `json:"name"`
		Steps Steps       `json:"steps"`
	}]
	_ = l.UnmarshalJSON(b) // a task it cannot read stays empty
	w := l.V
	*t = AppTask{ID: string(w.ID), Name: string(w.Name), Steps: w.Steps}
	return nil
}

// IDOf returns the id of the step that ShowDeployStatus reports at
// position pos (step_state[].id, 1-based) with name name, or "" when the
// steps do not say. The steps map is keyed by position (step1, step2, ...):
// that entry wins when its name agrees; otherwise the one step with that
// name, in case the map skips steps the state does not; otherwise the
// entry at the position all the same, since names may be written
// differently in the two answers.
func (s Steps) IDOf(pos int, name string) string {
	byPos, ok := s["step"+strconv.Itoa(pos)]
	name = strings.TrimSpace(name)
	if ok && namesAgree(byPos.Name, name) {
		return byPos.ID
	}
	if id, unique := s.onlyNamed(name); unique {
		return id
	}
	if ok {
		return byPos.ID
	}
	return ""
}

// namesAgree reports whether a step's name in the task's steps and name,
// the trimmed one from ShowDeployStatus, may name the same step: equal
// once trimmed, or one of them missing.
func namesAgree(stepName, name string) bool {
	stepName = strings.TrimSpace(stepName)
	return name == "" || stepName == "" || stepName == name
}

// onlyNamed returns the id of the one step named name (trimmed); false
// when name is empty or no step or more than one has it.
func (s Steps) onlyNamed(name string) (string, bool) {
	match, n := "", 0
	for _, st := range s {
		if name != "" && strings.TrimSpace(st.Name) == name {
			match, n = st.ID, n+1
		}
	}
	return match, n == 1
}

// LogPage is one page of a record's log.
type LogPage struct {
	HasMore   bool    `json:"has_more"`
	Text      string  `json:"text"`
	Offset    FlexInt `json:"offset"`
	EndOffset FlexInt `json:"end_offset"`
	// Requested is the end_offset the request asked for.
	Requested int64 `json:"-"`
}

// LogWindow is how far past offset a log request's end_offset lies.
//
// ShowAppLog makes offset and end_offset mandatory (strings of 1-19
// digits) and says no more of end_offset than "log end offset"
// (https://support.huaweicloud.com/intl/en-us/api-deployman/ShowAppLog.html).
// offset+LogWindow is a valid request under every reading: an exclusive
// or inclusive end (a page of at most this many bytes), a length (more
// than this), or a bound the service ignores; it is never before offset,
// and it is modest in case the service refuses large windows.
const LogWindow = 16 << 10

// Logs reads one page of a record's log, from offset to at most
// offset+LogWindow, limited to one step when stepID (a step's id string,
// see Steps) is not empty. Pages may end inside a line.
//
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/ShowAppLog.html
func (c *Client) Logs(ctx context.Context, appID, recordID, stepID string, offset int64) (*LogPage, error) {
	raw, err := c.logPage(ctx, appID, recordID, stepID, offset)
	if err != nil {
		return nil, err
	}
	text, _ := unquote(raw.text)
	return &LogPage{HasMore: raw.hasMore, Text: text, Offset: raw.offset, EndOffset: raw.endOffset, Requested: raw.requested}, nil
}

// logPage reads one page of a record's log, its text left as the answer
// spells it.
func (c *Client) logPage(ctx context.Context, appID, recordID, stepID string, offset int64) (*rawLogPage, error) {
	end := offset + LogWindow
	q := logQuery(offset, end, stepID)
	resp, err := c.api.Get(ctx, "/v1/applications/"+url.PathEscape(appID)+"/records/"+url.PathEscape(recordID)+"/logs", q, nil)
	if err != nil {
		return nil, err
	}
	page, err := decodeLogPage(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: decoding a page of the log of record %s (request id %s): %w", ServiceName, recordID, resp.RequestID, err)
	}
	page.requested = end
	return page, nil
}

// logQuery is the query of a log page from offset to end, of one step
// when stepID is not empty.
func logQuery(offset, end int64, stepID string) url.Values {
	q := url.Values{
		"offset":     {strconv.FormatInt(offset, 10)},
		"end_offset": {strconv.FormatInt(end, 10)},
	}
	if stepID != "" {
		q.Set("step_id", stepID)
	}
	return q
}

// logChunk is how much of a page's text StreamLog decodes at a time.
const logChunk = 64 << 10

// StreamLog reads a record's log (one step's with a stepID) from offset
// on, at most maxPages pages, hands the text to each as it comes, in
// pieces that may end inside a line, and returns the offset to go on from
// later, the pages read and whether it reached the log's end. Nothing of
// the text is kept, nor even decoded whole: a log of any length costs the
// memory of one answer. each returns false to stop early.
//
// It pages from each answer's end_offset, as the API reference says to,
// not from the text's length: the service's offsets need not count bytes.
// It goes on while has_more is true, and also after a page that filled
// the whole window, in case has_more only speaks of the window asked for;
// it stops at a page that makes no progress.
func (c *Client) StreamLog(ctx context.Context, appID, recordID, stepID string, offset int64, maxPages int, each func(text string) bool) (next int64, pages int, ended bool, err error) {
	for pages < maxPages {
		p, err := c.logPage(ctx, appID, recordID, stepID, offset)
		if err != nil {
			return offset, pages, false, err
		}
		pages++
		length, stopped := handOn(p.text, each)
		next := nextLogOffset(offset, int64(p.endOffset), length)
		if next <= offset {
			return offset, pages, true, nil
		}
		offset = next
		more := p.hasMore || next >= p.requested
		if stopped || !more {
			return offset, pages, !more, nil
		}
	}
	return offset, pages, false, nil
}

// handOn decodes a page's text in pieces of logChunk and hands them to
// each; it returns the decoded length and whether each asked to stop.
func handOn(text []byte, each func(text string) bool) (length int, stopped bool) {
	unquoteChunks(text, logChunk, func(text string) bool {
		length += len(text)
		stopped = !each(text)
		return !stopped
	})
	return length, stopped
}

// nextLogOffset is where the page after one read from offset starts: the
// answer's end_offset, or, when that makes no progress but the page had
// text of length bytes, the offset after the text.
func nextLogOffset(offset, endOffset int64, length int) int64 {
	if endOffset <= offset && length > 0 {
		// No usable end_offset: go on after the text.
		return offset + int64(length)
	}
	return endOffset
}

// ReadLog reads a record's log like StreamLog and returns its text whole:
// for logs known to be short. The action streams them (StreamLog).
func (c *Client) ReadLog(ctx context.Context, appID, recordID, stepID string, offset int64, maxPages int) (string, int64, error) {
	var text strings.Builder
	next, _, _, err := c.StreamLog(ctx, appID, recordID, stepID, offset, maxPages, func(t string) bool {
		text.WriteString(t)
		return true
	})
	if err != nil {
		return "", offset, err
	}
	return text.String(), next, nil
}
