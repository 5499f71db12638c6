package cli

import (
	"fmt"
	"strings"

	"github.com/deploy-action/deploy-action/internal/health"
	"github.com/deploy-action/deploy-action/internal/run"
)

// This file renders an operation's failure, which run reports as facts,
// as the text the ::error annotation, the summary and the post step show:
// one place for it all.

// failureText renders r.Failure (which must not be nil) as a title and a
// message.
func failureText(r *run.Result) (title, message string) {
	msg := failureCause(r)
	for _, a := range r.Failure.Actions {
		msg = withAction(msg, r, a)
	}
	return failureTitle(r.Failure), msg
}

// failureTitles are the titles of the failures that were neither a cancel
// nor a timeout, by what failed.
var failureTitles = map[run.Failed]string{
	run.FailedReadTask:      "Could not read the task's state",
	run.FailedTaskBusy:      "The task is already deploying",
	run.FailedStart:         "The deployment could not be started",
	run.FailedFollow:        "The deployment did not finish",
	run.FailedReadRecord:    "Could not read the record's state",
	run.FailedNoRecord:      "No such deployment record",
	run.FailedDeployment:    "Deployment failed",
	run.FailedHealth:        "Unhealthy",
	run.FailedStop:          "Could not stop the deployment",
	run.FailedReadPlan:      "Could not read the release plan",
	run.FailedNoPlan:        "No such release plan",
	run.FailedNoApplication: "No such application",
	run.FailedExecute:       "The release plan could not be executed",
	run.FailedFollowPlan:    "The release plan did not finish",
	run.FailedReleasePlan:   "Release plan failed",
	run.FailedAbort:         "Could not abort the release plan",
	run.FailedSignal:        "Signal failed",
	run.FailedNoDeployment:  "No such software deployment",
	run.FailedDryRun:        "Dry run: a check failed",
}

func failureTitle(f *run.Failure) string {
	switch f.Cause {
	case run.CauseCancelled:
		return "Cancelled"
	case run.CauseTimedOut:
		return "Timed out"
	}
	return failureTitles[f.What]
}

// failureCause is the message's first part: what went wrong.
func failureCause(r *run.Result) string {
	f := r.Failure
	switch {
	case f.What == run.FailedDryRun:
		return dryRunFailure(r.DryRun)
	case f.What == run.FailedDeployment:
		return recordFailure(r.Deploy, f.Record)
	case f.What == run.FailedHealth:
		return healthFailure(r.Deploy, f.Cause)
	case f.What == run.FailedReleasePlan:
		return planFailure(r.Plan, f.Plan) + "."
	case r.Operation == run.OpSignal:
		return "Software deployment " + r.Signal.DeploymentID + " was not signalled: " + signalCause(f)
	case r.Operation == run.OpStop:
		return stopCause(r.Deploy.RecordID, f)
	}
	switch f.Cause {
	case run.CauseCancelled:
		return "The workflow was cancelled"
	case run.CauseTimedOut:
		return fmt.Sprintf("%s did not finish within %s (timeout)", subject(r), run.FormatDuration(f.Timeout))
	}
	return f.Err.Error()
}

// subject names what an operation waited for, for a timeout.
func subject(r *run.Result) string {
	if r.Plan != nil {
		return "Release plan " + r.Plan.PlanID
	}
	return "The deployment"
}

// signalCause says why a signal was not accepted.
func signalCause(f *run.Failure) string {
	switch f.Cause {
	case run.CauseCancelled:
		return fmt.Sprintf("the workflow was cancelled before the signal was accepted: %v", f.Err)
	case run.CauseTimedOut:
		return fmt.Sprintf("the signal was not accepted within %s (timeout): %v", run.FormatDuration(f.Timeout), f.Err)
	}
	return f.Err.Error()
}

// stopCause says why the stop operation did not stop its record.
func stopCause(recordID string, f *run.Failure) string {
	switch f.Cause {
	case run.CauseCancelled:
		return fmt.Sprintf("the workflow was cancelled before record %s was stopped: %v", recordID, f.Err)
	case run.CauseTimedOut:
		return fmt.Sprintf("record %s was not stopped within %s (timeout): %v", recordID, run.FormatDuration(f.Timeout), f.Err)
	}
	return f.Err.Error()
}

