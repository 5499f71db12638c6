package run

import (
	"testing"
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

func TestRecordElapsed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		start, end string
		want       time.Duration
		wantOK     bool
	}{
		{"ran", "2026-01-02 10:00:00", "2026-01-02 10:01:30", 90 * time.Second, true},
		{"same instant", "2026-01-02 10:00:00", "2026-01-02 10:00:00", 0, true},
		{"end before start", "2026-01-02 10:01:00", "2026-01-02 10:00:00", 0, false},
		{"no end", "2026-01-02 10:00:00", "", 0, false},
		{"no start", "", "2026-01-02 10:00:00", 0, false},
		{"garbled", "yesterday", "2026-01-02 10:00:00", 0, false},
		{"1970", "1970-01-01 00:00:00", "2026-01-02 10:00:00", 0, false},
		{"far future", "2026-01-02 10:00:00", "9999-01-01 00:00:00", 0, false},
	}
	for _, tt := range tests {
		got, ok := recordElapsed(&codearts.Record{StartTime: tt.start, EndTime: tt.end})
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: recordElapsed = %v, %v, want %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestFillTimes(t *testing.T) {
	t.Parallel()
	local := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	start := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	end := time.Date(2026, 1, 2, 11, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		res       Result
		wantStart time.Time
		keepEnd   bool // the end given is kept, else it is filled with now
	}{
		{"both given", Result{StartedAt: start, FinishedAt: end}, start, true},
		{"start missing", Result{FinishedAt: end}, local, true},
		{"end missing", Result{StartedAt: start}, start, false},
		{"both missing", Result{}, local, false},
	}
	for _, tt := range tests {
		before := time.Now()
		res := tt.res
		fillTimes(&res, local)
		if !res.StartedAt.Equal(tt.wantStart) {
			t.Errorf("%s: StartedAt = %v, want %v", tt.name, res.StartedAt, tt.wantStart)
		}
		switch {
		case tt.keepEnd && !res.FinishedAt.Equal(end):
			t.Errorf("%s: FinishedAt = %v, want %v", tt.name, res.FinishedAt, end)
		case !tt.keepEnd && res.FinishedAt.Before(before):
			t.Errorf("%s: FinishedAt = %v, want now (not before %v)", tt.name, res.FinishedAt, before)
		}
	}
}

func TestLastFailedStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		steps    []StepResult
		wantName string
		wantPos  int
	}{
		{"no steps", nil, "", 0},
		{"none failed", []StepResult{{Name: "a", State: StepDone}, {Name: "b", State: StepRunning}}, "", 0},
		{"one failed", []StepResult{{Name: "a", State: StepDone}, {Name: "b", State: StepFailed}, {Name: "c", State: StepPending}}, "b", 2},
		{"the last of two", []StepResult{{Name: "a", State: StepFailed}, {Name: "b", State: StepDone}, {Name: "c", State: StepFailed}}, "c", 3},
	}
	for _, tt := range tests {
		name, pos := lastFailedStep(tt.steps)
		if name != tt.wantName || pos != tt.wantPos {
			t.Errorf("%s: lastFailedStep = %q, %d, want %q, %d", tt.name, name, pos, tt.wantName, tt.wantPos)
		}
	}
}
