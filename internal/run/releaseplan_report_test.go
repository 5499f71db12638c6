package run

import (
	"testing"
	"time"
)

func TestComponentSpan(t *testing.T) {
	t.Parallel()
	at := func(h int) time.Time { return time.Date(2026, 1, 2, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name                string
		comps               []Component
		wantFirst, wantLast time.Time
	}{
		{"none", nil, time.Time{}, time.Time{}},
		{"no times", []Component{{ID: "a"}}, time.Time{}, time.Time{}},
		{"one", []Component{{StartedAt: at(1), FinishedAt: at(2)}}, at(1), at(2)},
		{"earliest start, latest end", []Component{
			{StartedAt: at(3), FinishedAt: at(4)},
			{StartedAt: at(1), FinishedAt: at(6)},
			{StartedAt: at(2), FinishedAt: at(5)},
		}, at(1), at(6)},
		{"unstarted skipped", []Component{{FinishedAt: at(9)}, {StartedAt: at(5)}}, at(5), at(9)},
	}
	for _, tt := range tests {
		first, last := componentSpan(tt.comps)
		if !first.Equal(tt.wantFirst) || !last.Equal(tt.wantLast) {
			t.Errorf("%s: componentSpan = %v, %v, want %v, %v", tt.name, first, last, tt.wantFirst, tt.wantLast)
		}
	}
}
