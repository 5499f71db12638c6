package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
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

// Error codes of CodeArts Deploy the flow reacts to.
const (
	codeAlreadyDeploying = "Deploy.00011027"
	codeNotFound         = "Deploy.00011303"
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
}

// DeployHooks let the caller act while the flow runs.
type DeployHooks struct {
	// Started is called the moment a record exists, so its id reaches the
	// step's outputs and state even if the job is killed later.
	Started func(recordID, jobName string)
}

// errTimedOut is the cause of the flow's context when `timeout` passes.
var errTimedOut = errors.New("the deployment did not finish within the timeout")

// Deploy starts a deployment of in.TaskID, waits for it and reports how it
// ended. It never returns a nil Result.
func Deploy(ctx context.Context, api CodeArts, in DeployInput, log Logger, hooks DeployHooks) *Result {
	if in.StopGrace <= 0 {
		in.StopGrace = 5 * time.Second
	}
	d := &deployer{api: api, in: in, log: log, hooks: hooks, zone: time.UTC, res: &Result{Operation: "deploy", TaskID: in.TaskID}}
	d.run(ctx)
	return d.res
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
	logs     stepLogs
}

func (d *deployer) run(ctx context.Context) {
	tctx, cancel := context.WithTimeoutCause(ctx, d.in.Timeout, errTimedOut)
	defer cancel()
	d.localStart = time.Now()

	latest, err := d.latest(tctx)
	if err != nil {
		d.end(ctx, tctx, "Could not read the task's state", err)
		return
	}
	if latest != nil {
		d.res.TaskName = latest.TaskName
		if isFinal(latest) {
			d.previous = latest
		}
		if isRunning(latest) {
			if latest, err = d.resolveConflict(tctx, latest); err != nil {
				d.end(ctx, tctx, "The task is already deploying", err)
				return
			}
			d.previous = latest
		}
	}

	if d.in.RollbackOnFailure {
		d.announceRollback(latest)
	}

	before := ""
	if latest != nil {
		before = latest.RecordID
	}
	started, err := d.start(tctx, codearts.StartRequest{Params: d.in.Params, RecordID: d.in.RecordID, TriggerSource: d.in.TriggerSource}, before)
	if started != nil {
		d.begin(started)
	}
	if err != nil {
		d.end(ctx, tctx, "The deployment could not be started", err)
		return
	}
	if d.in.ShowLogs {
		d.logs = stepLogs{api: d.api, taskID: d.in.TaskID, recordID: d.res.RecordID, log: d.log}
	}
	if !d.in.Wait {
		d.res.Status = StatusRunning
		d.log.Infof("wait is false: the deployment goes on; its record is %s.", d.res.RecordID)
		return
	}

	final, err := d.follow(tctx, d.res.RecordID, true)
	if err != nil {
		d.end(ctx, tctx, "The deployment did not finish", err)
		return
	}
	d.finish(final)
	if d.res.Status == StatusFailed && d.in.RollbackOnFailure {
		if target := d.rollbackTarget(ctx, latest, &final.Result); target != "" {
			d.rollback(ctx, target)
		}
	}
}

// begin records a new record and tells the caller at once.
func (d *deployer) begin(s *codearts.Started) {
	d.res.RecordID, d.res.JobName = s.ID, s.JobName
	d.log.Infof("Started deployment record %s%s.", s.ID, optional(" (job %s)", s.JobName))
	if d.hooks.Started != nil {
		d.hooks.Started(s.ID, s.JobName)
	}
}

