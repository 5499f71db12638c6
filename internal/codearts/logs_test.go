package codearts_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/huaweitest"
	"github.com/deploy-action/deploy-action/internal/sim"
)

const (
	testAK   = "CODEARTSTESTAK000001"
	testSK   = "codearts-test-secret-key"
	testTask = "0123456789abcdef0123456789abcdef"
	appID    = "d32113653c7b3979d3fd62489b57d5b5"
	recordID = "8794b53d016b761cf1eaddfe1e9a3c23"
	stepA    = "5f0c6b1f1b4a4f6c9d2e8a7b3c4d5e6f"
	stepB    = "6a1d7c2e2c5b5a7dae3f9b8c4d5e6f70"
)

var fastRetries = huawei.RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxTries: 2, MaxElapsed: 5 * time.Second, AttemptTimeout: 2 * time.Second}

func client(t *testing.T, base string, opts ...huawei.Option) *codearts.Client {
	t.Helper()
	c, err := codearts.New(base, huawei.Credentials{AccessKeyID: testAK, SecretAccessKey: testSK}, append([]huawei.Option{huawei.WithRetryPolicy(fastRetries)}, opts...)...)
	require.NoError(t, err)
	return c
}

// answering serves body for every request and records the requests' URLs.
func answering(t *testing.T, body string) (*codearts.Client, func() []*url.URL) {
	t.Helper()
	srv := huaweitest.New(t, huaweitest.OK(body))
	return client(t, srv.URL), func() []*url.URL {
		var urls []*url.URL
		for _, r := range srv.Requests() {
			urls = append(urls, r.URL)
		}
		return urls
	}
}

