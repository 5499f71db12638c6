package sim

import (
	"testing"
	"time"
)

func TestRunBatch(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	comps := []ScenarioPlanComponent{
		{Name: "a", Seq: 1, Duration: 2 * time.Second},
		{Name: "b", Seq: 2, Duration: 5 * time.Second, Fail: true},
		{Name: "c", Seq: 1, Duration: 3 * time.Second},
		{Name: "d", Seq: 2, Duration: time.Second},
	}
	for _, tc := range []struct {
		seq        int
		wantEnd    time.Duration
		wantFailed bool
		wantRuns   []bool
	}{
		{1, 3 * time.Second, false, []bool{true, false, true, false}},
		{2, 5 * time.Second, true, []bool{false, true, false, true}},
		{3, 0, false, []bool{false, false, false, false}},
	} {
		runs := make([]compRun, len(comps))
		end, failed := runBatch(comps, tc.seq, t0, runs)
		if got, want := end, t0.Add(tc.wantEnd); !got.Equal(want) || failed != tc.wantFailed {
			t.Errorf("runBatch(seq %d) = %v, %v, want %v, %v", tc.seq, got, failed, want, tc.wantFailed)
		}
		for i, r := range runs {
			if r.runs != tc.wantRuns[i] || (r.runs && (!r.start.Equal(t0) || !r.end.Equal(t0.Add(comps[i].Duration)))) {
				t.Errorf("runBatch(seq %d): component %s run %+v, want runs=%v from t0 for its duration", tc.seq, comps[i].Name, r, tc.wantRuns[i])
			}
		}
	}
}

func TestPlanExecClock(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	earlier, later := now.Add(-time.Minute), now.Add(time.Minute)
	for _, tc := range []struct {
		name string
		ex   planExec
		want time.Time
	}{
		{"running", planExec{}, now},
		{"aborted before now", planExec{aborted: true, abortedAt: earlier}, earlier},
		{"aborted after now", planExec{aborted: true, abortedAt: later}, now},
		{"abort time without abort", planExec{abortedAt: earlier}, now},
	} {
		if got := tc.ex.clock(now); !got.Equal(tc.want) {
			t.Errorf("%s: clock = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestComponentFailMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    ScenarioPlanComponent
		want string
	}{
		{ScenarioPlanComponent{Name: "web"}, "Deployment job failed: component web did not become ready"},
		{ScenarioPlanComponent{Name: "web", FailMessage: "image pull failed"}, "image pull failed"},
	} {
		if got := tc.c.failMessage(); got != tc.want {
			t.Errorf("failMessage(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestIDPrefix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ id, want string }{
		{"", ""},
		{"abc", "abc"},
		{"12345678", "12345678"},
		{"0123456789abcdef", "01234567"},
	} {
		if got := idPrefix(tc.id); got != tc.want {
			t.Errorf("idPrefix(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
}
