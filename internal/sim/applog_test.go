package sim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stepText returns the lines of log that belong to step name, each with
// its newline.
func stepText(log, name string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(log, "\n") {
		if _, rest, ok := strings.Cut(l, "] "); ok && strings.HasPrefix(rest, "["+name+"] ") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// window is the end_offset the tests ask for: offset plus this, more than
// a page, so the simulator's page size is what bounds an answer.
const window = 1 << 20

// offsets is the query of a log request from offset on.
func offsets(offset int) string {
	return "offset=" + strconv.Itoa(offset) + "&end_offset=" + strconv.Itoa(offset+window)
}

func (h *harness) logPage(appID, recordID, query string) reply {
	h.t.Helper()
	return h.do(http.MethodGet, "/v1/applications/"+appID+"/records/"+recordID+"/logs?"+query, "")
}

// logResult returns result of a successful log call.
func (h *harness) logResult(appID, recordID, query string) map[string]any {
	h.t.Helper()
	got := h.logPage(appID, recordID, query)
	require.Equal(h.t, http.StatusOK, got.status, "%s", got.body)
	m := got.json(h.t)
	require.Equal(h.t, "success", m["status"])
	return m["result"].(map[string]any)
}

// readLog pages through a log the way the API notes say a client should
// (offset = the previous end_offset until has_more is false) and checks
// every page's offsets on the way.
func (h *harness) readLog(appID, recordID, extra string) (string, int) {
	h.t.Helper()
	var b strings.Builder
	offset, pages := 0, 0
	for {
		res := h.logResult(appID, recordID, offsets(offset)+extra)
		text := res["text"].(string)
		assert.LessOrEqual(h.t, len(text), logPageBytes)
		assert.Equal(h.t, strconv.Itoa(offset), res["offset"], "offsets are strings, as the API page types them")
		assert.Equal(h.t, strconv.Itoa(offset+len(text)), res["end_offset"])
		b.WriteString(text)
		offset += len(text)
		pages++
		if !res["has_more"].(bool) {
			return b.String(), pages
		}
		require.NotEmpty(h.t, text, "has_more without progress")
		require.Less(h.t, pages, 1000)
	}
}

func TestAppLogGrowsWhileRunning(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, Name: "checkout-service"}}}
	h := newHarness(t, Options{Scenario: sc})
	id := h.startOK(testTask, `{"params":[{"key":"version","value":"1.4.2","type":"text"},{"key":"env","value":"prod","type":"text"},`+
		`{"key":"db_password","value":"s3cret-value","type":"encrypt"},{"key":"hosts","value":"hg-7","type":"host_group"}]}`)
	app := h.appID(testTask)

	first := h.logResult(app, id, offsets(0))
	text := first["text"].(string)
	assert.Equal(t, false, first["has_more"], "everything written so far fits one page")
	assert.Contains(t, text, `[Download package] step 1/4 "Download package" started`)
	assert.Contains(t, text, "[2025-07-09 11:36:28] ", "region-local timestamps")
	assert.NotContains(t, text, "[Stop service]")
	end, err := strconv.Atoi(first["end_offset"].(string))
	require.NoError(t, err)
	assert.Equal(t, len(text), end)

	// The same offset later returns what was written since.
	var all strings.Builder
	all.WriteString(text)
	for range 8 {
		h.clock.Advance(50 * time.Millisecond)
		res := h.logResult(app, id, offsets(end))
		more := res["text"].(string)
		assert.NotEmpty(t, more, "each step writes as it runs")
		all.WriteString(more)
		end += len(more)
	}
	log := all.String()
	assert.Equal(t, h.srv.LogText(id), log)
	assert.Equal(t, "succeeded", h.srv.Records(testTask)[0].Status)

	for _, want := range []string{
		"parameters: version=1.4.2, env=prod, db_password=******",
		"[Download package] downloading checkout-service-1.4.2.tar.gz (",
		"[Deploy] extracting checkout-service-1.4.2.tar.gz to /opt/checkout-service/releases/1.4.2",
		`[Start service] step "Start service" succeeded in 100ms`,
	} {
		assert.Contains(t, log, want)
	}
	assert.NotContains(t, log, "s3cret-value", "encrypt values never appear")
	assert.NotContains(t, log, "hg-7", "only text values appear")
	for _, name := range defaultSteps {
		assert.NotEmpty(t, stepText(log, name), name)
	}
	assert.Equal(t, log, stepText(log, "Download package")+stepText(log, "Stop service")+stepText(log, "Deploy")+stepText(log, "Start service"),
		"every line carries its step, in step order")

	// A final record's log no longer grows.
	h.clock.Advance(time.Hour)
	res := h.logResult(app, id, offsets(end))
	assert.Equal(t, "", res["text"])
	assert.Equal(t, false, res["has_more"])
	assert.Equal(t, strconv.Itoa(end), res["end_offset"])
	assert.Equal(t, log, h.srv.LogText(id), "deterministic")
}

