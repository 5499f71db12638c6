package codearts

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status string
		want   Phase
	}{
		{"succeeded", PhaseSucceeded},
		{"SUCCEEDED", PhaseSucceeded},
		{"success", PhaseSucceeded},
		{"failed", PhaseFailed},
		{"abort", PhaseFailed},
		{"aborted", PhaseFailed},
		{"timeout", PhaseFailed},
		{"running", PhaseRunning},
		{"pending", PhaseRunning},
		{"not_started", PhaseRunning},
		{"not_executed", PhaseRunning},
		{"", PhaseRunning},
		{" running ", PhaseRunning},
		{"queued", PhaseUnknown},
		{"succeeded_partially", PhaseUnknown},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Classify(tt.status), "Classify(%q)", tt.status)
	}
}

func TestRecordPhase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rec   Record
		want  Phase
		ended bool
	}{
		{"running", Record{Status: "running", Step: "running"}, PhaseRunning, false},
		{"succeeded", Record{Status: "succeeded", Step: "finish", EndTime: "2025-07-09 11:36:43"}, PhaseSucceeded, true},
		{"failed", Record{Status: "failed", Step: "finish"}, PhaseFailed, true},
		{"unknown while running", Record{Status: "queued", Step: "running"}, PhaseUnknown, false},
		{"unknown, no step", Record{Status: "queued"}, PhaseUnknown, false},
		{"unknown, step finish", Record{Status: "stopped", Step: "finish"}, PhaseFailed, true},
		{"unknown, step FINISH", Record{Status: "canceled", Step: " FINISH "}, PhaseFailed, true},
		{"unknown, end_time only", Record{Status: "stopped", Step: "running", EndTime: "2025-07-09 11:36:43"}, PhaseFailed, true},
		{"unknown, blank end_time", Record{Status: "stopped", Step: "running", EndTime: " "}, PhaseUnknown, false},
		// Known statuses keep their meaning whatever the step says.
		{"pending with step finish", Record{Status: "pending", Step: "finish"}, PhaseRunning, true},
		{"succeeded without end", Record{Status: "succeeded", Step: "running"}, PhaseSucceeded, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.rec.Phase(), tt.name)
		assert.Equal(t, tt.ended, tt.rec.Ended(), tt.name)
	}
}

