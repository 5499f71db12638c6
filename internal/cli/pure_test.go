package cli

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/health"
	"github.com/deploy-action/deploy-action/internal/run"
)

// The small pure functions the summaries are built from; the golden files
// check them in place, these the cases the fixtures do not reach.

// stringCase is one case of a function to a string: f(in) is want.
type stringCase[In any] struct {
	in   In
	want string
}

// wantEach checks f against each case.
func wantEach[In any](t *testing.T, f func(In) string, cases []stringCase[In]) {
	t.Helper()
	for _, c := range cases {
		assert.Equal(t, c.want, f(c.in), "%+v", c.in)
	}
}

func TestNamed(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, id, want string }{
		{"", "`abc`", "`abc`"},
		{"checkout-service", "`abc`", "checkout-service (`abc`)"},
		{"a|b *c*", "`abc`", `a\|b \*c\* (` + "`abc`)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, named(tt.name, tt.id), tt.name)
	}
}

func TestElapsed(t *testing.T) {
	t.Parallel()
	wantEach(t, elapsed, []stringCase[time.Duration]{
		{0, ""},
		{-time.Second, ""},
		{1500 * time.Millisecond, "1.5s"},
		{65 * time.Second, "1m05s"},
	})
}

func TestStatusWords(t *testing.T) {
	t.Parallel()
	wantEach(t, statusWords, []stringCase[run.Status]{
		{run.StatusTimedOut, "timed out"},
		{run.StatusDryRun, "dry run"},
		{run.StatusSucceeded, "succeeded"},
	})
}

func TestDurationSeconds(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		r    run.Result
		want string
	}{
		{"running", run.Result{StartedAt: t0}, ""},
		{"ended", run.Result{StartedAt: t0, FinishedAt: t0.Add(2600 * time.Millisecond)}, "3"},
		{"ended at once", run.Result{StartedAt: t0, FinishedAt: t0}, "0"},
		{"elapsed only", run.Result{Elapsed: 47 * time.Second}, "47"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, durationSeconds(&tt.r), tt.name)
	}
}

func TestDryRunVerdict(t *testing.T) {
	t.Parallel()
	pass, warn, fail := run.Check{Passed: true}, run.Check{Passed: true, Warning: true}, run.Check{}
	wantEach(t, dryRunVerdict, []stringCase[[]run.Check]{
		{nil, "every check passed"},
		{[]run.Check{pass, warn}, "every check passed"},
		{[]run.Check{pass, fail, fail}, "2 of 3 checks failed"},
	})
}

func TestComponentMessage(t *testing.T) {
	t.Parallel()
	wantEach(t, componentMessage, []stringCase[run.Component]{
		{run.Component{}, ""},
		{run.Component{FailMessage: "image pull failed"}, "image pull failed"},
		{run.Component{RollbackJobStatus: "SUCCEEDED"}, "rollback SUCCEEDED"},
		{run.Component{FailMessage: "x", RollbackJobStatus: "FAILED", RollbackFailMessage: "no old version"}, "x; rollback FAILED: no old version"},
	})
}

func TestAnswerCells(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a                health.Answer
		status, wantText string
	}{
		{health.Answer{Err: "connection refused"}, "—", "connection refused"},
		{health.Answer{Status: 200, Body: "UP"}, "200", "UP"},
		{health.Answer{Status: 503, Body: "DOWN", Why: "status 503"}, "503", "status 503: DOWN"},
		{health.Answer{Status: 200, Why: "empty body"}, "200", "empty body: "},
	}
	for _, tt := range tests {
		status, text := answerCells(tt.a)
		assert.Equal(t, tt.status, status)
		assert.Equal(t, tt.wantText, text)
	}
}

func TestHealthVerdict(t *testing.T) {
	t.Parallel()
	spec := health.Spec{Healthy: 3, Timeout: 6 * time.Second}
	tests := []struct {
		h    health.Report
		want string
	}{
		{health.Report{Healthy: true, Checks: 4, Took: 1800 * time.Millisecond, Spec: spec}, "✅ healthy: 3 good answers in a row after 4 checks (1.8s)"},
		{health.Report{Cancelled: true, Checks: 2, Spec: spec}, "⏹️ cancelled after 2 checks"},
		{health.Report{Checks: 12, Best: 1, Spec: spec}, "❌ not healthy within 6.0s: 12 checks, the longest run 1 of 3"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, healthVerdict(&tt.h))
	}
}

func TestOutputNames(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{``, ""},
		{`null`, ""},
		{`{}`, ""},
		{`"text"`, ""},
		{`{"b":1,"a|x":"2"}`, "`a\\|x`, `b`"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, outputNames(json.RawMessage(tt.in)), tt.in)
	}
}

func TestStopHeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    run.Result
		want string
	}{
		{run.Result{Status: run.StatusStopped}, "Deployment record stopped"},
		{run.Result{Status: run.StatusSucceeded}, "Deployment record had already ended: succeeded"},
		{run.Result{Status: run.StatusFailed, Failure: &run.Failure{}}, "Deployment record not stopped"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, stopHeadline(&tt.r))
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.2:0", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"0.0.0.0:8080", false},
		{"192.168.1.2:8080", false},
		{"example.com:80", false},
		{"127.0.0.1", false}, // no port
		{":8080", false},     // every interface
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, isLoopback(tt.addr), tt.addr)
	}
}

func TestAnnotationTitle(t *testing.T) {
	t.Parallel()
	tests := []struct{ props, want string }{
		{"", ""},
		{"file=a.go,line=3", ""},
		{"title=Invalid input", "Invalid input: "},
		{"file=a.go,title=Timed out%3A stop", "Timed out: stop: "},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, annotationTitle(tt.props), tt.props)
	}
}
