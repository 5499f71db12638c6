package run

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

func TestLastPage(t *testing.T) {
	t.Parallel()
	n := func(v int64) *codearts.FlexInt { f := codearts.FlexInt(v); return &f }
	tests := []struct {
		name  string
		total *codearts.FlexInt
		size  int
		want  int
	}{
		{"no total: unknown", nil, 100, 0},
		{"no records", n(0), 100, 0},
		{"one record", n(1), 100, 1},
		{"a full page", n(100), 100, 1},
		{"one more than a page", n(101), 100, 2},
		{"ten pages", n(1000), 100, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, lastPage(tt.total, tt.size))
		})
	}
}

func TestHistoryDates(t *testing.T) {
	t.Parallel()
	shanghai := time.FixedZone("UTC+8", 8*3600)
	now := time.Date(2026, 3, 10, 23, 30, 0, 0, shanghai)
	tests := []struct {
		name             string
		ourStart         string
		wantFrom, wantTo string
	}{
		{"from our start, to the day after", "2026-02-20 08:00:00", "2026-01-22", "2026-02-21"},
		{"late in the day is still that day", "2026-02-20 23:59:59", "2026-01-22", "2026-02-21"},
		{"across a year", "2025-12-31 12:00:00", "2025-12-02", "2026-01-01"},
		{"an unreadable start: now, in the region's zone", "yesterday", "2026-02-09", "2026-03-11"},
		{"no start: now", "", "2026-02-09", "2026-03-11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			from, to := historyDates(tt.ourStart, now)
			assert.Equal(t, tt.wantFrom, from.Format(codearts.HistoryDateLayout), "from")
			assert.Equal(t, tt.wantTo, to.Format(codearts.HistoryDateLayout), "to")
			assert.Equal(t, historySpanDays, int(to.Sub(from).Hours()/24+0.5), "span in days")
		})
	}
}

func TestPassedOver(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		latest *codearts.Record
		want   string
	}{
		{"none", nil, "no earlier record was found"},
		{"failed", &codearts.Record{RecordID: "r9", Status: "failed"}, `the latest record, r9, ended "failed"`},
	}
	for _, tt := range tests {
		if got := passedOver(tt.latest); got != tt.want {
			t.Errorf("%s: passedOver = %q, want %q", tt.name, got, tt.want)
		}
	}
}
