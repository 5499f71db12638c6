package sim

import "testing"

func TestCallSuffix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ code, fault, want string }{
		{"", "", ""},
		{"APIGW.0301", "", " APIGW.0301"},
		{"", "drop", " (fault: drop)"},
		{"APIGW.0308", "throttle", " APIGW.0308 (fault: throttle)"},
	} {
		if got := callSuffix(tc.code, tc.fault); got != tc.want {
			t.Errorf("callSuffix(%q, %q) = %q, want %q", tc.code, tc.fault, got, tc.want)
		}
	}
}
