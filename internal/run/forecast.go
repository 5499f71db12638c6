package run

import (
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

// Polling near the end: the gap between checks once the forecast says the
// deployment is about to end, or has overrun it.
const (
	denseGap = 700 * time.Millisecond
	// lead is how early, before the forecast end, the first dense check comes.
	lead = 300 * time.Millisecond
)

// forecast suggests the gap before the next state check of a running
// record, from how long the task's previous deployment took step by step,
// scaled by how this one has run so far: few checks while the deployment
// is far from its end, dense ones around the expected end. It returns 0
// when there is nothing to forecast from (the caller's backoff decides).
func (d *deployer) forecast(rec *codearts.Record) time.Duration {
	if d.previous == nil || !isRunning(rec) {
		return 0
	}
	prev := d.previous.Steps
	cur := rec.Steps
	if len(prev) == 0 || len(prev) != len(cur) {
		return d.forecastTotal()
	}
	current := 0
	for i, s := range cur {
		if s.ElapsedTime > 0 {
			current = i
		}
	}
	// How this run compares with the previous one, on the steps done.
	var donePrev, doneNow time.Duration
	for i := 0; i < current; i++ {
		donePrev += prev[i].Elapsed()
		doneNow += cur[i].Elapsed()
	}
	ratio := 1.0
	if donePrev > 0 && doneNow > 0 {
		ratio = float64(doneNow) / float64(donePrev)
	} else if p := prev[current].Elapsed(); p > 0 && cur[current].Elapsed() > p {
		// The first step already overran: at least this much slower.
		ratio = float64(cur[current].Elapsed()) / float64(p)
	}
	remaining := time.Duration(float64(prev[current].Elapsed())*ratio) - cur[current].Elapsed()
	for i := current + 1; i < len(prev); i++ {
		remaining += time.Duration(float64(prev[i].Elapsed()) * ratio)
	}
	return gapFor(remaining)
}

// forecastTotal uses the previous record's total duration when its steps
// do not match this one's.
func (d *deployer) forecastTotal() time.Duration {
	start, ok1 := codearts.ParseTime(d.previous.StartTime, time.UTC)
	end, ok2 := codearts.ParseTime(d.previous.EndTime, time.UTC)
	if !ok1 || !ok2 || !end.After(start) || d.res.RecordID == "" {
		return 0
	}
	return gapFor(end.Sub(start) - time.Since(d.localStart))
}

// gapFor turns a forecast of the time left into the next gap: sleep until
// shortly before the expected end (the caller caps it at poll_interval),
// then check densely until the end is seen.
func gapFor(remaining time.Duration) time.Duration {
	if remaining <= lead+denseGap {
		return denseGap
	}
	return remaining - lead
}
