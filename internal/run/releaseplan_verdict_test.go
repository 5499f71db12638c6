package run

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// The verdict rules, case by case, including the odd answers a hostile
// server gives: statuses in mixed case or padded, statuses the API notes do
// not list, no components at all.

// vComps builds deploy-info components from "name:seq:STATUS" or
// "name:seq:STATUS:ROLLBACK_JOB_STATUS"; the ID is the name. A deliberate
// pair with comps in releaseplan_test.go, which is in package run_test
// and cannot be shared with these tests of unexported rules.
func vComps(spec ...string) []servicestage.Component {
	out := make([]servicestage.Component, len(spec))
	for i, s := range spec {
		parts := strings.Split(s, ":")
		seq, _ := strconv.Atoi(parts[1])
		out[i] = servicestage.Component{ID: parts[0], Name: parts[0], Seq: servicestage.Seq(seq), Status: parts[2]}
		if len(parts) > 3 {
			out[i].RollbackJobStatus = parts[3]
		}
	}
	return out
}

// vResult converts like the flow does, for the rules on its Components.
func vResult(spec ...string) []Component { return planComponents(vComps(spec...)) }

func TestPlanSettled(t *testing.T) {
	t.Parallel()
	rollingBack := vComps("a:1:FAILED")
	rollingBack[0].RollbackJobStatus = "RUNNING"
	tests := []struct {
		name  string
		comps []servicestage.Component
		want  verdict
	}{
		{"no components yet", nil, verdictRunning},
		{"all succeeded", vComps("a:1:SUCCESS", "b:2:SUCCESS"), verdictDone},
		{"all final, mixed", vComps("a:1:SUCCESS", "b:2:FAILED", "c:2:ABORTED"), verdictDone},
		{"rolled back", vComps("a:1:ROLLBACK_SUCCEED", "b:1:ROLLBACK_FAILED"), verdictDone},
		{"partially failed", vComps("a:1:PARTIALLY_FAILED"), verdictDone},
		{"a batch runs", vComps("a:1:SUCCESS", "b:2:RUNNING", "c:3:CREATED"), verdictRunning},
		{"never executed", vComps("a:1:CREATED", "b:2:CREATED"), verdictRunning},
		{"between two batches", vComps("a:1:SUCCESS", "b:2:CREATED"), verdictRunning},
		{"failed, later batches not started", vComps("a:1:FAILED", "b:2:CREATED"), verdictAskPlan},
		{"aborted, later batches not started", vComps("a:1:ABORTED", "b:2:CREATED"), verdictAskPlan},
		{"failed but another runs", vComps("a:1:FAILED", "b:1:RUNNING", "c:2:CREATED"), verdictRunning},
		{"rollback running", rollingBack, verdictRunning},
		{"unknown status is waited on", vComps("a:1:SUCCESS", "b:1:QUEUED"), verdictRunning},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, planSettled(tt.comps), tt.name)
	}
}

func TestBatchOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		comps []Component
		want  BatchOutcome
	}{
		{vResult("a:1:SUCCESS", "b:1:SUCCESS"), BatchSucceeded},
		{vResult("a:1:SUCCESS", "b:1:FAILED"), BatchFailed},
		{vResult("a:1:ABORTED", "b:1:SUCCESS"), BatchAborted},
		{vResult("a:1:ABORTED", "b:1:FAILED"), BatchFailed},
		{vResult("a:1:CREATED"), BatchNotRun},
		{vResult("a:1:ROLLBACK_SUCCEED"), BatchFailed},
		{vResult("a:1:SUCCESS", "b:1:RUNNING"), BatchUnfinished},
		{vResult("a:1:SUCCESS", "b:1:CREATED"), BatchUnfinished},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, batchOutcome(tt.comps), "%+v", tt.comps)
	}
}

func TestPlanSettledOddAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		comps []servicestage.Component
		want  verdict
	}{
		{"empty list", []servicestage.Component{}, verdictRunning},
		{"lower case success", vComps("a:1:success", "b:2:Success"), verdictDone},
		{"padded status", vComps("a:1: SUCCESS "), verdictDone},
		{"lower case running", vComps("a:1:SUCCESS", "b:2:running"), verdictRunning},
		{"unknown status alone", vComps("a:1:QUEUED"), verdictRunning},
		{"empty status", vComps("a:1:"), verdictRunning},
		{"unknown ROLLBACK_ status", vComps("a:1:ROLLBACK_RUNNING"), verdictRunning},
		{"unknown status beside a failure", vComps("a:1:FAILED", "b:2:WAITING", "c:3:CREATED"), verdictRunning},
		{"lower case failed, rest created", vComps("a:1:failed", "b:2:created"), verdictAskPlan},
		{"partially failed, rest created", vComps("a:1:PARTIALLY_FAILED", "b:2:CREATED"), verdictAskPlan},
		{"rollback job created", vComps("a:1:FAILED:CREATED"), verdictRunning},
		{"rollback job running, lower case", vComps("a:1:SUCCESS:running"), verdictRunning},
		{"rollback job ended", vComps("a:1:ROLLBACK_SUCCEED:SUCCEEDED"), verdictDone},
		{"rollback job unknown", vComps("a:1:FAILED:PENDING"), verdictDone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, planSettled(tt.comps))
		})
	}
}

func TestComponentSets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                             string
		comps                            []servicestage.Component
		allPending, anyRunning, nothingR bool
	}{
		{"none", nil, false, false, true},
		{"all created", vComps("a:1:CREATED", "b:2:created"), true, false, true},
		{"one runs", vComps("a:1:SUCCESS", "b:2:Running"), false, true, false},
		{"unknown status", vComps("a:1:SUCCESS", "b:2:QUEUED"), false, false, false},
		{"rolling back", vComps("a:1:FAILED:RUNNING"), false, false, false},
		{"all ended", vComps("a:1:SUCCESS", "b:2:ABORTED", "c:3:CREATED"), false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.allPending, allPending(tt.comps), "allPending")
			assert.Equal(t, tt.anyRunning, anyRunning(tt.comps), "anyRunning")
			assert.Equal(t, tt.nothingR, nothingRunning(tt.comps), "nothingRunning")
		})
	}
}

func TestRollingBack(t *testing.T) {
	t.Parallel()
	for job, want := range map[string]bool{
		"": false, "CREATED": true, "RUNNING": true, " running ": true, "Created": true,
		"SUCCEEDED": false, "FAILED": false, "PENDING": false,
	} {
		got := rollingBack(servicestage.Component{Status: "FAILED", RollbackJobStatus: job})
		assert.Equal(t, want, got, "rollback job status %q", job)
	}
}

func TestComponentKey(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "id-1", componentKey(servicestage.Component{ID: "id-1", Name: "web"}))
	assert.Equal(t, "name:web", componentKey(servicestage.Component{Name: "web"}))
	// A component named like another's ID is not taken for it.
	assert.NotEqual(t, componentKey(servicestage.Component{ID: "web"}), componentKey(servicestage.Component{Name: "web"}))
}

func TestStartedSince(t *testing.T) {
	t.Parallel()
	at := func(c []servicestage.Component, start ...servicestage.EpochMillis) *servicestage.DeployInfo {
		for i := range c {
			c[i].StartTime = start[i]
		}
		return &servicestage.DeployInfo{Components: c}
	}
	tests := []struct {
		name         string
		before, info *servicestage.DeployInfo
		want         bool
	}{
		{"no baseline, nothing runs", nil, at(vComps("a:1:SUCCESS"), 5), false},
		{"no baseline, one runs", nil, at(vComps("a:1:RUNNING"), 0), true},
		{"same answer again", at(vComps("a:1:SUCCESS"), 5), at(vComps("a:1:SUCCESS"), 5), false},
		{"a later start", at(vComps("a:1:SUCCESS"), 5), at(vComps("a:1:SUCCESS"), 6), true},
		{"an earlier start is not ours", at(vComps("a:1:SUCCESS"), 5), at(vComps("a:1:FAILED"), 4), false},
		{"a new component that started", at(vComps("a:1:SUCCESS"), 5), at(vComps("a:1:SUCCESS", "b:2:FAILED"), 5, 1), true},
		{"a new component not started", at(vComps("a:1:SUCCESS"), 5), at(vComps("a:1:SUCCESS", "b:2:CREATED"), 5, 0), false},
		{"empty answer", at(vComps("a:1:SUCCESS"), 5), &servicestage.DeployInfo{}, false},
		{"lower case running", at(vComps("a:1:SUCCESS"), 5), at(vComps("a:1:running"), 5), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, startedSince(tt.before, tt.info))
		})
	}
}

