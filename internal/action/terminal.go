package action

import (
	"strings"
	"unicode/utf8"
)

// Terminal control in text from a server (a deployment's own log, an error
// message) must not reach the workflow log: a cursor move or erase rewrites
// what the reader sees, an OSC 8 hyperlink hides where a link goes, and an
// OSC 0/2 title change or a device query talks to the reader's terminal
// when the raw log is viewed there. GitHub renders colour (SGR, ESC [ ... m)
// and nothing else, so cleanText keeps SGR, when asked, and drops every
// other escape sequence and control character (ECMA-48: CSI, OSC, DCS, SOS,
// PM, APC, two-byte escapes, the 8-bit C1 controls, and the C0 controls but
// tab and line breaks).

const esc = 0x1b

// cleanText returns s without terminal control; keepSGR keeps colour.
func cleanText(s string, keepSGR bool) string {
	if !needsCleaning(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == esc:
			n, sgr := escapeSequence(s[i:])
			if sgr && keepSGR {
				b.WriteString(s[i : i+n])
			}
			i += n
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r', c == 0x7f:
			i++
		case c >= 0x80:
			out, n := nonASCII(s[i:])
			b.WriteString(out)
			i += n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// nonASCII takes the character at the start of s (s[0] >= 0x80) and
// returns what of it to print and its length with whatever it starts.
func nonASCII(s string) (out string, n int) {
	r, size := utf8.DecodeRuneInString(s)
	switch {
	case r >= 0x80 && r <= 0x9f:
		// A C1 control is ESC and r-0x40 in one character (U+009B is
		// CSI, U+009D OSC): the sequence it starts goes too.
		m, _ := escapeSequence(string([]byte{esc, byte(r - 0x40)}) + s[size:])
		return "", size + max(m-2, 0)
	case r == utf8.RuneError && size == 1:
		// An invalid byte is written as U+FFFD: kept raw, it could join
		// the bytes around a dropped sequence into a control.
		return string(utf8.RuneError), size
	}
	return s[:size], size
}

// needsCleaning is the fast path: most lines have no control at all.
func needsCleaning(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f || c == 0xc2 {
			return true // 0xc2 starts the C1 controls' UTF-8
		}
	}
	return !utf8.ValidString(s)
}

// escapeSequence measures the escape sequence at the start of s (s[0] is
// ESC) and reports whether it is SGR. An unterminated sequence runs to the
// end of s, so nothing of it is printed.
func escapeSequence(s string) (n int, sgr bool) {
	if len(s) < 2 {
		return len(s), false
	}
	switch s[1] {
	case '[':
		return csiSequence(s)
	case ']', 'P', 'X', '^', '_':
		return stringSequence(s), false
	}
	// Other escapes: intermediate bytes, then one final byte.
	i := 1
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) {
		i++
	}
	return i, false
}

// csiSequence measures a CSI sequence (ESC [): parameter bytes,
// intermediate bytes, one final byte. It is SGR when the final byte is m
// and only digits and separators come before it.
func csiSequence(s string) (n int, sgr bool) {
	i := 2
	for i < len(s) && s[i] >= 0x30 && s[i] <= 0x3f {
		i++
	}
	params := s[2:i]
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i >= len(s) || s[i] < 0x40 || s[i] > 0x7e {
		return i, false
	}
	return i + 1, s[i] == 'm' && i == 2+len(params) && strings.Trim(params, "0123456789;:") == ""
}

// stringSequence measures an OSC, DCS, SOS, PM or APC sequence: it runs
// up to ST (ESC \), or BEL for OSC.
func stringSequence(s string) int {
	for i := 2; i < len(s); i++ {
		if s[i] == 0x07 && s[1] == ']' {
			return i + 1
		}
		if s[i] == esc && i+1 < len(s) && s[i+1] == '\\' {
			return i + 2
		}
	}
	return len(s)
}
