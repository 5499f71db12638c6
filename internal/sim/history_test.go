package sim

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// history asks ListDeployTaskHistoryByDate for one page of taskID's records
// in the task's own CodeArts project.
func (h *harness) history(taskID, query string) reply {
	h.t.Helper()
	return h.do(http.MethodGet, "/v2/"+CodeArtsProjectID(taskID)+"/task/"+taskID+"/history?"+query, "")
}

// historyOK returns the records and total_num of a successful history call.
func (h *harness) historyOK(taskID, query string) ([]map[string]any, int) {
	h.t.Helper()
	r := h.history(taskID, query)
	require.Equal(h.t, http.StatusOK, r.status, "history: %s", r.body)
	m := r.json(h.t)
	var out []map[string]any
	for _, e := range m["result"].([]any) {
		out = append(out, e.(map[string]any))
	}
	return out, int(m["total_num"].(float64))
}

func ids(records []map[string]any) []string {
	var out []string
	for _, r := range records {
		out = append(out, r["execution_id"].(string))
	}
	return out
}

// The harness clock is 2025-07-09 03:36:28 UTC, 11:36:28 in the region.
const histWindow = "start_date=2025-06-10&end_date=2025-07-10"

func TestHistoryListsRecordsNewestFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	good := h.srv.SeedRecord(testTask, statusSucceeded, 72*time.Hour)
	bad := h.srv.SeedRecord(testTask, statusFailed, 24*time.Hour)
	running := h.startOK(testTask, "")

	got, total := h.historyOK(testTask, "page=1&size=10&"+histWindow)
	assert.Equal(t, 3, total)
	assert.Equal(t, []string{running, bad, good}, ids(got))

	assert.Equal(t, "running", got[0]["state"])
	assert.Equal(t, "2025-07-09 11:36:28", got[0]["start_time"], "region-local, no zone")
	assert.Equal(t, "", got[0]["end_time"], "no end while running")
	assert.Equal(t, "failed", got[1]["state"])
	assert.Equal(t, "succeeded", got[2]["state"])
	assert.Equal(t, "2025-07-06 11:36:28", got[2]["start_time"])
	assert.NotEmpty(t, got[2]["end_time"])
	assert.Regexp(t, `^\d{2}:\d{2}:\d{2}$`, got[2]["duration"])
	assert.Equal(t, "sim_user", got[2]["operator"])
	assert.EqualValues(t, 3, got[0]["release_id"], "the record's sequence number in its task")
	assert.EqualValues(t, 1, got[2]["release_id"])
}

func TestHistoryPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	var seeded []string // newest first
	for i := range 5 {
		seeded = append([]string{h.srv.SeedRecord(testTask, statusSucceeded, time.Duration(10-i)*time.Hour)}, seeded...)
	}
	tests := []struct {
		page int
		want []string
	}{
		{1, seeded[0:2]},
		{2, seeded[2:4]},
		{3, seeded[4:5]},
		{4, nil},
	}
	for _, tt := range tests {
		got, total := h.historyOK(testTask, fmt.Sprintf("page=%d&size=2&%s", tt.page, histWindow))
		assert.Equal(t, 5, total, "page %d", tt.page)
		assert.Equal(t, tt.want, ids(got), "page %d", tt.page)
	}
}

func TestHistoryOldestFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Scenario: &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, HistoryOldestFirst: true}}}})
	older := h.srv.SeedRecord(testTask, statusSucceeded, 48*time.Hour)
	newer := h.srv.SeedRecord(testTask, statusFailed, time.Hour)
	got, _ := h.historyOK(testTask, "page=1&size=10&"+histWindow)
	assert.Equal(t, []string{older, newer}, ids(got))
}

func TestHistoryWindowIsRegionDates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	// 2025-07-08 19:36:28 UTC is 2025-07-09 03:36:28 in the region.
	early := h.srv.SeedRecord(testTask, statusSucceeded, 8*time.Hour)
	old := h.srv.SeedRecord(testTask, statusSucceeded, 40*24*time.Hour)
	tests := []struct {
		query string
		want  []string
	}{
		{"start_date=2025-07-09&end_date=2025-07-09", []string{early}},
		{"start_date=2025-07-01&end_date=2025-07-08", nil},
		{"start_date=2025-05-30&end_date=2025-06-29", []string{old}},
		{histWindow, []string{early}},
	}
	for _, tt := range tests {
		got, total := h.historyOK(testTask, "page=1&size=100&"+tt.query)
		assert.Equal(t, tt.want, ids(got), tt.query)
		assert.Equal(t, len(tt.want), total, tt.query)
	}
}

