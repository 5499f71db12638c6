package sim

import (
	"testing"
	"time"
)

func TestHHMMSS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "00:00:00"},
		{1499 * time.Millisecond, "00:00:01"},
		{1500 * time.Millisecond, "00:00:02"},
		{61 * time.Second, "00:01:01"},
		{3*time.Hour + 4*time.Minute + 5*time.Second, "03:04:05"},
		{100 * time.Hour, "100:00:00"},
	} {
		if got := hhmmss(tc.d); got != tc.want {
			t.Errorf("hhmmss(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestRegionDayAndStamp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		at        time.Time
		wantDay   string
		wantStamp string
	}{
		{time.Date(2026, 12, 2, 15, 59, 59, 0, time.UTC), "2026-12-02", "2026-12-02 23:59:59"},
		{time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC), "2026-12-03", "2026-12-03 00:00:00"},
		{time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC), "2027-01-01", "2027-01-01 04:00:00"},
	} {
		day := regionDay(tc.at)
		if got := day.Format(historyDateForm); got != tc.wantDay || day.Location() != time.UTC || day.Hour() != 0 {
			t.Errorf("regionDay(%v) = %v, want %s at midnight UTC", tc.at, day, tc.wantDay)
		}
		if got := regionStamp(tc.at); got != tc.wantStamp {
			t.Errorf("regionStamp(%v) = %q, want %q", tc.at, got, tc.wantStamp)
		}
	}
}