func TestDetail(t *testing.T) {
	t.Parallel()
	steps := `{"step1":{"id":"` + stepA + `","name":"Fetch","params":{"k":"v"},"enable":true},"step2":{"id":"` + stepB + `","name":"Roll out","enable":"true"}}`
	want := &codearts.TaskDetail{
		ID: testTask, Name: "checkout", AppID: appID, ProjectID: "c0ffee0000000000000000000000beef",
		Steps: codearts.Steps{
			"step1": {ID: stepA, Name: "Fetch", Enable: true},
			"step2": {ID: stepB, Name: "Roll out", Enable: true},
		},
	}
	object := `{"id":"` + testTask + `","task_id":"` + testTask + `","name":"checkout","app_id":"` + appID +
		`","project_id":"c0ffee0000000000000000000000beef","state":"Available","steps":` + steps + `}`
	tests := map[string]string{
		// The SDK's model (model_show_deploy_task_detail_response.go).
		"bare": object,
		// The shape of other CodeArts answers, accepted too.
		"wrapped": `{"status":"success","result":` + object + `}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, urls := answering(t, body)
			got, err := c.Detail(context.Background(), testTask)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.Equal(t, "/v2/tasks/"+testTask, urls()[0].Path)
		})
	}
}

func TestDetailToleratesOddSteps(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		steps string
		want  codearts.Steps
	}{
		"absent":           {``, nil},
		"null":             {`,"steps":null`, nil},
		"not a map":        {`,"steps":[1,2]`, nil},
		"one bad entry":    {`,"steps":{"step1":{"id":"` + stepA + `","name":"A"},"step2":"?","step3":{"id":7}}`, codearts.Steps{"step1": {ID: stepA, Name: "A"}}},
		"entry without id": {`,"steps":{"step1":{"name":"A"}}`, codearts.Steps{}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, _ := answering(t, `{"id":"`+testTask+`","app_id":"`+appID+`"`+tt.steps+`}`)
			got, err := c.Detail(context.Background(), testTask)
			require.NoError(t, err)
			assert.Equal(t, appID, got.AppID)
			assert.Equal(t, tt.want, got.Steps)
		})
	}
}

func TestAppDetail(t *testing.T) {
	t.Parallel()
	body := `{"status":"success","result":{"id":"` + appID + `","name":"checkout","project_id":"c0ffee0000000000000000000000beef",
		"arrange_infos":[{"id":"ffffffffffffffffffffffffffffffff","steps":{"step1":{"id":"` + stepB + `","name":"Other"}}},
		                 {"id":"` + testTask + `","steps":{"step1":{"id":"` + stepA + `","name":"Fetch","enable":true}}}]}}`
	c, urls := answering(t, body)
	got, err := c.AppDetail(context.Background(), appID)
	require.NoError(t, err)
	assert.Equal(t, "/v1/applications/"+appID+"/info", urls()[0].Path)
	assert.Equal(t, appID, got.ID)
	assert.Equal(t, "c0ffee0000000000000000000000beef", got.ProjectID)
	assert.Equal(t, codearts.Steps{"step1": {ID: stepA, Name: "Fetch", Enable: true}}, got.StepsOf(testTask), "the task's own entry")
	assert.Equal(t, codearts.Steps{"step1": {ID: stepB, Name: "Other"}}, got.StepsOf(strings.Repeat("0", 32)), "else arrange_infos[0], as the docs say")
	assert.Nil(t, (&codearts.AppDetail{}).StepsOf(testTask))
}

func TestStepsIDOf(t *testing.T) {
	t.Parallel()
	steps := codearts.Steps{
		"step1": {ID: "id1", Name: "Download package"},
		"step2": {ID: "id2", Name: "Deploy"},
		"step3": {ID: "id3", Name: "Start service"},
		"step4": {ID: "id4", Name: ""},
		"step5": {ID: "id5", Name: "Twin"},
		"step6": {ID: "id6", Name: "Twin"},
	}
	tests := []struct {
		pos  int
		name string
		want string
	}{
		{1, "Download package", "id1"},
		{2, " Deploy ", "id2"},
		{2, "", "id2"},
		{4, "Anything", "id4"},               // the detail has no name: position
		{2, "Start service", "id3"},          // the name's one step, when the position disagrees
		{1, "Renamed in the console", "id1"}, // no step of that name: position
		{5, "Twin", "id5"},
		{6, "Twin", "id6"},
		{9, "Twin", ""}, // ambiguous name, no such position
		{9, "Deploy", "id2"},
		{9, "Missing", ""},
		{0, "", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, steps.IDOf(tt.pos, tt.name), "IDOf(%d, %q)", tt.pos, tt.name)
	}
	assert.Equal(t, "", codearts.Steps(nil).IDOf(1, "Deploy"))
}

func TestLogsSendsBothOffsetsAndStepID(t *testing.T) {
	t.Parallel()
	c, urls := answering(t, `{"status":"success","result":{"has_more":false,"text":"hello\n","offset":"100","end_offset":"106"}}`)
	page, err := c.Logs(context.Background(), appID, recordID, stepA, 100)
	require.NoError(t, err)
	assert.Equal(t, "hello\n", page.Text)
	assert.EqualValues(t, 100, page.Offset, "offsets as strings, as the docs type them")
	assert.EqualValues(t, 106, page.EndOffset)
	_, err = c.Logs(context.Background(), appID, recordID, "", 0)
	require.NoError(t, err)

	got := urls()
	require.Len(t, got, 2)
	assert.Equal(t, "/v1/applications/"+appID+"/records/"+recordID+"/logs", got[0].Path)
	assert.Equal(t, url.Values{"offset": {"100"}, "end_offset": {strconv.Itoa(100 + codearts.LogWindow)}, "step_id": {stepA}}, got[0].Query())
	assert.Equal(t, url.Values{"offset": {"0"}, "end_offset": {strconv.Itoa(codearts.LogWindow)}}, got[1].Query(), "no step_id for the whole log")
}

// logService serves text the way one reading of the ShowAppLog reference
// would, and records the offsets asked for.
type logService struct {
	text string
	// page bounds an answer; 0: no bound of its own.
	page int
	// ignoreEnd ignores end_offset; otherwise it is an exclusive end.
	ignoreEnd bool
	// windowHasMore answers has_more for the window asked for only.
	windowHasMore bool
	// runes counts offsets in characters, not bytes.
	runes bool
	// strings sends offsets as JSON strings.
	strings bool

	mu    sync.Mutex
	asked []string
}

func (s *logService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.asked = append(s.asked, q.Get("offset")+"-"+q.Get("end_offset"))
	s.mu.Unlock()
	units := []rune(s.text)
	if !s.runes {
		units = nil
	}
	n := len(s.text)
	if s.runes {
		n = len(units)
	}
	from, err1 := strconv.Atoi(q.Get("offset"))
	end, err2 := strconv.Atoi(q.Get("end_offset"))
	if err1 != nil || err2 != nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error_code":"DEV.CH.10001","error_msg":"Param invalid"}`))
		return
	}
	to := n
	if !s.ignoreEnd {
		to = min(to, end)
	}
	if s.page > 0 {
		to = min(to, from+s.page)
	}
	from, to = min(from, n), max(min(to, n), min(from, n))
	var text string
	if s.runes {
		text = string(units[from:to])
	} else {
		text = s.text[from:to]
	}
	more := to < n
	if s.windowHasMore && !s.ignoreEnd {
		more = to < min(n, end) // nothing more within the window
	}
	res := map[string]any{"has_more": more, "text": text, "offset": from, "end_offset": to}
	if s.strings {
		res["offset"], res["end_offset"] = strconv.Itoa(from), strconv.Itoa(to)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "result": res})
}

