package codearts

import (
	"net/url"
	"testing"
	"time"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/stretchr/testify/assert"
)

// Tests of the small steps the client's calls are made of.

func TestNextLogOffset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		offset, endOffset int64
		length            int
		want              int64
	}{
		{"the answer's end_offset", 10, 50, 5, 50},
		{"no progress, text: after the text", 10, 10, 5, 15},
		{"end_offset missing, text: after the text", 10, 0, 7, 17},
		{"no progress, no text: the end", 10, 3, 0, 3},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, nextLogOffset(tt.offset, tt.endOffset, tt.length), tt.name)
	}
}

func TestLogQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stepID string
		want   url.Values
	}{
		{"", url.Values{"offset": {"3"}, "end_offset": {"16387"}}},
		{"s1", url.Values{"offset": {"3"}, "end_offset": {"16387"}, "step_id": {"s1"}}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, logQuery(3, 3+LogWindow, tt.stepID), tt.stepID)
	}
}

func TestHandOn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		text        string
		stopAfter   int // pieces; 0: never
		wantLength  int
		wantStopped bool
	}{
		{"whole", `"ab\ncd"`, 0, 5, false},
		{"not a string", `12`, 0, 0, false},
		{"stopped", `"ab"`, 1, 2, true},
	}
	for _, tt := range tests {
		n := 0
		length, stopped := handOn([]byte(tt.text), func(string) bool { n++; return tt.stopAfter == 0 || n < tt.stopAfter })
		assert.Equal(t, tt.wantLength, length, tt.name)
		assert.Equal(t, tt.wantStopped, stopped, tt.name)
	}
}

func TestDecodeExecutionParams(t *testing.T) {
	t.Parallel()
	one := []ExecutionParam{{Name: "v", Type: "text", Value: []byte(`"1"`)}}
	tests := []struct {
		name   string
		body   string
		want   []ExecutionParam
		wantOK bool
	}{
		{"bare", ` [{"name":"v","type":"text","value":"1"}]`, one, true},
		{"in result", `{"result":[{"name":"v","type":"text","value":"1"}]}`, one, true},
		{"in body", `{"body":[{"name":"v","type":"text","value":"1"}]}`, one, true},
		{"empty list", `[]`, []ExecutionParam{}, true},
		{"an object of nothing known", `{"params":[]}`, nil, false},
		{"a broken list", `[{"name":`, nil, false},
		{"not JSON", `oops`, nil, false},
	}
	for _, tt := range tests {
		got, ok := decodeExecutionParams([]byte(tt.body))
		assert.Equal(t, tt.wantOK, ok, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
}

func TestDecodeTaskDetail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, wantApp string
		wantErr             bool
	}{
		{"bare", `{"id":"t","app_id":"a1"}`, "a1", false},
		{"wrapped", `{"result":{"id":"t","app_id":"a2"}}`, "a2", false},
		{"neither names an application", `{"result":{"id":"t"}}`, "", false},
		{"not JSON", `{`, "", true},
	}
	for _, tt := range tests {
		got, err := decodeTaskDetail([]byte(tt.body))
		if tt.wantErr {
			assert.Error(t, err, tt.name)
			continue
		}
		assert.NoError(t, err, tt.name)
		assert.Equal(t, tt.wantApp, got.AppID, tt.name)
	}
}

func TestStepsOnlyNamed(t *testing.T) {
	t.Parallel()
	steps := Steps{"step1": {ID: "a", Name: "Build"}, "step2": {ID: "b", Name: " Deploy "}, "step3": {ID: "c", Name: "Deploy"}}
	tests := []struct {
		name, want string
		wantOK     bool
	}{
		{"Build", "a", true},
		{"Deploy", "", false}, // two
		{"Test", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := steps.onlyNamed(tt.name)
		assert.Equal(t, tt.wantOK, ok, tt.name)
		if ok {
			assert.Equal(t, tt.want, got, tt.name)
		}
	}
}

func TestHexDigit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    byte
		want rune
	}{
		{'0', 0}, {'9', 9}, {'a', 10}, {'f', 15}, {'A', 10}, {'F', 15}, {'g', -1}, {'G', -1}, {' ', -1}, {'/', -1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, hexDigit(tt.c), "%q", tt.c)
	}
}