func TestPlanBusy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"400", &huawei.APIError{HTTPStatus: 400, Code: "SVCSTG.00100400"}, true},
		{"400 wrapped", fmt.Errorf("executing: %w", &huawei.APIError{HTTPStatus: 400}), true},
		{"404", &huawei.APIError{HTTPStatus: 404}, false},
		{"409", &huawei.APIError{HTTPStatus: 409}, false},
		{"not an API error", errors.New("400 bad request"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, planBusy(tt.err), tt.name)
	}
}

func TestPlanRulesOnThePlan(t *testing.T) {
	t.Parallel()
	plan := func(status string, executed servicestage.EpochMillis) *servicestage.Plan {
		return &servicestage.Plan{Status: status, ExecuteTime: executed}
	}
	t.Run("alreadyRunning", func(t *testing.T) {
		t.Parallel()
		idle := &servicestage.DeployInfo{Components: vComps("a:1:SUCCESS")}
		busy := &servicestage.DeployInfo{Components: vComps("a:1:SUCCESS", "b:2:RUNNING")}
		assert.False(t, alreadyRunning(plan("SUCCESS", 1), idle))
		assert.True(t, alreadyRunning(plan("running", 1), idle))
		assert.True(t, alreadyRunning(plan("SUCCESS", 1), busy))
		assert.False(t, alreadyRunning(plan("QUEUED", 1), &servicestage.DeployInfo{}))
	})
	t.Run("planExecutedSince", func(t *testing.T) {
		t.Parallel()
		before := plan("SUCCESS", 100)
		assert.False(t, planExecutedSince(before, plan("SUCCESS", 100)))
		assert.False(t, planExecutedSince(before, plan("FAILED", 99)))
		assert.True(t, planExecutedSince(before, plan("FAILED", 101)))
		assert.True(t, planExecutedSince(before, plan("Running", 100)))
	})
	t.Run("planIdle", func(t *testing.T) {
		t.Parallel()
		for status, want := range map[string]bool{
			"CREATED": true, "created": true, "SUCCESS": true, "FAILED": true, "ABORTED": true,
			"ROLLBACK_SUCCEED": true, "RUNNING": false, "": false, "QUEUED": false,
		} {
			assert.Equal(t, want, planIdle(status), "plan status %q", status)
		}
	})
}

func TestEndedUnstarted(t *testing.T) {
	t.Parallel()
	created := vComps("a:1:CREATED", "b:2:CREATED")
	tests := []struct {
		name      string
		initial   *servicestage.Plan
		executing bool
		comps     []servicestage.Component
		want      bool
	}{
		{"found ended, nothing started", &servicestage.Plan{Status: "FAILED"}, false, created, true},
		{"found ended, lower case", &servicestage.Plan{Status: "aborted"}, false, created, true},
		{"we executed it", &servicestage.Plan{Status: "FAILED"}, true, created, false},
		{"found never run", &servicestage.Plan{Status: "CREATED"}, false, created, false},
		{"found in an unknown status", &servicestage.Plan{Status: "PAUSED"}, false, created, false},
		{"plan not read", nil, false, created, false},
		{"no components", &servicestage.Plan{Status: "FAILED"}, false, nil, false},
		{"one started", &servicestage.Plan{Status: "FAILED"}, false, vComps("a:1:FAILED", "b:2:CREATED"), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, endedUnstarted(tt.initial, tt.executing, tt.comps), tt.name)
	}
}

func TestPlanSucceeded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		comps []Component
		want  bool
	}{
		{"no components", nil, false},
		{"all succeeded", vResult("a:1:SUCCESS", "b:2:SUCCESS"), true},
		{"mixed case", vResult("a:1:success", "b:2:Success"), true},
		{"one failed", vResult("a:1:SUCCESS", "b:2:FAILED"), false},
		{"one not run", vResult("a:1:SUCCESS", "b:2:CREATED"), false},
		{"one unknown", vResult("a:1:SUCCESS", "b:2:DONE"), false},
		{"rolled back", vResult("a:1:ROLLBACK_SUCCEED"), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, planSucceeded(tt.comps), tt.name)
	}
}

