package run_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huaweitest"
	"github.com/deploy-action/deploy-action/internal/run"
)

// The bounds on a deployment's log, as the log says them (run/logs.go).
const (
	stepPrintBound = 1 << 20
	runPrintBound  = 10 << 20
	lineBound      = 4 << 10
	quotedBound    = 512
)

// logPage is a ShowAppLog answer with text, offsets as strings.
func logPage(text string, from int, more bool) []byte {
	b, _ := json.Marshal(map[string]any{"status": "success", "result": map[string]any{
		"has_more": more, "text": text, "offset": strconv.Itoa(from), "end_offset": strconv.Itoa(from + len(text)),
	}})
	return b
}

// serveLogs answers every log request with page(offset) and passes the
// rest to the simulator; it counts the log requests.
func serveLogs(h http.Handler, asked *atomic.Int64, page func(offset int) []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/logs") {
			h.ServeHTTP(w, r)
			return
		}
		asked.Add(1)
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(page(off))
	})
}

// serveOnePage answers the first log request of each step (offset 0)
// with page, and every later one with an empty last page.
func serveOnePage(page []byte) func(http.Handler) http.Handler {
	empty := logPage("", 0, false)
	return func(h http.Handler) http.Handler {
		var asked atomic.Int64
		return serveLogs(h, &asked, func(off int) []byte {
			if off > 0 {
				return empty
			}
			return page
		})
	}
}

// printedPerGroup returns what was printed under each group, debug lines
// left out, and its size in bytes (groupBodies, for logs of megabytes).
func printedPerGroup(l *opLog) ([]int, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var bodies []*strings.Builder
	in := false
	for _, line := range l.lines {
		switch {
		case strings.HasPrefix(line, "group: "):
			bodies, in = append(bodies, &strings.Builder{}), true
		case line == "endgroup":
			in = false
		case in && !strings.HasPrefix(line, "debug: "):
			b := bodies[len(bodies)-1]
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	sizes, out := make([]int, len(bodies)), make([]string, len(bodies))
	for i, b := range bodies {
		sizes[i], out[i] = b.Len(), b.String()
	}
	return sizes, out
}

// TestDeployLogOfEndlessPagesIsBounded serves a log that always says
// has_more, in pages of 8 MiB (the most the client reads of an answer):
// the action must stop reading, print at most its bound and say so, and
// still give the simulator's verdict. The server stops after 40 pages, so
// that an action without bounds fails the test rather than run for ever.
func TestDeployLogOfEndlessPagesIsBounded(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("all work and no play makes a deployment dull ", 2) + "\n"
	// As large as an answer may be: JSON writes each newline as two bytes.
	big := strings.Repeat(line, (8<<20-4096)/(len(line)+1))
	tests := []struct {
		name  string
		steps func(http.Handler) http.Handler
	}{
		{"by step id", func(h http.Handler) http.Handler { return h }},
		{"whole log", func(h http.Handler) http.Handler {
			return withoutSteps(h, func(p string) bool { return isTaskDetail(p) || isAppDetail(p) })
		}},
	}
	full, empty := logPage(big, 0, true), logPage("", 0, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var asked atomic.Int64
			wrap := func(h http.Handler) http.Handler {
				return tt.steps(serveLogs(h, &asked, func(int) []byte {
					if asked.Load() > 40 {
						return empty
					}
					return full
				}))
			}
			_, res, log := deployOnSim(t, failingScenario, wrap, run.DeployInput{ShowLogs: true})
			require.Equal(t, run.StatusFailed, res.Status, "the simulator's verdict")
			require.NotNil(t, res.Failure)
			require.NotNil(t, res.Failure.Record)
			assert.Equal(t, "Deploy", res.Failure.Record.Step)

			sizes, bodies := printedPerGroup(log)
			require.Len(t, bodies, 3)
			total := 0
			for i, n := range sizes {
				total += n
				assert.LessOrEqual(t, n, stepPrintBound+2*lineBound, "group %d printed %d bytes", i+1, n)
				assert.Contains(t, bodies[i], "The log of this step is cut here", "group %d says where it was cut", i+1)
				assert.Contains(t, bodies[i], "CodeArts Deploy console, deployment record "+res.Deploy.RecordID, "group %d says where the rest is", i+1)
				assert.Contains(t, bodies[i], "The action stopped reading this log", "group %d says reading stopped", i+1)
			}
			assert.LessOrEqual(t, total, runPrintBound)
			// 16 MiB read a step: three pages of just under 8 MiB.
			assert.LessOrEqual(t, asked.Load(), int64(3*3), "log pages read")

			// The annotation quotes short lines.
			require.NotEmpty(t, res.Failure.Record.LogTail)
			for _, l := range res.Failure.Record.LogTail {
				assert.LessOrEqual(t, len(l), quotedBound)
			}
		})
	}
}

