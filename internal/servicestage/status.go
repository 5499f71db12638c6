package servicestage

import "strings"

// Statuses of a release plan and of its components (the API uses one set
// for both), API notes §4.
const (
	StatusCreated         = "CREATED"
	StatusRunning         = "RUNNING"
	StatusSuccess         = "SUCCESS"
	StatusFailed          = "FAILED"
	StatusPartiallyFailed = "PARTIALLY_FAILED"
	StatusRollbackFailed  = "ROLLBACK_FAILED"
	StatusRollbackSucceed = "ROLLBACK_SUCCEED"
	StatusAborted         = "ABORTED"
)

// Statuses of a component's deployment or rollback job.
const (
	JobCreated   = "CREATED"
	JobRunning   = "RUNNING"
	JobSucceeded = "SUCCEEDED"
	JobFailed    = "FAILED"
)

// Phase is what a plan or component status means for a caller waiting on it.
type Phase int

// The phases of a status.
const (
	PhasePending   Phase = iota // CREATED: not started (and, in a failed plan, maybe never)
	PhaseRunning                // RUNNING
	PhaseSucceeded              // SUCCESS
	PhaseFailed                 // FAILED, PARTIALLY_FAILED, ROLLBACK_*, ABORTED: ended, not well
	PhaseUnknown                // a value the API notes do not list: wait on it, never take it for success
)

// Normalize is a status as the constants spell it: trimmed and upper
// case. The API notes list upper-case values only; a server that pads or
// lower-cases one must not change a verdict, so every comparison of a
// status goes through here.
func Normalize(status string) string { return strings.ToUpper(strings.TrimSpace(status)) }

// Classify maps a plan or component status to its phase. A rolled-back or
// aborted component ended without its new version in place, so
// ROLLBACK_SUCCEED, ROLLBACK_FAILED and ABORTED are failures. Any other
// value, a ROLLBACK_ one included (it could mean a rollback in progress),
// is unknown: waited on, never taken for an end.
func Classify(status string) Phase {
	switch Normalize(status) {
	case StatusCreated:
		return PhasePending
	case StatusRunning:
		return PhaseRunning
	case StatusSuccess:
		return PhaseSucceeded
	case StatusFailed, StatusPartiallyFailed, StatusAborted, StatusRollbackFailed, StatusRollbackSucceed:
		return PhaseFailed
	}
	return PhaseUnknown
}

// Final reports whether a status is one an execution ends in.
func Final(status string) bool {
	p := Classify(status)
	return p == PhaseSucceeded || p == PhaseFailed
}

// JobFinal reports whether a job status (deployment or rollback) is final.
func JobFinal(status string) bool {
	s := Normalize(status)
	return s == JobSucceeded || s == JobFailed
}
