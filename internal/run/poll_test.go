package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/wait"
)

// warnLog keeps the warnings, the only level pollRead writes.
type warnLog struct {
	nopLog
	mu       sync.Mutex
	warnings []string
}

func (l *warnLog) Warningf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.warnings = append(l.warnings, fmt.Sprintf(format, args...))
}

func TestPollRead(t *testing.T) {
	t.Parallel()
	var (
		unavailable = &huawei.APIError{HTTPStatus: 503, Message: "busy"}
		throttled   = &huawei.APIError{HTTPStatus: 429, Message: "slow down"}
		forbidden   = &huawei.APIError{HTTPStatus: 403, Message: "no"}
		network     = errors.New("connection reset by peer")
		protocol    = &huawei.ProtocolError{Problem: "the answer is about another plan"}
		decideErr   = errors.New("the record vanished")
	)
	protocols := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = protocol
		}
		return out
	}
	tests := []struct {
		name string
		// answers are read in turn: an int is a good read, an error a
		// failed one. decide is done at the value 99 and fails at -1.
		answers    []any
		cancelled  bool
		wantErr    error // nil: the wait ended done
		wantReads  int
		wantSeen   []int // the values decide saw
		wantWarned int
	}{
		{"done at once", []any{99}, false, nil, 1, []int{99}, 0},
		{"good reads until done", []any{1, 2, 99}, false, nil, 3, []int{1, 2, 99}, 0},
		{"transient errors are polled through", []any{unavailable, network, 1, throttled, 99}, false, nil, 5, []int{1, 99}, 3},
		{"an error that is not transient ends the wait", []any{1, forbidden, 99}, false, forbidden, 2, []int{1}, 0},
		{"protocol errors end the wait after a run of them", protocols(maxProtocolErrors), false, errUnreadable, maxProtocolErrors, nil, maxProtocolErrors - 1},
		{"a good read resets the run of protocol errors",
			append(append(append(protocols(maxProtocolErrors-1), 1), protocols(maxProtocolErrors-1)...), 99),
			false, nil, 2 * maxProtocolErrors, []int{1, 99}, 2 * (maxProtocolErrors - 1)},
		{"transient errors do not reset the run", append(append(protocols(2), unavailable), protocols(3)...), false, errUnreadable, 6, nil, 5},
		{"decide's error ends the wait", []any{1, -1, 99}, false, decideErr, 2, []int{1, -1}, 0},
		{"a cancelled wait does not poll through", []any{network, 99}, true, network, 1, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancelled {
				cancel()
			}
			var log warnLog
			reads := 0
			var seen []int
			read := func(context.Context) (int, error) {
				a := tt.answers[min(reads, len(tt.answers)-1)]
				reads++
				if err, ok := a.(error); ok {
					return 0, err
				}
				return a.(int), nil
			}
			decide := func(_ context.Context, v int) (bool, time.Duration, error) {
				seen = append(seen, v)
				if v < 0 {
					return false, 0, decideErr
				}
				return v == 99, 0, nil
			}
			policy := wait.Policy{First: time.Millisecond, Max: time.Millisecond}
			err := pollRead(ctx, &log, policy, "the thing", read, decide)
			if tt.wantErr == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			assert.Equal(t, tt.wantReads, reads, "reads")
			assert.Equal(t, tt.wantSeen, seen, "values decide saw")
			assert.Len(t, log.warnings, tt.wantWarned, "warnings: %q", log.warnings)
			for _, w := range log.warnings {
				assert.True(t, strings.HasPrefix(w, "Could not read the thing; trying again: "), w)
			}
		})
	}
}