// TestDeployLogOfOneEndlessLineIsBounded serves each step's log as one
// line of 2 MiB without newline: it is printed cut, saying so.
func TestDeployLogOfOneEndlessLineIsBounded(t *testing.T) {
	t.Parallel()
	huge := logPage(strings.Repeat("é", 1<<20), 0, false)
	_, res, log := deployOnSim(t, failingScenario, serveOnePage(huge), run.DeployInput{ShowLogs: true})
	require.Equal(t, run.StatusFailed, res.Status)
	_, bodies := printedPerGroup(log)
	require.Len(t, bodies, 3)
	for i, b := range bodies {
		lines := strings.Split(strings.TrimSuffix(b, "\n"), "\n")
		require.Len(t, lines, 1, "group %d", i+1)
		assert.LessOrEqual(t, len(lines[0]), lineBound+100, "group %d", i+1)
		assert.Contains(t, lines[0], "line cut:", "group %d says the line was cut", i+1)
		assert.True(t, strings.HasPrefix(lines[0], "éé"))
		assert.NotContains(t, lines[0], "\uFFFD", "cut on a character boundary")
	}
}

// TestDeployLogOfManyStepsIsBoundedPerRun prints 2 MiB of log for each of
// twelve steps: each step shows 1 MiB, and the run stops at 10 MiB.
func TestDeployLogOfManyStepsIsBoundedPerRun(t *testing.T) {
	t.Parallel()
	var names []string
	for i := range 12 {
		names = append(names, "Phase "+strconv.Itoa(i+1))
	}
	scenario := "tasks:\n  - task_id: " + logsTask + "\n    steps: [" + strings.Join(names, ", ") + "]\n"
	line := strings.Repeat("x", 99) + "\n"
	page := logPage(strings.Repeat(line, 2<<20/len(line)), 0, false)
	_, res, log := deployOnSim(t, scenario, serveOnePage(page), run.DeployInput{ShowLogs: true})
	require.Equal(t, run.StatusSucceeded, res.Status)
	sizes, bodies := printedPerGroup(log)
	require.Len(t, bodies, 12)
	total := 0
	for _, n := range sizes {
		total += n
	}
	assert.LessOrEqual(t, total, runPrintBound+4*lineBound)
	assert.Greater(t, total, runPrintBound-stepPrintBound, "the run's bound, not less")
	assert.Equal(t, 1, strings.Count(strings.Join(bodies, ""), "The deployment's log is cut here"))
	assert.Contains(t, bodies[11], "Step 12 of 12, Phase 12, ran", "a step after the cut shows its time only")
}

// stepFields rewrites the simulator's state answers: each step gets the
// given fields, as a service version with odd optional fields would send.
func stepFields(fields map[string]any) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return huaweitest.EditJSON(h, isStateAnswer, func(m map[string]any) {
			res, _ := m["result"].(map[string]any)
			steps, _ := res["step_state"].([]any)
			for _, s := range steps {
				for k, v := range fields {
					s.(map[string]any)[k] = v
				}
			}
		})
	}
}

