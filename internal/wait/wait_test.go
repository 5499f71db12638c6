package wait

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPollGapsGrowAndAreCapped(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var at []time.Duration
		start := time.Now()
		err := Poll(t.Context(), Policy{First: time.Second, Max: 4 * time.Second}, func(context.Context) (bool, time.Duration, error) {
			at = append(at, time.Since(start))
			return len(at) == 8, 0, nil
		})
		require.NoError(t, err)
		require.Len(t, at, 8)
		assert.Equal(t, time.Duration(0), at[0], "the first check is immediate")
		assert.InDelta(t, float64(time.Second), float64(at[1]), float64(150*time.Millisecond), "the second check comes after about First")
		for i := 1; i < len(at); i++ {
			gap := at[i] - at[i-1]
			assert.LessOrEqual(t, gap, 4*time.Second, "gap %d exceeds Max", i)
			if i >= 2 && gap < 4*time.Second {
				assert.GreaterOrEqual(t, gap, (at[i-1]-at[i-2])*9/10, "gaps should not shrink before the cap (gap %d)", i)
			}
		}
		assert.Equal(t, 4*time.Second, at[7]-at[6], "late gaps sit at the cap")
	})
}

func TestPollHintWinsButIsCapped(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var at []time.Duration
		start := time.Now()
		hints := []time.Duration{300 * time.Millisecond, time.Hour, 0}
		err := Poll(t.Context(), Policy{First: time.Second, Max: 5 * time.Second}, func(context.Context) (bool, time.Duration, error) {
			at = append(at, time.Since(start))
			if len(at) > len(hints) {
				return true, 0, nil
			}
			return false, hints[len(at)-1], nil
		})
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{0, 300 * time.Millisecond, 5300 * time.Millisecond}, at[:3])
	})
}

func TestPollStopsOnErrorAndContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		calls := 0
		err := Poll(t.Context(), Policy{}, func(context.Context) (bool, time.Duration, error) {
			calls++
			return false, 0, boom
		})
		assert.ErrorIs(t, err, boom)
		assert.Equal(t, 1, calls)

		cause := errors.New("timed out")
		ctx, cancel := context.WithTimeoutCause(t.Context(), 3*time.Second, cause)
		defer cancel()
		err = Poll(ctx, Policy{First: time.Second, Max: time.Second}, func(context.Context) (bool, time.Duration, error) {
			return false, 0, nil
		})
		assert.ErrorIs(t, err, cause)
	})
}

func TestPollDelaysTheFirstCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		delay, max  time.Duration
		wantFirstAt time.Duration
	}{
		{"no delay: at once", 0, 10 * time.Second, 0},
		{"delayed", 4 * time.Second, 10 * time.Second, 4 * time.Second},
		{"delay capped at Max", time.Minute, 10 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				var got time.Duration
				err := Poll(t.Context(), Policy{Delay: tt.delay, First: time.Second, Max: tt.max}, func(context.Context) (bool, time.Duration, error) {
					got = time.Since(start)
					return true, 0, nil
				})
				require.NoError(t, err)
				assert.Equal(t, tt.wantFirstAt, got)
			})
		})
	}
}

func TestPollNeverWaitsPastTheDeadline(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		cause := errors.New("timed out")
		ctx, cancel := context.WithTimeoutCause(t.Context(), 3*time.Second, cause)
		defer cancel()
		start := time.Now()
		calls := 0
		// poll_interval (10s) longer than the timeout (3s), a delayed first
		// check and a hint past the deadline: the wait ends at 3s.
		err := Poll(ctx, Policy{Delay: 2 * time.Second, First: 10 * time.Second, Max: 10 * time.Second}, func(context.Context) (bool, time.Duration, error) {
			calls++
			return false, time.Hour, nil
		})
		assert.ErrorIs(t, err, cause)
		assert.Equal(t, 3*time.Second, time.Since(start))
		assert.Equal(t, 1, calls)
	})
}

func TestNewGapsDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		p                  Policy
		wantFirst, wantMax time.Duration
	}{
		{"zero policy", Policy{}, DefaultFirst, 10 * time.Second},
		{"as given", Policy{First: 2 * time.Second, Max: 30 * time.Second}, 2 * time.Second, 30 * time.Second},
		{"first over max", Policy{First: time.Minute, Max: 5 * time.Second}, 5 * time.Second, 5 * time.Second},
		{"only max, below the default first", Policy{Max: 500 * time.Millisecond}, 500 * time.Millisecond, 500 * time.Millisecond},
		{"negative is the default", Policy{First: -1, Max: -1}, DefaultFirst, 10 * time.Second},
	}
	for _, tt := range tests {
		first, longest := gapBounds(tt.p)
		assert.Equal(t, [2]time.Duration{tt.wantFirst, tt.wantMax}, [2]time.Duration{first, longest}, tt.name)
		g := newGaps(tt.p)
		assert.Equal(t, tt.wantFirst, g.b.InitialInterval, tt.name)
		assert.Equal(t, tt.wantMax, g.b.MaxInterval, tt.name)
		assert.Equal(t, tt.wantFirst, g.nominal, tt.name)
	}
}

func TestGapsNextHintWinsUpToTheCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hint, want time.Duration
	}{
		{3 * time.Second, 3 * time.Second},
		{time.Hour, 10 * time.Second},
		{10 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		g := newGaps(Policy{First: time.Second, Max: 10 * time.Second})
		assert.Equal(t, tt.want, g.next(tt.hint), tt.hint)
	}
	// Without a hint, once the nominal gap reaches the cap the gap is the
	// cap itself, jitter and all.
	g := newGaps(Policy{First: 10 * time.Second, Max: 10 * time.Second})
	for range 5 {
		assert.Equal(t, 10*time.Second, g.next(0))
	}
}

func TestPause(t *testing.T) {
	t.Parallel()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want bool
	}{
		{"runs its course", context.Background(), time.Millisecond, true},
		{"ended by ctx", done, time.Hour, false},
	}
	for _, tt := range tests {
		if got := Pause(tt.ctx, tt.d); got != tt.want {
			t.Errorf("%s: Pause = %v, want %v", tt.name, got, tt.want)
		}
	}
}
