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

// output is one step output, in the order they are written.
type output struct{ name, value string }

// outputs returns the step outputs of a deploy result. Empty values are
// written too, so a later step can test them without a default.
func outputs(r *run.Result) []output {
	d := r.Deploy
	out := []output{
		{"status", string(r.Status)},
		{"record_id", d.RecordID},
		{"job_name", d.JobName},
		{"started_at", rfc3339(r.StartedAt)},
		{"finished_at", rfc3339(r.FinishedAt)},
		{"duration_seconds", ""},
		{"rollback_record_id", d.RollbackRecordID},
		{"result", compactJSON(r.Remote)},
	}
	if d := r.Duration(); d > 0 || !r.FinishedAt.IsZero() {
		out[5].value = strconv.Itoa(int(d.Round(time.Second) / time.Second))
	}
	return out
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

var stepIcon = map[run.StepState]string{
	run.StepDone:    "✅",
	run.StepFailed:  "❌",
	run.StepRunning: "🔄",
	run.StepStopped: "⏹️",
	run.StepPending: "⚪",
}

// summary renders a deploy result as the step summary's Markdown.
func summary(r *run.Result, region string) string {
	var b strings.Builder
	d := r.Deploy
	task := "`" + d.TaskID + "`"
	if d.TaskName != "" {
		task = mdEscape(d.TaskName) + " (" + task + ")"
	}
	noun := "Deployment"
	if r.Operation == run.OpWatch {
		noun = "Watched deployment"
	}
	fmt.Fprintf(&b, "### %s %s %s: %s\n\n", statusIcon[r.Status], noun, strings.ReplaceAll(string(r.Status), "_", " "), task)
	b.WriteString("| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, v)
		}
	}
	row("Task", task)
	row("Region", mdEscape(region))
	row("Record", code(d.RecordID))
	row("Job", code(d.JobName))
	row("Status", "**"+string(r.Status)+"**"+optionalf(" (service: %s)", code(r.RemoteStatus)))
	if d := r.Duration(); d > 0 {
		row("Duration", run.FormatDuration(d))
	}
	row("Started", rfc3339(r.StartedAt))
	row("Finished", rfc3339(r.FinishedAt))
	healthRows(row, r)
	if d.RollbackRecordID != "" {
		row("Rollback", code(d.RollbackRecordID)+" "+string(d.RollbackStatus))
	}
	writeFailure(&b, r)
	healthAnswers(&b, r)
	if len(d.Steps) > 0 {
		b.WriteString("\n| # | Step | Time | Result |\n|---:|---|---:|---|\n")
		for i, s := range d.Steps {
			t := ""
			if s.Elapsed > 0 {
				t = run.FormatDuration(s.Elapsed)
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s %s |\n", i+1, mdEscape(s.Name), t, stepIcon[s.State], s.State)
		}
	}
	return b.String()
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
