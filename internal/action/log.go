package action

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Log writes the workflow log: plain lines and workflow commands (masks,
// groups, annotations) on the step's stdout. It is safe for concurrent use;
// every message is written with one Write, so lines never interleave.
//
// Write errors are ignored: a log that cannot be written has nowhere to
// report it, and the outputs and exit status still carry the result.
type Log struct {
	mu      sync.Mutex
	w       io.Writer
	debug   bool
	masked  map[string]bool
	scrub   *strings.Replacer
	inGroup bool
}

// NewLog returns a Log writing to w. debug records whether the workflow has
// debug logging on (Config.Debug); Debugf emits either way, since the runner
// decides what to show, but callers can skip costly debug detail.
func NewLog(w io.Writer, debug bool) *Log {
	return &Log{w: w, debug: debug, masked: map[string]bool{}}
}

// DebugLogging reports whether the workflow runs with debug logging:
// ACTIONS_STEP_DEBUG (the secret or variable a user sets) or RUNNER_DEBUG
// (what the runner sets on a re-run with debug logging) set to 1 or true.
// It is the one place the switch is read: the Log of every step and
// Config.Debug both come from it.
func DebugLogging(getenv func(string) string) bool {
	return isTrue(getenv("ACTIONS_STEP_DEBUG")) || isTrue(getenv("RUNNER_DEBUG"))
}

// DebugEnabled reports whether the workflow runs with debug logging.
func (l *Log) DebugEnabled() bool { return l.debug }

// AddMask tells the runner to mask each non-empty secret (::add-mask::), and
// for a multi-line secret each of its lines too, because the runner masks
// line by line and would never see the whole value in one line. The Log also
// replaces every remembered secret by *** in all later messages: defence in
// depth for output that does not reach the runner's masker intact, such as
// a secret split by escaping or a log read outside GitHub.
func (l *Log) AddMask(secrets ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	fresh := l.remember(secrets)
	for _, v := range fresh {
		b.WriteString("::add-mask::" + escapeData(v) + "\n")
	}
	if len(fresh) > 0 {
		l.scrub = newScrubber(slices.Collect(maps.Keys(l.masked)), 1)
	}
	l.write(b.String())
}

// remember adds the values to mask for secrets to l.masked and returns
// those it did not hold yet, in order; l.mu is held.
func (l *Log) remember(secrets []string) []string {
	var fresh []string
	for _, s := range secrets {
		for _, v := range maskValues(s) {
			if !l.masked[v] {
				l.masked[v] = true
				fresh = append(fresh, v)
			}
		}
	}
	return fresh
}

// maskValues returns what to mask for one secret: the value and, when it has
// several lines, each line. Blank values are left out; the runner rejects
// them and masking whitespace would blank the whole log.
func maskValues(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	out := []string{s}
	if !strings.ContainsAny(s, "\r\n") {
		return out
	}
	for _, line := range splitLines(s) {
		if strings.TrimSpace(line) != "" && line != s {
			out = append(out, line)
		}
	}
	return out
}

// Scrub returns s with every masked secret replaced by ***, for text the
// caller writes elsewhere (the step summary, an output).
func (l *Log) Scrub(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.scrubLocked(s)
}

func (l *Log) scrubLocked(s string) string {
	if l.scrub == nil {
		return s
	}
	return l.scrub.Replace(s)
}

// Infof writes a plain log line (several, if the message has newlines).
//
// User text (a deployment's own log) must not be able to issue workflow
// commands. The runner reads a line as a command when, after leading
// whitespace, it starts with "::", or when it contains "##[" anywhere (the
// old command syntax). A leading space is therefore no protection. Infof
// writes a backslash before such a leading "::" and turns every "##[" into
// "##\[": the text stays readable, and no zero-width or look-alike character
// hides the change. Lone carriage returns end a line for the runner too, so
// they are treated as line breaks. Terminal control sequences are dropped,
// colour (SGR) aside, which GitHub renders (see cleanText).
func (l *Log) Infof(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	l.mu.Lock()
	defer l.mu.Unlock()
	out := shorten(l.scrubLocked(neutralize(cleanText(l.scrubLocked(msg), true))))
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	l.write(out)
}

// Debugf writes a ::debug:: line. The runner shows it only when the workflow
// has debug logging on.
func (l *Log) Debugf(format string, a ...any) { l.command("debug", "", fmt.Sprintf(format, a...)) }

// Noticef writes a ::notice:: annotation.
func (l *Log) Noticef(format string, a ...any) { l.command("notice", "", fmt.Sprintf(format, a...)) }

// Warningf writes a ::warning:: annotation.
func (l *Log) Warningf(format string, a ...any) {
	l.command("warning", "", fmt.Sprintf(format, a...))
}

// Error writes an ::error:: annotation with a title (omitted when empty):
// the line GitHub shows on the run's summary page.
func (l *Log) Error(title, msg string) { l.command("error", title, msg) }

// Group starts a collapsible group of log lines. GitHub does not nest
// groups, so an open group is closed first.
func (l *Log) Group(title string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := ""
	if l.inGroup {
		out = "::endgroup::\n"
	}
	l.inGroup = true
	l.write(out + "::group::" + l.escapeScrubbed(escapeData, title) + "\n")
}

// EndGroup ends the open group; without one it does nothing, so a deferred
// EndGroup is always safe.
func (l *Log) EndGroup() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.inGroup {
		return
	}
	l.inGroup = false
	l.write("::endgroup::\n")
}