func TestAppLogPaging(t *testing.T) {
	t.Parallel()
	steps := make([]string, 30)
	for i := range steps {
		steps[i] = "Phase " + strconv.Itoa(i+1)
	}
	sc := &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, Steps: steps, FailAtStep: 30,
		FailMessage: "Überprüfung fehlgeschlagen: 服务不可用 (HTTP 503)"}}}
	h := newHarness(t, Options{Scenario: sc})
	id := h.startOK(testTask, "")
	app := h.appID(testTask)
	h.clock.Advance(time.Hour)

	whole := h.srv.LogText(id)
	require.Greater(t, len(whole), 3*logPageBytes, "long enough to page")
	got, pages := h.readLog(app, id, "")
	assert.Equal(t, whole, got, "pages concatenate to the whole text")
	// Pages are full but for the last, or a byte or three short where a
	// character straddles the limit.
	assert.GreaterOrEqual(t, pages, (len(whole)+logPageBytes-1)/logPageBytes)
	assert.LessOrEqual(t, pages, (len(whole)+logPageBytes-1)/logPageBytes+1)

	// The failing step logs more than the others and ends with the
	// scenario's message and an error line.
	lines := strings.Split(strings.TrimSuffix(whole, "\n"), "\n")
	assert.True(t, strings.HasSuffix(lines[len(lines)-2], "[Phase 30] Überprüfung fehlgeschlagen: 服务不可用 (HTTP 503)"), lines[len(lines)-2])
	assert.True(t, strings.HasSuffix(lines[len(lines)-1], `[Phase 30] ERROR: step "Phase 30" failed, the deployment has failed`), lines[len(lines)-1])
	assert.Greater(t, strings.Count(stepText(whole, "Phase 30"), "\n"), strings.Count(stepText(whole, "Phase 29"), "\n"))

	// A requested end_offset bounds the page.
	res := h.logResult(app, id, "offset=10&end_offset=110")
	assert.Equal(t, whole[10:110], res["text"])
	assert.Equal(t, "110", res["end_offset"])
	assert.Equal(t, true, res["has_more"])
	// One not after offset is ignored: the documentation does not say
	// what it means, so the simulator takes the lenient reading.
	res = h.logResult(app, id, "offset=10&end_offset=10")
	assert.Len(t, res["text"], logPageBytes)
	res = h.logResult(app, id, "offset=10&end_offset=0")
	assert.Len(t, res["text"], logPageBytes)

	// Past the end.
	res = h.logResult(app, id, offsets(len(whole)+5))
	assert.Equal(t, "", res["text"])
	assert.Equal(t, false, res["has_more"])
	assert.Equal(t, strconv.Itoa(len(whole)+5), res["end_offset"])
}

