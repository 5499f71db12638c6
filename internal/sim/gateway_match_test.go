package sim

import "testing"

func TestFaultMatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f          Fault
		op, taskID string
		want       bool
	}{
		{Fault{}, "start", "t1", true},
		{Fault{Op: FaultOpAny}, "state", "", true},
		{Fault{Op: "start"}, "start", "t1", true},
		{Fault{Op: "start"}, "state", "t1", false},
		{Fault{TaskID: "t1"}, "start", "t1", true},
		{Fault{TaskID: "t1"}, "start", "t2", false},
		{Fault{TaskID: "t1"}, "plan", "", false},
		{Fault{Op: "logs", TaskID: "t1"}, "logs", "t1", true},
	} {
		if got := tc.f.matches(tc.op, tc.taskID); got != tc.want {
			t.Errorf("%+v.matches(%q, %q) = %v, want %v", tc.f, tc.op, tc.taskID, got, tc.want)
		}
	}
}

func TestFaultAffects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		after, times int
		n            int
		want         bool
	}{
		{0, 0, 0, true},
		{0, 0, 99, true},
		{2, 0, 1, false},
		{2, 0, 2, true},
		{2, 0, 50, true},
		{0, 1, 0, true},
		{0, 1, 1, false},
		{1, 2, 0, false},
		{1, 2, 1, true},
		{1, 2, 2, true},
		{1, 2, 3, false},
	} {
		f := Fault{After: tc.after, Times: tc.times}
		if got := f.affects(tc.n); got != tc.want {
			t.Errorf("Fault{After: %d, Times: %d}.affects(%d) = %v, want %v", tc.after, tc.times, tc.n, got, tc.want)
		}
	}
}
