package run

import "time"

// This file is the progress a flow reports as facts while it runs. The
// caller renders each event in the workflow log (marks, group titles and
// verdict sentences are its own), so every sentence is written in one
// place, and the tests of a flow assert on the events.

// Reporter receives a flow's progress events, in the order they happen.
type Reporter interface {
	// StepStarted: a deployment step began running.
	StepStarted(StepProgress)
	// StepEnded: a deployment step completed (done or failed). detail
	// prints what the log shows of the step; the caller calls it once,
	// under the step's heading.
	StepEnded(s StepProgress, detail func())
	// BatchStarted: a batch of a release plan's components began running.
	BatchStarted(Batch)
	// BatchEnded: a batch completed or, once the plan settled, is left as
	// it is (not run, aborted, unfinished).
	BatchEnded(Batch)
	// RollbackEnded: a release plan's rollback ended.
	RollbackEnded(PlanRollback)
	// CheckDone: a dry run's check was made.
	CheckDone(Check)
	// Verdict: deploy, watch or release-plan reached its verdict
	// (succeeded or failed); r is the result so far.
	Verdict(r *Result)
}

// StepProgress is a deployment step as it starts or ends: Number of Of
// (from 1), and the step as last seen.
type StepProgress struct {
	Number, Of int
	Step       StepResult
}

// Batch is one batch of a release plan: the components of one seq.
type Batch struct {
	Seq        int
	Components []Component
	Outcome    BatchOutcome
	// Elapsed is from the first start to the last end of its components,
	// 0 while unknown.
	Elapsed time.Duration
}

// BatchOutcome sums up how a batch's components ended.
type BatchOutcome int

// The outcomes of a batch, the first that applies.
const (
	BatchUnfinished BatchOutcome = iota // some component is neither final nor pending
	BatchFailed                         // a component failed (not aborted)
	BatchAborted                        // a component was aborted
	BatchSucceeded                      // every component succeeded
	BatchNotRun                         // no component started
)

// PlanRollback is how a release plan's rollback ended: the components it
// rolled back as last seen, and those of them whose rollback failed.
type PlanRollback struct {
	PlanID     string
	Components []Component
	Failed     []Component
}
