package codearts

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// How answers are read. The versions of the API reference disagree on the
// types of step_state's fields (strings in one, numbers and booleans in
// another: see flex.go), and a service version may send neither. Only the
// fields a verdict depends on are read strictly: a record's status,
// record_id, step and end_time
// (https://support.huaweicloud.com/intl/en-us/api-deployman/ShowDeployStatus.html).
// Every other field is read leniently and left empty when it is odd, so
// that one step with "id":"1e400" cannot make every state unreadable and
// turn a failed deployment into a timeout.

// MaxSteps bounds the steps kept from one answer. CodeArts Deploy tasks
// have a handful of steps; 500 is far beyond any real task, and keeps a
// decoded answer small (about 100 bytes a step) even when a body of
// huawei.MaxResponseBytes lists millions of empty steps.
const MaxSteps = 500

// UnmarshalJSON reads a record: status, record_id, step and end_time
// strictly (a verdict cannot do without them), the rest leniently, at most
// MaxSteps steps.
func (r *Record) UnmarshalJSON(b []byte) error {
	var w struct {
		RecordID  string      `json:"record_id"`
		Status    string      `json:"status"`
		Step      string      `json:"step"`
		EndTime   string      `json:"end_time"`
		TaskID    huawei.Text `json:"task_id"`
		TaskName  huawei.Text `json:"task_name"`
		Executor  huawei.Text `json:"executor"`
		NickName  huawei.Text `json:"nick_name"`
		StartTime huawei.Text `json:"start_time"`
		Steps     stepList    `json:"step_state"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = Record{
		RecordID: w.RecordID, Status: w.Status, Step: w.Step, EndTime: w.EndTime,
		TaskID: string(w.TaskID), TaskName: string(w.TaskName), Executor: string(w.Executor),
		NickName: string(w.NickName), StartTime: string(w.StartTime),
		Steps: w.Steps.steps, StepsCut: w.Steps.cut,
	}
	return nil
}

// stepList is step_state read leniently: at most MaxSteps steps, and none
// when it is not a list.
type stepList struct {
	steps []Step
	cut   bool
}

func (l *stepList) UnmarshalJSON(b []byte) error {
	steps, cut, err := huawei.DecodeList[Step](b, MaxSteps)
	if err != nil {
		steps, cut = nil, false
	}
	*l = stepList{steps: steps, cut: cut}
	return nil
}

// UnmarshalJSON reads a step leniently: it never fails, and a field it
// cannot read stays empty. A step that is not an object keeps its place
// in the list, so the positions of the others stay right.
func (s *Step) UnmarshalJSON(b []byte) error {
	var w struct {
		ID            looseInt    `json:"id"`
		Name          huawei.Text `json:"name"`
		Enable        looseBool   `json:"enable"`
		Offset        looseInt    `json:"offset"`
		CurrentOffset looseInt    `json:"current_offset"`
		ElapsedTime   looseInt    `json:"elapsed_time"`
		Region        huawei.Text `json:"region"`
		FAQURL        huawei.Text `json:"faq_url"`
	}
	if json.Unmarshal(b, &w) != nil {
		*s = Step{}
		return nil
	}
	*s = Step{
		ID: FlexInt(w.ID), Name: string(w.Name), Enable: FlexBool(w.Enable),
		Offset: FlexInt(w.Offset), CurrentOffset: FlexInt(w.CurrentOffset), ElapsedTime: FlexInt(w.ElapsedTime),
		Region: string(w.Region), FAQURL: string(w.FAQURL),
	}
	return nil
}

// UnmarshalJSON reads a ShowDeployStatus answer: its own status (success
// or error, which no verdict uses) leniently, its record as Record says.
func (s *State) UnmarshalJSON(b []byte) error {
	var w struct {
		Status huawei.Text `json:"status"`
		Result Record      `json:"result"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = State{Status: string(w.Status), Result: w.Result}
	return nil
}

// errNoRecordID is a start answer that names no record.
var errNoRecordID = errors.New("it names no record id")

// decodeStarted reads a StartDeployTask answer, {id, task_id, job_name,
// app_component_list} (huaweicloud-sdk-go-v3 v0.1.207
// services/codeartsdeploy/v2/model/model_start_deploy_task_response.go).
// Only the new record's id matters (the flow follows it); a number is
// taken as its digits. The rest is read leniently or not at all.
func decodeStarted(body []byte) (*Started, error) {
	var w struct {
		ID      huawei.Text `json:"id"`
		TaskID  huawei.Text `json:"task_id"`
		JobName huawei.Text `json:"job_name"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(w.ID)) == "" {
		return nil, errNoRecordID
	}
	return &Started{ID: string(w.ID), TaskID: string(w.TaskID), JobName: string(w.JobName)}, nil
}

// decodeLogPage reads a ShowAppLog answer, {status, result: {has_more,
// text, offset, end_offset}}, leniently: no field of it decides a verdict,
// and an odd one costs at most the rest of the log (an unreadable offset
// reads as 0, and paging then goes on after the text). The text is kept
// whole: the caller bounds what it keeps of it.
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/ShowAppLog.html
func decodeLogPage(body []byte) (*LogPage, error) {
	var w struct {
		Result struct {
			HasMore   looseBool   `json:"has_more"`
			Text      looseString `json:"text"`
			Offset    looseInt    `json:"offset"`
			EndOffset looseInt    `json:"end_offset"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || !json.Valid(body) {
			return nil, err
		}
		// result is not an object: a page without text.
		return &LogPage{}, nil
	}
	r := w.Result
	return &LogPage{HasMore: bool(r.HasMore), Text: string(r.Text), Offset: FlexInt(r.Offset), EndOffset: FlexInt(r.EndOffset)}, nil
}

// looseString is a JSON string, or "" when the value is anything else
// (a number too: a step id that is a number is a position, which the log
// API does not take). Unlike huawei.Text it is kept whole.
type looseString string

func (t *looseString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var s string
	if len(b) > 0 && b[0] == '"' && json.Unmarshal(b, &s) == nil {
		*t = looseString(s)
	} else {
		*t = ""
	}
	return nil
}

// looseInt is a FlexInt that reads anything it cannot as 0.
type looseInt FlexInt

func (l *looseInt) UnmarshalJSON(b []byte) error {
	var f FlexInt
	if f.UnmarshalJSON(b) != nil {
		f = 0
	}
	*l = looseInt(f)
	return nil
}

// looseBool is a FlexBool that reads anything it cannot as false.
type looseBool FlexBool

func (l *looseBool) UnmarshalJSON(b []byte) error {
	var f FlexBool
	if f.UnmarshalJSON(b) != nil {
		f = false
	}
	*l = looseBool(f)
	return nil
}
