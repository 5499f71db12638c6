package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/deploy-action/deploy-action/internal/run"
)

// dryRunOf is op with dry_run: true: its dry run in place of its run, with
// the dry run's outputs and summary.
func dryRunOf(op operation) operation {
	return operation{
		service: op.service,
		start:   dryRunStart(op),
		outputs: dryRunOutputs,
		summary: dryRunSummary,
	}
}

// dryRunStart runs op's dry run, and says in the log when every check
// passed (a failed check is the step's ::error annotation).
func dryRunStart(op operation) func(context.Context, *step) (*run.Result, error) {
	return func(ctx context.Context, s *step) (*run.Result, error) {
		res, err := op.dryRun(ctx, s)
		if err == nil && res.Failure == nil {
			s.log.Infof("✓ Dry run: every check passed; nothing was changed.")
		}
		return res, err
	}
}

// dryRunOutputs are the outputs of a dry run: status dry_run, and the
// report as result.
func dryRunOutputs(r *run.Result) []output {
	return []output{
		{"status", string(r.Status)},
		{"result", compactJSON(r.Remote)},
	}
}

var checkIcon = map[bool]string{true: "✅", false: "❌"}

// dryRunSummary renders a dry run: the checks, and what a real run would
// send (secret values masked).
func dryRunSummary(r *run.Result, region string) string {
	var b strings.Builder
	dr := r.DryRun
	if dr == nil {
		dr = &run.DryRun{}
	}
	fmt.Fprintf(&b, "### %s Dry run of %s: %s\n\n", statusIcon[run.StatusDryRun], r.Operation, dryRunVerdict(dr.Checks))
	b.WriteString("Nothing was changed: no start, stop, execute or signal was sent.\n\n")
	row := table(&b)
	row("Operation", code(r.Operation))
	subjectRows(row, r)
	row("Region", mdEscape(region))
	row("Status", "**"+string(r.Status)+"**")
	checkTable(&b, dr.Checks)
	wouldSend(&b, dr.WouldSend)
	return b.String()
}

// subjectRows name what a dry run checked: the task and record, the
// release plan or the software deployment.
func subjectRows(row func(k, v string), r *run.Result) {
	if d := r.Deploy; d != nil {
		if d.TaskID != "" {
			row("Task", named(d.TaskName, code(d.TaskID)))
		}
		row("Record", code(d.RecordID))
	}
	if r.Plan != nil {
		row("Release plan", code(r.Plan.PlanID))
	}
	if r.Signal != nil {
		row("Software deployment", code(r.Signal.DeploymentID))
	}
}

// dryRunVerdict says whether every check passed, or how many failed.
func dryRunVerdict(checks []run.Check) string {
	failed := 0
	for _, c := range checks {
		if !c.Passed {
			failed++
		}
	}
	if failed == 0 {
		return "every check passed"
	}
	return fmt.Sprintf("%d of %d checks failed", failed, len(checks))
}

// checkTable lists a dry run's checks, a warning as a passed check with
// its own icon.
func checkTable(b *strings.Builder, checks []run.Check) {
	b.WriteString("\n| | Check | Detail |\n|---|---|---|\n")
	for _, c := range checks {
		icon := checkIcon[c.Passed]
		if c.Passed && c.Warning {
			icon = "⚠️"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", icon, mdEscape(c.Name), mdEscape(shortText(c.Detail, 600)))
	}
}

// wouldSend shows the requests a real run would send, bodies as JSON.
func wouldSend(b *strings.Builder, requests []run.WouldSend) {
	if len(requests) == 0 {
		return
	}
	b.WriteString("\n**A real run would send**\n")
	for _, w := range requests {
		fmt.Fprintf(b, "\n%s%s\n", code(w.Method+" "+w.Path), optionalf(": %s", mdEscape(w.Note)))
		if len(w.Body) > 0 {
			body := compactJSON(w.Body)
			fence := fenceFor(body)
			fmt.Fprintf(b, "\n%sjson\n%s\n%s\n", fence, shortText(body, 8<<10), fence)
		}
	}
}

// fenceFor returns a code fence longer than any run of backticks in s, so
// the text cannot close it.
func fenceFor(s string) string {
	longest, n := 0, 0
	for _, c := range s {
		if c == '`' {
			n++
			longest = max(longest, n)
		} else {
			n = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
