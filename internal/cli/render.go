package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/run"
)

// output is one step output, in the order they are written.
type output struct{ name, value string }

// outputs returns the step outputs of a deploy result. Empty values are
// written too, so a later step can test them without a default.
func outputs(r *run.Result) []output {
	out := []output{
		{"status", string(r.Status)},
		{"record_id", r.RecordID},
		{"job_name", r.JobName},
		{"started_at", rfc3339(r.StartedAt)},
		{"finished_at", rfc3339(r.FinishedAt)},
		{"duration_seconds", ""},
		{"rollback_record_id", r.RollbackRecordID},
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

// compactJSON returns raw as one line of JSON, or "" when it is not JSON.
func compactJSON(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return ""
	}
	return b.String()
}

var statusIcon = map[run.Status]string{
	run.StatusSucceeded: "✅",
	run.StatusFailed:    "❌",
	run.StatusStopped:   "⏹️",
	run.StatusTimedOut:  "⏱️",
	run.StatusRunning:   "🔄",
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
	task := "`" + r.TaskID + "`"
	if r.TaskName != "" {
		task = mdEscape(r.TaskName) + " (" + task + ")"
	}
	fmt.Fprintf(&b, "### %s Deployment %s: %s\n\n", statusIcon[r.Status], strings.ReplaceAll(string(r.Status), "_", " "), task)
	b.WriteString("| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, v)
		}
	}
	row("Task", task)
	row("Region", mdEscape(region))
	row("Record", code(r.RecordID))
	row("Job", code(r.JobName))
	row("Status", "**"+string(r.Status)+"**"+optionalf(" (service: `%s`)", r.RemoteStatus))
	if d := r.Duration(); d > 0 {
		row("Duration", run.FormatDuration(d))
	}
	row("Started", rfc3339(r.StartedAt))
	row("Finished", rfc3339(r.FinishedAt))
	if r.RollbackRecordID != "" {
		row("Rollback", code(r.RollbackRecordID)+" "+string(r.RollbackStatus))
	}
	if r.Failure != nil {
		fmt.Fprintf(&b, "\n> [!CAUTION]\n> **%s.** %s\n", mdEscape(r.Failure.Title), mdEscape(r.Failure.Message))
	}
	if len(r.Steps) > 0 {
		b.WriteString("\n| # | Step | Time | Result |\n|---:|---|---:|---|\n")
		for i, s := range r.Steps {
			t := ""
			if s.Elapsed > 0 {
				t = run.FormatDuration(s.Elapsed)
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s %s |\n", i+1, mdEscape(s.Name), t, stepIcon[s.State], s.State)
		}
	}
	return b.String()
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "`", "") + "`"
}

func optionalf(format, v string) string {
	if v == "" {
		return ""
	}
	return fmt.Sprintf(format, v)
}

// mdEscape keeps remote text from breaking the summary's tables or
// injecting markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "`", "'")
	return r.Replace(s)
}
