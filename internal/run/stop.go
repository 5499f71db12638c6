package run

import (
	"context"
	"fmt"
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

// RecordStopper is the part of the CodeArts Deploy client the stop
// operation uses.
type RecordStopper interface {
	State(ctx context.Context, taskID, recordID string) (*codearts.State, error)
	Stop(ctx context.Context, taskID, recordID string) ([]byte, error)
}

// StopInput is what the stop operation needs.
type StopInput struct {
	TaskID, RecordID string
	// Timeout bounds the whole operation (the timeout input).
	Timeout time.Duration
}

// Stop stops a running deployment record. A record that has already ended
// is not an error: the aim, a record that no longer runs, is met, and the
// result carries the record's own final status (succeeded or failed)
// rather than "stopped", which is kept for a record this run stopped. It
// never returns a nil Result.
func Stop(ctx context.Context, api RecordStopper, in StopInput, log Logger) *Result {
	res := &Result{Operation: OpStop, Deploy: &DeployDetail{TaskID: in.TaskID, RecordID: in.RecordID}}
	outer := ctx
	ctx, cancel := bounded(ctx, in.Timeout)
	defer cancel()
	if what, err := stopRecord(ctx, api, res, log); err != nil {
		res.Status = StatusFailed
		res.Failure = callFailure(what, err, outer, ctx, in.Timeout)
	}
	return res
}

// callFailure is the failure of an operation of one call (stop, signal)
// bounded by timeout: ctx is the bounded context, outer the caller's, so
// the cause tells a cancel from the timeout from an error of its own.
func callFailure(what Failed, err error, outer, ctx context.Context, timeout time.Duration) *Failure {
	f := &Failure{What: what, Err: err, Cause: interrupted(outer, ctx)}
	if f.Cause == CauseTimedOut {
		f.Timeout = timeout
	}
	return f
}

// stopRecord looks at the record, then stops it unless it has ended. It
// returns what failed and why, or a nil error when res holds the outcome.
func stopRecord(ctx context.Context, api RecordStopper, res *Result, log Logger) (Failed, error) {
	d := res.Deploy
	st, err := api.State(ctx, d.TaskID, d.RecordID)
	switch {
	case err != nil && codearts.IsRecordMissing(err):
		return FailedNoRecord, fmt.Errorf("task %s has no deployment record %s: %w", d.TaskID, d.RecordID, err)
	case err != nil && ctx.Err() != nil:
		return FailedReadRecord, fmt.Errorf("reading record %s of task %s: %w", d.RecordID, d.TaskID, err)
	case err != nil:
		// The aim is a record that no longer runs: a state that cannot
		// be read (or is about something else) does not stop the stop,
		// which is harmless on a record that has ended.
		log.Warningf("Could not read deployment record %s's state (%v); stopping it all the same.", d.RecordID, err)
	default:
		d.TaskName = st.Result.TaskName
		if recordEnded(st) {
			stopAlreadyEnded(res, st, log)
			return 0, nil
		}
	}
	return sendStop(ctx, api, res, st, log)
}

// sendStop stops the record, whose state st is nil when it could not be
// read. A refusal because the record has ended settles like a record
// found ended.
func sendStop(ctx context.Context, api RecordStopper, res *Result, st *codearts.State, log Logger) (Failed, error) {
	d := res.Deploy
	status := "unknown"
	if st != nil {
		status = st.Result.Status
	}
	log.Infof("Stopping deployment record %s of task %s (status %s)…", d.RecordID, d.TaskID, status)
	body, err := api.Stop(ctx, d.TaskID, d.RecordID)
	switch {
	case err == nil:
		res.Status = StatusStopped
		res.Remote = body
		log.Infof("Stopped deployment record %s.", d.RecordID)
		return 0, nil
	case codearts.IsRecordMissing(err):
		return FailedNoRecord, fmt.Errorf("stopping record %s of task %s: %w", d.RecordID, d.TaskID, err)
	case codearts.IsEndedRefusal(err) && refusedAsEnded(ctx, api, res, err, log):
		return 0, nil
	}
	return FailedStop, fmt.Errorf("stopping record %s of task %s: %w", d.RecordID, d.TaskID, err)
}

// refusedAsEnded settles a stop the service refused as the record had
// ended (between the look and the stop): it reports how the record
// ended, or that it no longer runs when that cannot be read. It reports
// false when the record turns out to run still.
func refusedAsEnded(ctx context.Context, api RecordStopper, res *Result, refusal error, log Logger) bool {
	d := res.Deploy
	log.Infof("The stop was refused (%v); reading the record's final state.", refusal)
	final, err := api.State(ctx, d.TaskID, d.RecordID)
	switch {
	case err != nil:
		// The service says it no longer runs, which is the aim; how it
		// ended stays unknown.
		res.Status = StatusStopped
		log.Noticef("Deployment record %s no longer runs (the stop was refused as it had ended); its final status could not be read: %v", d.RecordID, err)
		return true
	case recordEnded(final):
		stopAlreadyEnded(res, final, log)
		return true
	}
	return false
}

// recordEnded reports whether a record has reached a final status.
func recordEnded(st *codearts.State) bool {
	p := codearts.Classify(st.Result.Status)
	return p == codearts.PhaseSucceeded || p == codearts.PhaseFailed
}

// stopAlreadyEnded reports a record that finished before this run could stop
// it: the outcome is its own.
func stopAlreadyEnded(res *Result, st *codearts.State, log Logger) *Result {
	res.Status = StatusFailed
	if codearts.Classify(st.Result.Status) == codearts.PhaseSucceeded {
		res.Status = StatusSucceeded
	}
	res.RemoteStatus = st.Result.Status
	res.Remote = st.Raw
	log.Noticef("Deployment record %s had already ended with status %s; nothing to stop.", res.Deploy.RecordID, st.Result.Status)
	return res
}

// StartedRecord finds the record a start may have created when the step
// that sent it ended before it knew the outcome: the task's latest record,
// if it is not latestBefore (the latest before the start) and still runs.
// It returns nil when there is none. The record's start time is not
// compared with the attempt's: the API's times carry no zone, so only the
// record ids tell old from new.
func StartedRecord(ctx context.Context, api RecordStopper, taskID, latestBefore string) (*codearts.Record, error) {
	st, err := api.State(ctx, taskID, "")
	if err != nil {
		if codearts.IsRecordMissing(err) {
			return nil, nil
		}
		return nil, err
	}
	rec := &st.Result
	if rec.RecordID == "" || rec.RecordID == latestBefore || !isRunning(rec) {
		return nil, nil
	}
	return rec, nil
}
