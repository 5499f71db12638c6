package run

import (
	"reflect"
	"testing"
	"time"

	"github.com/deploy-action/deploy-action/internal/servicestage"
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

func TestPlanComponent(t *testing.T) {
	t.Parallel()
	ms := func(sec int64) servicestage.EpochMillis { return servicestage.EpochMillis(1767348000000 + sec*1000) }
	at := func(sec int64) time.Time { return time.UnixMilli(1767348000000 + sec*1000).UTC() }
	tests := []struct {
		name string
		in   servicestage.Component
		want Component
	}{
		{"fields carried", servicestage.Component{
			ID: "c1", Name: "web", Seq: 2, Version: "1.0", Status: "FAILED", JobStatus: "FAILED",
			FailMessage: "boom", RollbackJobStatus: "SUCCEEDED", RollbackFailMessage: "none",
		}, Component{
			ID: "c1", Name: "web", Seq: 2, Version: "1.0", Status: "FAILED", JobStatus: "FAILED",
			FailMessage: "boom", RollbackJobStatus: "SUCCEEDED", RollbackFailMessage: "none",
		}},
		{"settled with times", servicestage.Component{Status: "SUCCESS", StartTime: ms(0), EndTime: ms(90)},
			Component{Status: "SUCCESS", StartedAt: at(0), FinishedAt: at(90), Elapsed: 90 * time.Second}},
		{"end of a running component ignored", servicestage.Component{Status: "RUNNING", StartTime: ms(0), EndTime: ms(90)},
			Component{Status: "RUNNING", StartedAt: at(0)}},
		{"end before start: no elapsed", servicestage.Component{Status: "SUCCESS", StartTime: ms(90), EndTime: ms(0)},
			Component{Status: "SUCCESS", StartedAt: at(90), FinishedAt: at(0)}},
		{"no start: no elapsed", servicestage.Component{Status: "SUCCESS", EndTime: ms(90)},
			Component{Status: "SUCCESS", FinishedAt: at(90)}},
		{"rollback elapsed", servicestage.Component{Status: "ROLLBACK_SUCCEED", RollbackStartTime: ms(10), RollbackEndTime: ms(40)},
			Component{Status: "ROLLBACK_SUCCEED", RollbackElapsed: 30 * time.Second}},
		{"rollback unfinished", servicestage.Component{Status: "FAILED", RollbackStartTime: ms(10)},
			Component{Status: "FAILED"}},
	}
	for _, tt := range tests {
		if got := planComponent(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: planComponent =\n%+v, want\n%+v", tt.name, got, tt.want)
		}
	}
}