func TestStateDecodesNumbersAndStrings(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"numbers": `{"status":"success","result":{"record_id":"r","status":"running","step":"running",
			"step_state":[{"id":2,"name":"Deploy","enable":true,"offset":10,"current_offset":12,"elapsed_time":3012,"region":"cn-north-4","faq_url":""}]}}`,
		"strings": `{"status":"success","result":{"record_id":"r","status":"running","step":"running",
			"step_state":[{"id":"2","name":"Deploy","enable":"true","offset":"10","current_offset":"12","elapsed_time":"3012","region":"cn-north-4","faq_url":""}]}}`,
		"float": `{"status":"success","result":{"record_id":"r","status":"running","step":"running",
			"step_state":[{"id":2.0,"name":"Deploy","enable":1,"offset":10,"current_offset":12,"elapsed_time":3012.0,"region":"cn-north-4"}]}}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var st State
			require.NoError(t, json.Unmarshal([]byte(body), &st))
			require.Len(t, st.Result.Steps, 1)
			s := st.Result.Steps[0]
			assert.EqualValues(t, 2, s.ID)
			assert.True(t, bool(s.Enable))
			assert.EqualValues(t, 10, s.Offset)
			assert.EqualValues(t, 12, s.CurrentOffset)
			assert.Equal(t, 3012*time.Millisecond, s.Elapsed())
		})
	}
	// A value neither reading knows is left empty, not an error: see
	// TestStateReadsOptionalFieldsLeniently.
	var st State
	require.NoError(t, json.Unmarshal([]byte(`{"result":{"step_state":[{"elapsed_time":"soon","enable":"maybe"}]}}`), &st))
	assert.Zero(t, st.Result.Steps[0].Elapsed())
	assert.False(t, bool(st.Result.Steps[0].Enable))
	// A fraction is refused as huawei.FlexInt says (it was truncated
	// before issue 14); an optional field refused is left empty.
	st = State{}
	require.NoError(t, json.Unmarshal([]byte(`{"result":{"step_state":[{"elapsed_time":3012.7,"offset":"10.5"}]}}`), &st))
	assert.Zero(t, st.Result.Steps[0].Elapsed())
	assert.Zero(t, st.Result.Steps[0].Offset)
}

func TestGuessZone(t *testing.T) {
	t.Parallel()
	started := time.Date(2026, 11, 23, 15, 59, 31, 0, time.UTC)
	tests := []struct {
		remote string
		want   time.Duration
	}{
		{"2026-11-23 23:59:32", 8 * time.Hour},  // China, a second of delay
		{"2026-11-23 12:59:29", -3 * time.Hour}, // São Paulo
		{"2026-11-23 15:59:31", 0},              // UTC
		{"2026-11-23 21:29:35", 5*time.Hour + 30*time.Minute},
		{"garbage", 0},
		{"2026-11-25 15:59:31", 0}, // implausible: fall back to UTC
	}
	for _, tt := range tests {
		loc := GuessZone(tt.remote, started)
		_, offset := started.In(loc).Zone()
		assert.Equal(t, tt.want, time.Duration(offset)*time.Second, tt.remote)
	}
	at, ok := ParseTime("2026-11-23 23:59:32", GuessZone("2026-11-23 23:59:32", started))
	require.True(t, ok)
	assert.Equal(t, started.Add(time.Second), at.UTC())
}

// FuzzDecodeState feeds arbitrary bytes to the state decoder: it must never
// panic, whatever it accepts must classify to a phase, it keeps at most
// MaxSteps steps, and only what a verdict needs may make it fail: an
// answer whose result, status, record_id, step and end_time read as plain
// strings must be read.
func FuzzDecodeState(f *testing.F) {
	for _, seed := range []string{
		`{"status":"success","result":{"record_id":"2c82ffe8d00d4968a4e5f7a36d87ae17","status":"succeeded","step":"finish","start_time":"2025-07-09 11:36:28","end_time":"2025-07-09 11:36:43","step_state":[{"id":1,"name":"Stop service","enable":true,"offset":0,"current_offset":0,"elapsed_time":3012,"region":"cn-north-4","faq_url":""}]}}`,
		`{"status":"success","result":{"status":"running","step_state":[{"id":"1","enable":"false","elapsed_time":"12"}]}}`,
		`{"status":"error"}`,
		`{"result":{"step_state":null}}`,
		`[]`,
		`{"result":{"status":"failed","step_state":[{"id":"1e400","enable":"yes","name":7,"region":[1]},"x",null]}}`,
		`{"result":{"status":"failed","RESULT":1,"Status":"succeeded","step_state":{"a":1}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var st State
		err := json.Unmarshal(data, &st)
		if err != nil {
			// Only the verdict's fields may fail a read.
			var verdict struct {
				Result *struct {
					RecordID string `json:"record_id"`
					Status   string `json:"status"`
					Step     string `json:"step"`
					EndTime  string `json:"end_time"`
				} `json:"result"`
			}
			if json.Unmarshal(data, &verdict) == nil {
				t.Fatalf("the verdict's fields read, the state did not: %v", err)
			}
			return
		}
		p := Classify(st.Result.Status)
		if p < PhaseRunning || p > PhaseUnknown {
			t.Fatalf("phase %d out of range", p)
		}
		if len(st.Result.Steps) > MaxSteps {
			t.Fatalf("%d steps kept", len(st.Result.Steps))
		}
		for _, s := range st.Result.Steps {
			if s.Elapsed() < 0 && s.ElapsedTime >= 0 {
				t.Fatalf("elapsed %d overflows", s.ElapsedTime)
			}
			if len(s.Name) > huawei.MaxText {
				t.Fatalf("a name of %d bytes", len(s.Name))
			}
		}
		_ = st.Result.Phase()
		_ = GuessZone(st.Result.StartTime, time.Now())
	})
}
