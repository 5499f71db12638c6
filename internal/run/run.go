// Package run holds the action's operations. Each is one flow built from a
// service client and the wait package, and returns a Result that the
// caller renders as outputs, a summary and an exit status.
package run

import (
	"encoding/json"
	"time"

	"github.com/deploy-action/deploy-action/internal/health"
)

// Logger is where a flow tells the workflow log what happens: plain
// operational lines as text, and its progress as typed events (Reporter)
// that the caller renders.
type Logger interface {
	Infof(format string, a ...any)
	Debugf(format string, a ...any)
	Noticef(format string, a ...any)
	Warningf(format string, a ...any)
	Group(title string)
	EndGroup()
	Reporter
}

// Status is an operation's outcome, as the status output spells it.
type Status string

// The statuses of the contract.
const (
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	StatusStopped   Status = "stopped"
	StatusTimedOut  Status = "timed_out"
	StatusRunning   Status = "running" // started with wait: false
	// StatusUnhealthy is a deployment that succeeded whose service did
	// not pass the health gate in time.
	StatusUnhealthy Status = "unhealthy"
	// StatusDryRun is a dry run: everything checked, nothing changed.
	StatusDryRun Status = "dry_run"
)

// OK reports whether the operation achieved its aim (exit status 0). A dry
// run achieved it when every check passed, which its Failure says.
func (s Status) OK() bool { return s == StatusSucceeded || s == StatusRunning || s == StatusDryRun }

// StepState is how far a deployment step got.
type StepState string

// The step states shown in the log and the summary.
const (
	StepDone    StepState = "done"
	StepFailed  StepState = "failed"
	StepRunning StepState = "running"
	StepPending StepState = "not reached"
	StepStopped StepState = "stopped"
)

// StepResult is one step of a deployment as the action saw it last.
type StepResult struct {
	Name    string
	Elapsed time.Duration
	State   StepState
}

// Result is what an operation ends with: the part every operation has,
// and the details of its own kind (exactly one of Deploy, Plan and Signal
// is set).
type Result struct {
	Operation    string
	Status       Status
	RemoteStatus string // the service's own status value
	StartedAt    time.Time
	FinishedAt   time.Time
	// Elapsed is how long the remote work ran when StartedAt and
	// FinishedAt are unknown: a watched record that had ended before the
	// action looked, whose zone-less times tell a duration but no instant.
	Elapsed time.Duration
	Remote  json.RawMessage // the last remote answer that decided the status
	Failure *Failure
	// Settled says the post step has nothing to check: what the run
	// started has ended, was never started, or was left running on
	// purpose (wait false, stop_on_cancel or stop_on_timeout false). It is
	// false, the safe default, while anything it started may still run:
	// after a cancel or timeout whose stop failed or was only asked for,
	// or a start whose outcome stayed unknown.
	Settled bool
	// DryRun is what a dry run found and would have sent; nil otherwise.
	DryRun *DryRun

	Deploy *DeployDetail // deploy, watch and stop
	Plan   *PlanDetail   // release-plan
	Signal *SignalDetail // signal
}

// DeployDetail is what deploy, watch and stop report of a CodeArts Deploy
// task's record.
type DeployDetail struct {
	TaskID           string
	TaskName         string
	RecordID         string
	JobName          string
	Steps            []StepResult
	RollbackRecordID string
	RollbackStatus   Status
	// Health is the health gate's report; nil when there was none.
	Health *health.Report
}

// PlanDetail is what release-plan reports of a ServiceStage release plan.
type PlanDetail struct {
	PlanID         string
	PlanName       string
	Components     []Component // the plan's components as last seen, by batch
	RollbackStatus Status
}

// SignalDetail is what signal reports of an RTS software deployment.
type SignalDetail struct {
	DeploymentID string
	// SoftwareDeployment is the software deployment object RTS answered
	// with, as sent.
	SoftwareDeployment json.RawMessage
}

// OK reports whether the operation achieved its aim, which decides the exit
// status. For deploy and release-plan that is a succeeded (or, with wait:
// false, running) status. A stop or a signal achieved its aim when nothing
// went wrong: their status describes the remote record or deployment (an
// already-finished record that failed, a signal reporting FAILED), not the
// operation.
func (r *Result) OK() bool {
	if r.Failure != nil {
		return false
	}
	switch {
	case r.Status == StatusDryRun:
		return true
	case r.Operation == OpStop, r.Operation == OpSignal:
		return true
	}
	return r.Status.OK()
}

// Operation names, as Result.Operation holds them.
const (
	OpDeploy      = "deploy"
	OpStop        = "stop"
	OpReleasePlan = "release-plan"
	OpSignal      = "signal"
	OpWatch       = "watch"
)

// Component is one component of a release plan as the action reports it
// (the components output).
type Component struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	Seq               int    `json:"seq"`
	Version           string `json:"version"`
	Status            string `json:"status"`
	JobStatus         string `json:"job_status"`
	FailMessage       string `json:"fail_message"`
	RollbackJobStatus string `json:"rollback_job_status"`
	// Not in the output, shown in the log and summary.
	RollbackFailMessage string        `json:"-"`
	StartedAt           time.Time     `json:"-"`
	FinishedAt          time.Time     `json:"-"`
	Elapsed             time.Duration `json:"-"` // FinishedAt - StartedAt, or 0 while unknown
	RollbackElapsed     time.Duration `json:"-"` // the rollback job's run time, 0 while unknown
}

// Duration is FinishedAt - StartedAt, or Elapsed when either is unknown.
func (r *Result) Duration() time.Duration {
	if r.StartedAt.IsZero() || r.FinishedAt.IsZero() || r.FinishedAt.Before(r.StartedAt) {
		return r.Elapsed
	}
	return r.FinishedAt.Sub(r.StartedAt)
}
