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
	First time.Duration // gap before the second check (the first is immediate)
	Max   time.Duration // no two checks further apart than this (poll_interval)
}

// DefaultFirst is the first gap: a deployment that ends quickly is noticed
// within about a second.
const DefaultFirst = time.Second

// Check inspects the remote operation once. It returns done when the wait is
// over, and may suggest the next gap (0: let the backoff decide).
type Check func(ctx context.Context) (done bool, next time.Duration, err error)

// Poll runs check at once and then after growing gaps, until check is done
// or fails, or ctx ends (its cause is returned).
func Poll(ctx context.Context, p Policy, check Check) error {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = p.First
	if b.InitialInterval <= 0 {
		b.InitialInterval = DefaultFirst
	}
	b.MaxInterval = p.Max
	if b.MaxInterval <= 0 {
		b.MaxInterval = 10 * time.Second
	}
	if b.InitialInterval > b.MaxInterval {
		b.InitialInterval = b.MaxInterval
	}
	b.Multiplier = 1.5
	// Light jitter: enough that parallel jobs drift apart, small enough
	// that the gap stays predictable.
	b.RandomizationFactor = 0.1
	b.Reset()

	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	// nominal follows the backoff's interval before jitter, which the
	// library does not expose: once it reaches the cap, the gap is the cap
	// itself. Jitter there could only shorten the gaps (they are capped
	// from above), polling faster than poll_interval says for the whole
	// of a long wait.
	nominal := b.InitialInterval
	for {
		done, hint, err := check(ctx)
		if err != nil || done {
			return err
		}
		gap := b.NextBackOff()
		if nominal >= b.MaxInterval {
			gap = b.MaxInterval
		}
		nominal = min(time.Duration(float64(nominal)*b.Multiplier), b.MaxInterval)
		if hint > 0 {
			gap = hint
		}
		if gap > b.MaxInterval {
			gap = b.MaxInterval
		}
		timer.Reset(gap)
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-timer.C:
		}
	}
}
