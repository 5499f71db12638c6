package action

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCleanTextKeepsColourOnly(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "step 1 done", "step 1 done"},
		{"colour kept", "\x1b[1;31mFAILED\x1b[0m ok", "\x1b[1;31mFAILED\x1b[0m ok"},
		{"colour, 256 and truecolour", "\x1b[38;5;196mx\x1b[38:2::255:0:0my\x1b[m", "\x1b[38;5;196mx\x1b[38:2::255:0:0my\x1b[m"},
		{"cursor up and erase", "ok\x1b[1A\x1b[2K\x1b[2Jdone", "okdone"},
		{"private mode", "\x1b[?25lhidden cursor\x1b[?1049h", "hidden cursor"},
		{"hyperlink", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"title with BEL", "\x1b]0;pwned\x07text", "text"},
		{"device status query", "a\x1b[6nb", "ab"},
		{"DCS", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"two-byte escapes", "a\x1bcb\x1b7c\x1b(Bd", "abcd"},
		{"8-bit CSI", "a\u009b2Jb", "ab"},
		{"unterminated OSC", "a\x1b]0;title never ends", "a"},
		{"unterminated CSI", "a\x1b[12", "a"},
		{"lone ESC", "a\x1b", "a"},
		{"backspace and bell", "pass\b\b\b\bfail\x07", "passfail"},
		{"tabs and line breaks stay", "a\tb\r\nc\n", "a\tb\r\nc\n"},
		{"unicode stays", "部署 ✓ é", "部署 ✓ é"},
		{"SGR with intermediate is not SGR", "a\x1b[1 mb", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, cleanText(tt.in, true))
			assert.NotContains(t, cleanText(tt.in, false), "\x1b")
		})
	}
}

func TestLogDropsTerminalControl(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	log := NewLog(&out, false)
	log.Infof("%s", "\x1b[32mgreen\x1b[0m \x1b]0;title\x07\x1b[2Jline")
	log.Error("\x1b]8;;https://x\x1b\\t\x1b]8;;\x1b\\", "m\x1b[1A")
	log.Group("g\x1b[31mred")
	assert.Equal(t, "\x1b[32mgreen\x1b[0m line\n::error title=t::m\n::group::gred\n", out.String())
}

func FuzzCleanText(f *testing.F) {
	f.Add("\x1b[1;31mx\x1b[0m\x1b]8;;u\x1b\\y\u009b")
	f.Fuzz(func(t *testing.T, s string) {
		got := cleanText(s, true)
		// What is left has no escape but SGR, and cleaning is stable.
		assert.Equal(t, got, cleanText(got, true))
		assert.NotContains(t, cleanText(s, false), "\x1b")
		for i := 0; i < len(got); i++ {
			if got[i] == esc {
				n, sgr := escapeSequence(got[i:])
				assert.True(t, sgr, "%q", got)
				i += n - 1
			}
		}
	})
}

func TestEscapeSequence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantN   int
		wantSGR bool
	}{
		{"SGR", "\x1b[1;31mx", 7, true},
		{"SGR reset", "\x1b[mx", 3, true},
		{"cursor move", "\x1b[2Ax", 4, false},
		{"private CSI", "\x1b[?25lx", 6, false},
		{"CSI with intermediate", "\x1b[1 mx", 5, false},
		{"unterminated CSI", "\x1b[12", 4, false},
		{"OSC to BEL", "\x1b]0;t\x07x", 6, false},
		{"OSC to ST", "\x1b]8;;u\x1b\\x", 8, false},
		{"DCS ignores BEL", "\x1bPq\x07\x1b\\x", 6, false},
		{"unterminated OSC", "\x1b]0;t", 5, false},
		{"two-byte escape", "\x1bcx", 2, false},
		{"charset with intermediate", "\x1b(Bx", 3, false},
		{"lone ESC", "\x1b", 1, false},
	}
	for _, tt := range tests {
		n, sgr := escapeSequence(tt.in)
		assert.Equal(t, tt.wantN, n, tt.name)
		assert.Equal(t, tt.wantSGR, sgr, tt.name)
	}
}

func TestNonASCII(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		wantN          int
	}{
		{"a character", "éx", "é", 2},
		{"C1 CSI and its sequence", "\u009b2Jx", "", 4},
		{"lone C1 control", "\u0085x", "", 2},
		{"invalid byte", "\xffx", "\uFFFD", 1},
	}
	for _, tt := range tests {
		got, n := nonASCII(tt.in)
		assert.Equal(t, tt.want, got, tt.name)
		assert.Equal(t, tt.wantN, n, tt.name)
	}
}
