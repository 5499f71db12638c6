package run_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/sim"
)

const rollbackTask = "0123456789abcdef0123456789abcdef"

func codeartsClient(t *testing.T, url string) *codearts.Client {
	t.Helper()
	c, err := codearts.New(url, huawei.Credentials{AccessKeyID: opsAK, SecretAccessKey: opsSK}, opsOptions()...)
	require.NoError(t, err)
	return c
}

// deployWithRollback runs a deployment of rollbackTask that fails (the
// scenario must make it fail) with rollback_on_failure, and returns its
// result and log.
func deployWithRollback(t *testing.T, url string, showLogs bool) (*run.Result, *opLog) {
	t.Helper()
	log := &opLog{}
	res := run.Deploy(context.Background(), codeartsClient(t, url), run.DeployInput{
		TaskID: rollbackTask, Wait: true, IfRunning: run.IfRunningWait,
		RollbackOnFailure: true, ShowLogs: showLogs,
		Timeout: 30 * time.Second, PollInterval: 100 * time.Millisecond, FirstPoll: 20 * time.Millisecond,
	}, log, run.DeployHooks{})
	require.Equal(t, run.StatusFailed, res.Status, "%s", log)
	require.NotNil(t, res.Failure)
	return res, log
}

// historyCalls returns the query of every history call, in order.
func historyCalls(t *testing.T, srv *sim.Server) []url.Values {
	t.Helper()
	var out []url.Values
	for _, c := range srv.Calls() {
		if strings.HasSuffix(c.Path, "/history") {
			q, err := url.ParseQuery(c.Query)
			require.NoError(t, err)
			out = append(out, q)
		}
	}
	return out
}

// seedFailures adds n failed records, spread evenly between from and to
// ago (from > to).
func seedFailures(srv *sim.Server, n int, from, to time.Duration) {
	step := (from - to) / time.Duration(n)
	for i := range n {
		srv.SeedRecord(rollbackTask, "failed", from-time.Duration(i)*step)
	}
}

// seedSuccessAfter120Failures seeds a success 10 days ago, 120 failures,
// the success expected as the target 2 days ago, and 5 failures since; it
// returns the target's id. Which page the target is on depends on the
// history's order.
func seedSuccessAfter120Failures(srv *sim.Server) string {
	const day = 24 * time.Hour
	srv.SeedRecord(rollbackTask, "succeeded", 10*day)
	seedFailures(srv, 120, 9*day, 3*day)
	good := srv.SeedRecord(rollbackTask, "succeeded", 2*day)
	seedFailures(srv, 5, day, time.Hour)
	return good
}

// seedSuccessThenFailure seeds a success 2 days ago and a failure an hour
// ago; it returns the success's id, the target.
func seedSuccessThenFailure(srv *sim.Server) string {
	good := srv.SeedRecord(rollbackTask, "succeeded", 2*24*time.Hour)
	srv.SeedRecord(rollbackTask, "failed", time.Hour)
	return good
}

// noTarget seeds as seed does but expects no target: the cases whose
// history cannot be read.
func noTarget(seed func(*sim.Server) string) func(*sim.Server) string {
	return func(srv *sim.Server) string {
		seed(srv)
		return ""
	}
}

func pages(calls []url.Values) []int {
	var out []int
	for _, q := range calls {
		n, _ := strconv.Atoi(q.Get("page"))
		out = append(out, n)
	}
	return out
}

// failAtDeploy makes rollbackTask's deployments fail; a test appends
// fields of the task or top-level faults.
const failAtDeploy = `
tasks:
  - task_id: ` + rollbackTask + `
    steps: [Fetch, Deploy, Verify]
    fail_at_step: 2
`

