package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/deploy-action/deploy-action/internal/run"
)

// This file renders what every operation's outputs and summary are made
// of: times, JSON, the summary's table and failure, and remote text made
// plain.

// output is one step output, in the order they are written.
type output struct{ name, value string }

// durationSeconds is whole seconds, "" while the end is unknown.
func durationSeconds(r *run.Result) string {
	if d := r.Duration(); d > 0 || !r.FinishedAt.IsZero() {
		return strconv.Itoa(int(d.Round(time.Second) / time.Second))
	}
	return ""
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// compactJSON returns raw as one line of JSON, or "" when it is not JSON
// or is larger than maxResultJSON.
// The server's text is decoded and encoded again rather than kept: a secret
// it spelled with \uXXXX escapes (or any other odd spelling) comes out
// plain, where the masking that follows can find it. Numbers keep their
// digits.
func compactJSON(raw []byte) string {
	if len(raw) == 0 || len(raw) > maxResultJSON {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return ""
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// maxResultJSON bounds the answer the result output carries. Decoded, a
// JSON text takes up to fifty times its size (a list of empty objects),
// and the action promises to stay under 64 MB whatever a server sends;
// 256 KiB is far more than any answer a verdict rests on, and a quarter
// of what GitHub keeps of a job's outputs (1 MB).
const maxResultJSON = 256 << 10

var statusIcon = map[run.Status]string{
	run.StatusSucceeded: "✅",
	run.StatusFailed:    "❌",
	run.StatusStopped:   "⏹️",
	run.StatusTimedOut:  "⏱️",
	run.StatusRunning:   "🔄",
	run.StatusUnhealthy: "🩺",
	run.StatusDryRun:    "🧪",
}

// statusWords is a status in words: timed_out as "timed out".
func statusWords(s run.Status) string { return strings.ReplaceAll(string(s), "_", " ") }

// statusCell is the summary's Status cell: the action's status, and the
// service's own when it has one.
func statusCell(r *run.Result) string {
	return "**" + string(r.Status) + "**" + optionalf(" (service: %s)", code(r.RemoteStatus))
}

// taskCell is the summary's Task cell: the task's name and id.
func taskCell(d *run.DeployDetail) string { return named(d.TaskName, "`"+d.TaskID+"`") }

// named puts a remote name before an id cell, when there is a name.
func named(name, id string) string {
	if name == "" {
		return id
	}
	return mdEscape(name) + " (" + id + ")"
}

// elapsed is a step's or component's time cell, "" when unknown.
func elapsed(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return run.FormatDuration(d)
}

// table starts the summary's two-column table and returns a writer of
// its "| key | value |" rows that skips empty values.
func table(b *strings.Builder) func(k, v string) {
	b.WriteString("| | |\n|---|---|\n")
	return func(k, v string) {
		if v != "" {
			fmt.Fprintf(b, "| %s | %s |\n", k, v)
		}
	}
}

// timeRows are the Duration (when known), Started and Finished rows.
func timeRows(row func(k, v string), r *run.Result) {
	if d := r.Duration(); d > 0 {
		row("Duration", run.FormatDuration(d))
	}
	row("Started", rfc3339(r.StartedAt))
	row("Finished", rfc3339(r.FinishedAt))
}

// writeFailure adds a result's failure as a caution.
func writeFailure(b *strings.Builder, r *run.Result) {
	if r.Failure != nil {
		title, msg := failureText(r)
		fmt.Fprintf(b, "\n> [!CAUTION]\n> **%s.** %s\n", mdEscape(title), mdEscape(msg))
	}
}

// shortText cuts s to n characters, so a long remote text cannot flood
// the summary.
func shortText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// code renders s as a code span. A code span shows its text literally, but
// a pipe still ends a table cell (GFM), a backtick would end the span, and
// a line break would end the row: those are taken out or escaped.
func code(s string) string {
	s = strings.ReplaceAll(plainLine(s), "`", "")
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "|", "\\|") + "`"
}

func optionalf(format, v string) string {
	if v == "" {
		return ""
	}
	return fmt.Sprintf(format, v)
}

// mdEscape makes remote text (a task or step name, a status, a message)
// plain text in the summary. The text is always inline (line breaks become
// spaces; other control characters, bidirectional overrides included, are
// dropped), so only what starts inline markup needs a backslash, which
// CommonMark and GFM read as the character itself: emphasis and
// strikethrough (* _ ~), code (`), links and images ([ ]), HTML and
// entities (< > &), table cells (|), the backslash itself, and the GFM
// autolinks: "://" (scheme links), "www." and "@" (e-mail). Other
// punctuation stays as it is, so "checkout-service 1.4.2" reads unchanged.
func mdEscape(s string) string {
	s = plainLine(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("\\`*_~[]<>&|@", c) >= 0,
			c == ':' && strings.HasPrefix(s[i+1:], "//"),
			c == '.' && i >= 3 && strings.EqualFold(s[i-3:i], "www"):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// plainLine turns line breaks and tabs into spaces and drops every other
// control or format character (terminal escapes, bidirectional overrides,
// zero-width characters).
func plainLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
}
