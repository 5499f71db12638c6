package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/health"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/wait"
)

// CodeArts is the part of the CodeArts Deploy client the deploy flow uses.
type CodeArts interface {
	Start(ctx context.Context, taskID string, req codearts.StartRequest) (*codearts.Started, error)
	State(ctx context.Context, taskID, recordID string) (*codearts.State, error)
	Stop(ctx context.Context, taskID, recordID string) ([]byte, error)
	Detail(ctx context.Context, taskID string) (*codearts.TaskDetail, error)
	AppDetail(ctx context.Context, appID string) (*codearts.AppDetail, error)
	StreamLog(ctx context.Context, appID, recordID, stepID string, offset int64, maxPages int, each func(text string) bool) (next int64, pages int, ended bool, err error)
	History(ctx context.Context, projectID, taskID string, q codearts.HistoryQuery) (*codearts.HistoryPage, error)
}

// Conflict policies (the if_running input).
const (
	IfRunningWait = "wait"
	IfRunningFail = "fail"
	IfRunningStop = "stop"
)

// DeployInput is what the deploy operation needs.
type DeployInput struct {
	TaskID            string
	Params            []codearts.Param
	RecordID          string // redeploy an earlier record's parameters
	TriggerSource     string
	Wait              bool
	IfRunning         string
	StopOnCancel      bool
	StopOnTimeout     bool
	RollbackOnFailure bool
	ShowLogs          bool // print each step's own log under its group
	Timeout           time.Duration
	PollInterval      time.Duration
	// FirstPoll is the first gap between state checks (default wait.DefaultFirst).
	FirstPoll time.Duration
	// StopGrace bounds the stop call after a cancel, so the action exits
	// before the runner's escalation to SIGTERM 7.5 s after SIGINT.
	StopGrace time.Duration
	// LookFor is how long to look for the record of a start whose outcome
	// is unknown before starting again (default 10 s: the service can take
	// seconds to list a new record).
	LookFor time.Duration
	// TailAfter is how long a step runs before its log is followed as it
	// is written (default DefaultTailAfter); Heartbeat how long the log
	// may stay silent while a step runs (default DefaultHeartbeat).
	TailAfter, Heartbeat time.Duration
	// Health is the health gate after a successful deployment; nil for
	// none. An unhealthy service fails the deployment (status unhealthy)
	// and is rolled back like a failed one.
	Health *health.Spec
}

// DeployHooks let the caller act while the flow runs.
type DeployHooks struct {
	// Starting is called before a start is sent, with the time of the
	// attempt and the task's latest record before it: if the step is
	// killed while the start's outcome is unknown, the post step can look
	// for a record started after that moment and stop it.
	Starting func(at time.Time, latestBefore string)
	// Started is called the moment a record exists, so its id reaches the
	// step's outputs and state even if the job is killed later.
	Started func(recordID, jobName string)
}

// errTimedOut is the cause of the flow's context when `timeout` passes.
var errTimedOut = errors.New("the deployment did not finish within the timeout")

// Deploy starts a deployment of in.TaskID, waits for it and reports how it
// ended. It never returns a nil Result.
func Deploy(ctx context.Context, api CodeArts, in DeployInput, log Logger, hooks DeployHooks) *Result {
	d := newDeployer(api, in, log, hooks, OpDeploy)
	d.run(ctx)
	return d.res
}

// newDeployer returns the flow that deploy and watch share.
func newDeployer(api CodeArts, in DeployInput, log Logger, hooks DeployHooks, op string) *deployer {
	if in.StopGrace <= 0 {
		in.StopGrace = 5 * time.Second
	}
	return &deployer{api: api, in: in, log: log, hooks: hooks, zone: time.UTC, res: &Result{Operation: op, Deploy: &DeployDetail{TaskID: in.TaskID}}}
}

