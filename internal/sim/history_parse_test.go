package sim

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestHistoryNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw     string
		want    int
		wantBad string // a part of the message, or "" for none
	}{
		{"1", 1, ""},
		{"5", 5, ""},
		{"0", 0, `page "0" must be an integer in 1-5`},
		{"6", 6, `page "6" must be an integer in 1-5`},
		{"x", 0, `page "x" must be an integer in 1-5`},
		{"", 0, `page "" must be an integer in 1-5`},
	} {
		got, bad := historyNumber(url.Values{"page": {tc.raw}}, "page", 5)
		if tc.wantBad == "" && (got != tc.want || bad != "") {
			t.Errorf("historyNumber(%q) = %d, %q, want %d, no message", tc.raw, got, bad, tc.want)
		}
		if tc.wantBad != "" && !strings.Contains(bad, tc.wantBad) {
			t.Errorf("historyNumber(%q) message %q, want it to contain %q", tc.raw, bad, tc.wantBad)
		}
	}
}

func TestHistoryDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw string
		ok  bool
	}{
		{"2026-12-02", true},
		{"1970-01-01", true},
		{"2125-12-30", true},
		{"2125-12-31", false},
		{"1969-12-31", false},
		{"2026-2-02", false},
		{"2026-02-30", false},
		{"", false},
	} {
		got, bad := historyDate(url.Values{"start_date": {tc.raw}}, "start_date")
		if tc.ok && (bad != "" || got.Format(historyDateForm) != tc.raw) {
			t.Errorf("historyDate(%q) = %v, %q, want the date, no message", tc.raw, got, bad)
		}
		if !tc.ok && !strings.Contains(bad, `start_date "`+tc.raw+`" must be a date`) {
			t.Errorf("historyDate(%q) message %q, want one naming start_date", tc.raw, bad)
		}
	}
}

func TestHistorySpanProblem(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time {
		d, err := time.Parse(historyDateForm, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		from, to string
		want     string
	}{
		{"2026-01-01", "2026-01-01", ""},
		{"2026-01-01", "2026-01-31", ""},
		{"2026-01-01", "2026-02-01", "Param invalid: start_date and end_date must not be more than 30 days apart"},
		{"2026-01-02", "2026-01-01", "Param invalid: end_date must not be before start_date"},
	} {
		if got := historySpanProblem(day(tc.from), day(tc.to)); got != tc.want {
			t.Errorf("historySpanProblem(%s, %s) = %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestHistoryPage(t *testing.T) {
	t.Parallel()
	all := []historyRecord{{ExecutionID: "a"}, {ExecutionID: "b"}, {ExecutionID: "c"}}
	ids := func(rs []historyRecord) string {
		var b strings.Builder
		for _, r := range rs {
			b.WriteString(r.ExecutionID)
		}
		return b.String()
	}
	for _, tc := range []struct {
		page, size int
		want       string
	}{
		{1, 2, "ab"},
		{2, 2, "c"},
		{3, 2, ""},
		{1, 10, "abc"},
	} {
		got := historyPage(all, tc.page, tc.size)
		if got == nil || ids(got) != tc.want {
			t.Errorf("historyPage(page %d, size %d) = %v, want %q (never nil)", tc.page, tc.size, got, tc.want)
		}
	}
}