func TestParseEpoch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s      string
		want   time.Time
		wantOK bool
	}{
		{"1700000000", time.Unix(1700000000, 0), true},
		{"1700000000000", time.UnixMilli(1700000000000), true},
		{"0", time.Time{}, false},
		{"-5", time.Time{}, false},
		{"2025-01-01", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseEpoch(tt.s)
		assert.Equal(t, tt.wantOK, ok, tt.s)
		assert.True(t, tt.want.Equal(got), tt.s)
	}
}

func TestHistoryQueryValues(t *testing.T) {
	t.Parallel()
	q := HistoryQuery{From: time.Date(2022, 3, 16, 23, 0, 0, 0, time.UTC), To: time.Date(2022, 4, 15, 0, 0, 0, 0, time.UTC), Page: 2, Size: 100}
	want := url.Values{"page": {"2"}, "size": {"100"}, "start_date": {"2022-03-16"}, "end_date": {"2022-04-15"}}
	assert.Equal(t, want, q.values())
}

func TestStateProblem(t *testing.T) {
	t.Parallel()
	const rec = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name  string
		state State
		body  string
		want  string
	}{
		{"fine", State{Result: Record{RecordID: rec, TaskID: "t"}}, `{"result":{"record_id":"x"}}`, ""},
		{"another record wins over an ambiguous body", State{Result: Record{RecordID: "0123456789abcdef0123456789abcdeX"}}, `{"a":1,"a":2}`,
			"it is about another record than the one asked for"},
		{"a key twice", State{Result: Record{RecordID: rec}}, `{"result":{"status":"failed","status":"succeeded"}}`,
			"a JSON object in it has a key twice, so its values are ambiguous"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.state.problem("t", rec, []byte(tt.body)), tt.name)
	}
}

func TestStateQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		recordID string
		want     url.Values
	}{
		{"", url.Values{"step_state": {"true"}}},
		{"rec1", url.Values{"step_state": {"true"}, "record_id": {"rec1"}}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, stateQuery(tt.recordID), "%q", tt.recordID)
	}
}

func TestNamesAgree(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stepName, name string
		want           bool
	}{
		{"build", "build", true},
		{" build ", "build", true},
		{"", "build", true},
		{"  ", "build", true},
		{"build", "", true},
		{"build", "deploy", false},
		{"Build", "build", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, namesAgree(tt.stepName, tt.name), "%q %q", tt.stepName, tt.name)
	}
}

func TestWrappedTaskDetail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body      string
		wantAppID string
		wantOK    bool
	}{
		{`{"result": {"app_id": "a1"}}`, "a1", true},
		{`{"result": {"app_id": ""}}`, "", false},
		{`{"result": null}`, "", false},
		{`{"app_id": "a1"}`, "", false},
		{`[]`, "", false},
		{`not json`, "", false},
	}
	for _, tt := range tests {
		got, ok := wrappedTaskDetail([]byte(tt.body))
		assert.Equal(t, tt.wantOK, ok, tt.body)
		if ok {
			assert.Equal(t, tt.wantAppID, got.AppID, tt.body)
		}
	}
}

func TestProtocolError(t *testing.T) {
	t.Parallel()
	got := protocolError("GET", "/v2/tasks/t/state", &huawei.Response{RequestID: "req-1"}, "it is odd")
	want := &huawei.ProtocolError{Service: ServiceName, Method: "GET", Path: "/v2/tasks/t/state", RequestID: "req-1", Problem: "it is odd"}
	assert.Equal(t, want, got)
}