func TestHistoryRejects(t *testing.T) {
	t.Parallel()
	const other = "fedcba9876543210fedcba9876543210"
	tests := []struct {
		name     string
		path     string // "" means the task's own project
		query    string
		scenario *Scenario
		status   int
		code     string
	}{
		{name: "31 days apart", query: "page=1&size=10&start_date=2025-06-09&end_date=2025-07-10", status: 400, code: "DEV.CH.10001"},
		{name: "end before start", query: "page=1&size=10&start_date=2025-07-10&end_date=2025-07-09", status: 400, code: "DEV.CH.10001"},
		{name: "date without zeros", query: "page=1&size=10&start_date=2025-7-1&end_date=2025-07-10", status: 400, code: "DEV.CH.10001"},
		{name: "date with slashes", query: "page=1&size=10&start_date=2025/07/01&end_date=2025-07-10", status: 400, code: "DEV.CH.10001"},
		{name: "no such day", query: "page=1&size=10&start_date=2025-02-27&end_date=2025-02-30", status: 400, code: "DEV.CH.10001"},
		{name: "date with time", query: "page=1&size=10&start_date=2025-07-01&end_date=2025-07-10%2010:00:00", status: 400, code: "DEV.CH.10001"},
		{name: "past 2125-12-30", query: "page=1&size=10&start_date=2125-12-20&end_date=2125-12-31", status: 400, code: "DEV.CH.10001"},
		{name: "no end_date", query: "page=1&size=10&start_date=2025-07-01", status: 400, code: "DEV.CH.10001"},
		{name: "page 0", query: "page=0&size=10&" + histWindow, status: 400, code: "DEV.CH.10001"},
		{name: "page 100000", query: "page=100000&size=10&" + histWindow, status: 400, code: "DEV.CH.10001"},
		{name: "page not a number", query: "page=one&size=10&" + histWindow, status: 400, code: "DEV.CH.10001"},
		{name: "no page", query: "size=10&" + histWindow, status: 400, code: "DEV.CH.10001"},
		{name: "size 0", query: "page=1&size=0&" + histWindow, status: 400, code: "DEV.CH.10001"},
		{name: "size 101", query: "page=1&size=101&" + histWindow, status: 400, code: "DEV.CH.10001"},
		{name: "no size", query: "page=1&" + histWindow, status: 400, code: "DEV.CH.10001"},
		{name: "malformed project", path: "/v2/project-1/task/" + testTask + "/history", query: "page=1&size=10&" + histWindow, status: 400, code: "DEV.CH.10001"},
		{name: "another task's project", path: "/v2/" + CodeArtsProjectID(other) + "/task/" + testTask + "/history", query: "page=1&size=10&" + histWindow, status: 404, code: "Deploy.00011020"},
		{name: "refused", query: "page=1&size=10&" + histWindow, scenario: &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, RefuseHistory: &RefuseStart{}}}}, status: 403, code: "Deploy.00011154"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{Scenario: tt.scenario})
			path := tt.path
			if path == "" {
				path = "/v2/" + CodeArtsProjectID(testTask) + "/task/" + testTask + "/history"
			}
			r := h.do(http.MethodGet, path+"?"+tt.query, "")
			assert.Equal(t, tt.status, r.status, "%s", r.body)
			assert.Equal(t, tt.code, r.errorCode(t))
		})
	}
}

func TestHistoryAcceptsThirtyDays(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	// The API page's own example pair.
	_, total := h.historyOK(testTask, "page=99999&size=100&start_date=2022-03-16&end_date=2022-04-15")
	assert.Zero(t, total)
}

func TestDetailNamesTheTaskCodeArtsProject(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	const other = "fedcba9876543210fedcba9876543210"
	project := func(taskID string) string {
		r := h.do(http.MethodGet, "/v2/tasks/"+taskID, "")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		m := r.json(t)
		if res, ok := m["result"].(map[string]any); ok { // the wrapped form
			m = res
		}
		return m["project_id"].(string)
	}
	got := project(testTask)
	assert.Equal(t, CodeArtsProjectID(testTask), got)
	assert.Regexp(t, `^[0-9a-f]{32}$`, got)
	assert.Equal(t, got, project(testTask), "stable")
	assert.NotEqual(t, got, project(other), "one project per task")
}
