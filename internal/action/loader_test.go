package action

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTrimBlankLines(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{" \n\t\n", ""},
		{"a: 1", "a: 1"},
		{"\n\n  a: 1\n  b: 2\n\n \n", "  a: 1\n  b: 2\n"},
		{"\r\n  a: |\r\n    x\r\n\r\n", "  a: |\r\n    x\r\n"},
		{"é\n\n", "é\n"},
		{"x  ", "x  "},
	}
	for _, tt := range tests {
		got := trimBlankLines(tt.in)
		assert.Equal(t, tt.want, got, "trimBlankLines(%q)", tt.in)
	}
}

func TestChoices(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []IfRunning
		want []string
	}{
		{nil, []string{}},
		{[]IfRunning{IfRunningWait, IfRunningStop}, []string{"wait", "stop"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, choices(tt.in))
	}
}
