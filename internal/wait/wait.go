// Package wait polls a remote operation until it finishes: capped
// exponential backoff that starts fast, lets the caller (or the server's
// Retry-After) shorten or lengthen the next gap, and never sleeps past the
// context.
package wait

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Policy shapes the gaps between checks.
type Policy struct {
	// Delay is the wait before the first check (0: at once), for a caller
	// that knows the operation cannot end soon. Max caps it too.
	Delay time.Duration
	First time.Duration // gap before the second check
	Max   time.Duration // no two checks further apart than this (poll_interval)
}

// DefaultFirst is the first gap: a deployment that ends quickly is noticed
// within about a second.
const DefaultFirst = time.Second

// Check inspects the remote operation once. It returns done when the wait is
// over, and may suggest the next gap (0: let the backoff decide).
type Check func(ctx context.Context) (done bool, next time.Duration, err error)

// Poll runs check at once (or after Policy.Delay) and then after growing
// gaps, until check is done or fails, or ctx ends (its cause is returned).
func Poll(ctx context.Context, p Policy, check Check) error {
	g := newGaps(p)
	timer := stoppedTimer()
	defer timer.Stop()
	if p.Delay > 0 {
		if err := sleep(ctx, timer, min(p.Delay, g.b.MaxInterval)); err != nil {
			return err
		}
	}
	return g.checkUntilDone(ctx, timer, check)
}

// checkUntilDone runs check, and again after each gap, until it is done or
// fails, or ctx ends.
func (g *gaps) checkUntilDone(ctx context.Context, timer *time.Timer, check Check) error {
	for {
		done, hint, err := check(ctx)
		if err != nil || done {
			return err
		}
		if err := sleep(ctx, timer, g.next(hint)); err != nil {
			return err
		}
	}
}

// stoppedTimer is a timer that has fired and been drained, ready for
// sleep to Reset.
func stoppedTimer() *time.Timer {
	timer := time.NewTimer(0)
	<-timer.C
	return timer
}

// gaps are the waits between checks: the policy's backoff, or the check's
// hint, never over the cap.
type gaps struct {
	b *backoff.ExponentialBackOff
	// nominal follows the backoff's interval before jitter, which the
	// library does not expose: once it reaches the cap, the gap is the
	// cap itself. Jitter there could only shorten the gaps (they are
	// capped from above), polling faster than poll_interval says for the
	// whole of a long wait.
	nominal time.Duration
}

// newGaps applies the defaults to p's first and longest gaps.
func newGaps(p Policy) *gaps {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = gapBounds(p)
	b.Multiplier = 1.5
	// Light jitter: enough that parallel jobs drift apart, small enough
	// that the gap stays predictable.
	b.RandomizationFactor = 0.1
	b.Reset()
	return &gaps{b: b, nominal: b.InitialInterval}
}

// gapBounds are p's first and longest gaps, defaults applied: the first
// is DefaultFirst, the longest 10s, and the first never over the longest.
func gapBounds(p Policy) (first, longest time.Duration) {
	first, longest = p.First, p.Max
	if first <= 0 {
		first = DefaultFirst
	}
	if longest <= 0 {
		longest = 10 * time.Second
	}
	return min(first, longest), longest
}

// next is the wait before the next check; a hint above 0 wins.
func (g *gaps) next(hint time.Duration) time.Duration {
	gap := g.b.NextBackOff()
	if g.nominal >= g.b.MaxInterval {
		gap = g.b.MaxInterval
	}
	g.nominal = min(time.Duration(float64(g.nominal)*g.b.Multiplier), g.b.MaxInterval)
	if hint > 0 {
		gap = hint
	}
	return min(gap, g.b.MaxInterval)
}

// sleep waits for gap on timer, or until ctx ends: then it returns its
// cause. A gap that would end at or past ctx's deadline is not waited
// for: the wait ends with the deadline, so a timeout shorter than
// poll_interval ends it on time and no check is sent as it passes.
func sleep(ctx context.Context, timer *time.Timer, gap time.Duration) error {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= gap {
		<-ctx.Done()
		return context.Cause(ctx)
	}
	timer.Reset(gap)
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-timer.C:
		return nil
	}
}

// Pause waits d, or until ctx is done; it reports whether the wait ran its
// course (false: ctx ended it). It is the one cancellable sleep of the
// flows and the health gate.
func Pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
