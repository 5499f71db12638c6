package run

import (
	"context"
	"fmt"
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

// This file is how deploy and watch end: with the record's verdict, or
// early (settleEarly), stopping the record when that is allowed.

// finish records a final state.
func (d *deployer) finish(st *codearts.State) {
	rec := st.Result
	d.res.Settled = true
	d.res.Remote = st.Raw
	d.res.RemoteStatus = rec.Status
	d.times(&rec)
	if codearts.Classify(rec.Status) == codearts.PhaseSucceeded {
		d.res.Status = StatusSucceeded
		d.log.Verdict(d.res)
		return
	}
	d.res.Status = StatusFailed
	v := &RecordVerdict{Status: rec.Status, Unknown: codearts.Classify(rec.Status) == codearts.PhaseUnknown}
	step, failedAt := lastFailedStep(d.res.Deploy.Steps)
	v.Step = step
	v.LogTail = d.logs.tail(failedAt, failureLogLines)
	d.res.Failure = &Failure{What: FailedDeployment, Record: v}
	d.log.Verdict(d.res)
}

// lastFailedStep is the name and position (from 1) of the last step that
// failed; "" and 0 when none did.
func lastFailedStep(steps []StepResult) (name string, pos int) {
	for i, s := range steps {
		if s.State == StepFailed {
			name, pos = s.Name, i+1
		}
	}
	return name, pos
}

// plausible reports whether a time the service gave can be a record's:
// the API's times carry no zone (it is guessed) and a buggy or hostile
// answer can say 1970 or 9999, which must not reach the outputs. A record
// followed (not started) by this run may be older than it, so the bounds
// are wide: this century, and no later than a day from now (any zone).
func plausible(t time.Time) bool {
	return t.Year() >= 2000 && t.Before(time.Now().Add(24*time.Hour))
}

// times sets the result's start and end from the record's zone-less times
// and the zone they are guessed to be in (see codearts.GuessZone): from
// our own start for a record this run started, from the moment its end
// was seen for a watched record that ended while watched. A watched record
// that had ended before the action looked gives a duration only.
func (d *deployer) times(rec *codearts.Record) {
	switch {
	case !d.watching:
		d.zone = codearts.GuessZone(rec.StartTime, d.localStart)
	case d.sawRunning:
		d.zone = codearts.GuessZone(rec.EndTime, time.Now())
	default:
		if elapsed, ok := recordElapsed(rec); ok {
			d.res.Elapsed = elapsed
		}
		d.res.StartedAt = time.Time{}
		return
	}
	d.zonedTimes(rec)
	fillTimes(d.res, d.localStart)
}

// recordElapsed is how long a record ran, from its times read in any one
// zone (the zone cancels out); false when either time is missing,
// implausible, or the end comes before the start.
func recordElapsed(rec *codearts.Record) (time.Duration, bool) {
	start, ok1 := codearts.ParseTime(rec.StartTime, time.UTC)
	end, ok2 := codearts.ParseTime(rec.EndTime, time.UTC)
	if !ok1 || !ok2 || !plausible(start) || !plausible(end) || end.Before(start) {
		return 0, false
	}
	return end.Sub(start), true
}

// zonedTimes sets the result's start and end from the record's times read
// in d.zone, each only when plausible (and the end not before the start).
func (d *deployer) zonedTimes(rec *codearts.Record) {
	if t, ok := codearts.ParseTime(rec.StartTime, d.zone); ok && plausible(t) {
		d.res.StartedAt = t
	}
	if t, ok := codearts.ParseTime(rec.EndTime, d.zone); ok && plausible(t) && !t.Before(d.res.StartedAt) {
		d.res.FinishedAt = t
	}
}

// fillTimes gives a result the times the service did not: our own start,
// and now for the end.
func fillTimes(res *Result, localStart time.Time) {
	if res.StartedAt.IsZero() {
		res.StartedAt = localStart
	}
	if res.FinishedAt.IsZero() {
		res.FinishedAt = time.Now()
	}
}

// end settles a flow that stopped early: cancelled, timed out, or failed
// (settleEarly).
func (d *deployer) end(ctx, tctx context.Context, what Failed, err error) {
	if d.res.StartedAt.IsZero() {
		d.res.StartedAt = d.localStart
	}
	settleEarly(ctx, tctx, d.res, ending{
		what: what, err: err, timedOut: errTimedOut, timeout: d.in.Timeout,
		stopOnCancel: d.in.StopOnCancel, stopOnTimeout: d.in.StopOnTimeout,
		grace: d.in.StopGrace,
	}, remoteWork{running: d.res.Deploy.RecordID != "", maybe: d.maybe, stop: d.stopRecord})
}

// stopRecord stops the flow's record. If the record turns out to have
// ended already, the verdict is its real final status, not "stopped": the
// deployment did finish, and the job must say how.
func (d *deployer) stopRecord(ctx context.Context) stopOutcome {
	d.log.Infof("Stopping deployment record %s…", d.res.Deploy.RecordID)
	body, err := d.api.Stop(ctx, d.in.TaskID, d.res.Deploy.RecordID)
	switch {
	case err == nil:
		if len(body) > 0 {
			d.res.Remote = body
		}
		d.log.Infof("Stopped deployment record %s.", d.res.Deploy.RecordID)
		markStopped(d.res.Deploy.Steps)
		return stopOutcome{stopped: true}
	case codearts.IsEndedRefusal(err):
		return d.endedBeforeStop(ctx, err)
	default:
		d.log.Warningf("Stopping record %s failed: %v", d.res.Deploy.RecordID, err)
		return stopOutcome{err: err}
	}
}

// endedBeforeStop settles a stop the service refused because the record
// had ended (refusal): the record's end is read back and reported as it
// is, or the refusal stays an error when that end cannot be confirmed.
func (d *deployer) endedBeforeStop(ctx context.Context, refusal error) stopOutcome {
	st, err := d.api.State(ctx, d.in.TaskID, d.res.Deploy.RecordID)
	if err != nil || !isFinal(&st.Result) {
		return stopOutcome{err: fmt.Errorf("the stop was refused (%w), but the record's end could not be confirmed", refusal)}
	}
	d.log.Infof("Record %s had already ended (%s).", d.res.Deploy.RecordID, st.Result.Status)
	d.res.Failure = nil
	d.progress(ctx, &st.Result, st.Result.Phase())
	d.finish(st)
	return stopOutcome{ended: true}
}

// isFinal reports a record that has ended with a verdict: succeeded, or
// failed (an unknown status on an ended record included).
func isFinal(r *codearts.Record) bool {
	p := r.Phase()
	return p == codearts.PhaseSucceeded || p == codearts.PhaseFailed
}
