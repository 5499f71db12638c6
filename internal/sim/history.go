package sim

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// This file is ListDeployTaskHistoryByDate (huawei-api.md §1):
//
//	GET /v2/{project_id}/task/{id}/history?page=&size=&start_date=&end_date=
//
// https://support.huaweicloud.com/intl/en-us/api-deployman/ListDeployTaskHistoryByDate.html
// Path: project_id and id are 32 letters/digits. Query, all mandatory:
// page 1-99999, size 1-100, start_date and end_date as yyyy-MM-dd within
// 1970-01-01 ~ 2125-12-30, end_date >= start_date, and "the interval
// between them cannot exceed 30 days" (the page's example pair,
// 2022-03-16 and 2022-04-15, is 30 days apart, so 30 is allowed, 31 not).
// The answer is {"result": [ExecuteRecordV2Body...], "total_num": n}
// (field names from the SDK model, model_execute_record_v2_body.go).
//
// What the documentation leaves open, and what the simulator does:
//   - project_id is the task's CodeArts project (ShowDeployTaskDetail's
//     project_id; the page links "Obtaining a Project ID" of CodeArts).
//     The answer to a well-formed id of another project is not documented;
//     the simulator answers 404 Deploy.00011020, as for an application
//     that does not exist.
//   - the order of the records is not documented. ShowDeployStatus's page
//     points at result[0].execution_id as "the" record id, which reads as
//     newest first; that is the default, and a scenario's
//     history_oldest_first serves the other order.
//   - whether end_date's day is included is not said; the simulator
//     includes both days.
//   - state takes the state API's values (running, succeeded, failed, and
//     a scenario's running_status/failed_status); times are the state
//     API's region-local `yyyy-MM-dd HH:mm:ss`; duration is HH:mm:ss.

const (
	historyMaxSpan     = 30 * 24 * time.Hour
	historyMaxPage     = 99999
	historyMaxPageSize = 100
	historyDateForm    = "2006-01-02"
)

var (
	historyDateRE  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	historyMinDate = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	historyMaxDate = time.Date(2125, 12, 30, 0, 0, 0, 0, time.UTC)
)

// CodeArtsProjectID is the CodeArts project the simulator puts task taskID
// in: stable, 32 hex characters, distinct per task and from any IAM
// project id. ShowDeployTaskDetail reports it as project_id, and
// ListDeployTaskHistoryByDate accepts only it.
func CodeArtsProjectID(taskID string) string {
	return derivedID("codearts-project", taskID)
}

// historyRecord is ExecuteRecordV2Body.
type historyRecord struct {
	Duration    string `json:"duration"`
	State       string `json:"state"`
	Operator    string `json:"operator"`
	ExecutionID string `json:"execution_id"`
	StartTime   string `json:"start_time"`
	Nickname    string `json:"nickname"`
	EndTime     string `json:"end_time"`
	ReleaseID   int64  `json:"release_id"`
}

type historyEnvelope struct {
	Result   []historyRecord `json:"result"`
	TotalNum int             `json:"total_num"`
}

// historyQuery is a validated query of the history API.
type historyQuery struct {
	page, size int
	from, to   time.Time // calendar days, midnight UTC
}

// parseHistoryQuery checks the query as the API page describes it; the
// message names the parameter and the valid values.
func parseHistoryQuery(r *http.Request) (historyQuery, string) {
	v := r.URL.Query()
	var q historyQuery
	var bads [5]string
	q.page, bads[0] = historyNumber(v, "page", historyMaxPage)
	q.size, bads[1] = historyNumber(v, "size", historyMaxPageSize)
	q.from, bads[2] = historyDate(v, "start_date")
	q.to, bads[3] = historyDate(v, "end_date")
	bads[4] = historySpanProblem(q.from, q.to)
	// The first problem wins, in the order the parameters are checked.
	for _, bad := range bads {
		if bad != "" {
			return q, bad
		}
	}
	return q, ""
}

// historyNumber reads the integer parameter name, which must lie in
// 1..hi; the message says what is wrong with it, or is empty.
func historyNumber(v url.Values, name string, hi int) (int, string) {
	s := v.Get(name)
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > hi {
		return n, fmt.Sprintf("Param invalid: %s %q must be an integer in 1-%d", name, s, hi)
	}
	return n, ""
}