func (l *Log) command(name, title, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := "::" + name
	if title != "" {
		line += " title=" + l.escapeScrubbed(escapeProperty, title)
	}
	l.write(line + "::" + l.escapeScrubbed(escapeData, msg) + "\n")
}

// escapeScrubbed scrubs before escaping, so a secret is found before
// escaping changes its spelling, and after, in case escaping spelled one.
// A command's text is one line GitHub shows as plain text, so terminal
// control goes, colour included.
func (l *Log) escapeScrubbed(escape func(string) string, s string) string {
	return l.scrubLocked(escape(shorten(cleanText(l.scrubLocked(s), false))))
}

// MaxMessage bounds one message as written: a status, a name or a text of
// megabytes that a server sent must not flood the log, and nobody reads
// a line of more than 64 KiB. Flows bound their own output more tightly
// (a deployment's log, a release plan's components); this is the last
// guard.
const MaxMessage = 64 << 10

// shorten cuts a message to MaxMessage bytes, on a character boundary,
// and says how much it left out. It runs after secrets are replaced, so a
// cut can never leave part of a secret behind.
func shorten(s string) string {
	if len(s) <= MaxMessage {
		return s
	}
	cut := MaxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf(" … (message cut: %d more bytes not shown)", len(s)-cut)
}

func (l *Log) write(s string) {
	if s != "" {
		_, _ = io.WriteString(l.w, s)
	}
}

// escapeData escapes a command's message like actions/toolkit: the runner
// reads one command per line and unescapes these three.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a command's property value; ':' and ',' would end
// the property list.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// neutralize stops each line of s from being read as a workflow command (see
// Infof), keeping the line breaks as they are.
func neutralize(s string) string {
	if !strings.Contains(s, "::") && !strings.Contains(s, "##[") {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		var line, sep string
		line, sep, s = cutLine(s)
		b.WriteString(neutralizeLine(line))
		b.WriteString(sep)
	}
	return b.String()
}

// cutLine cuts s at its first line break, \r or \n (a \r\n is two
// breaks, the second ending an empty line): the line, the break ("" at
// the end of s) and what follows.
func cutLine(s string) (line, sep, rest string) {
	i := strings.IndexAny(s, "\r\n")
	if i < 0 {
		return s, "", ""
	}
	return s[:i], s[i : i+1], s[i+1:]
}

func neutralizeLine(line string) string {
	line = strings.ReplaceAll(line, "##[", `##\[`)
	// Skip what .NET's TrimStart would skip, and format characters too:
	// being stricter than the runner costs a backslash at most.
	start := strings.IndexFunc(line, func(r rune) bool {
		return !unicode.IsSpace(r) && !unicode.Is(unicode.Zs, r) && !unicode.Is(unicode.Cf, r)
	})
	if start >= 0 && strings.HasPrefix(line[start:], "::") {
		line = line[:start] + `\` + line[start:]
	}
	return line
}

// splitLines splits at \n, \r\n and lone \r, the line ends the runner knows.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

// newScrubber returns a Replacer turning each secret of at least minLen
// bytes into ***, or nil when there is none. Longer secrets come first, so a
// secret containing another is replaced whole.
func newScrubber(secrets []string, minLen int) *strings.Replacer {
	list := scrubOrder(secrets, minLen)
	if len(list) == 0 {
		return nil
	}
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, s, "***")
	}
	return strings.NewReplacer(pairs...)
}

// scrubOrder returns the secrets of at least minLen bytes (and never ""),
// each once, longest first (then in byte order, so the result does not
// depend on the order they were given in).
func scrubOrder(secrets []string, minLen int) []string {
	uniq := map[string]bool{}
	var list []string
	for _, s := range secrets {
		if s != "" && len(s) >= minLen && !uniq[s] {
			uniq[s] = true
			list = append(list, s)
		}
	}
	slices.SortFunc(list, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	return list
}
