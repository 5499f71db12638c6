package run

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

// A log that never goes quiet while a deployment runs: the running step's
// own log as it is written, and when nothing new has been said for a
// while, a line saying which step still runs.
const (
	// DefaultTailAfter is how long a step runs before its log is followed
	// as it is written. A quicker step shows its log whole under its group
	// when it ends, a few seconds later, and costs no log calls meanwhile.
	DefaultTailAfter = 10 * time.Second
	// DefaultHeartbeat is how long the action stays silent while a step
	// runs before it says so.
	DefaultHeartbeat = time.Minute
)

// liveState is when the action last said something about the run.
type liveState struct {
	at                 time.Time
	printed, announced int // the deployer's counts then: a change is news
}

// live runs at each state check while step current runs (after progress
// printed what ended): it prints the step's new log lines, at most one
// log call's worth, or, when nothing new has been said for the heartbeat
// interval, one line with the step, how long it has run and how long it
// took last time.
func (d *deployer) live(ctx context.Context, rec *codearts.Record, current int) {
	now := time.Now()
	b := &d.liveState
	if b.at.IsZero() || b.printed != d.printed || b.announced != d.announced {
		b.at, b.printed, b.announced = now, d.printed, d.announced
	}
	if current < 0 || current >= len(rec.Steps) {
		return
	}
	s := rec.Steps[current]
	if s.Elapsed() >= cmp.Or(d.in.TailAfter, DefaultTailAfter) && d.logs.follow(ctx, s, current+1) {
		b.at = now
		return
	}
	if now.Sub(b.at) < cmp.Or(d.in.Heartbeat, DefaultHeartbeat) {
		return
	}
	b.at = now
	d.log.Infof("%s.", stillRunning(s, current, len(rec.Steps), d.previousStep(current, len(rec.Steps))))
}

// stillRunning is the heartbeat line about step s at index current of
// steps, which took prev in the previous record (0 when not known).
func stillRunning(s codearts.Step, current, steps int, prev time.Duration) string {
	msg := fmt.Sprintf("… %d/%d %s is still running: %s so far", current+1, steps, stepName(s, current), FormatDuration(s.Elapsed()))
	if prev > 0 {
		msg += fmt.Sprintf("; its previous run took %s", FormatDuration(prev))
	}
	return msg
}

// previousStep is how long step i took in the previous record, when that
// record succeeded and had the same steps; else 0.
func (d *deployer) previousStep(i, steps int) time.Duration {
	if !d.hasHistory() || len(d.previous.Steps) != steps {
		return 0
	}
	return min(d.previous.Steps[i].Elapsed(), maxStep)
}