// historyDate reads the date parameter name (yyyy-MM-dd within the range
// the API accepts); the message says what is wrong with it, or is empty.
func historyDate(v url.Values, name string) (time.Time, string) {
	s := v.Get(name)
	t, err := time.Parse(historyDateForm, s)
	if !historyDateRE.MatchString(s) || err != nil || t.Before(historyMinDate) || t.After(historyMaxDate) {
		return t, fmt.Sprintf("Param invalid: %s %q must be a date yyyy-MM-dd in 1970-01-01 ~ 2125-12-30", name, s)
	}
	return t, ""
}

// historySpanProblem says what is wrong with the span from..to of two
// valid dates, or is empty.
func historySpanProblem(from, to time.Time) string {
	switch {
	case to.Before(from):
		return "Param invalid: end_date must not be before start_date"
	case to.Sub(from) > historyMaxSpan:
		return "Param invalid: start_date and end_date must not be more than 30 days apart"
	}
	return ""
}

// taskHistory is ListDeployTaskHistoryByDate.
func (s *Server) taskHistory(req *request) response {
	projectID, taskID := req.vars["project_id"], req.vars["task_id"]
	if !validID(projectID) || !validID(taskID) {
		return paramInvalid("Param invalid: project_id and id must be 32 letters or digits")
	}
	q, bad := parseHistoryQuery(req.http)
	if bad != "" {
		return paramInvalid(bad)
	}
	sh := s.shape(taskID)
	if refusal, refused := s.refuseHistory(projectID, taskID, sh); refused {
		return refusal
	}
	all := s.historyOf(taskID, q, req.now, sh.HistoryOldestFirst)
	out := historyEnvelope{Result: historyPage(all, q.page, q.size), TotalNum: len(all)}
	return response{status: http.StatusOK, body: out}
}

// refuseHistory answers what a well-formed history query of taskID (of
// shape sh) is refused for: a deleted task, the scenario's
// refuse_history, or a project the task is not in. ok is false when none
// applies.
func (s *Server) refuseHistory(projectID, taskID string, sh taskShape) (resp response, ok bool) {
	if gone, ok := s.taskGone(taskID); ok {
		return gone, true
	}
	if rs := sh.RefuseHistory; rs != nil {
		return deployError(rs.Status, rs.Code, rs.Message), true
	}
	if projectID != CodeArtsProjectID(taskID) {
		return deployError(http.StatusNotFound, "Deploy.00011020", "The application does not exist in this project or has been deleted."), true
	}
	return response{}, false
}

// historyPage is page (1-based) of all in pages of size; past the end it
// is empty, never nil (the answer carries [] rather than null).
func historyPage(all []historyRecord, page, size int) []historyRecord {
	if from := (page - 1) * size; from < len(all) {
		return all[from:min(from+size, len(all))]
	}
	return []historyRecord{}
}

// historyOf lists taskID's records created (region-local) on the days of
// q at now, newest first unless oldestFirst.
func (s *Server) historyOf(taskID string, q historyQuery, now time.Time, oldestFirst bool) []historyRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []historyRecord
	for i, rec := range s.records[taskID] {
		if day := regionDay(rec.createdAt); day.Before(q.from) || day.After(q.to) {
			continue
		}
		all = append(all, rec.historyEntry(now, int64(i+1)))
	}
	// s.records is oldest first.
	if !oldestFirst {
		slices.Reverse(all)
	}
	return all
}

// regionDay is the region-local date of t, as midnight UTC like the
// query's dates.
func regionDay(t time.Time) time.Time {
	y, m, d := t.In(regionLocal).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// historyEntry is the record as the history lists it at now; seq is its
// place among the task's records, from 1 (release_id, "部署记录序列号").
func (rec *record) historyEntry(now time.Time, seq int64) historyRecord {
	h := historyRecord{
		State:       rec.wireStatus(now),
		Operator:    rec.executor,
		ExecutionID: rec.id,
		StartTime:   regionStamp(rec.createdAt),
		Nickname:    rec.nickName,
		ReleaseID:   seq,
	}
	if end, final := rec.endAt(now); final {
		h.EndTime = regionStamp(end)
	}
	h.Duration = hhmmss(max(rec.clockAt(now).Sub(rec.createdAt), 0))
	return h
}

// hhmmss is d to the second as the history's duration writes it.
func hhmmss(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}
