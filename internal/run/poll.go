package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/wait"
)

// maxProtocolErrors is how many answers in a row that are not what the API
// documents (about another record, of the wrong shape) a flow reads past
// before it gives up: a passing glitch is retried, a server that keeps
// answering about something else never decides a verdict.
const maxProtocolErrors = 5

// errUnreadable ends a wait whose answers could not be used.
var errUnreadable = errors.New("could not read the state")

// readErrors decides, for each failed read of a poll, whether to poll on:
// transient errors (throttling, 5xx, network trouble the client's retries
// did not get past) are polled through until the timeout; protocol errors
// are polled through up to maxProtocolErrors in a row.
type readErrors struct{ protocol int }

func (r *readErrors) reset() { r.protocol = 0 }

// note logs a failed read of what and returns nil to poll on, or the error
// that ends the wait.
func (r *readErrors) note(ctx context.Context, log Logger, what string, err error) error {
	if ctx.Err() != nil || !transient(err) {
		return err
	}
	if huawei.IsProtocolError(err) {
		r.protocol++
		if r.protocol >= maxProtocolErrors {
			return fmt.Errorf("%w: %d answers in a row were not what the API documents; the last: %v", errUnreadable, r.protocol, err)
		}
	}
	log.Warningf("Could not read %s; trying again: %v", what, err)
	return nil
}

// pollRead polls under policy: each check reads the remote state and, when
// the read worked, lets decide say whether the wait is over (and may
// suggest the next gap). A read that failed goes through readErrors:
// transient errors are logged as "Could not read <what>; trying again" and
// polled through until ctx ends, protocol errors up to maxProtocolErrors
// in a row, and any other error ends the wait. Every poll of a flow goes
// through here, so they all treat a bad read alike.
func pollRead[T any](ctx context.Context, log Logger, policy wait.Policy, what string,
	read func(context.Context) (T, error), decide func(context.Context, T) (done bool, next time.Duration, err error)) error {
	var unreadable readErrors
	return wait.Poll(ctx, policy, func(ctx context.Context) (bool, time.Duration, error) {
		v, err := read(ctx)
		if err != nil {
			return false, 0, unreadable.note(ctx, log, what, err)
		}
		unreadable.reset()
		return decide(ctx, v)
	})
}
