package action

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFileCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []FileCommand
	}{
		{"empty file", "", nil},
		{"one line", "a=1\n", []FileCommand{{"a", "1"}}},
		{"equals in the value", "a=b=c\n", []FileCommand{{"a", "b=c"}}},
		{"heredoc", "a<<EOF\nx\ny\nEOF\n", []FileCommand{{"a", "x\ny"}}},
		{"empty heredoc", "a<<EOF\nEOF\nb=2\n", []FileCommand{{"a", ""}, {"b", "2"}}},
		{"a value holding another record", "a<<D1\nb<<D2\nD2\nD1\n", []FileCommand{{"a", "b<<D2\nD2"}}},
		{"later records kept in order", "a=1\na=2\n", []FileCommand{{"a", "1"}, {"a", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFileCommands(tt.text)
			require.NoError(t, err)
			if tt.want == nil {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseFileCommandsRefusesMalformed(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"a=1",                 // no final newline
		"just a line\n",       // neither form
		"a<<EOF\nvalue\n",     // never closed
		"<<EOF\nvalue\nEOF\n", // no name
		"a<<\nvalue\n\n",      // no delimiter
		"=1\n",                // no name
	} {
		_, err := ParseFileCommands(text)
		assert.Error(t, err, "%q", text)
	}
}

func TestFilesRoundTripThroughTheParser(t *testing.T) {
	t.Parallel()
	f := Files{OutputPath: t.TempDir() + "/output"}
	values := map[string]string{"plain": "v", "lines": "a\nb\n", "empty": "", "delim-like": "EOF\nx=y"}
	for name, v := range values {
		require.NoError(t, f.SetOutput(name, v))
	}
	got, err := ReadFileCommands(f.OutputPath)
	require.NoError(t, err)
	assert.Equal(t, values, got)
	missing, err := ReadFileCommands(f.OutputPath + ".none")
	require.NoError(t, err)
	assert.Empty(t, missing)
}
