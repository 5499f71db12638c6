package codearts

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/huaweitest"
)

// stateWith is a ShowDeployStatus answer of a failed record whose only
// step is step.
func stateWith(step string) string {
	return `{"status":"success","result":{"record_id":"r1","task_id":"t","status":"failed","step":"finish",
		"start_time":"2025-07-09 11:36:28","end_time":"2025-07-09 11:36:43","step_state":[` + step + `]}}`
}

// TestStateReadsOptionalFieldsLeniently: one odd optional field must not
// make a state unreadable; the verdict's fields still decode, and the odd
// field is left empty.
func TestStateReadsOptionalFieldsLeniently(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		step Step // the one step as read
	}{
		{"id 1e400 as a string", stateWith(`{"id":"1e400","name":"Deploy","elapsed_time":5}`), Step{Name: "Deploy", ElapsedTime: 5}},
		{"id 1e400 as a number", stateWith(`{"id":1e400,"name":"Deploy"}`), Step{Name: "Deploy"}},
		{"id 1e300", stateWith(`{"id":1e300,"name":"Deploy"}`), Step{Name: "Deploy"}},
		{"enable yes", stateWith(`{"id":1,"enable":"yes"}`), Step{ID: 1}},
		{"numeric name", stateWith(`{"id":1,"name":12345}`), Step{ID: 1, Name: "12345"}},
		{"name as an object", stateWith(`{"id":1,"name":{"en":"Deploy"}}`), Step{ID: 1}},
		{"offsets as arrays", stateWith(`{"id":2,"offset":[1],"current_offset":{},"elapsed_time":"soon"}`), Step{ID: 2}},
		{"region as an array", stateWith(`{"id":2,"region":["cn-north-4"],"faq_url":false}`), Step{ID: 2, FAQURL: "false"}},
		{"a step that is not an object", stateWith(`"Deploy"`), Step{}},
		{"a step that is null", stateWith(`null`), Step{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var st State
			require.NoError(t, json.Unmarshal([]byte(tt.body), &st))
			assert.Equal(t, "r1", st.Result.RecordID)
			assert.Equal(t, "failed", st.Result.Status)
			assert.Equal(t, "finish", st.Result.Step)
			assert.Equal(t, "2025-07-09 11:36:43", st.Result.EndTime)
			assert.Equal(t, PhaseFailed, st.Result.Phase())
			require.Len(t, st.Result.Steps, 1, "the step keeps its place")
			assert.Equal(t, tt.step, st.Result.Steps[0])
		})
	}

	// Odd record fields besides the verdict's, and odd step lists.
	others := map[string]string{
		"task_name as a number":    `{"result":{"status":"running","task_name":7,"executor":["a"],"nick_name":{},"start_time":false}}`,
		"step_state as an object":  `{"result":{"status":"running","step_state":{"step1":{}}}}`,
		"step_state as a string":   `{"result":{"status":"running","step_state":"none"}}`,
		"status of the answer odd": `{"status":{"code":0},"result":{"status":"running"}}`,
	}
	for name, body := range others {
		var st State
		require.NoError(t, json.Unmarshal([]byte(body), &st), name)
		assert.Equal(t, "running", st.Result.Status, name)
	}
}

