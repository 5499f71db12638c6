package huawei

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// retryAfter carries both the wait the server asked for and the error, so
// the notify callback and the final error still see the real cause.
type retryAfter struct {
	backoff.RetryAfterError
	err error
}

func (r *retryAfter) Error() string { return r.err.Error() }
func (r *retryAfter) Unwrap() []error {
	return []error{&r.RetryAfterError, r.err}
}

func unwrapRetry(err error) error {
	var r *retryAfter
	if errors.As(err, &r) {
		return r.err
	}
	return err
}

// skewFix remembers the one clock correction a call may make, and tells
// the retry notification about it once.
type skewFix struct {
	done   bool
	by     time.Duration
	report bool
}

func (f *skewFix) take() time.Duration {
	if !f.report {
		return 0
	}
	f.report = false
	return f.by
}

// classify decides whether a failed attempt may be retried.
func (c *Client) classify(ctx context.Context, req Request, err error, skew *skewFix) error {
	if apiErr, ok := AsAPIError(err); ok {
		return c.classifyAPI(ctx, req, apiErr, err, skew)
	}
	if errors.Is(err, ErrAnswerTooLarge) {
		// Asking again brings the same answer. The request did reach
		// the service, so a call that is not idempotent may have acted.
		if req.Idempotent {
			return backoff.Permanent(err)
		}
		return backoff.Permanent(&UnknownOutcomeError{Err: err})
	}
	if perm := c.permanentTransportError(err); perm != nil {
		// Nothing was sent (unreachable.go): no outcome to look into.
		return backoff.Permanent(perm)
	}
	if notSent(err) || req.Idempotent {
		return err
	}
	return backoff.Permanent(&UnknownOutcomeError{Err: err})
}

// classifyAPI decides on an error answer, apiErr, which err wraps.
func (c *Client) classifyAPI(ctx context.Context, req Request, apiErr *APIError, err error, skew *skewFix) error {
	switch {
	case c.signs() && !skew.done && apiErr.ClockSkewed(c.clock()):
		// Correct our clock from the gateway's and re-sign at once.
		by := apiErr.Date.Sub(c.now())
		*skew = skewFix{done: true, by: by, report: true}
		c.skew.Store(int64(by))
		return &retryAfter{err: err}
	case apiErr.Throttled() && (req.Idempotent || apiErr.GatewayThrottled()):
		return c.waitAsked(ctx, req, apiErr, err)
	case apiErr.Throttled():
		// Not the gateway's: the service may have acted.
		return backoff.Permanent(&UnknownOutcomeError{Err: err})
	case apiErr.ServerFault():
		if req.Idempotent {
			return c.waitAsked(ctx, req, apiErr, err)
		}
		return backoff.Permanent(&UnknownOutcomeError{Err: err})
	default:
		// 401 APIGW.0301 among them: retrying a bad signature only
		// brings the AK closer to the gateway's lockout.
		return backoff.Permanent(err)
	}
}

// waitAsked retries err after the wait the server asked for, if any. The
// server's Retry-After wins over our backoff, capped (MaxServerWait), and
// never past what is left of the caller's time: a wait that would outlast
// it cannot end in a retry, so the error is final now.
func (c *Client) waitAsked(ctx context.Context, req Request, apiErr *APIError, err error) error {
	if apiErr.RetryAfter <= 0 {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= apiErr.RetryAfter {
		if c.notify != nil {
			c.notify(RetryEvent{Method: req.Method, Path: req.Path, Err: err, ServerAsked: apiErr.RetryAfterAsked, NoRetry: true})
		}
		return backoff.Permanent(err)
	}
	return &retryAfter{RetryAfterError: backoff.RetryAfterError{Duration: apiErr.RetryAfter}, err: err}
}

// notSent reports transport errors that prove the request never reached the
// server: the connection could not be made.
func notSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}
