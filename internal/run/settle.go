package run

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file is the one path every operation takes when it ends without the
// service's verdict: cancelled, timed out, or failed while what it started
// may still run. It decides whether to stop that work (stop_on_cancel,
// stop_on_timeout), says what became of it, and whether the post step
// still has something to check (Result.Settled).

// remoteWork is what a flow may have left running on the service.
type remoteWork struct {
	// noun names it in messages: "deployment record X", "release plan X";
	// idle says that nothing runs: "no deployment was started".
	noun, idle string
	// stopped is the past of what stop does: "stopped", "aborted".
	stopped string
	// running: it was started (or found running) and is not known to have
	// ended. maybe: a request that starts it had an unknown outcome and
	// nothing was found: the post step looks for it again.
	running, maybe bool
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
	title         string // the failure's title when neither cancelled nor timed out
	err           error  // the failure
	timedOut      error  // the cause tctx carries when the timeout passed
	timeout       time.Duration
	stopOnCancel  bool
	stopOnTimeout bool
	grace         time.Duration
	what          string // "The deployment", "Release plan X": the subject of the timeout message
}

// settleEarly settles res after an early end (see the file comment).
func settleEarly(ctx, tctx context.Context, res *Result, e ending, work remoteWork) {
	res.FinishedAt = time.Now()
	var why, flag string
	var allowed bool
	switch {
	case ctx.Err() != nil:
		res.Status = StatusStopped
		res.Failure = &Failure{Title: "Cancelled", Message: "The workflow was cancelled"}
		why, flag, allowed = "cancel", "stop_on_cancel", e.stopOnCancel
	case e.timedOut != nil && errors.Is(context.Cause(tctx), e.timedOut):
		res.Status = StatusTimedOut
		res.Failure = &Failure{Title: "Timed out", Message: fmt.Sprintf("%s did not finish within %s (timeout)", e.what, FormatDuration(e.timeout))}
		why, flag, allowed = "timeout", "stop_on_timeout", e.stopOnTimeout
	default:
		res.Status = StatusFailed
		res.Failure = &Failure{Title: e.title, Message: e.err.Error()}
		// The flow lost track of what it started: as after a timeout, it
		// is stopped when stop_on_timeout allows, never left unwatched
		// without a word.
		why, flag, allowed = "the action stopped watching it", "stop_on_timeout", e.stopOnTimeout
	}
	switch {
	case work.maybe && !work.running:
		res.Failure.Message = sentence(res.Failure.Message) + fmt.Sprintf(" The start's outcome is unknown: the post step will look for %s and stop it if it runs (%s).", work.noun, flag)
		return
	case !work.running:
		res.Settled = true
		if res.Status != StatusFailed && work.idle != "" {
			res.Failure.Message += "; " + work.idle + "."
		}
		return
	case !allowed:
		res.Settled = true // left running on purpose
		if res.Status == StatusStopped {
			res.Status = StatusRunning
		}
		res.Failure.Message = sentence(res.Failure.Message) + fmt.Sprintf(" %s goes on (%s is false).", capitalize(work.noun), flag)
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.grace)
	defer cancel()
	out := work.stop(sctx)
	switch {
	case out.ended:
		res.Settled = true
	case out.stopped:
		// The post step checks once more that the stop took.
		res.Failure.Message = sentence(res.Failure.Message) + fmt.Sprintf(" %s was %s (%s).", capitalize(work.noun), cmp.Or(work.stopped, "stopped"), why)
	default:
		res.Failure.Message = sentence(res.Failure.Message) + fmt.Sprintf(" %s could not be %s: %v; the post step tries again.", capitalize(work.noun), cmp.Or(work.stopped, "stopped"), out.err)
	}
}

// sentence ends s with a full stop.
func sentence(s string) string {
	if s == "" || s[len(s)-1] == '.' {
		return s
	}
	return s + "."
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
