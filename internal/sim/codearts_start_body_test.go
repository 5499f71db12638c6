package sim

import (
	"strings"
	"testing"
)

func TestParseStartBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, data string
		wantMsg    string // a part of the message, "" for none
		wantSource string
		wantParams int
	}{
		{"empty body", "", "", "", 0},
		{"blank body", " \n", "", "", 0},
		{"full body", `{"params":[{"key":"k","value":"v","type":"text"}],"record_id":"r","trigger_source":"1"}`, "", "1", 1},
		{"not JSON", "{", "the request body is not valid JSON", "", 0},
		{"bad param type", `{"params":[{"key":"k","value":"v","type":"x"}]}`, `type "x" is not one of`, "", 0},
		{"bad trigger_source", `{"trigger_source":"2"}`, `trigger_source must be "0" or "1"`, "", 0},
	} {
		body, msg := parseStartBody([]byte(tc.data))
		if tc.wantMsg == "" && (msg != "" || body.TriggerSource != tc.wantSource || len(body.Params) != tc.wantParams) {
			t.Errorf("%s: parseStartBody = %+v, %q, want trigger_source %q, %d params, no message", tc.name, body, msg, tc.wantSource, tc.wantParams)
		}
		if tc.wantMsg != "" && (!strings.HasPrefix(msg, "Param invalid: ") || !strings.Contains(msg, tc.wantMsg)) {
			t.Errorf("%s: parseStartBody message %q, want a Param invalid one containing %q", tc.name, msg, tc.wantMsg)
		}
	}
}
