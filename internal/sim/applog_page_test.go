package sim

import (
	"strings"
	"testing"
)

func TestLogPageResult(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", logPageBytes+10)
	for _, tc := range []struct {
		name              string
		text              string
		offset, endOffset int64
		want              logResult
	}{
		{"whole short log", "abcdef", 0, 0, logResult{HasMore: false, Text: "abcdef", Offset: "0", EndOffset: "6"}},
		{"up to end_offset", "abcdef", 1, 3, logResult{HasMore: true, Text: "bc", Offset: "1", EndOffset: "3"}},
		{"past the end", "abc", 5, 0, logResult{HasMore: false, Text: "", Offset: "5", EndOffset: "5"}},
		{"one page of a long log", long, 0, 0, logResult{HasMore: true, Text: long[:logPageBytes], Offset: "0", EndOffset: "2048"}},
	} {
		if got := logPageResult(tc.text, tc.offset, tc.endOffset); got != tc.want {
			t.Errorf("%s: logPageResult = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