func TestIdleFacts(t *testing.T) {
	t.Parallel()
	created := &servicestage.DeployInfo{Components: vComps("a:1:CREATED")}
	tests := []struct {
		name    string
		last    *servicestage.DeployInfo
		execute bool
		want    NothingRunning
	}{
		{"no answer yet", nil, true, NothingRunning{}},
		{"no components", &servicestage.DeployInfo{}, false, NothingRunning{}},
		{"ended", &servicestage.DeployInfo{Components: vComps("a:1:SUCCESS")}, false, NothingRunning{}},
		{"never started, executed", created, true, NothingRunning{NoneStarted: true}},
		{"never started, watched", created, false, NothingRunning{NoneStarted: true, NotExecuted: true}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, idleFacts(tt.last, tt.execute), tt.name)
	}
}

func TestAbortStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		out  stopOutcome
		want Status
	}{
		{"accepted", stopOutcome{stopped: true}, StatusStopped},
		{"refused: no longer running", stopOutcome{err: fmt.Errorf("the abort was refused: %w", &huawei.APIError{HTTPStatus: 400})}, StatusSucceeded},
		{"forbidden", stopOutcome{err: &huawei.APIError{HTTPStatus: 403}}, StatusFailed},
		{"network", stopOutcome{err: errors.New("connection reset")}, StatusFailed},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, abortStatus(tt.out), tt.name)
	}
}

func TestBatchState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		comps             []Component
		complete, running bool
	}{
		{"empty", nil, true, false},
		{"all ended", vResult("a:1:SUCCESS", "b:1:aborted"), true, false},
		{"one runs", vResult("a:1:SUCCESS", "b:1:RUNNING"), false, true},
		{"not started", vResult("a:1:CREATED"), false, false},
		{"unknown", vResult("a:1:SUCCESS", "b:1:QUEUED"), false, false},
	}
	for _, tt := range tests {
		complete, running := batchState(tt.comps)
		assert.Equal(t, tt.complete, complete, "%s: complete", tt.name)
		assert.Equal(t, tt.running, running, "%s: running", tt.name)
	}
}

func TestDeployedComponents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		comps []servicestage.Component
		want  []string
	}{
		{"none", nil, nil},
		{"deployed ones", vComps("a:1:SUCCESS", "b:1:FAILED", "c:2:PARTIALLY_FAILED", "d:3:CREATED", "e:3:ABORTED"), []string{"a", "b", "c"}},
		{"lower case", vComps("a:1:success", "b:1:Failed"), []string{"a", "b"}},
		{"padded", vComps("a:1: SUCCESS ", "b:1:FAILED\t"), []string{"a", "b"}},
		{"already rolled back or unknown", vComps("a:1:ROLLBACK_SUCCEED", "b:1:QUEUED", "c:1:RUNNING"), nil},
		{"keyed by name without an ID", []servicestage.Component{{Name: "web", Status: "SUCCESS"}}, []string{"name:web"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, deployedComponents(tt.comps), tt.name)
	}
}

func TestRollbackStarted(t *testing.T) {
	t.Parallel()
	decided := &servicestage.DeployInfo{Components: vComps("a:1:SUCCESS", "b:1:FAILED", "c:2:CREATED")}
	deployed := []string{"a", "b"}
	info := func(c []servicestage.Component) *servicestage.DeployInfo {
		return &servicestage.DeployInfo{Components: c}
	}
	started := vComps("a:1:SUCCESS", "b:1:FAILED", "c:2:CREATED")
	started[0].RollbackStartTime = 10
	tests := []struct {
		name string
		info *servicestage.DeployInfo
		want bool
	}{
		{"nothing moved", info(vComps("a:1:SUCCESS", "b:1:FAILED", "c:2:CREATED")), false},
		{"a rollback start time", info(started), true},
		{"a rollback job appears", info(vComps("a:1:SUCCESS", "b:1:FAILED:CREATED", "c:2:CREATED")), true},
		{"rolled back already", info(vComps("a:1:ROLLBACK_SUCCEED", "b:1:FAILED")), true},
		{"rollback failed, lower case", info(vComps("a:1:SUCCESS", "b:1:rollback_failed")), true},
		{"only a component not deployed moved", info(vComps("a:1:SUCCESS", "b:1:FAILED", "c:2:CREATED:RUNNING")), false},
		{"empty answer", info(nil), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, rollbackStarted(decided, tt.info, deployed), tt.name)
	}
}