type deployer struct {
	api   CodeArts
	in    DeployInput
	log   Logger
	hooks DeployHooks
	res   *Result
	zone  *time.Location // the region's zone, guessed from our own start

	localStart  time.Time
	announced   int // steps announced as started
	printed     int // steps whose group was printed
	unknownSeen map[string]bool
	stepsCut    bool // the answer listed more steps than are kept, and the log said so

	previous *codearts.Record // the task's latest final record before this run: a duration forecast
	maybe    bool             // a start's outcome stayed unknown and no record was found
	logs     stepLogs
	liveState

	// watching: the record is someone else's (watch), so its times do not
	// start at localStart; sawRunning: it ran when first seen, so its end
	// was seen as it came.
	watching, sawRunning bool
}

func (d *deployer) run(ctx context.Context) {
	tctx, cancel := context.WithTimeoutCause(ctx, d.in.Timeout, errTimedOut)
	defer cancel()
	d.localStart = time.Now()

	latest, ok := d.prepare(ctx, tctx)
	if !ok {
		return
	}
	if d.in.RollbackOnFailure {
		d.announceRollback(latest)
	}
	started, ok := d.startRecord(ctx, tctx, latest)
	if !ok {
		return
	}
	if !d.in.Wait {
		d.leaveRunning(started)
		return
	}
	final, ok := d.followToEnd(ctx, tctx, d.res.Deploy.RecordID)
	if ok && d.in.RollbackOnFailure {
		d.rollBackFailure(ctx, latest, final)
	}
}

// startRecord starts this run's record after latest (nil when the task
// had none). It reports false when the flow ended there.
func (d *deployer) startRecord(ctx, tctx context.Context, latest *codearts.Record) (*codearts.Started, bool) {
	before := ""
	if latest != nil {
		before = latest.RecordID
	}
	started, err := d.start(tctx, codearts.StartRequest{Params: d.in.Params, RecordID: d.in.RecordID, TriggerSource: d.in.TriggerSource}, before)
	if started != nil {
		d.begin(started)
		d.res.StartedAt = time.Now()
	}
	if err != nil {
		d.maybe = started == nil && mayHaveStarted(err)
		d.end(ctx, tctx, FailedStart, err)
		return nil, false
	}
	d.openLogs(d.res.Deploy.RecordID)
	return started, true
}

// openLogs prepares to show the record's own log, when show_logs asks.
func (d *deployer) openLogs(recordID string) {
	if d.in.ShowLogs {
		d.logs = stepLogs{api: d.api, taskID: d.in.TaskID, recordID: recordID, log: d.log}
	}
}

// followToEnd follows the record, showing its steps, to its verdict, then
// runs the health gate (deploy and watch). It reports false when the
// record could not be followed to its end.
func (d *deployer) followToEnd(ctx, tctx context.Context, recordID string) (*codearts.State, bool) {
	final, err := d.follow(tctx, recordID, true)
	if err != nil {
		d.end(ctx, tctx, FailedFollow, err)
		return nil, false
	}
	d.finish(final)
	d.gate(ctx)
	return final, true
}

// rollBackFailure rolls back our record, which ended as final, when it
// failed or proved unhealthy, and there is a record to roll back to.
func (d *deployer) rollBackFailure(ctx context.Context, latest *codearts.Record, final *codearts.State) {
	if d.res.Status != StatusFailed && d.res.Status != StatusUnhealthy {
		return
	}
	if target := d.rollbackTarget(ctx, latest, &final.Result); target != "" {
		d.rollback(ctx, target)
	}
}

// prepare reads the task's latest record (nil when there is none) and
// applies if_running to one that runs. It reports false when the flow
// ended there.
func (d *deployer) prepare(ctx, tctx context.Context) (*codearts.Record, bool) {
	latest, err := d.latest(tctx)
	if err != nil {
		d.end(ctx, tctx, FailedReadTask, err)
		return nil, false
	}
	if latest == nil {
		return nil, true
	}
	d.res.Deploy.TaskName = latest.TaskName
	if isFinal(latest) {
		d.previous = latest
	}
	if isRunning(latest) {
		if latest, err = d.resolveConflict(tctx, latest); err != nil {
			d.end(ctx, tctx, FailedTaskBusy, err)
			return nil, false
		}
		d.previous = latest
	}
	return latest, true
}

