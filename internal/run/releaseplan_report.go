package run

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// planBatch is the components of one seq.
type planBatch struct {
	seq   int
	comps []Component
}

func planBatches(comps []Component) []planBatch {
	var out []planBatch
	for _, c := range comps {
		if len(out) == 0 || out[len(out)-1].seq != c.Seq {
			out = append(out, planBatch{seq: c.Seq})
		}
		out[len(out)-1].comps = append(out[len(out)-1].comps, c)
	}
	return out
}

// progress prints a group for each batch once it has completed, and
// announces the batches that start. With final set, it prints the batches
// left, as they are (not run, aborted, still running).
func (p *planner) progress(final bool) {
	for _, b := range planBatches(p.res.Plan.Components) {
		if p.shown[b.seq] {
			continue
		}
		complete, running := batchState(b.comps)
		if complete || final {
			p.shown[b.seq] = true
			p.printBatch(b)
			continue
		}
		if running && !p.announced[b.seq] {
			p.announced[b.seq] = true
			names := make([]string, len(b.comps))
			for i, c := range b.comps {
				names[i] = c.Name + optional(" %s", c.Version)
			}
			p.log.Infof("▶ Batch %d (%s) running: %s…", b.seq, plural(len(b.comps), "component"), strings.Join(firstOf(names), ", "))
		}
	}
}

func (p *planner) printBatch(b planBatch) {
	mark, word := BatchMark(b.comps)
	title := fmt.Sprintf("%s Batch %d (%s)", mark, b.seq, plural(len(b.comps), "component"))
	if d := batchElapsed(b.comps); d > 0 {
		title += " " + FormatDuration(d)
	}
	if word != "" {
		title += " " + word
	}
	p.log.Group(title)
	for _, c := range b.comps[:min(len(b.comps), maxShownComponents)] {
		p.log.Infof("%s", ComponentLine(c))
	}
	if more := len(b.comps) - maxShownComponents; more > 0 {
		p.log.Infof("… and %d more components of this batch, not shown: the action lists at most %d a batch. The release plan's page in the ServiceStage console lists them all.", more, maxShownComponents)
	}
	p.log.EndGroup()
}

// firstOf returns the first maxNamedComponents of names, and how many
// more there are: a log line is short.
func firstOf(names []string) []string {
	if len(names) <= maxNamedComponents {
		return names
	}
	return append(names[:maxNamedComponents:maxNamedComponents], fmt.Sprintf("and %d more", len(names)-maxNamedComponents))
}

// Bounds on what the log lists of a batch (servicestage.MaxComponents
// bounds what is read): a group of more lines than this is read by nobody,
// and a plan of a thousand components must not print megabytes each time
// a batch runs.
const (
	maxShownComponents = 100 // lines in a batch's group
	maxNamedComponents = 20  // names in the line that announces a batch, and in the verdict's line (the caller's annotation cuts the same)
)

// batchElapsed is from the first start to the last end of a batch's
// components, 0 while unknown.
func batchElapsed(comps []Component) time.Duration {
	var first, last time.Time
	for _, c := range comps {
		if !c.StartedAt.IsZero() && (first.IsZero() || c.StartedAt.Before(first)) {
			first = c.StartedAt
		}
		if c.FinishedAt.After(last) {
			last = c.FinishedAt
		}
	}
	if first.IsZero() || last.Before(first) {
		return 0
	}
	return last.Sub(first)
}

// ComponentLine is one component in the log: status, version, job status,
// time, failure message, rollback status, time and message.
func ComponentLine(c Component) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", c.Name, c.Status)
	if c.Version != "" {
		b.WriteString(", version " + c.Version)
	}
	if c.JobStatus != "" {
		b.WriteString(", job " + c.JobStatus)
	}
	if c.Elapsed > 0 {
		b.WriteString(", " + FormatDuration(c.Elapsed))
	}
	if c.FailMessage != "" {
		b.WriteString(": " + c.FailMessage)
	}
	if c.RollbackJobStatus != "" {
		b.WriteString("; rollback " + c.RollbackJobStatus)
		if c.RollbackElapsed > 0 {
			b.WriteString(", " + FormatDuration(c.RollbackElapsed))
		}
		if c.RollbackFailMessage != "" {
			b.WriteString(": " + c.RollbackFailMessage)
		}
	}
	return b.String()
}

// planComponents converts deploy-info components, ordered by batch (stable
// within one).
func planComponents(in []servicestage.Component) []Component {
	out := make([]Component, len(in))
	for i, c := range in {
		out[i] = Component{
			ID: c.ID, Name: c.Name, Seq: int(c.Seq), Version: c.Version,
			Status: c.Status, JobStatus: c.JobStatus, FailMessage: c.FailMessage,
			RollbackJobStatus: c.RollbackJobStatus, RollbackFailMessage: c.RollbackFailMessage,
		}
		if t, ok := c.StartTime.Time(); ok {
			out[i].StartedAt = t
		}
		if t, ok := c.EndTime.Time(); ok && servicestage.Final(c.Status) {
			out[i].FinishedAt = t
		}
		if !out[i].StartedAt.IsZero() && out[i].FinishedAt.After(out[i].StartedAt) {
			out[i].Elapsed = out[i].FinishedAt.Sub(out[i].StartedAt)
		}
		rs, rsOK := c.RollbackStartTime.Time()
		re, reOK := c.RollbackEndTime.Time()
		if rsOK && reOK && re.After(rs) {
			out[i].RollbackElapsed = re.Sub(rs)
		}
	}
	slices.SortStableFunc(out, func(a, b Component) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// setTimes sets StartedAt and FinishedAt from the components' times: the
// first start and, once settled, the last end.
func (p *planner) setTimes(settled bool) {
	var first, last time.Time
	for _, c := range p.res.Plan.Components {
		if !c.StartedAt.IsZero() && (first.IsZero() || c.StartedAt.Before(first)) {
			first = c.StartedAt
		}
		if c.FinishedAt.After(last) {
			last = c.FinishedAt
		}
	}
	if p.started && !first.IsZero() {
		p.res.StartedAt = first
	}
	if settled && p.started && !last.IsZero() {
		p.res.FinishedAt = last
	}
}

// plural writes "1 component", "3 components".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