func TestRollbackDone(t *testing.T) {
	t.Parallel()
	deployed := []string{"a", "b"}
	tests := []struct {
		name  string
		comps []servicestage.Component
		want  bool
	}{
		{"no answer about them", vComps("c:2:CREATED"), false},
		{"empty answer", nil, false},
		{"both rolled back", vComps("a:1:ROLLBACK_SUCCEED", "b:1:ROLLBACK_FAILED", "c:2:CREATED"), true},
		{"mixed case", vComps("a:1:rollback_succeed", "b:1:Rollback_Failed"), true},
		{"jobs final, status unchanged", vComps("a:1:SUCCESS:SUCCEEDED", "b:1:FAILED:failed"), true},
		{"one job still runs", vComps("a:1:ROLLBACK_SUCCEED", "b:1:FAILED:RUNNING"), false},
		{"one not started", vComps("a:1:ROLLBACK_SUCCEED", "b:1:FAILED"), false},
		{"one redeploying", vComps("a:1:ROLLBACK_SUCCEED", "b:1:RUNNING:SUCCEEDED"), false},
		{"unknown job status", vComps("a:1:SUCCESS:PENDING", "b:1:ROLLBACK_SUCCEED"), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, rollbackDone(tt.comps, deployed), tt.name)
	}
}

func TestRolledBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status, job   string
		ended, rolled bool
	}{
		{"ROLLBACK_SUCCEED", "", true, true},
		{"rollback_succeed", "FAILED", true, true},
		{"ROLLBACK_FAILED", "SUCCEEDED", true, false},
		{"SUCCESS", "SUCCEEDED", false, true},
		{"SUCCESS", "succeeded", false, true},
		{"FAILED", "FAILED", false, false},
		{"FAILED", "", false, false},
		{"ROLLBACK_RUNNING", "RUNNING", false, false},
		{" ROLLBACK_SUCCEED ", "", true, true},
		{" SUCCESS", " SUCCEEDED ", false, true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.ended, rollbackEnded(tt.status), "rollbackEnded(%q)", tt.status)
		assert.Equal(t, tt.rolled, rolledBack(tt.status, tt.job), "rolledBack(%q, %q)", tt.status, tt.job)
	}
}

func TestRollbackFailures(t *testing.T) {
	t.Parallel()
	comps := vResult("a:1:ROLLBACK_SUCCEED", "b:1:ROLLBACK_FAILED", "c:2:CREATED", "d:1:FAILED:SUCCEEDED", "e:1:SUCCESS:RUNNING")
	comps[1].RollbackFailMessage = "old image gone"
	mine, failed := rollbackFailures(comps, []string{"a", "b", "d", "e"})
	var names []string
	for _, c := range mine {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"a", "b", "d", "e"}, names)
	names = nil
	for _, c := range failed {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"b", "e"}, names)

	mine, failed = rollbackFailures(comps, nil)
	assert.Empty(t, mine)
	assert.Empty(t, failed)
}

func TestUnfinishedRollbackStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cancelled bool
		cause     error
		want      Status
	}{
		{"own timeout", false, errPlanTimedOut, StatusTimedOut},
		{"workflow cancelled", true, context.Canceled, StatusFailed},
		{"cancelled as the timeout passed", true, errPlanTimedOut, StatusFailed},
		{"read failed", false, nil, StatusFailed},
		{"another deadline", false, context.DeadlineExceeded, StatusFailed},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, unfinishedRollbackStatus(tt.cancelled, tt.cause), tt.name)
	}
}

// TestPlanLine: the log's line on the plan as the flow found it.
func TestPlanLine(t *testing.T) {
	t.Parallel()
	two := make([]servicestage.PlanMember, 2)
	tests := []struct {
		name string
		plan servicestage.Plan
		want string
	}{
		{"named, with a strategy", servicestage.Plan{Name: "web", Status: "CREATED", FailStrategy: "stop", Components: two},
			"Release plan p-1 (web): status CREATED, 2 components, fail strategy stop."},
		{"bare", servicestage.Plan{Status: "SUCCESS", Components: two[:1]}, "Release plan p-1: status SUCCESS, 1 component."},
		{"cut", servicestage.Plan{Status: "RUNNING", Components: two, ComponentsCut: true}, "Release plan p-1: status RUNNING, more than 2 components."},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, planLine("p-1", &tt.plan), tt.name)
	}
}