func TestRollbackTarget(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	tests := []struct {
		name      string
		scenario  string
		seed      func(srv *sim.Server) string // returns the expected target, "" for none
		wantPages []int
		wantLog   string
	}{
		{
			name: "latest failed, success on page 3",
			seed: func(srv *sim.Server) string {
				good := srv.SeedRecord(rollbackTask, "succeeded", 10*day)
				seedFailures(srv, 250, 9*day, time.Hour)
				return good
			},
			wantPages: []int{1, 2, 3},
			wantLog:   "the most recent that succeeded before this run",
		},
		{
			name:      "oldest first: the newest success is on the last page",
			scenario:  "    history_oldest_first: true\n",
			seed:      seedSuccessAfter120Failures,
			wantPages: []int{1, 2},
		},
		{
			name:      "newest first: the same history, one page",
			seed:      seedSuccessAfter120Failures,
			wantPages: []int{1},
		},
		{
			name: "no success in 30 days",
			seed: func(srv *sim.Server) string {
				srv.SeedRecord(rollbackTask, "succeeded", 35*day)
				srv.SeedRecord(rollbackTask, "failed", time.Hour)
				return ""
			},
			wantPages: []int{1},
			wantLog:   "warning: rollback_on_failure: no record of task " + rollbackTask + " succeeded in the 30 days before this run",
		},
		{
			name:      "no earlier record",
			seed:      func(*sim.Server) string { return "" },
			wantPages: []int{1},
			wantLog:   "no earlier record that the action could find",
		},
		{
			name: "the page bound stops the search",
			seed: func(srv *sim.Server) string {
				srv.SeedRecord(rollbackTask, "succeeded", 20*day)
				seedFailures(srv, 1050, 19*day, time.Hour)
				return ""
			},
			wantPages: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			wantLog:   "the newest 10 pages only",
		},
		{
			name:      "history answers 5xx after retries",
			scenario:  "faults:\n  - {op: history, kind: error, status: 503}\n",
			seed:      noTarget(seedSuccessThenFailure),
			wantPages: []int{1, 1, 1, 1, 1}, // opsRetries.MaxTries
			wantLog:   "warning: rollback_on_failure: the task's deployment history could not be read",
		},
		{
			name:      "history answers 503 twice, then the page",
			scenario:  "faults:\n  - {op: history, kind: error, status: 503, times: 2}\n",
			seed:      seedSuccessThenFailure,
			wantPages: []int{1, 1, 1},
		},
		{
			name:     "task detail unreadable",
			scenario: "faults:\n  - {op: detail, kind: error, status: 503}\n",
			seed:     noTarget(seedSuccessThenFailure),
			wantLog:  "warning: rollback_on_failure: the task's deployment history could not be read (reading the task's detail",
		},
		{
			name: "latest succeeded: no history needed",
			seed: func(srv *sim.Server) string {
				srv.SeedRecord(rollbackTask, "failed", 2*day)
				return srv.SeedRecord(rollbackTask, "succeeded", time.Hour)
			},
			wantLog: "the latest, which succeeded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := opsSim(t, failAtDeploy+tt.scenario)
			want := tt.seed(srv)
			res, log := deployWithRollback(t, url, false)

			recs := srv.Records(rollbackTask)
			last := recs[len(recs)-1]
			if want == "" {
				assert.Equal(t, 1, srv.StartCount(rollbackTask), "nothing rolled back:\n%s", log)
				assert.Empty(t, res.Deploy.RollbackRecordID)
				require.NotEmpty(t, res.Failure.Actions)
				_, ok := res.Failure.Actions[len(res.Failure.Actions)-1].(run.NotRolledBack)
				assert.True(t, ok, "%#v", res.Failure.Actions)
			} else {
				assert.Equal(t, want, last.FromRecordID, "%s", log)
				assert.Equal(t, last.ID, res.Deploy.RollbackRecordID)
				assert.Equal(t, run.StatusSucceeded, res.Deploy.RollbackStatus)
				assert.Contains(t, log.String(), "Rollback target: record "+want)
			}
			if tt.wantLog != "" {
				assert.Contains(t, log.String(), tt.wantLog)
			}
			calls := historyCalls(t, srv)
			assert.Equal(t, tt.wantPages, pages(calls))
			for _, q := range calls {
				assert.Equal(t, "100", q.Get("size"))
				from, err1 := time.Parse(codearts.HistoryDateLayout, q.Get("start_date"))
				to, err2 := time.Parse(codearts.HistoryDateLayout, q.Get("end_date"))
				require.NoError(t, err1)
				require.NoError(t, err2)
				assert.Equal(t, 30*day, to.Sub(from), "one span of the API, at its limit")
			}
			for _, c := range srv.Calls() {
				// Status 0: the server logs a call as complete just after
				// the answer is written, so the last one may still be open.
				if strings.HasSuffix(c.Path, "/history") && c.Fault == "" && c.Status != 0 {
					assert.Equal(t, 200, c.Status, "the simulator accepted %s?%s", c.Path, c.Query)
					assert.Equal(t, "/v2/"+sim.CodeArtsProjectID(rollbackTask)+"/task/"+rollbackTask+"/history", c.Path)
				}
			}
		})
	}
}
