package run

import (
	"context"
	"errors"
	"time"
)

// This file is the one path every operation takes when it ends without the
// service's verdict: cancelled, timed out, or failed while what it started
// may still run. It decides whether to stop that work (stop_on_cancel,
// stop_on_timeout), says what became of it, and whether the post step
// still has something to check (Result.Settled).

// remoteWork is what a flow may have left running on the service.
type remoteWork struct {
	// running: it was started (or found running) and is not known to have
	// ended. maybe: a request that starts it had an unknown outcome and
	// nothing was found: the post step looks for it again.
	running, maybe bool
	// idle says what did not run, when nothing did (a release plan none
	// of whose components started).
	idle NothingRunning
	// stop stops it within the grace period and says how that went. When
	// it finds the work had already ended, it applies the work's own
	// verdict to the Result and reports ended: that verdict stands.
	stop func(ctx context.Context) stopOutcome
}

// stopOutcome is what a stop achieved.
type stopOutcome struct {
	stopped bool  // the service accepted the stop
	ended   bool  // it had already ended; the Result holds its verdict
	err     error // the stop failed: it may still run
}

// ending is how a flow ended early, and what it allows.
type ending struct {
	what          Failed // what failed when neither cancelled nor timed out
	err           error  // the failure
	timedOut      error  // the cause tctx carries when the timeout passed
	timeout       time.Duration
	stopOnCancel  bool
	stopOnTimeout bool
	grace         time.Duration
}

// settleEarly settles res after an early end (see the file comment).
func settleEarly(ctx, tctx context.Context, res *Result, e ending, work remoteWork) {
	res.FinishedAt = time.Now()
	res.Failure = &Failure{What: e.what, Err: e.err}
	input, allowed := e.classify(ctx, tctx, res)
	if work.running && allowed {
		stopWork(ctx, res, e.grace, work)
		return
	}
	settleUnstopped(res, work, input)
}

// classify sets res's status and its failure's cause from how the flow
// ended (ctx is the caller's, tctx the flow's, bounded by the timeout),
// and returns the input that decides whether the work is stopped, and
// whether it allows that.
func (e ending) classify(ctx, tctx context.Context, res *Result) (input string, allowed bool) {
	f := res.Failure
	switch {
	case ctx.Err() != nil:
		res.Status, f.Cause = StatusStopped, CauseCancelled
		return "stop_on_cancel", e.stopOnCancel
	case e.timedOut != nil && errors.Is(context.Cause(tctx), e.timedOut):
		res.Status, f.Cause, f.Timeout = StatusTimedOut, CauseTimedOut, e.timeout
	default:
		// The flow lost track of what it started: as after a timeout, it
		// is stopped when stop_on_timeout allows, never left unwatched
		// without a word.
		res.Status = StatusFailed
	}
	return "stop_on_timeout", e.stopOnTimeout
}

// settleUnstopped says what became of work that is not stopped: nothing
// runs, or it may (the post step looks), or it is left running as input
// asks.
func settleUnstopped(res *Result, work remoteWork, input string) {
	f := res.Failure
	switch {
	case work.maybe && !work.running:
		f.did(OutcomeUnknown{Input: input})
	case !work.running:
		res.Settled = true
		f.did(work.idle)
	default:
		res.Settled = true // left running on purpose
		if res.Status == StatusStopped {
			res.Status = StatusRunning
		}
		f.did(LeftRunning{Input: input})
	}
}

// stopWork stops the work within the grace period, which a cancel does
// not cut short, and says how that went.
func stopWork(ctx context.Context, res *Result, grace time.Duration, work remoteWork) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	f := res.Failure // a stop that finds the work ended replaces it
	out := work.stop(sctx)
	switch {
	case out.ended:
		res.Settled = true
	case out.stopped:
		// The post step checks once more that the stop took.
		f.did(Stopped{})
	default:
		f.did(StopFailed{Err: out.err})
	}
}