func TestReadLogUnderEveryReading(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("0123456789abcdef line of the log\n", 3*codearts.LogWindow/33)
	tests := map[string]*logService{
		"end_offset bounds, service pages":      {text: long, page: 2048},
		"end_offset bounds the window":          {text: long},
		"end_offset ignored, all at once":       {text: long, ignoreEnd: true},
		"end_offset ignored, service pages":     {text: long, ignoreEnd: true, page: 5000},
		"has_more speaks of the window":         {text: long, windowHasMore: true},
		"offsets as strings":                    {text: long, page: 3000, strings: true},
		"offsets count characters":              {text: strings.Repeat("schritt fehlgeschlagen: 服务不可用\n", 900), page: 1000, runes: true},
		"short log":                             {text: "one line\n"},
		"empty log":                             {text: ""},
		"window filled exactly, has_more false": {text: long[:codearts.LogWindow], windowHasMore: true},
	}
	for name, svc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := client(t, huaweitest.Serve(t, svc).URL)
			got, next, err := c.ReadLog(context.Background(), appID, recordID, "", 0, 500)
			require.NoError(t, err)
			assert.Equal(t, svc.text, got)
			n := len(svc.text)
			if svc.runes {
				n = len([]rune(svc.text))
			}
			assert.EqualValues(t, n, next, "go on from the service's end_offset")

			// Reading on from there finds nothing new and asks once.
			svc.mu.Lock()
			svc.asked = nil
			svc.mu.Unlock()
			more, again, err := c.ReadLog(context.Background(), appID, recordID, "", next, 500)
			require.NoError(t, err)
			assert.Empty(t, more)
			assert.Equal(t, next, again)
			assert.Len(t, svc.asked, 1)
		})
	}
}

