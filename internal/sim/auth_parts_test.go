package sim

import (
	"testing"
	"time"
)

func TestClockSkewed(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		offset time.Duration // date minus now
		want   bool
	}{
		{0, false},
		{maxClockSkew, false},
		{-maxClockSkew, false},
		{maxClockSkew + time.Second, true},
		{-maxClockSkew - time.Second, true},
	} {
		if got := clockSkewed(now, now.Add(tc.offset)); got != tc.want {
			t.Errorf("clockSkewed(date %v from now) = %v, want %v", tc.offset, got, tc.want)
		}
	}
}

func TestLowercaseNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		names []string
		want  bool
	}{
		{nil, true},
		{[]string{"host", "x-sdk-date"}, true},
		{[]string{"host", "X-Sdk-Date"}, false},
		{[]string{"host", ""}, false},
	} {
		if got := lowercaseNames(tc.names); got != tc.want {
			t.Errorf("lowercaseNames(%q) = %v, want %v", tc.names, got, tc.want)
		}
	}
}