// latest reads the task's latest record; nil when the task has none.
func (d *deployer) latest(ctx context.Context) (*codearts.Record, error) {
	st, err := d.api.State(ctx, d.in.TaskID, "")
	if err != nil {
		if apiErr, ok := huawei.AsAPIError(err); ok && apiErr.Code == codeNotFound {
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

// resolveConflict applies if_running to a record of someone else's that is
// running, and returns that record's final state.
func (d *deployer) resolveConflict(ctx context.Context, other *codearts.Record) (*codearts.Record, error) {
	who := optional(" (started by %s", other.Executor) + optional(" at %s", other.StartTime)
	if other.Executor != "" {
		who += ")"
	}
	switch d.in.IfRunning {
	case IfRunningFail:
		return nil, fmt.Errorf("task %s is already deploying record %s%s, and if_running is fail", d.in.TaskID, other.RecordID, who)
	case IfRunningStop:
		d.log.Noticef("Task is already deploying record %s%s; stopping it (if_running: stop).", other.RecordID, who)
		if _, err := d.api.Stop(ctx, d.in.TaskID, other.RecordID); err != nil && !finishedAlready(err) {
			return nil, fmt.Errorf("stopping record %s: %w", other.RecordID, err)
		}
	default:
		d.log.Noticef("Task is already deploying record %s%s; waiting for it to finish first (if_running: wait).", other.RecordID, who)
	}
	st, err := d.follow(ctx, other.RecordID, false)
	if err != nil {
		return nil, err
	}
	d.log.Infof("Record %s ended: %s.", other.RecordID, st.Result.Status)
	return &st.Result, nil
}

// finishedAlready reports a stop refused because the record had ended.
func finishedAlready(err error) bool {
	apiErr, ok := huawei.AsAPIError(err)
	return ok && apiErr.HTTPStatus == 400 && strings.HasPrefix(apiErr.Code, "Deploy.")
}

// maxStarts bounds how often the flow tries to start: each try follows a
// proof that the previous one created nothing.
const maxStarts = 3

// start starts the deployment exactly once. before is the task's latest
// record before this run, so a record created by a start whose answer was
// lost can be told apart and adopted instead of starting a second one.
func (d *deployer) start(ctx context.Context, req codearts.StartRequest, before string) (*codearts.Started, error) {
	var lastErr error
	uncertain := false
	for try := 1; try <= maxStarts; try++ {
		s, err := d.api.Start(ctx, d.in.TaskID, req)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if apiErr, ok := huawei.AsAPIError(err); ok && apiErr.Code == codeAlreadyDeploying {
			rec, lerr := d.latest(ctx)
			if lerr != nil {
				return nil, fmt.Errorf("%w; then reading the task's state: %v", err, lerr)
			}
			if rec == nil || !isRunning(rec) {
				continue // it ended meanwhile: start again
			}
			if uncertain && rec.RecordID != before {
				return d.adopt(rec), nil
			}
			final, cerr := d.resolveConflict(ctx, rec)
			if cerr != nil {
				return nil, cerr
			}
			before = final.RecordID
			continue
		}
		if !huawei.IsUnknownOutcome(err) && ctx.Err() == nil {
			return nil, err
		}
		// The start may or may not have happened. Look before trying
		// again; the look must survive a cancel that arrives meanwhile, or
		// a record that did start would be neither reported nor stopped.
		uncertain = true
		lookCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.in.StopGrace)
		defer cancel()
		d.log.Warningf("The start request's outcome is unknown (%v); looking for the record it may have created.", err)
		rec, lerr := d.latest(lookCtx)
		if lerr != nil {
			return nil, fmt.Errorf("%w; the deployment may have started, but its state could not be read (%v), so it was not started again", err, lerr)
		}
		if rec != nil && rec.RecordID != before {
			return d.adopt(rec), ctx.Err()
		}
		if ctx.Err() != nil {
			return nil, err
		}
		d.log.Infof("No record was created; starting again.")
	}
	return nil, lastErr
}

func (d *deployer) adopt(rec *codearts.Record) *codearts.Started {
	d.log.Noticef("The start request did reach the service: adopting record %s instead of starting again.", rec.RecordID)
	return &codearts.Started{ID: rec.RecordID, TaskID: rec.TaskID}
}

// follow polls a record until it is final. With show set it prints the
// steps as they complete.
func (d *deployer) follow(ctx context.Context, recordID string, show bool) (*codearts.State, error) {
	var last *codearts.State
	policy := wait.Policy{First: d.in.FirstPoll, Max: d.in.PollInterval}
	err := wait.Poll(ctx, policy, func(ctx context.Context) (bool, time.Duration, error) {
		st, err := d.api.State(ctx, d.in.TaskID, recordID)
		if err != nil {
			if transient(err) && ctx.Err() == nil {
				d.log.Warningf("Could not read the deployment's state; trying again: %v", err)
				return false, 0, nil
			}
			return false, 0, err
		}
		last = st
		if st.Result.TaskName != "" {
			d.res.TaskName = st.Result.TaskName
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
	})
	if err != nil {
		if last != nil && show {
			d.res.Remote = last.Raw
		}
		return last, err
	}
	return last, nil
}

// noteUnknown warns, once per status and meaning, of a status the action
// does not know: waited on while the record runs, a failure once it has
// ended.
func (d *deployer) noteUnknown(status string, phase codearts.Phase) {
	if d.unknownSeen == nil {
		d.unknownSeen = map[string]bool{}
	}
	key := phase.String() + ":" + status
	if d.unknownSeen[key] {
		return
	}
	d.unknownSeen[key] = true
	if phase == codearts.PhaseFailed {
		d.log.Warningf("CodeArts Deploy reported a status the action does not know, %q, for a record that has ended; treating it as a failure.", status)
		return
	}
	d.log.Warningf("CodeArts Deploy reported a status the action does not know, %q; treating the deployment as still running.", status)
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

// progress prints each step once it has completed, and announces the one
// that runs.
func (d *deployer) progress(ctx context.Context, rec *codearts.Record, phase codearts.Phase) {
	steps := rec.Steps
	if rec.StepsCut && !d.stepsCut {
		d.stepsCut = true
		d.log.Warningf("CodeArts Deploy lists more than %d steps for record %s; the action shows the first %d, and the console shows them all.", codearts.MaxSteps, rec.RecordID, codearts.MaxSteps)
	}
	current := -1
	for i, s := range steps {
		if s.ElapsedTime > 0 {
			current = i
		}
	}
	final := phase == codearts.PhaseSucceeded || phase == codearts.PhaseFailed
	if final && phase == codearts.PhaseSucceeded {
		current = len(steps) - 1
	}
	if current < 0 && len(steps) > 0 && !final {
		current = 0
	}
	done := current // steps before the current one are complete
	if final {
		done = current + 1
	}
	for ; d.printed < done && d.printed < len(steps); d.printed++ {
		i := d.printed
		s := steps[i]
		mark, suffix := "✓", ""
		if final && phase == codearts.PhaseFailed && i == current {
			mark, suffix = "✗", " failed"
		}
		d.log.Group(fmt.Sprintf("%s %d/%d %s (%s)%s", mark, i+1, len(steps), stepName(s, i), FormatDuration(s.Elapsed()), suffix))
		if !d.logs.print(ctx, s, i+1, final) {
			d.log.Infof("Step %d of %d, %s, ran %s.", i+1, len(steps), stepName(s, i), FormatDuration(s.Elapsed()))
		}
		if suffix != "" && s.FAQURL != "" {
			d.log.Infof("Help for this step: %s", s.FAQURL)
		}
		d.log.EndGroup()
	}
	if !final && current >= d.announced && current < len(steps) {
		d.log.Infof("▶ %d/%d %s…", current+1, len(steps), stepName(steps[current], current))
		d.announced = current + 1
	}
	d.res.Steps = stepResults(steps, current, phase)
	d.res.RemoteStatus = rec.Status
}

func stepName(s codearts.Step, i int) string {
	if strings.TrimSpace(s.Name) == "" {
		return fmt.Sprintf("step %d", i+1)
	}
	return s.Name
}

func stepResults(steps []codearts.Step, current int, phase codearts.Phase) []StepResult {
	out := make([]StepResult, len(steps))
	for i, s := range steps {
		state := StepPending
		switch {
		case i < current:
			state = StepDone
		case i == current && phase == codearts.PhaseSucceeded:
			state = StepDone
		case i == current && phase == codearts.PhaseFailed:
			state = StepFailed
		case i == current:
			state = StepRunning
		}
		out[i] = StepResult{Name: stepName(s, i), Elapsed: s.Elapsed(), State: state}
	}
	return out
}

// finish records a final state.
func (d *deployer) finish(st *codearts.State) {
	rec := st.Result
	d.res.Remote = st.Raw
	d.res.RemoteStatus = rec.Status
	d.zone = codearts.GuessZone(rec.StartTime, d.localStart)
	if t, ok := codearts.ParseTime(rec.StartTime, d.zone); ok {
		d.res.StartedAt = t
	}
	if t, ok := codearts.ParseTime(rec.EndTime, d.zone); ok {
		d.res.FinishedAt = t
	}
	if d.res.StartedAt.IsZero() {
		d.res.StartedAt = d.localStart
	}
	if d.res.FinishedAt.IsZero() {
		d.res.FinishedAt = time.Now()
	}
	if codearts.Classify(rec.Status) == codearts.PhaseSucceeded {
		d.res.Status = StatusSucceeded
		d.log.Infof("✓ Deployment succeeded in %s.", FormatDuration(d.res.Duration()))
		return
	}
	d.res.Status = StatusFailed
	failed, failedAt := "", 0
	for i, s := range d.res.Steps {
		if s.State == StepFailed {
			failed, failedAt = s.Name, i+1
		}
	}
	msg := fmt.Sprintf("Deployment record %s of task %s ended with status %q", d.res.RecordID, d.in.TaskID, rec.Status)
	if failed != "" {
		msg += fmt.Sprintf(" in step %q", failed)
	}
	if codearts.Classify(rec.Status) == codearts.PhaseUnknown {
		msg += ", a status the action does not know, so it counts as a failure"
	}
	d.log.Infof("✗ %s.", msg)
	msg += "."
	if tail := d.logs.tail(failedAt, failureLogLines); len(tail) > 0 {
		msg += fmt.Sprintf("\nLast lines of the step's log:\n%s", strings.Join(tail, "\n"))
	}
	d.res.Failure = &Failure{Title: "Deployment failed", Message: msg}
}

// end settles a flow that stopped early: cancelled, timed out, or failed.
func (d *deployer) end(ctx, tctx context.Context, title string, err error) {
	d.res.FinishedAt = time.Now()
	if d.res.StartedAt.IsZero() {
		d.res.StartedAt = d.localStart
	}
	switch {
	case ctx.Err() != nil:
		d.res.Status = StatusStopped
		d.res.Failure = &Failure{Title: "Cancelled", Message: "The workflow was cancelled"}
		if d.res.RecordID == "" {
			d.res.Failure.Message += " before a deployment started."
			return
		}
		if !d.in.StopOnCancel {
			d.res.Status = StatusRunning
			d.res.Failure.Message += fmt.Sprintf("; deployment record %s goes on (stop_on_cancel is false).", d.res.RecordID)
			return
		}
		d.settleByStopping(ctx, "cancel")
	case context.Cause(tctx) == errTimedOut:
		d.res.Status = StatusTimedOut
		d.res.Failure = &Failure{Title: "Timed out", Message: fmt.Sprintf("The deployment did not finish within %s (timeout)", FormatDuration(d.in.Timeout))}
		if d.res.RecordID == "" {
			d.res.Failure.Message += "; no record was started."
			return
		}
		if !d.in.StopOnTimeout {
			d.res.Failure.Message += fmt.Sprintf("; record %s goes on (stop_on_timeout is false).", d.res.RecordID)
			return
		}
		d.settleByStopping(ctx, "timeout")
	default:
		d.res.Status = StatusFailed
		d.res.Failure = &Failure{Title: title, Message: err.Error()}
	}
}

// settleByStopping stops the flow's record within the grace period. If the
// record turns out to have ended already, the verdict is its real final
// status, not "stopped": the deployment did finish, and the job must say
// how.
func (d *deployer) settleByStopping(ctx context.Context, why string) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.in.StopGrace)
	defer cancel()
	d.log.Infof("Stopping deployment record %s (%s)…", d.res.RecordID, why)
	body, err := d.api.Stop(sctx, d.in.TaskID, d.res.RecordID)
	switch {
	case err == nil:
		if len(body) > 0 {
			d.res.Remote = body
		}
		d.log.Infof("Stopped deployment record %s.", d.res.RecordID)
		d.res.Failure.Message += fmt.Sprintf("; deployment record %s was stopped.", d.res.RecordID)
		markStopped(d.res.Steps)
	case finishedAlready(err):
		st, serr := d.api.State(sctx, d.in.TaskID, d.res.RecordID)
		if serr == nil && isFinal(&st.Result) {
			d.log.Infof("Record %s had already ended (%s).", d.res.RecordID, st.Result.Status)
			d.res.Failure = nil
			d.progress(sctx, &st.Result, st.Result.Phase())
			d.finish(st)
			return
		}
		d.res.Failure.Message += fmt.Sprintf("; record %s had already ended.", d.res.RecordID)
	default:
		d.log.Warningf("Stopping record %s failed: %v", d.res.RecordID, err)
		d.res.Failure.Message += fmt.Sprintf("; stopping record %s failed: %v.", d.res.RecordID, err)
	}
}

// isFinal reports a record that has ended with a verdict: succeeded, or
// failed (an unknown status on an ended record included).
func isFinal(r *codearts.Record) bool {
	p := r.Phase()
	return p == codearts.PhaseSucceeded || p == codearts.PhaseFailed
}

func markStopped(steps []StepResult) {
	for i := range steps {
		if steps[i].State == StepRunning {
			steps[i].State = StepStopped
		}
	}
}

// rollback redeploys the last record that succeeded and waits for it.
func (d *deployer) rollback(ctx context.Context, target string) {
	d.log.Noticef("Rolling back: deploying record %s again (rollback_on_failure).", target)
	rctx, cancel := context.WithTimeoutCause(ctx, d.in.Timeout, errTimedOut)
	defer cancel()
	s, err := d.start(rctx, codearts.StartRequest{RecordID: target, TriggerSource: d.in.TriggerSource}, d.res.RecordID)
	if s != nil {
		d.res.RollbackRecordID = s.ID
	}
	if err != nil {
		d.res.RollbackStatus = StatusFailed
		d.log.Warningf("Rollback to record %s could not be started: %v", target, err)
		return
	}
	d.log.Infof("Rollback record %s started.", s.ID)
	st, err := d.follow(rctx, s.ID, false)
	switch {
	case err != nil:
		d.res.RollbackStatus = StatusFailed
		if ctx.Err() == nil && context.Cause(rctx) == errTimedOut {
			d.res.RollbackStatus = StatusTimedOut
		}
		d.log.Warningf("Rollback record %s did not finish: %v", s.ID, err)
	case codearts.Classify(st.Result.Status) == codearts.PhaseSucceeded:
		d.res.RollbackStatus = StatusSucceeded
		d.log.Noticef("Rollback succeeded: record %s redeployed %s.", s.ID, target)
	default:
		d.res.RollbackStatus = StatusFailed
		d.log.Warningf("Rollback record %s ended with status %q.", s.ID, st.Result.Status)
	}
	d.res.Failure.Message += fmt.Sprintf(" Rollback to record %s: %s.", target, d.res.RollbackStatus)
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
