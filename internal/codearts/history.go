package codearts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// ListDeployTaskHistoryByDate, as the API page and the SDK describe it:
//
//	GET /v2/{project_id}/task/{id}/history?page=&size=&start_date=&end_date=
//
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/ListDeployTaskHistoryByDate.html
// SDK: huaweicloud-sdk-go-v3 v0.1.207 services/codeartsdeploy/v2/codeArtsDeploy_meta.go
// (GenReqDefForListDeployTaskHistoryByDate) and
// services/codeartsdeploy/v2/model/model_list_deploy_task_history_by_date_request.go.
//
// project_id is the CodeArts project of the task (ShowDeployTaskDetail's
// project_id), not the IAM project. All four query parameters are
// mandatory: page 1-99999, size 1-100, dates yyyy-MM-dd with
// end_date >= start_date and at most 30 days between them. The page's own
// example pair, 2022-03-16 and 2022-04-15, is exactly 30 days apart, so
// the span is end minus start, not a count of days.
const (
	// HistoryDateLayout is how start_date and end_date are written.
	HistoryDateLayout = "2006-01-02"
	// MaxHistorySpanDays is the most days end_date may be after start_date.
	MaxHistorySpanDays = 30
	// MaxHistoryPageSize is the largest size the API accepts.
	MaxHistoryPageSize = 100
	// maxHistoryPage is the largest page number the API accepts.
	maxHistoryPage = 99999
)

// HistoryQuery selects one page of a task's records between two dates.
// The dates are calendar days of the region: only their year, month and
// day are sent, whatever their location.
type HistoryQuery struct {
	From, To time.Time
	Page     int // from 1
	Size     int // 1 to MaxHistoryPageSize
}

// HistoryRecord is one record of a task's history, as the SDK models it
// (huaweicloud-sdk-go-v3 v0.1.207
// services/codeartsdeploy/v2/model/model_execute_record_v2_body.go,
// ExecuteRecordV2Body). ShowDeployStatus's page names execution_id as
// the record id its record_id parameter takes. Neither source gives the
// values of state or the format of the times, so State is read with
// Classify and the times with ParseHistoryTime, which accept more than
// one reading.
type HistoryRecord struct {
	ExecutionID string     `json:"execution_id"`
	State       string     `json:"state"`
	StartTime   FlexString `json:"start_time"`
	EndTime     FlexString `json:"end_time"`
	Duration    string     `json:"duration"` // HH:mm:ss
	Operator    string     `json:"operator"`
	Nickname    string     `json:"nickname"`
	ReleaseID   FlexInt    `json:"release_id"` // the record's sequence number in its task
	Type        string     `json:"type"`
}

// HistoryPage is one answer of ListDeployTaskHistoryByDate (SDK:
// model_list_deploy_task_history_by_date_response.go).
type HistoryPage struct {
	Records []HistoryRecord `json:"result"`
	// TotalNum is the number of records between the two dates, on all
	// pages; nil when the answer leaves it out.
	TotalNum *FlexInt `json:"total_num"`
}

// UnmarshalJSON reads a history page with at most MaxHistoryPageSize
// records, the most a page the action asks for may hold: an answer listing
// millions would otherwise take hundreds of megabytes once decoded.
func (p *HistoryPage) UnmarshalJSON(b []byte) error {
	var w struct {
		Records  historyRecords `json:"result"`
		TotalNum *FlexInt       `json:"total_num"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = HistoryPage{Records: w.Records, TotalNum: w.TotalNum}
	return nil
}

type historyRecords []HistoryRecord

func (h *historyRecords) UnmarshalJSON(b []byte) error {
	records, _, err := huawei.DecodeList[HistoryRecord](b, MaxHistoryPageSize)
	*h = records
	return err
}

// Check reports a query the API would refuse, naming the field and the
// valid values, so a bad one is caught before it is sent.
func (q HistoryQuery) Check() error {
	from, to := calendarDay(q.From), calendarDay(q.To)
	switch {
	case q.Page < 1 || q.Page > maxHistoryPage:
		return fmt.Errorf("history page %d is not in 1-%d", q.Page, maxHistoryPage)
	case q.Size < 1 || q.Size > MaxHistoryPageSize:
		return fmt.Errorf("history page size %d is not in 1-%d", q.Size, MaxHistoryPageSize)
	case to.Before(from):
		return fmt.Errorf("history end_date %s is before start_date %s", to.Format(HistoryDateLayout), from.Format(HistoryDateLayout))
	case to.Sub(from) > MaxHistorySpanDays*24*time.Hour:
		return fmt.Errorf("history dates %s to %s are more than %d days apart", from.Format(HistoryDateLayout), to.Format(HistoryDateLayout), MaxHistorySpanDays)
	}
	return nil
}

// calendarDay is t's date as midnight UTC, so whole days subtract exactly.
func calendarDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// History reads one page of the records of task taskID in CodeArts project
// projectID between q.From and q.To. The API does not say in which order
// it lists them.
//
// API: https://support.huaweicloud.com/intl/en-us/api-deployman/ListDeployTaskHistoryByDate.html
func (c *Client) History(ctx context.Context, projectID, taskID string, q HistoryQuery) (*HistoryPage, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	var out HistoryPage
	if _, err := c.api.Get(ctx, "/v2/"+url.PathEscape(projectID)+"/task/"+url.PathEscape(taskID)+"/history", q.values(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// values is the query as the API takes it.
func (q HistoryQuery) values() url.Values {
	return url.Values{
		"page":       {strconv.Itoa(q.Page)},
		"size":       {strconv.Itoa(q.Size)},
		"start_date": {q.From.Format(HistoryDateLayout)},
		"end_date":   {q.To.Format(HistoryDateLayout)},
	}
}

// historyTimeLayouts are the zone-less forms a history time may take: the
// state API's form first (huawei-api.md §1), then its ISO twin.
var historyTimeLayouts = []string{TimeLayout, "2006-01-02T15:04:05", "2006-01-02 15:04:05.000"}

// ParseHistoryTime reads a history record's time. The documentation gives
// no format, so it accepts the state API's `yyyy-MM-dd HH:mm:ss` and its
// ISO twin (zone-less, read in loc), RFC 3339 (zone included), and epoch
// milliseconds or seconds.
func ParseHistoryTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range historyTimeLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	return parseEpoch(s)
}

// parseEpoch reads a positive count of epoch milliseconds (from 2001 on)
// or seconds.
func parseEpoch(s string) (time.Time, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	if n >= 1e12 { // milliseconds from 2001 on
		return time.UnixMilli(n), true
	}
	return time.Unix(n, 0), true
}

// FlexString is a string that may arrive as a JSON string or number
// (a time as epoch milliseconds, say).
type FlexString string

// UnmarshalJSON accepts "text", 12 and null.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("not a string or number: %.40q", b)
		}
		*f = FlexString(n.String())
	}
	return nil
}
