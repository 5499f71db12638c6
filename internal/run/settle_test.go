package run

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestEndingClassify(t *testing.T) {
	t.Parallel()
	errLimit := errors.New("the limit passed")
	live := context.Background()
	cancelled, cancel := context.WithCancel(live)
	cancel()
	timedOut, cancel2 := context.WithTimeoutCause(live, -time.Second, errLimit)
	defer cancel2()
	otherDeadline, cancel3 := context.WithTimeout(live, -time.Second)
	defer cancel3()
	e := ending{timedOut: errLimit, timeout: time.Minute, stopOnCancel: true, stopOnTimeout: false}
	tests := []struct {
		name        string
		ctx, tctx   context.Context
		e           ending
		wantStatus  Status
		wantCause   Cause
		wantTimeout time.Duration
		wantInput   string
		wantAllowed bool
	}{
		{"cancelled", cancelled, cancelled, e, StatusStopped, CauseCancelled, 0, "stop_on_cancel", true},
		{"a cancel wins over the timeout", cancelled, timedOut, e, StatusStopped, CauseCancelled, 0, "stop_on_cancel", true},
		{"timed out", live, timedOut, e, StatusTimedOut, CauseTimedOut, time.Minute, "stop_on_timeout", false},
		{"another deadline is an error", live, otherDeadline, e, StatusFailed, CauseError, 0, "stop_on_timeout", false},
		{"no timeout cause: an error", live, timedOut, ending{stopOnTimeout: true}, StatusFailed, CauseError, 0, "stop_on_timeout", true},
		{"an error of its own", live, live, e, StatusFailed, CauseError, 0, "stop_on_timeout", false},
		{"no timeout cause, and no timeout", live, live, ending{}, StatusFailed, CauseError, 0, "stop_on_timeout", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := &Result{Failure: &Failure{}}
			input, allowed := tt.e.classify(tt.ctx, tt.tctx, res)
			assert.Equal(t, tt.wantStatus, res.Status, "status")
			assert.Equal(t, tt.wantCause, res.Failure.Cause, "cause")
			assert.Equal(t, tt.wantTimeout, res.Failure.Timeout, "timeout")
			assert.Equal(t, tt.wantInput, input, "input")
			assert.Equal(t, tt.wantAllowed, allowed, "allowed")
		})
	}
}

func TestSettleUnstopped(t *testing.T) {
	t.Parallel()
	idle := NothingRunning{NoneStarted: true}
	tests := []struct {
		name        string
		status      Status
		work        remoteWork
		wantStatus  Status
		wantSettled bool
		wantAction  Action
	}{
		{"nothing runs", StatusFailed, remoteWork{idle: idle}, StatusFailed, true, idle},
		{"it may run: the post step looks", StatusStopped, remoteWork{maybe: true}, StatusStopped, false, OutcomeUnknown{Input: "stop_on_cancel"}},
		{"left running after a cancel: still running", StatusStopped, remoteWork{running: true}, StatusRunning, true, LeftRunning{Input: "stop_on_cancel"}},
		{"left running after a timeout", StatusTimedOut, remoteWork{running: true, maybe: true}, StatusTimedOut, true, LeftRunning{Input: "stop_on_cancel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := &Result{Status: tt.status, Failure: &Failure{}}
			settleUnstopped(res, tt.work, "stop_on_cancel")
			assert.Equal(t, tt.wantStatus, res.Status, "status")
			assert.Equal(t, tt.wantSettled, res.Settled, "settled")
			assert.Equal(t, []Action{tt.wantAction}, res.Failure.Actions)
		})
	}
}