// TestStateVerdictFieldsAreStrict: what a verdict needs fails the read
// when it is odd, rather than read as "" (running, wait on).
func TestStateVerdictFieldsAreStrict(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"result":{"status":7}}`,
		`{"result":{"status":"failed","record_id":12}}`,
		`{"result":{"status":"failed","step":true}}`,
		`{"result":{"status":"failed","end_time":["2025-07-09"]}}`,
		`{"result":"failed"}`,
		`{"result":[]}`,
	} {
		var st State
		assert.Error(t, json.Unmarshal([]byte(body), &st), body)
	}
}

// TestStateKeepsAtMostMaxSteps: an answer of millions of empty steps
// decodes to MaxSteps, and says it was cut.
func TestStateKeepsAtMostMaxSteps(t *testing.T) {
	t.Parallel()
	body := `{"result":{"status":"succeeded","step_state":[{"id":1,"name":"first"}` + strings.Repeat(",{}", 200_000) + `]}}`
	var st State
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	assert.Len(t, st.Result.Steps, MaxSteps)
	assert.True(t, st.Result.StepsCut)
	assert.Equal(t, "first", st.Result.Steps[0].Name)

	st = State{}
	require.NoError(t, json.Unmarshal([]byte(`{"result":{"status":"succeeded","step_state":[{},{}]}}`), &st))
	assert.Len(t, st.Result.Steps, 2)
	assert.False(t, st.Result.StepsCut)
}

// answeringStart serves body to a start and returns a client of it.
func answeringStart(t *testing.T, body string) *Client {
	t.Helper()
	srv := huaweitest.New(t, huaweitest.OK(body))
	c, err := New(srv.URL, huawei.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"})
	require.NoError(t, err)
	return c
}

// TestStartAnswer: the record id is all a start's answer must carry; an
// accepted start whose answer names none may still have started a record,
// which the caller must look for.
func TestStartAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		want    Started
		unknown bool // an unknown outcome
	}{
		{"as documented", `{"id":"0123456789abcdef0123456789abcdef","task_id":"t1","job_name":"job_r1"}`, Started{ID: "0123456789abcdef0123456789abcdef", TaskID: "t1", JobName: "job_r1"}, false},
		{"id as a number", `{"id":12345678901234567890123456789012,"job_name":"j"}`, Started{ID: "12345678901234567890123456789012", JobName: "j"}, false},
		{"odd job_name and task_id", `{"id":"0123456789abcdef0123456789abcdef","job_name":{"x":1},"task_id":[1],"app_component_list":"?"}`, Started{ID: "0123456789abcdef0123456789abcdef"}, false},
		{"id of the wrong shape", `{"id":"r1"}`, Started{}, true},
		{"no id", `{"task_id":"t1","job_name":"j"}`, Started{}, true},
		{"id as an object", `{"id":{"value":"r1"}}`, Started{}, true},
		{"not an object", `["r1"]`, Started{}, true},
		{"empty", ``, Started{}, true},
		{"not JSON", `<html>OK</html>`, Started{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := answeringStart(t, tt.body).Start(context.Background(), "t1", StartRequest{})
			if tt.unknown {
				require.Error(t, err)
				assert.True(t, huawei.IsUnknownOutcome(err), "%v", err)
				assert.Contains(t, err.Error(), "start")
				return
			}
			require.NoError(t, err)
			got.Raw = nil
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestUnquoteIsEncodingJSONs(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`""`, `"plain"`, `"a\nb\r\n\tc"`, `"\"quoted\" \\ \/"`, `"caf\u00e9 \u4e2d"`,
		`"\ud83d\ude00 smile"`, `"lone \ud83d surrogate"`, `"\ude00 low first"`, `"\ud83d\u0041"`,
		`"` + "\xff\xfe bad utf-8" + `"`, `"` + strings.Repeat("é", 70000) + `"`, `"ok\b\f"`,
	} {
		var want string
		require.NoError(t, json.Unmarshal([]byte(in), &want), in)
		got, ok := unquote([]byte(in))
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
		var chunks strings.Builder
		assert.True(t, unquoteChunks([]byte(in), 7, func(s string) bool { chunks.WriteString(s); return true }))
		assert.Equal(t, want, chunks.String(), in)
	}
	for _, bad := range []string{``, `"`, `x`, `"\x"`, `"\u12"`, `"a"b"`, "\"a\nb\""} {
		_, ok := unquote([]byte(bad))
		assert.False(t, ok, bad)
	}
}

// TestStreamLogStopsOnEndlessPages: a service that always has more is
// read at most maxPages pages, or until the caller has had enough; the
// pages' text is handed on in pieces, never whole.
func TestStreamLogStopsOnEndlessPages(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("line of an endless log\n", (1<<20)/24)
	body, err := json.Marshal(map[string]any{"status": "success", "result": map[string]any{"has_more": true, "text": text, "offset": "0", "end_offset": "100"}})
	require.NoError(t, err)
	srv := huaweitest.New(t, huaweitest.OK(string(body)))
	c, err := New(srv.URL, huawei.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"})
	require.NoError(t, err)

	var read, largest int
	next, pages, ended, err := c.StreamLog(context.Background(), "a", "r", "", 0, 3, func(s string) bool {
		read += len(s)
		largest = max(largest, len(s))
		return true
	})
	require.NoError(t, err)
	assert.Equal(t, 3, pages)
	assert.False(t, ended)
	assert.Equal(t, 3*len(text), read)
	assert.LessOrEqual(t, largest, 2*logChunk, "pieces, not whole pages")
	assert.Positive(t, next)
	assert.EqualValues(t, 3, srv.Count())

	// The caller stops it after the first piece.
	before := srv.Count()
	_, pages, ended, err = c.StreamLog(context.Background(), "a", "r", "", 0, 500, func(string) bool { return false })
	require.NoError(t, err)
	assert.Equal(t, 1, pages)
	assert.False(t, ended)
	assert.Equal(t, 1, srv.Count()-before)
}

func TestUnicodeEscape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		want     rune
		wantRest string
		wantOK   bool
	}{
		{`\u0041rest`, 'A', "rest", true},
		{`\u00e9`, 'é', "", true},
		{`\ud83d\ude00!`, '😀', "!", true},
		{`\ud83d!`, unicode.ReplacementChar, "!", true},
		{`\ud83d\u0041`, unicode.ReplacementChar, `\u0041`, true},
		{`\ude00\ud83d`, unicode.ReplacementChar, `\ud83d`, true},
		{`\ud83d\uzz00`, unicode.ReplacementChar, `\uzz00`, true},
		{`\u12`, 0, `\u12`, false},
		{`\u12g4`, 0, `\u12g4`, false},
	}
	for _, tt := range tests {
		got, rest, ok := unicodeEscape([]byte(tt.in))
		assert.Equal(t, tt.wantOK, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.wantRest, string(rest), tt.in)
	}
}

func TestShortEscapeAndPlainRun(t *testing.T) {
	t.Parallel()
	escapes := map[byte]byte{'"': '"', '\\': '\\', '/': '/', '\'': '\'', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}
	for c := range 256 {
		got, ok := shortEscape(byte(c))
		want, wantOK := escapes[byte(c)]
		assert.Equal(t, wantOK, ok, "%q", c)
		assert.Equal(t, want, got, "%q", c)
	}
	runs := []struct {
		in    string
		chunk int
		want  int
	}{
		{"plain", 100, 5},
		{"plain", 3, 3},
		{`ab\n`, 100, 2},
		{`ab"`, 100, 2},
		{"ab\x01", 100, 2},
		{"abé", 100, 2},
		{"", 100, 0},
	}
	for _, tt := range runs {
		assert.Equal(t, tt.want, plainRun([]byte(tt.in), tt.chunk), tt.in)
	}
}
