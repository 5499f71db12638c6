package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/wait"
)

// This file is the one mechanism every operation uses to send a request
// that must take effect at most once (a deployment start, a release plan's
// execute or rollback): send it once; when its outcome is unknown (a lost
// or unreadable answer, a 5xx, a 429 that did not come from the gateway,
// a 2xx without proof such as a record id), look for proof that it took
// effect, with backoff, for a while, because the service may take seconds
// to show it; adopt what it did, or send again only when nothing shows.

// once describes one such request.
type once[T any] struct {
	what string // "start", "execute", "rollback": names the request in the log
	log  Logger

	// send sends the request once.
	send func(context.Context) (T, error)
	// find looks, once, for proof that an earlier send took effect.
	find func(context.Context) (T, bool, error)
	// busy, when set, recognises the service refusing the request because
	// what it starts already runs. After an unknown outcome that is proof
	// that our earlier send took effect (once find can see it); before,
	// it is someone else's, and sendOnce returns the error to the caller.
	busy func(error) bool

	// look is how long to keep looking for proof after an unknown outcome
	// (default lookFor), grace how long a look may go on after a cancel
	// (so a start that did happen is still found and can be stopped), and
	// tries how often the request may be sent at most (default maxSends).
	look, grace time.Duration
	tries       int
}

// lookFor is how long the action keeps looking for proof of an unknown
// outcome before it sends again: CodeArts takes a few seconds to list a
// new record, and starting again too early makes a second deployment.
var lookFor = 6 * time.Second

// maxSends bounds how often a request is sent: each send after the first
// follows a look that found no proof of the previous one.
const maxSends = 3

// errNoProof is what a send that stays unknown after every try returns.
var errNoProof = errors.New("no proof that it took effect")

// sendOnce sends o's request so that it takes effect at most once. It
// returns the result and whether it was adopted (found after an unknown
// outcome rather than answered), which the caller tells the log.
func sendOnce[T any](ctx context.Context, o once[T]) (v T, adopted bool, err error) {
	o = o.withDefaults()
	uncertain := false
	var zero T
	for try := 1; try <= o.tries; try++ {
		v, err := o.send(ctx)
		if err == nil {
			return v, false, nil
		}
		busy := o.busy != nil && o.busy(err)
		if !o.mayHaveTakenEffect(ctx, err, busy, uncertain) {
			return zero, false, err
		}
		uncertain = true
		if found, ok, err := o.proofOf(ctx, err, busy); ok || err != nil {
			return found, ok, err
		}
		o.log.Infof("No sign of the %s after %s; sending it again.", o.what, FormatDuration(o.look))
	}
	return zero, false, fmt.Errorf("the %s was sent %d times, each with an unknown outcome and %w", o.what, o.tries, errNoProof)
}

// withDefaults fills in the tries and the look o leaves zero.
func (o once[T]) withDefaults() once[T] {
	if o.tries <= 0 {
		o.tries = maxSends
	}
	if o.look <= 0 {
		o.look = lookFor
	}
	return o
}

// mayHaveTakenEffect says whether a send that failed with err may have
// taken effect, so that proof is worth looking for: its outcome is
// unknown (or the caller cancelled meanwhile), or, after such a send
// (uncertain), the service refuses a repeat as busy.
func (o once[T]) mayHaveTakenEffect(ctx context.Context, err error, busy, uncertain bool) bool {
	switch {
	case busy && uncertain:
		// Refused because it runs: our earlier send took effect.
		o.log.Infof("The %s was refused because it is already under way: the earlier %s took effect.", o.what, o.what)
		return true
	case busy:
		return false
	case !huawei.IsUnknownOutcome(err) && ctx.Err() == nil:
		return false
	}
	o.log.Warningf("The %s request's outcome is unknown (%v); looking for proof that it took effect before sending it again.", o.what, err)
	return true
}

// proofOf looks for proof that the send that failed with err took
// effect. It returns what it found (ok), or the error that ends sendOnce,
// or neither when sending again is safe.
func (o once[T]) proofOf(ctx context.Context, err error, busy bool) (T, bool, error) {
	var zero T
	found, ok, lerr := o.lookForProof(ctx)
	switch {
	case lerr != nil:
		return zero, false, fmt.Errorf("%w; it may have taken effect, but that could not be checked (%v), so it was not sent again", err, lerr)
	case ok:
		return found, true, ctx.Err()
	case busy:
		return zero, false, fmt.Errorf("%w; the earlier %s's effect could not be found within %s", err, o.what, FormatDuration(o.look))
	case ctx.Err() != nil:
		return zero, false, err
	}
	return zero, false, nil
}

// lookForProof calls find with backoff until it finds proof or o.look has
// passed. After a cancel it goes on for o.grace at most: a request that
// did take effect must still be found, or it would be neither reported
// nor stopped.
func (o once[T]) lookForProof(ctx context.Context) (T, bool, error) {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.look)
	defer cancel()
	// A cancel, before the look or during it, leaves it the grace period
	// (AfterFunc runs at once for a context already cancelled).
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(o.grace, cancel) })
	defer stop()
	return o.findWithBackoff(lctx)
}

// findWithBackoff calls find, spaced by proofBackoff, until it finds proof,
// a look's error ends the search (proofLooks), or lctx is done.
func (o once[T]) findWithBackoff(lctx context.Context) (T, bool, error) {
	b := proofBackoff()
	var zero T
	var looks proofLooks
	for {
		v, ok, err := o.find(lctx)
		if err == nil && ok {
			return v, true, nil
		}
		if err := looks.note(lctx, err); err != nil {
			return zero, false, err
		}
		if !wait.Pause(lctx, b.NextBackOff()) {
			return zero, false, looks.verdict()
		}
	}
}

// proofBackoff spaces the looks for proof: quick at first, as a new
// record can show within a second, then up to 4 s apart.
func proofBackoff() *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 500 * time.Millisecond
	b.MaxInterval = 4 * time.Second
	b.Multiplier = 2
	b.RandomizationFactor = 0.1
	return b
}

// proofLooks is what the looks for proof that found none have seen.
type proofLooks struct {
	checked bool  // a look completed and saw no proof
	lastErr error // the last look that failed, when it may pass
}

// note takes a look that found no proof, which failed with err (nil when
// it completed). It returns the error that ends the looking: one that
// looking again will not get past, while there is time left.
func (l *proofLooks) note(lctx context.Context, err error) error {
	switch {
	case err == nil:
		l.checked = true
	case !transient(err) && lctx.Err() == nil:
		return err
	default:
		l.lastErr = err
	}
	return nil
}

// verdict is what the looks say once the time for them has passed: seen
// without proof at least once, sending again is safe (nil), since a
// repeat that meets the first one's effect is refused (busy) and adopts
// it; else the last error, as nothing could be checked.
func (l proofLooks) verdict() error {
	if l.checked {
		return nil
	}
	return l.lastErr
}
