package cli

import (
	"fmt"
	"strings"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/run"
)

// This file renders the progress run reports as events (run.Reporter) in
// the workflow log: every mark, group title and verdict line of a flow is
// written here, once.

// progress is the run.Logger of a flow: its plain lines go to the log as
// they are, its events are rendered.
type progress struct{ *action.Log }

// logger is what run receives to log a flow and report its progress.
func logger(log *action.Log) run.Logger { return progress{log} }

// StepStarted announces the step that runs.
func (p progress) StepStarted(s run.StepProgress) {
	p.Infof("▶ %d/%d %s…", s.Number, s.Of, s.Step.Name)
}

// StepEnded shows a completed step as a group holding its detail.
func (p progress) StepEnded(s run.StepProgress, detail func()) {
	p.Group(stepTitle(s))
	detail()
	p.EndGroup()
}

// stepTitle is a completed step's group title: mark, number, name, time.
func stepTitle(s run.StepProgress) string {
	mark, suffix := "✓", ""
	if s.Step.State == run.StepFailed {
		mark, suffix = "✗", " failed"
	}
	return fmt.Sprintf("%s %d/%d %s (%s)%s", mark, s.Number, s.Of, s.Step.Name, run.FormatDuration(s.Step.Elapsed), suffix)
}

// BatchStarted announces a batch that runs, naming its components.
func (p progress) BatchStarted(b run.Batch) {
	names := make([]string, len(b.Components))
	for i, c := range b.Components {
		names[i] = c.Name + optionalf(" %s", c.Version)
	}
	p.Infof("▶ Batch %d (%s) running: %s…", b.Seq, plural(len(b.Components), "component"), strings.Join(firstNames(names), ", "))
}

// BatchEnded shows a batch as a group of its components, at most
// maxShownComponents of them.
func (p progress) BatchEnded(b run.Batch) {
	p.Group(batchTitle(b))
	for _, c := range b.Components[:min(len(b.Components), maxShownComponents)] {
		p.Infof("%s", componentLine(c))
	}
	if more := len(b.Components) - maxShownComponents; more > 0 {
		p.Infof("… and %d more components of this batch, not shown: the action lists at most %d a batch. The release plan's page in the ServiceStage console lists them all.", more, maxShownComponents)
	}
	p.EndGroup()
}

// maxShownComponents bounds the lines of a batch's group: a group of more
// is read by nobody, and a plan of a thousand components must not print
// megabytes each time a batch runs.
const maxShownComponents = 100

// batchMarks are the mark and the word that sum up a batch, by outcome.
var batchMarks = map[run.BatchOutcome][2]string{
	run.BatchFailed:     {"✗", "failed"},
	run.BatchAborted:    {"⏹", "aborted"},
	run.BatchSucceeded:  {"✓", ""},
	run.BatchNotRun:     {"○", "not run"},
	run.BatchUnfinished: {"…", "unfinished"},
}

// batchTitle is a batch's group title: mark, seq, size, time and word.
func batchTitle(b run.Batch) string {
	m := batchMarks[b.Outcome]
	title := fmt.Sprintf("%s Batch %d (%s)", m[0], b.Seq, plural(len(b.Components), "component"))
	if b.Elapsed > 0 {
		title += " " + run.FormatDuration(b.Elapsed)
	}
	return title + optionalf(" %s", m[1])
}

// componentLine is one component in the log: status, version, job status,
// time, failure message, rollback status, time and message.
func componentLine(c run.Component) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", c.Name, c.Status)
	b.WriteString(optionalf(", version %s", c.Version))
	b.WriteString(optionalf(", job %s", c.JobStatus))
	if c.Elapsed > 0 {
		b.WriteString(", " + run.FormatDuration(c.Elapsed))
	}
	b.WriteString(optionalf(": %s", c.FailMessage))
	if c.RollbackJobStatus != "" {
		b.WriteString("; rollback " + c.RollbackJobStatus)
		if c.RollbackElapsed > 0 {
			b.WriteString(", " + run.FormatDuration(c.RollbackElapsed))
		}
		b.WriteString(optionalf(": %s", c.RollbackFailMessage))
	}
	return b.String()
}

// RollbackEnded shows the rolled-back components as a group, then how the
// rollback ended.
func (p progress) RollbackEnded(r run.PlanRollback) {
	mark := "✓"
	if len(r.Failed) > 0 {
		mark = "✗"
	}
	p.Group(fmt.Sprintf("%s Rollback (%s)", mark, plural(len(r.Components), "component")))
	for _, c := range r.Components {
		p.Infof("%s", componentLine(c))
	}
	p.EndGroup()
	if len(r.Failed) > 0 {
		p.Warningf("The rollback of release plan %s failed: %s.", r.PlanID, rollbackFailures(r.Failed))
		return
	}
	p.Noticef("Rollback succeeded: release plan %s is back at its previous versions (%s).", r.PlanID, plural(len(r.Components), "component"))
}

// CheckDone shows a dry run's check with its mark; one that passed with
// something worth a look is a warning.
func (p progress) CheckDone(c run.Check) {
	switch {
	case !c.Passed:
		p.Infof("✗ %s: %s", c.Name, c.Detail)
	case c.Warning:
		p.Warningf("⚠ %s: %s", c.Name, c.Detail)
	default:
		p.Infof("✓ %s: %s", c.Name, c.Detail)
	}
}

// Verdict shows how a deployment or a release plan ended, the moment it
// is known (before a rollback's lines). A failure's line is the first
// sentence of its ::error annotation (failureCause).
func (p progress) Verdict(r *run.Result) {
	p.Infof("%s", verdictLine(r))
}

// verdictLine is the log's line on a verdict.
func verdictLine(r *run.Result) string {
	ok := r.Status == run.StatusSucceeded
	switch {
	case ok && r.Plan != nil:
		return fmt.Sprintf("✓ Release plan %s succeeded in %s.", planName(r.Plan), run.FormatDuration(r.Duration()))
	case ok:
		return fmt.Sprintf("✓ Deployment succeeded in %s.", run.FormatDuration(r.Duration()))
	case r.Plan != nil:
		return "✗ " + planFailure(r.Plan, r.Failure.Plan) + "."
	}
	return "✗ " + recordVerdict(r.Deploy, r.Failure.Record) + "."
}

// plural writes "1 component", "3 components".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
