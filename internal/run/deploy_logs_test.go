package run_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/huaweitest"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/sim"
)

const logsTask = "0123456789abcdef0123456789abcdef"

// failingScenario fails in step 3 of 4 with a message only the step's log
// carries.
const failingScenario = `
tasks:
  - task_id: ` + logsTask + `
    steps: [Download package, Stop service, Deploy, Start service]
    fail_at_step: 3
    fail_message: "Deploy failed: disk full"
`

// withoutSteps wraps the simulator so that the answers to the paths match
// selects carry no steps: a task detail (bare) or an application detail
// (result.arrange_infos[].steps) without them, as an answer of the
// unmaintained task detail API might be.
func withoutSteps(h http.Handler, match func(path string) bool) http.Handler {
	return huaweitest.EditJSON(h, match, func(m map[string]any) {
		delete(m, "steps")
		res, _ := m["result"].(map[string]any)
		infos, _ := res["arrange_infos"].([]any)
		for _, info := range infos {
			delete(info.(map[string]any), "steps")
		}
	})
}

func isTaskDetail(path string) bool { return path == "/v2/tasks/"+logsTask }
func isAppDetail(path string) bool  { return strings.HasSuffix(path, "/info") }

// deployOnSim deploys logsTask against a simulator playing scenario, its
// answers passed through wrap, and returns the simulator and the result.
func deployOnSim(t *testing.T, scenario string, wrap func(http.Handler) http.Handler, in run.DeployInput) (*sim.Server, *run.Result, *opLog) {
	t.Helper()
	sc, err := sim.ParseScenario([]byte(scenario))
	require.NoError(t, err)
	s := sim.New(sim.Options{AccessKeyID: opsAK, SecretAccessKey: opsSK, StepDuration: 50 * time.Millisecond, Scenario: sc})
	var h http.Handler = s
	if wrap != nil {
		h = wrap(s)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client, err := codearts.New(srv.URL, huawei.Credentials{AccessKeyID: opsAK, SecretAccessKey: opsSK}, opsOptions()...)
	require.NoError(t, err)
	in.TaskID = logsTask
	in.Wait, in.IfRunning, in.StopOnCancel, in.StopOnTimeout = true, run.IfRunningWait, true, true
	if in.Timeout == 0 {
		in.Timeout = 30 * time.Second
	}
	in.PollInterval, in.FirstPoll = 100*time.Millisecond, 20*time.Millisecond
	log := &opLog{}
	res := run.Deploy(context.Background(), client, in, log, run.DeployHooks{})
	return s, res, log
}

// groupBodies returns what the log printed under each group, by title.
func groupBodies(l *opLog) []string {
	var out []string
	in := false
	for _, line := range strings.Split(l.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "group: "):
			out, in = append(out, ""), true
		case line == "endgroup":
			in = false
		case in && !strings.HasPrefix(line, "debug: "):
			out[len(out)-1] += line + "\n"
		}
	}
	return out
}

// logCalls returns the queries of the log requests the simulator saw, and
// fails the test on any it refused.
func logCalls(t *testing.T, s *sim.Server) []url.Values {
	t.Helper()
	var out []url.Values
	for _, c := range s.Calls() {
		if strings.HasSuffix(c.Path, "/logs") {
			assert.Equal(t, http.StatusOK, c.Status, "log request %s?%s answered %s", c.Path, c.Query, c.Code)
			q, err := url.ParseQuery(c.Query)
			require.NoError(t, err)
			out = append(out, q)
		}
	}
	return out
}

func calledPath(s *sim.Server, match func(string) bool) bool {
	for _, c := range s.Calls() {
		if match(c.Path) {
			return true
		}
	}
	return false
}

func TestDeployShowsEachStepsLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		wrap      func(http.Handler) http.Handler
		byStepID  bool // the log is read step by step
		appDetail bool // the application detail was asked for the step ids
	}{
		{"step ids from the task detail", nil, true, false},
		{"step ids from the application detail", func(h http.Handler) http.Handler { return withoutSteps(h, isTaskDetail) }, true, true},
		{"no step ids anywhere: the whole log", func(h http.Handler) http.Handler {
			return withoutSteps(h, func(p string) bool { return isTaskDetail(p) || isAppDetail(p) })
		}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, res, log := deployOnSim(t, failingScenario, tt.wrap, run.DeployInput{ShowLogs: true})
			require.Equal(t, run.StatusFailed, res.Status, log.String())
			assert.NotContains(t, log.String(), "cannot be shown", "the log was read")

			// Each step's lines under its own group.
			bodies := groupBodies(log)
			require.Len(t, bodies, 3, log.String())
			for i, name := range []string{"Download package", "Stop service", "Deploy"} {
				if !tt.byStepID {
					// What was written since the last read: a step's
					// lines show by the time its group does, in it or
					// in one before when several steps ended at once.
					assert.Contains(t, strings.Join(bodies[:i+1], ""), "] ["+name+"] ", "step %d's log shown by its group", i+1)
					continue
				}
				assert.Contains(t, bodies[i], "] ["+name+"] ", "group %d shows its step's log", i+1)
				for _, other := range []string{"Download package", "Stop service", "Deploy"} {
					if other != name {
						assert.NotContains(t, bodies[i], "] ["+other+"] ", "group %d shows only its step's log", i+1)
					}
				}
			}
			if tt.byStepID {
				assert.Contains(t, bodies[2], "Deploy failed: disk full")
			}
			assert.Equal(t, 1, strings.Count(log.String(), `step 1/4 "Download package" started`), "each line once")

			// The failing step's last lines in the annotation.
			require.NotNil(t, res.Failure)
			require.NotNil(t, res.Failure.Record)
			tail := strings.Join(res.Failure.Record.LogTail, "\n")
			assert.Contains(t, tail, "Deploy failed: disk full")
			assert.Contains(t, tail, `ERROR: step "Deploy" failed`)

			// What was asked: both offsets always; step ids, never positions.
			calls := logCalls(t, s)
			require.NotEmpty(t, calls)
			for _, q := range calls {
				assert.Regexp(t, `^\d{1,19}$`, q.Get("offset"))
				assert.Regexp(t, `^\d{1,19}$`, q.Get("end_offset"))
				if tt.byStepID {
					assert.Regexp(t, `^[0-9a-f]{32}$`, q.Get("step_id"))
				} else {
					assert.False(t, q.Has("step_id"), "no step id rather than a position")
				}
			}
			assert.Equal(t, tt.appDetail, calledPath(s, isAppDetail))
		})
	}
}

func TestDeployLogFallsBackToWholeLogWhenStepIDsAreRefused(t *testing.T) {
	t.Parallel()
	// A detail whose step ids the log API does not know.
	wrap := func(h http.Handler) http.Handler {
		return huaweitest.EditBody(h, isTaskDetail, func(_ int, body []byte) []byte {
			body = bytes.ReplaceAll(body, []byte(`"id":"`), []byte(`"id":"f`))
			return bytes.ReplaceAll(body, []byte(`"id":"f`+logsTask), []byte(`"id":"`+logsTask))
		})
	}
	s, res, log := deployOnSim(t, failingScenario, wrap, run.DeployInput{ShowLogs: true})
	require.Equal(t, run.StatusFailed, res.Status, log.String())
	assert.NotContains(t, log.String(), "cannot be shown")
	assert.Contains(t, groupBodies(log)[0], "] [Download package] ")
	require.NotNil(t, res.Failure.Record)
	assert.Contains(t, strings.Join(res.Failure.Record.LogTail, "\n"), "Deploy failed: disk full")
	refused := 0
	for _, c := range s.Calls() {
		if strings.HasSuffix(c.Path, "/logs") && c.Status != http.StatusOK {
			refused++
		}
	}
	assert.Equal(t, 1, refused, "one refusal, then the whole log")
}

func TestDeployLogOff(t *testing.T) {
	t.Parallel()
	s, res, _ := deployOnSim(t, failingScenario, nil, run.DeployInput{ShowLogs: false})
	require.Equal(t, run.StatusFailed, res.Status)
	assert.Empty(t, logCalls(t, s))
	assert.False(t, calledPath(s, isTaskDetail))
}

func TestDeployUnfamiliarStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		task       string // the scenario's task entry, after task_id
		want       run.Status
		wantInFail *run.RecordVerdict
		wantWarn   string
	}{
		{"stopped after the last step", "final_status: stopped", run.StatusFailed, &run.RecordVerdict{Status: "stopped", Step: "Start service", Unknown: true}, "for a record that has ended; treating it as a failure"},
		{"canceled in a failing step", "fail_at_step: 2, final_status: canceled", run.StatusFailed, &run.RecordVerdict{Status: "canceled", Step: "Stop service", Unknown: true}, "treating it as a failure"},
		{"unfamiliar while running, then succeeded", "running_status: queued_by_scheduler", run.StatusSucceeded, nil, "treating the deployment as still running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A short timeout: a record that has ended must not be
			// waited on until it passes.
			s, res, log := deployOnSim(t, "tasks:\n  - {task_id: "+logsTask+", "+tt.task+"}\n", nil, run.DeployInput{Timeout: 5 * time.Second})
			require.Equal(t, tt.want, res.Status, "%+v\n%s", res.Failure, log.String())
			assert.Contains(t, log.String(), tt.wantWarn)
			if tt.wantInFail == nil {
				assert.Nil(t, res.Failure)
				return
			}
			require.NotNil(t, res.Failure)
			assert.Equal(t, run.FailedDeployment, res.Failure.What)
			assert.Equal(t, tt.wantInFail, res.Failure.Record)

			// Within one poll: a single state read after the record ended.
			recs := s.Records(logsTask)
			require.Len(t, recs, 1)
			ended := recs[0].StoppedAt
			require.False(t, ended.IsZero())
			after := 0
			for _, c := range s.Calls() {
				if strings.HasSuffix(c.Path, "/state") && !c.At.Before(ended) {
					after++
				}
			}
			assert.Equal(t, 1, after, "state reads after the record ended")
			assert.Empty(t, s.Running())
		})
	}
}
