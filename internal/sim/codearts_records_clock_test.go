package sim

import (
	"testing"
	"time"
)

func TestRecordClockAt(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	steps := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}
	for _, tc := range []struct {
		name string
		rec  record
		now  time.Duration // after t0
		want time.Duration // after t0
	}{
		{"running", record{createdAt: t0, durations: steps}, 4 * time.Second, 4 * time.Second},
		{"just ended", record{createdAt: t0, durations: steps}, 6 * time.Second, 6 * time.Second},
		{"ended", record{createdAt: t0, durations: steps}, time.Hour, 6 * time.Second},
		{"failed at step 2", record{createdAt: t0, durations: steps, failAt: 2}, time.Hour, 3 * time.Second},
		{"stopped", record{createdAt: t0, durations: steps, stopped: true, stoppedAt: t0.Add(time.Second)}, time.Hour, time.Second},
	} {
		if got, want := tc.rec.clockAt(t0.Add(tc.now)), t0.Add(tc.want); !got.Equal(want) {
			t.Errorf("%s: clockAt(t0+%v) = t0+%v, want t0+%v", tc.name, tc.now, got.Sub(t0), tc.want)
		}
	}
}