func isStateAnswer(path string) bool { return strings.HasSuffix(path, "/state") }

// TestDeployVerdictDespiteOddStepFields gives every step of every state
// answer an odd optional field: the verdict is still the simulator's, not
// a timeout after reading nothing.
func TestDeployVerdictDespiteOddStepFields(t *testing.T) {
	t.Parallel()
	tests := map[string]map[string]any{
		`"id":1e400`:         {"id": json.RawMessage("1e400")},
		`"id":"1e400"`:       {"id": "1e400"},
		`"enable":"yes"`:     {"enable": "yes"},
		`numeric name`:       {"name": 42},
		`object region`:      {"region": map[string]any{"cn": true}},
		`array elapsed_time`: {"elapsed_time": []any{1, 2}},
	}
	for name, fields := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, res, log := deployOnSim(t, failingScenario, stepFields(fields), run.DeployInput{Timeout: 10 * time.Second})
			require.Equal(t, run.StatusFailed, res.Status, "%+v\n%s", res.Failure, log.String())
			assert.Equal(t, run.FailedDeployment, res.Failure.What)
			assert.NotContains(t, log.String(), "Could not read the deployment's state")
		})
	}
}

// TestReleasePlanListsABoundedBatch runs a plan of 130 components in one
// batch, 26 of which fail: the batch is reported whole, and so is the
// failure (the log's group and the annotation bound what they list; cli's
// tests check that).
func TestReleasePlanListsABoundedBatch(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("release_plans:\n  - id: " + opsPlan + "\n    components:\n")
	for i := range 130 {
		fail := ""
		if i%5 == 0 {
			fail = ", fail: true"
		}
		b.WriteString("      - {name: c" + strconv.Itoa(i) + ", seq: 1" + fail + "}\n")
	}
	b.WriteString("      - {name: last, seq: 2}\n")
	_, url := opsSim(t, b.String())
	res, log := planOnSim(t, url, planInput(true))
	require.Equal(t, run.StatusFailed, res.Status, log.String())
	assert.Len(t, res.Plan.Components, 131, "all read")

	batches := eventsOf[batchEnded](log)
	require.Len(t, batches, 2)
	assert.Len(t, batches[0].Components, 130)
	assert.Equal(t, run.BatchFailed, batches[0].Outcome)

	require.NotNil(t, res.Failure)
	require.NotNil(t, res.Failure.Plan)
	assert.Len(t, res.Failure.Plan.Failed, 26, "every failed component is reported; the annotation names the first 20")
}

// TestDeployAdoptsARecordWhoseStartAnswerIsOdd: the service accepts the
// start but answers without a readable record id. The record exists, so
// the action must find and follow it, not report that nothing started
// (which would leave it running unseen) nor start a second one.
func TestDeployAdoptsARecordWhoseStartAnswerIsOdd(t *testing.T) {
	t.Parallel()
	for name, answer := range map[string]string{
		"no id":           `{"task_id":"` + logsTask + `","job_name":"job"}`,
		"id as an object": `{"id":{"value":"x"}}`,
		"not JSON":        `<html>accepted</html>`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			wrap := func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if !strings.HasSuffix(r.URL.Path, "/start") {
						h.ServeHTTP(w, r)
						return
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, r)
					w.WriteHeader(rec.Code)
					_, _ = w.Write([]byte(answer))
				})
			}
			s, res, log := deployOnSim(t, failingScenario, wrap, run.DeployInput{})
			require.Equal(t, run.StatusFailed, res.Status, "%+v\n%s", res.Failure, log.String())
			assert.Equal(t, run.FailedDeployment, res.Failure.What)
			assert.Equal(t, 1, s.StartCount(logsTask), "started once")
			recs := s.Records(logsTask)
			require.Len(t, recs, 1)
			assert.Equal(t, recs[0].ID, res.Deploy.RecordID, "the record followed is the one started")
			assert.Contains(t, log.String(), "adopting record "+recs[0].ID)
		})
	}
}