func TestAppLogStepFilter(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Tasks: []ScenarioTask{{TaskID: testTask, Name: "checkout-service", FailAtStep: 3, FailMessage: "Deploy failed: disk full"}}}
	h := newHarness(t, Options{Scenario: sc})
	id := h.startOK(testTask, `{"params":[{"key":"version","value":"2.0.0","type":"text"},{"key":"token","value":"tok-SECRET-1","type":"encrypt"}]}`)
	app := h.appID(testTask)
	h.clock.Advance(250 * time.Millisecond) // in step 3, which will fail

	ids := h.stepIDs(testTask)
	check := func(when string) {
		whole := h.srv.LogText(id)
		res := h.stateResult(testTask, id)
		for i, st := range res["step_state"].([]any) {
			ss := st.(map[string]any)
			name := ss["name"].(string)
			assert.Equal(t, float64(i+1), ss["id"], "step_state ids are positions")
			got, _ := h.readLog(app, id, "&step_id="+ids[i])
			assert.Equal(t, stepText(whole, name), got, "%s: step %d", when, i+1)
			from, to := int(ss["offset"].(float64)), int(ss["current_offset"].(float64))
			assert.Equal(t, got, whole[from:to], "%s: step_state offsets of step %d", when, i+1)
			assert.NotContains(t, got, "tok-SECRET-1")
		}
	}
	check("running")
	assert.Empty(t, stepText(h.srv.LogText(id), "Start service"))

	h.clock.Advance(time.Hour)
	check("failed")
	whole := h.srv.LogText(id)
	assert.Contains(t, stepText(whole, "Deploy"), "Deploy failed: disk full")
	assert.Empty(t, stepText(whole, "Start service"), "steps after the failure never log")
	assert.NotContains(t, whole, "tok-SECRET-1")
}

func TestAppLogStopped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	id := h.startOK(testTask, "")
	h.clock.Advance(150 * time.Millisecond)
	require.Equal(t, http.StatusOK, h.stop(testTask, id).status)
	log := h.srv.LogText(id)
	assert.True(t, strings.HasSuffix(log, "[Stop service] the deployment was stopped on request\n"), log)
	h.clock.Advance(time.Hour)
	assert.Equal(t, log, h.srv.LogText(id), "a stopped record's log no longer grows")
	assert.Empty(t, stepText(log, "Deploy"))
}

func TestAppLogErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	id := h.startOK(testTask, "")
	app := h.appID(testTask)
	otherApp := h.appID(strings.Repeat("b", 32))
	otherStep := h.stepIDs(strings.Repeat("b", 32))[0]

	tests := []struct {
		name             string
		app, rec, query  string
		wantStatus       int
		wantCode, wantIn string
	}{
		{"unknown record", app, strings.Repeat("f", 32), offsets(0), 404, "Deploy.00011303", ""},
		{"another application's record", otherApp, id, offsets(0), 404, "Deploy.00011303", ""},
		{"malformed app id", "app", id, offsets(0), 400, "DEV.CH.10001", "app_id"},
		{"malformed record id", app, "rec", offsets(0), 400, "DEV.CH.10001", "record_id"},
		{"no offsets", app, id, "", 400, "DEV.CH.10001", "offset is mandatory"},
		{"no end_offset", app, id, "offset=0", 400, "DEV.CH.10001", "end_offset is mandatory"},
		{"no offset", app, id, "end_offset=100", 400, "DEV.CH.10001", "offset is mandatory"},
		{"empty offset", app, id, "offset=&end_offset=100", 400, "DEV.CH.10001", "offset"},
		{"offset not digits", app, id, "offset=abc&end_offset=100", 400, "DEV.CH.10001", "offset"},
		{"negative offset", app, id, "offset=-1&end_offset=100", 400, "DEV.CH.10001", "offset"},
		{"offset too long", app, id, "offset=" + strings.Repeat("9", 20) + "&end_offset=100", 400, "DEV.CH.10001", "offset"},
		{"end_offset not digits", app, id, "offset=0&end_offset=x", 400, "DEV.CH.10001", "end_offset"},
		{"end_offset too long", app, id, "offset=0&end_offset=" + strings.Repeat("1", 20), 400, "DEV.CH.10001", "end_offset"},
		{"step_id a position", app, id, offsets(0) + "&step_id=1", 400, "DEV.CH.10001", `step_id \"1\" is not the id of a step`},
		{"step_id 0", app, id, offsets(0) + "&step_id=0", 400, "DEV.CH.10001", "step_id"},
		{"step_id empty", app, id, offsets(0) + "&step_id=", 400, "DEV.CH.10001", "step_id"},
		{"step_id not letters/digits", app, id, offsets(0) + "&step_id=step-1", 400, "DEV.CH.10001", "1-32 letters/digits"},
		{"step_id too long", app, id, offsets(0) + "&step_id=" + strings.Repeat("a", 33), 400, "DEV.CH.10001", "1-32 letters/digits"},
		{"another task's step id", app, id, offsets(0) + "&step_id=" + otherStep, 400, "DEV.CH.10001", "not the id of a step"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := h.logPage(tc.app, tc.rec, tc.query)
			assert.Equal(t, tc.wantStatus, got.status, "%s", got.body)
			assert.Equal(t, tc.wantCode, got.errorCode(t))
			assert.Contains(t, string(got.body), tc.wantIn)
			// CodeArts Deploy's documented error shape.
			m := got.json(t)
			assert.Contains(t, m, "error_code")
			assert.Contains(t, m, "error_msg")
		})
	}
}

