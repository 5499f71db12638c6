package run

import (
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

// The forecast polling (README, "Polling"). Checks are few while the end
// is far; dense only in a window before the forecast end and shortly
// after it; once the forecast end has passed, the gaps grow again, by
// half the time since it passed (1.5x a check), up to poll_interval.
const (
	// denseGap is the gap between checks in the window: an end there is
	// seen within about a second.
	denseGap = time.Second
	// windowShare is how early, before the forecast end, the window
	// opens: this share of the time the running step and the later ones
	// took last time (a step that varies by ±30 % moves the end by about
	// that much), and at least minWindow.
	windowShare = 0.2
	minWindow   = time.Second
	// windowChecks bounds the checks in the window before the forecast
	// end: a long window is covered with gaps of a quarter of it, so even
	// a deployment of hours is never polled densely for long.
	windowChecks = 4
	// maxPace bounds how much slower (or faster) than last time the steps
	// left are assumed to run: one slow step must not stretch every later
	// one without limit.
	maxPace = 2.0
	// maxStep is the longest a step's time counts for: a hostile or buggy
	// elapsed_time cannot overflow the sums.
	maxStep = 7 * 24 * time.Hour
)

// forecast suggests the gap before the next state check of a running
// record, from how long the task's previous deployment took step by step.
// It returns 0 when there is nothing to forecast from (the caller's
// backoff decides).
func (d *deployer) forecast(rec *codearts.Record) time.Duration {
	if !d.hasHistory() || !isRunning(rec) {
		return 0
	}
	prev := stepTimes(d.previous.Steps)
	if len(prev) == 0 || len(prev) != len(rec.Steps) {
		total, ok := d.previousTotal()
		if !ok || d.res.Deploy.RecordID == "" {
			return 0
		}
		return nextGap([]time.Duration{total}, nil, time.Since(d.localStart))
	}
	cur := stepTimes(rec.Steps)
	current := max(lastRan(rec.Steps), 0)
	return nextGap(prev, cur[:current], cur[current])
}

// firstDelay is how long after the start the first check can wait: the
// gap the forecast gives before any step has run (0 without history).
func (d *deployer) firstDelay() time.Duration {
	if !d.hasHistory() {
		return 0
	}
	if prev := stepTimes(d.previous.Steps); len(prev) > 0 {
		return nextGap(prev, nil, 0)
	}
	if total, ok := d.previousTotal(); ok {
		return nextGap([]time.Duration{total}, nil, 0)
	}
	return 0
}

// hasHistory reports a previous record to forecast from: one that
// succeeded (a failed one stopped early, and its later steps never ran).
func (d *deployer) hasHistory() bool {
	return d.previous != nil && d.previous.Phase() == codearts.PhaseSucceeded
}

// previousTotal is the previous record's duration, from its start and end
// times, for when its steps do not match this record's.
func (d *deployer) previousTotal() (time.Duration, bool) {
	start, ok1 := codearts.ParseTime(d.previous.StartTime, time.UTC)
	end, ok2 := codearts.ParseTime(d.previous.EndTime, time.UTC)
	if !ok1 || !ok2 || !end.After(start) {
		return 0, false
	}
	return min(end.Sub(start), maxStep), true
}

// stepTimes returns each step's elapsed time, bounded by maxStep.
func stepTimes(steps []codearts.Step) []time.Duration {
	out := make([]time.Duration, len(steps))
	for i, s := range steps {
		out[i] = min(s.Elapsed(), maxStep)
	}
	return out
}

// nextGap is the forecast itself. prev are the steps' times in the
// previous record; done are this run's finished steps (the first
// len(done)); the next one has run for ran.
//
// The running step and the later ones are forecast as long as last time,
// scaled by pace. Before the window the gap reaches to its opening (the
// caller caps it at poll_interval); in it, the gap is dense. A running
// step that overran its forecast may end any moment: the gap grows with
// the overrun (half of it), and is no shorter than what the later steps
// still need.
func nextGap(prev, done []time.Duration, ran time.Duration) time.Duration {
	c := len(done)
	r := pace(prev[:c], done)
	cur := scale(prev[c], r)
	var after time.Duration
	for _, p := range prev[c+1:] {
		after += scale(p, r)
	}
	window := max(time.Duration(windowShare*float64(cur+after)), minWindow)
	dense := max(denseGap, window/windowChecks)
	if over := ran - cur; over > 0 {
		return max(dense, over/2, after-window)
	}
	return max(cur-ran+after-window, dense)
}

// pace is how much slower (above 1) or faster than last time the steps
// left are assumed to run: when every finished step was slower, the least
// slow of them; when every one was faster, the least fast; otherwise 1.
// Steps vary on their own, so one step's overrun says little about the
// next: only a change at least two finished steps agree on is carried
// over, and by no more than maxPace.
func pace(prev, done []time.Duration) float64 {
	slower, faster, n := 0.0, 0.0, 0
	for i, p := range prev {
		if p <= 0 {
			continue
		}
		n++
		ratio := float64(done[i]) / float64(p)
		switch {
		case ratio > 1 && faster == 0:
			if slower == 0 || ratio < slower {
				slower = ratio
			}
		case ratio < 1 && slower == 0:
			faster = max(faster, ratio)
		default:
			return 1
		}
	}
	return carriedPace(n, slower, faster)
}

// carriedPace is the pace carried over from n finished steps that were
// all slower (the least slow of them) or all faster (the least fast):
// none without two of them, and at most maxPace either way.
func carriedPace(n int, slower, faster float64) float64 {
	switch {
	case n < 2:
		return 1
	case slower > 0:
		return min(slower, maxPace)
	case faster > 0:
		return max(faster, 1/maxPace)
	}
	return 1
}

func scale(d time.Duration, r float64) time.Duration {
	return time.Duration(float64(d) * r)
}