// dryRunFailure names each check of a dry run that failed.
func dryRunFailure(dr *run.DryRun) string {
	var failed []string
	for _, c := range dr.Checks {
		if !c.Passed {
			failed = append(failed, c.Name+": "+c.Detail)
		}
	}
	return fmt.Sprintf("%d of %d checks failed; nothing was changed.\n%s", len(failed), len(dr.Checks), strings.Join(failed, "\n"))
}

// recordFailure says how a deployment record ended, with the end of the
// failed step's log.
func recordFailure(d *run.DeployDetail, v *run.RecordVerdict) string {
	msg := recordVerdict(d, v) + "."
	if len(v.LogTail) > 0 {
		msg += "\nLast lines of the step's log:\n" + strings.Join(v.LogTail, "\n")
	}
	return msg
}

// recordVerdict is the sentence (without its final period) on a record
// that ended as a failure: the log's verdict line and the annotation's
// first line.
func recordVerdict(d *run.DeployDetail, v *run.RecordVerdict) string {
	msg := fmt.Sprintf("Deployment record %s of task %s ended with status %q", d.RecordID, d.TaskID, v.Status)
	if v.Step != "" {
		msg += fmt.Sprintf(" in step %q", v.Step)
	}
	if v.Unknown {
		msg += ", a status the action does not know, so it counts as a failure"
	}
	return msg
}

// healthFailure says why the health gate after a deployment that
// succeeded failed: cancelled, or the last answers of a service that did
// not pass.
func healthFailure(d *run.DeployDetail, cause run.Cause) string {
	if cause == run.CauseCancelled {
		return fmt.Sprintf("The workflow was cancelled during the health check of %s; deployment record %s had succeeded, and nothing was stopped.",
			d.Health.URL, d.RecordID)
	}
	return unhealthyMessage(d.RecordID, *d.Health)
}

// unhealthyMessage says why the gate failed, with the last answers
// (time, status, the start of the body).
func unhealthyMessage(recordID string, r health.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Deployment record %s succeeded, but %s did not give %d good answers in a row (%s) within %s: %d checks, the longest run %d.",
		recordID, r.URL, r.Spec.Healthy, r.Spec.Accepted, run.FormatDuration(r.Spec.Timeout), r.Checks, r.Best)
	if len(r.Last) > 0 {
		b.WriteString("\nLast answers:")
		for _, a := range r.Last {
			b.WriteString("\n" + a.String())
		}
	}
	return b.String()
}

// planFailure says how a release plan ended (without the final period):
// the components that failed and those never run, each list cut at
// maxNamedComponents. It is the log's verdict line and the annotation's
// first line.
func planFailure(p *run.PlanDetail, v *run.PlanVerdict) string {
	name := planName(p)
	msg := "Release plan " + name + " failed"
	if v.Status != "" {
		msg = fmt.Sprintf("Release plan %s ended %s", name, v.Status)
	}
	var failed, notRun []string
	for _, c := range v.Failed {
		failed = append(failed, fmt.Sprintf("%s (batch %d) %s%s", c.Name, c.Seq, c.Status, optionalf(": %s", c.FailMessage)))
	}
	for _, c := range v.NotRun {
		notRun = append(notRun, fmt.Sprintf("%s (batch %d)", c.Name, c.Seq))
	}
	if len(failed) > 0 {
		msg += ": " + strings.Join(firstNames(failed), "; ")
	}
	if len(notRun) > 0 {
		msg += "; not run: " + strings.Join(firstNames(notRun), ", ")
	}
	return msg
}

// planName names a plan: its ID, and its name when known.
func planName(p *run.PlanDetail) string {
	return p.PlanID + optionalf(" (%s)", p.PlanName)
}

// maxNamedComponents bounds the components a line names (a failure, a
// batch that starts): the annotation and a log line are short.
const maxNamedComponents = 20

