package run

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestCallFailure(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	timedOut, cancel2 := context.WithTimeout(context.Background(), -time.Second)
	defer cancel2()
	live := context.Background()
	errBoom := errors.New("boom")
	tests := []struct {
		name       string
		outer, ctx context.Context
		want       Failure
	}{
		{"an error of its own", live, live, Failure{What: FailedStop, Err: errBoom, Cause: CauseError}},
		{"the caller cancelled", cancelled, cancelled, Failure{What: FailedStop, Err: errBoom, Cause: CauseCancelled}},
		{"the timeout passed", live, timedOut, Failure{What: FailedStop, Err: errBoom, Cause: CauseTimedOut, Timeout: time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, &tt.want, callFailure(FailedStop, errBoom, tt.outer, tt.ctx, time.Minute))
		})
	}
}
