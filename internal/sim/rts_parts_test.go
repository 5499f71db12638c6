package sim

import (
	"encoding/json"
	"testing"
)

func TestFirstUnknownKey(t *testing.T) {
	t.Parallel()
	valid := []string{"action", "status"}
	for _, tc := range []struct {
		keys   []string
		want   string
		wantOK bool
	}{
		{nil, "", false},
		{[]string{"status", "action"}, "", false},
		{[]string{"status", "zeta", "beta", "gamma"}, "beta", true},
		{[]string{"Status"}, "Status", true},
	} {
		fields := map[string]json.RawMessage{}
		for _, k := range tc.keys {
			fields[k] = json.RawMessage("1")
		}
		got, ok := firstUnknownKey(fields, valid)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("firstUnknownKey(%q) = %q, %v, want %q, %v", tc.keys, got, ok, tc.want, tc.wantOK)
		}
	}
}
