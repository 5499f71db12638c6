package run

import (
	"context"
	"errors"
	"fmt"

	"github.com/deploy-action/deploy-action/internal/huawei"
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
