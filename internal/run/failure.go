package run

import (
	"context"
	"time"
)

// Failure says why an operation did not achieve its aim, as facts: what
// failed, why, and what was done about the remote work the operation had
// started. The caller renders it, with the Result it belongs to (whose
// details name the record, plan or software deployment), as the ::error
// annotation, the summary and the log.
type Failure struct {
	// What is the part of the operation that failed.
	What Failed
	// Cause says whether the workflow was cancelled, the timeout passed,
	// or something else went wrong (Err, or the verdict the details hold).
	Cause Cause
	// Err is the error that decided the failure; nil for a verdict.
	Err error
	// Timeout is the limit that passed (CauseTimedOut).
	Timeout time.Duration
	// Record is how the deployment record ended (FailedDeployment).
	Record *RecordVerdict
	// Plan is how the release plan ended (FailedReleasePlan).
	Plan *PlanVerdict
	// Actions is what was done about the remote work, in order.
	Actions []Action
}

// Failed is the part of an operation that failed.
type Failed int

// The parts of the operations that can fail.
const (
	// deploy, watch, stop (CodeArts Deploy)
	FailedReadTask   Failed = iota + 1 // the task's state could not be read
	FailedTaskBusy                     // someone else's deployment runs (if_running)
	FailedStart                        // the deployment could not be started
	FailedFollow                       // the deployment could not be followed to its end
	FailedReadRecord                   // the record's state could not be read
	FailedNoRecord                     // the record does not exist
	FailedDeployment                   // the record ended, but not as a success (Record)
	FailedHealth                       // the health gate did not pass (Deploy.Health)
	FailedStop                         // the record could not be stopped
	// release-plan (ServiceStage)
	FailedReadPlan      // the plan could not be read
	FailedNoPlan        // the plan does not exist
	FailedNoApplication // the plan's application does not exist
	FailedExecute       // the plan could not be executed
	FailedFollowPlan    // the plan's execution could not be followed to its end
	FailedReleasePlan   // the execution ended, but not as a success (Plan)
	FailedAbort         // the plan's execution could not be aborted
	// signal (RTS)
	FailedSignal       // the signal was not accepted
	FailedNoDeployment // the software deployment does not exist
	// any operation
	FailedDryRun // a check of a dry run failed (Result.DryRun)
)

// Cause is why an operation failed.
type Cause int

// The causes of a failure.
const (
	// CauseError is an error (Failure.Err) or the service's verdict.
	CauseError Cause = iota
	// CauseCancelled is a cancelled workflow.
	CauseCancelled
	// CauseTimedOut is the timeout input passing (Failure.Timeout).
	CauseTimedOut
)

// RecordVerdict is how a deployment record ended that did not succeed.
type RecordVerdict struct {
	Status string // the record's status, as the service wrote it
	Step   string // the step that failed; "" when none is known
	// Unknown: the status is not one the action knows; it counts as a
	// failure.
	Unknown bool
	// LogTail is the last lines of the failed step's log (show_logs).
	LogTail []string
}

// PlanVerdict is how a release plan's execution ended that did not
// succeed.
type PlanVerdict struct {
	// Status is the plan's own status when it decided the verdict; "" when
	// the components alone decided it.
	Status string
	// Failed are the components that failed; NotRun those that will not
	// run, in batch order.
	Failed, NotRun []Component
}

// Action is one thing done (or not done, on purpose) about the remote
// work after a failure: one of the types below.
type Action interface{ action() }

// Stopped: the work was stopped (a record) or aborted (a plan); the post
// step checks once more that the stop took.
type Stopped struct{}

// StopFailed: the work could not be stopped; the post step tries again.
type StopFailed struct{ Err error }

// LeftRunning: the work goes on, as Input (stop_on_cancel or
// stop_on_timeout) is false.
type LeftRunning struct{ Input string }

// OutcomeUnknown: a request that starts the work had an unknown outcome
// and nothing was found; the post step looks for the work and stops it if
// it runs, as Input allows.
type OutcomeUnknown struct{ Input string }

// NothingRunning: nothing was running when the operation ended. For a
// release plan, NoneStarted says none of its components started, and
// NotExecuted that this run was not asked to execute it.
type NothingRunning struct{ NoneStarted, NotExecuted bool }

// RolledBack: rollback_on_failure redeployed record Target, which ended
// with Status.
type RolledBack struct {
	Target string
	Status Status
}

// NotRolledBack: rollback_on_failure found nothing to roll back to: the
// task's history could not be read (HistoryErr), or no record succeeded
// in the Days before the run.
type NotRolledBack struct {
	HistoryErr error
	Days       int
}

// PlanRolledBack: rollback_on_failure rolled the release plan back, which
// ended with Status. NotStarted: the rollback could not be started.
// Failed are the components whose rollback failed.
type PlanRolledBack struct {
	Status     Status
	NotStarted bool
	Failed     []Component
}

func (Stopped) action()        {}
func (StopFailed) action()     {}
func (LeftRunning) action()    {}
func (OutcomeUnknown) action() {}
func (NothingRunning) action() {}
func (RolledBack) action()     {}
func (NotRolledBack) action()  {}
func (PlanRolledBack) action() {}

// interrupted is the cause of an operation's failure: a cancel of the
// workflow (outer, the step's context), the timeout passing (ctx, the
// operation's, within outer), or otherwise an error.
func interrupted(outer, ctx context.Context) Cause {
	switch {
	case outer.Err() != nil:
		return CauseCancelled
	case ctx.Err() != nil:
		return CauseTimedOut
	}
	return CauseError
}

// did adds an action to the failure; a nil failure is left alone.
func (f *Failure) did(a Action) {
	if f != nil {
		f.Actions = append(f.Actions, a)
	}
}