func TestLogPage(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("a", logPageBytes-1) + "é" + "bc" // é straddles the page end
	tests := []struct {
		name              string
		text              string
		offset, endOffset int64
		want              string
		wantEnd           int64
	}{
		{"empty", "", 0, 0, "", 0},
		{"short", "abc", 1, 0, "bc", 3},
		{"never splits a character", text, 0, 0, strings.Repeat("a", logPageBytes-1), logPageBytes - 1},
		{"next page starts with it", text, logPageBytes - 1, 0, "ébc", int64(len(text))},
		{"end_offset inside a character", text, logPageBytes - 1, logPageBytes, "é", logPageBytes + 1},
		{"end_offset bounds", "abcdef", 1, 3, "bc", 3},
		{"end_offset past the text", "abcdef", 1, 100, "bcdef", 6},
		{"offset at the end", "abc", 3, 0, "", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, end := logPage(tc.text, tc.offset, tc.endOffset)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantEnd, end)
			assert.True(t, utf8.ValidString(got))
		})
	}
}

func TestParseLogQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query   string
		want    logQuery
		wantErr string
	}{
		{"offset=0&end_offset=10", logQuery{offset: 0, endOffset: 10}, ""},
		{"offset=5&end_offset=9&step_id=abc123", logQuery{offset: 5, endOffset: 9, stepID: "abc123", withStep: true}, ""},
		{"end_offset=10", logQuery{}, "offset is mandatory"},
		{"offset=-1&end_offset=10", logQuery{}, "offset is mandatory"},
		{"offset=0", logQuery{}, "end_offset is mandatory"},
		{"offset=0&end_offset=" + strings.Repeat("9", 20), logQuery{}, "end_offset is mandatory"},
		{"offset=0&end_offset=1&step_id=", logQuery{}, "step_id"},
		{"offset=0&end_offset=1&step_id=" + strings.Repeat("a", 33), logQuery{}, "step_id"},
		{"offset=0&end_offset=1&step_id=a-b", logQuery{}, "step_id"},
	}
	for _, tc := range tests {
		q, err := url.ParseQuery(tc.query)
		require.NoError(t, err)
		got, msg := parseLogQuery(q)
		if tc.wantErr != "" {
			assert.Contains(t, msg, tc.wantErr, tc.query)
			continue
		}
		assert.Empty(t, msg, tc.query)
		assert.Equal(t, tc.want, got, tc.query)
	}
}

func TestShownParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		params                 []ParamInfo
		wantShown, wantVersion string
	}{
		{"none", nil, "", ""},
		{"text with a version", []ParamInfo{{"version", "1.2.3", "text"}, {"replicas", "3", "text"}}, "version=1.2.3, replicas=3", "1.2.3"},
		{"encrypt is masked", []ParamInfo{{"db_password", "hunter2", "encrypt"}}, "db_password=******", ""},
		{"other types are left out", []ParamInfo{{"hosts", "group-a", "host_group"}, {"env", "prod", "enum"}}, "", ""},
		{"an encrypt version is no version", []ParamInfo{{"version", "9.9", "encrypt"}}, "version=******", ""},
	}
	for _, tc := range tests {
		shown, version := shownParams(tc.params)
		assert.Equal(t, tc.wantShown, shown, tc.name)
		assert.Equal(t, tc.wantVersion, version, tc.name)
		assert.NotContains(t, shown, "hunter2", tc.name)
	}
}