// firstNames returns the first maxNamedComponents of names, and how many
// more there are.
func firstNames(names []string) []string {
	if len(names) <= maxNamedComponents {
		return names
	}
	return append(names[:maxNamedComponents:maxNamedComponents], fmt.Sprintf("and %d more", len(names)-maxNamedComponents))
}

// withAction adds to msg what was done about the remote work.
func withAction(msg string, r *run.Result, a run.Action) string {
	noun, stopped := workNoun(r), "stopped"
	if r.Plan != nil {
		stopped = "aborted"
	}
	switch a := a.(type) {
	case run.OutcomeUnknown:
		return sentence(msg) + fmt.Sprintf(" The start's outcome is unknown: the post step will look for %s and stop it if it runs (%s).", noun, a.Input)
	case run.NothingRunning:
		if r.Failure.Cause == run.CauseError {
			return msg // the error says enough
		}
		return msg + "; " + idleText(r, a) + "."
	case run.LeftRunning:
		return sentence(msg) + fmt.Sprintf(" %s goes on (%s is false).", capitalized(noun), a.Input)
	case run.Stopped:
		return sentence(msg) + fmt.Sprintf(" %s was %s (%s).", capitalized(noun), stopped, stopReason(r.Failure.Cause))
	case run.StopFailed:
		return sentence(msg) + fmt.Sprintf(" %s could not be %s: %v; the post step tries again.", capitalized(noun), stopped, a.Err)
	case run.RolledBack:
		return msg + lineSep(msg) + fmt.Sprintf("Rollback to record %s: %s.", a.Target, a.Status)
	case run.NotRolledBack:
		return msg + lineSep(msg) + "Not rolled back: " + notRolledBackText(a) + "."
	case run.PlanRolledBack:
		return msg + fmt.Sprintf(" Rollback: %s%s.", a.Status, planRollbackDetail(a))
	}
	return msg
}

// workNoun names the remote work of a result.
func workNoun(r *run.Result) string {
	switch {
	case r.Plan != nil:
		return "release plan " + r.Plan.PlanID
	case r.Deploy == nil || r.Deploy.RecordID == "":
		return "the record the start may have created"
	}
	return "deployment record " + r.Deploy.RecordID
}

// stopReason says why the work was stopped.
func stopReason(c run.Cause) string {
	switch c {
	case run.CauseCancelled:
		return "cancel"
	case run.CauseTimedOut:
		return "timeout"
	}
	return "the action stopped watching it"
}

// idleText says what did not run.
func idleText(r *run.Result, a run.NothingRunning) string {
	switch {
	case r.Plan == nil:
		return "no deployment was started"
	case !a.NoneStarted:
		return "release plan " + r.Plan.PlanID + " was not running"
	case a.NotExecuted:
		return "none of its components started (nobody executed it; set execute: true to execute it)"
	}
	return "none of its components started"
}

func notRolledBackText(a run.NotRolledBack) string {
	if a.HistoryErr != nil {
		return "the deployment history could not be read"
	}
	return fmt.Sprintf("no record succeeded in the %d days before it", a.Days)
}

// planRollbackDetail says why a plan's rollback did not succeed, when it
// is known.
func planRollbackDetail(a run.PlanRolledBack) string {
	switch {
	case a.NotStarted:
		return " (it could not be started)"
	case len(a.Failed) > 0:
		return " (" + rollbackFailures(a.Failed) + ")"
	}
	return ""
}

// rollbackFailures names the components whose rollback failed, with the
// service's message.
func rollbackFailures(failed []run.Component) string {
	names := make([]string, len(failed))
	for i, c := range failed {
		names[i] = c.Name + optionalf(": %s", c.RollbackFailMessage)
	}
	return strings.Join(names, "; ")
}

// lineSep is what goes before a sentence added to a message: a space, or
// a new line after a message that lists lines (a log's tail, the health
// gate's last answers).
func lineSep(msg string) string {
	if strings.Contains(msg, "\n") {
		return "\n"
	}
	return " "
}

// sentence ends s with a full stop.
func sentence(s string) string {
	if s == "" || s[len(s)-1] == '.' {
		return s
	}
	return s + "."
}

// capitalized starts s with a capital letter (ASCII: the nouns it is given
// start with one).
func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
