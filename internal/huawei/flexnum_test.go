package huawei

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseFlexInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{`12`, 12, false},
		{`-3`, -3, false},
		{`"12"`, 12, false},
		{`" 12 "`, 12, false},
		{` 12 `, 12, false},
		{`2.0`, 2, false},
		{`"3.0"`, 3, false},
		{`3.012e3`, 3012, false},
		{`null`, 0, false},
		{`""`, 0, false},
		{`"  "`, 0, false},
		{`9223372036854775807`, 9223372036854775807, false},
		{`"9007199254740992.0"`, 1 << 53, false},
		// A fraction is refused, not truncated: every reading of the
		// references makes these fields integers.
		{`1.5`, 0, true},
		{`"3012.7"`, 0, true},
		{`-0.5`, 0, true},
		{`1e300`, 0, true},
		{`1e400`, 0, true},
		{`"1e400"`, 0, true},
		{`9223372036854775808`, 0, true},
		{`9007199254740994.0`, 0, true},
		{`"NaN"`, 0, true},
		{`"Inf"`, 0, true},
		{`"one"`, 0, true},
		{`true`, 0, true},
		{`[1]`, 0, true},
		{`{}`, 0, true},
		{`"\u0031"`, 1, false},
		{`"unterminated`, 0, true},
	}
	for _, tt := range tests {
		got, err := ParseFlexInt([]byte(tt.in))
		if tt.wantErr {
			assert.Error(t, err, tt.in)
			continue
		}
		if assert.NoError(t, err, tt.in) {
			assert.Equal(t, tt.want, got, tt.in)
		}
		var f FlexInt
		if assert.NoError(t, json.Unmarshal([]byte(tt.in), &f), tt.in) {
			assert.Equal(t, FlexInt(tt.want), f, tt.in)
		}
	}
}

func TestLenient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want FlexInt
	}{
		{`{"n":7}`, 7},
		{`{"n":"7"}`, 7},
		{`{"n":null}`, 0},
		{`{"n":7.5}`, 0},
		{`{"n":"soon"}`, 0},
		{`{"n":[1]}`, 0},
		{`{"n":{"a":1}}`, 0},
		{`{}`, 0},
	}
	for _, tt := range tests {
		var got struct {
			N Lenient[FlexInt] `json:"n"`
		}
		if assert.NoError(t, json.Unmarshal([]byte(tt.in), &got), tt.in) {
			assert.Equal(t, tt.want, got.N.V, tt.in)
		}
	}
}