func TestReadLogStopsWithoutProgressAndAtThePageBound(t *testing.T) {
	t.Parallel()
	// A service that always says there is more, without giving any.
	c, urls := answering(t, `{"status":"success","result":{"has_more":true,"text":"","offset":0,"end_offset":0}}`)
	text, next, err := c.ReadLog(context.Background(), appID, recordID, stepA, 0, 500)
	require.NoError(t, err)
	assert.Empty(t, text)
	assert.Zero(t, next)
	assert.Len(t, urls(), 1)

	// A service that always gives more.
	svc := &logService{text: strings.Repeat("x", 100000), page: 10}
	text, next, err = client(t, huaweitest.Serve(t, svc).URL).ReadLog(context.Background(), appID, recordID, "", 0, 7)
	require.NoError(t, err)
	assert.Len(t, text, 70)
	assert.EqualValues(t, 70, next)
	assert.Len(t, svc.asked, 7)

	// An answer without end_offset: go on after the text.
	c, urls = answering(t, `{"status":"success","result":{"has_more":false,"text":"abc"}}`)
	text, next, err = c.ReadLog(context.Background(), appID, recordID, "", 5, 500)
	require.NoError(t, err)
	assert.Equal(t, "abc", text)
	assert.EqualValues(t, 8, next)
	assert.Len(t, urls(), 1)
}

// TestStepLogsFromTheSimulator reads a record's log step by step with the
// ids of the task detail, as the action does, from the simulator, which
// refuses positions and requests without both offsets.
func TestStepLogsFromTheSimulator(t *testing.T) {
	t.Parallel()
	for _, stringFields := range []bool{false, true} {
		t.Run("string_fields "+strconv.FormatBool(stringFields), func(t *testing.T) {
			t.Parallel()
			// One clock for the simulator and the client, so the test can
			// move past a deployment's end without waiting.
			clock := huaweitest.NewClock(time.Date(2025, 7, 9, 3, 36, 28, 0, time.UTC))
			steps := make([]string, 12)
			for i := range steps {
				steps[i] = "Phase " + strconv.Itoa(i+1)
			}
			s := sim.New(sim.Options{AccessKeyID: testAK, SecretAccessKey: testSK, StepDuration: time.Second, Now: clock.Now,
				Scenario: &sim.Scenario{Tasks: []sim.ScenarioTask{{TaskID: testTask, Steps: steps, FailAtStep: 12, StringFields: stringFields,
					FailMessage: strings.Repeat("Überprüfung fehlgeschlagen: 服务不可用. ", 80)}}}})
			c := client(t, huaweitest.Serve(t, s).URL, huawei.WithClock(clock.Now))
			ctx := context.Background()

			started, err := c.Start(ctx, testTask, codearts.StartRequest{})
			require.NoError(t, err)
			clock.Advance(time.Hour)
			st, err := c.State(ctx, testTask, started.ID)
			require.NoError(t, err)
			require.Len(t, st.Result.Steps, 12)
			detail, err := c.Detail(ctx, testTask)
			require.NoError(t, err)
			assert.Len(t, detail.ProjectID, 32)

			whole := s.LogText(started.ID)
			require.Greater(t, len(whole), 3*2048, "long enough to page")
			var joined strings.Builder
			for _, step := range st.Result.Steps {
				id := detail.Steps.IDOf(int(step.ID), step.Name)
				require.Len(t, id, 32, "step %d has an id string", step.ID)
				text, _, err := c.ReadLog(ctx, detail.AppID, started.ID, id, 0, 500)
				require.NoError(t, err)
				for _, line := range strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n") {
					assert.Contains(t, line, "] ["+step.Name+"] ", "only the step's own lines")
				}
				joined.WriteString(text)
			}
			assert.Equal(t, whole, joined.String(), "the steps' logs make up the whole log")

			got, next, err := c.ReadLog(ctx, detail.AppID, started.ID, "", 0, 500)
			require.NoError(t, err)
			assert.Equal(t, whole, got)
			assert.EqualValues(t, len(whole), next)

			// The application detail names the same step ids.
			app, err := c.AppDetail(ctx, detail.AppID)
			require.NoError(t, err)
			assert.Equal(t, detail.Steps, app.StepsOf(testTask))
			assert.Equal(t, detail.ProjectID, app.ProjectID)
		})
	}
}
