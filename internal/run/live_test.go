package run_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/run"
)

// longStepScenario: the second of three steps runs for two seconds and
// writes a line at its start, after a third and two thirds of it, and at
// its end.
const longStepScenario = `
tasks:
  - task_id: ` + logsTask + `
    steps: [Build, Migrate, Start]
    step_durations: [100ms, 2s, 100ms]
    history: true
`

// TestDeployFollowsTheRunningStepsLog: a long step's lines are printed as
// it writes them, before its group, each once, with no more than one log
// call for each state check while it runs; its group holds the rest.
func TestDeployFollowsTheRunningStepsLog(t *testing.T) {
	t.Parallel()
	s, res, log := deployOnSim(t, longStepScenario, nil, run.DeployInput{ShowLogs: true, TailAfter: 200 * time.Millisecond, Heartbeat: time.Hour})
	require.Equal(t, run.StatusSucceeded, res.Status, log.String())

	var live, grouped []string
	in := false
	for _, line := range log.lines {
		switch {
		case strings.HasPrefix(line, "group: "):
			in = true
		case line == "endgroup":
			in = false
		case strings.Contains(line, "] [Migrate] ") && in:
			grouped = append(grouped, line)
		case strings.Contains(line, "] [Migrate] "):
			live = append(live, line)
		}
	}
	assert.GreaterOrEqual(t, len(live), 2, "the step's lines come as it runs, before its group:\n%s", log.String())
	require.NotEmpty(t, grouped, "its group holds the lines written since the last check")
	assert.Contains(t, grouped[len(grouped)-1], `step "Migrate" succeeded`)

	var want []string
	for _, line := range strings.Split(s.LogText(res.Deploy.RecordID), "\n") {
		if strings.Contains(line, "] [Migrate] ") {
			want = append(want, line)
		}
	}
	assert.Equal(t, want, slices.Concat(live, grouped), "every line once, in order")
	assert.Contains(t, log.String(), "(the step's earlier lines are above, shown as it ran)")

	// While the step runs: at most one log call between two state checks.
	recs := s.Records(logsTask)
	migrateEnd := recs[len(recs)-1].CreatedAt.Add(2100 * time.Millisecond)
	logCalls := 0
	for _, c := range s.Calls() {
		if c.At.After(migrateEnd) {
			break
		}
		q, _ := url.ParseQuery(c.Query)
		switch {
		case strings.HasSuffix(c.Path, "/state") && q.Get("record_id") != "":
			logCalls = 0
		case strings.HasSuffix(c.Path, "/logs") && q.Get("step_id") != "":
			logCalls++
			assert.LessOrEqual(t, logCalls, 1, "log calls after one state check, at %s", c.At)
		}
	}
}

// TestDeployHeartbeat: without logs to show, a step that runs on without
// news gets a line saying which step, how long it has run and how long it
// took last time; no more often than the heartbeat interval.
func TestDeployHeartbeat(t *testing.T) {
	t.Parallel()
	_, res, log := deployOnSim(t, longStepScenario, nil, run.DeployInput{ShowLogs: false, Heartbeat: 500 * time.Millisecond})
	require.Equal(t, run.StatusSucceeded, res.Status, log.String())
	beat := regexp.MustCompile(`^… 2/3 Migrate is still running: (\d+ms|\d\.\ds) so far; its previous run took 2\.0s\.$`)
	var beats []string
	for _, line := range log.lines {
		if strings.Contains(line, "still running") {
			beats = append(beats, line)
			assert.Regexp(t, beat, line)
		}
	}
	require.NotEmpty(t, beats, log.String())
	assert.LessOrEqual(t, len(beats), 4, "one every 500ms at most in a 2 s step")
	assert.Contains(t, beats[0], "its previous run took 2.0s")
}

// TestDeployFollowIsBounded serves a log that always has more, in pages
// of 64 KiB, while a step runs for five seconds: what is printed of it as
// it runs and under its group together stays within a step's bound, and
// says where it was cut once.
func TestDeployFollowIsBounded(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("the log that never ends ", 4) + "\n"
	page := logPage(strings.Repeat(line, (64<<10)/len(line)), 0, true)
	var asked atomic.Int64
	wrap := func(h http.Handler) http.Handler {
		return serveLogs(h, &asked, func(int) []byte { return page })
	}
	// A longer step than longStepScenario's: under a loaded machine (the
	// race detector, other packages' tests) a 2 s step can end between
	// two checks that came late, and never be followed.
	scenario := strings.Replace(longStepScenario, "[100ms, 2s, 100ms]", "[100ms, 5s, 100ms]", 1)
	_, res, log := deployOnSim(t, scenario, wrap, run.DeployInput{ShowLogs: true, TailAfter: 200 * time.Millisecond, Heartbeat: time.Hour})
	require.Equal(t, run.StatusSucceeded, res.Status)

	// Migrate's part: from its announcement to the end of its group.
	var migrate strings.Builder
	in := false
	for _, l := range log.lines {
		switch {
		case l == "step started: 2/3 Migrate":
			in = true
		case in && l == "endgroup":
			in = false
		case in && !strings.HasPrefix(l, "group: ") && !strings.HasPrefix(l, "debug: "):
			migrate.WriteString(l + "\n")
		}
	}
	text := migrate.String()
	require.NotEmpty(t, text)
	before, _, ok := strings.Cut(text, "(the step's earlier lines are above, shown as it ran)")
	require.True(t, ok, "the step was followed as it ran")
	assert.Contains(t, before, "the log that never ends", "lines came as it ran")
	assert.LessOrEqual(t, len(text), stepPrintBound+3*lineBound, "one step's bound, live lines and group together")
	assert.Equal(t, 1, strings.Count(text, "The log of this step is cut here"), "cut once, where the bound was reached")
}