// leaveRunning ends a flow with wait false: the deployment goes on.
func (d *deployer) leaveRunning(started *codearts.Started) {
	d.res.Status = StatusRunning
	// The start's answer decided the status; started_at is when it came
	// (the record's own start_time would need a state read, and its zone
	// is not given).
	d.res.Remote = started.Raw
	d.res.Settled = true // left running on purpose
	d.log.Infof("wait is false: the deployment goes on; its record is %s.", d.res.Deploy.RecordID)
}

// begin records a new record and tells the caller at once.
func (d *deployer) begin(s *codearts.Started) {
	d.res.Deploy.RecordID, d.res.Deploy.JobName = s.ID, s.JobName
	d.log.Infof("Started deployment record %s%s.", s.ID, optional(" (job %s)", s.JobName))
	if d.hooks.Started != nil {
		d.hooks.Started(s.ID, s.JobName)
	}
}

// latest reads the task's latest record; nil when the task has none.
func (d *deployer) latest(ctx context.Context) (*codearts.Record, error) {
	st, err := d.api.State(ctx, d.in.TaskID, "")
	if err != nil {
		if apiErr, ok := huawei.AsAPIError(err); ok && apiErr.Code == codearts.CodeNotFound {
			return nil, nil
		}
		return nil, err
	}
	return &st.Result, nil
}

// isRunning reports a record that has not ended: running, or with a
// status the action does not know while the record runs.
func isRunning(r *codearts.Record) bool {
	p := r.Phase()
	return p == codearts.PhaseRunning || p == codearts.PhaseUnknown
}

// follow polls a record until it is final. With show set it prints the
// steps as they complete.
func (d *deployer) follow(ctx context.Context, recordID string, show bool) (*codearts.State, error) {
	var last *codearts.State
	policy := wait.Policy{First: d.in.FirstPoll, Max: d.in.PollInterval}
	if show {
		policy.Delay = d.firstDelay()
	}
	read := func(ctx context.Context) (*codearts.State, error) { return d.api.State(ctx, d.in.TaskID, recordID) }
	err := pollRead(ctx, d.log, policy, "the deployment's state", read, func(ctx context.Context, st *codearts.State) (bool, time.Duration, error) {
		last = st
		return d.seen(ctx, st, show)
	})
	if err != nil && last != nil && show {
		d.res.Remote = last.Raw
	}
	return last, err
}

// seen takes a state answer about the record followed: it says whether
// the record has ended and, with show, prints its progress and suggests
// the gap before the next check.
func (d *deployer) seen(ctx context.Context, st *codearts.State, show bool) (bool, time.Duration, error) {
	if st.Result.TaskName != "" {
		d.res.Deploy.TaskName = st.Result.TaskName
	}
	phase := st.Result.Phase()
	if codearts.Classify(st.Result.Status) == codearts.PhaseUnknown {
		d.noteUnknown(st.Result.Status, phase)
	}
	done := phase == codearts.PhaseSucceeded || phase == codearts.PhaseFailed
	if !show {
		return done, 0, nil
	}
	d.progress(ctx, &st.Result, phase)
	return done, d.forecast(&st.Result), nil
}

// transient reports errors worth polling through: throttling, 5xx and
// network trouble that the client's own retries did not get past.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	if apiErr, ok := huawei.AsAPIError(err); ok {
		return apiErr.Throttled() || apiErr.ServerFault()
	}
	return true
}

func optional(format, value string) string {
	if value == "" {
		return ""
	}
	return fmt.Sprintf(format, value)
}

// FormatDuration writes d the way the log and summary show it: 850ms,
// 3.2s, 1m05s, 1h02m.
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
