package run

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// planLine is the log's line on the plan as the flow found it.
func planLine(planID string, plan *servicestage.Plan) string {
	count := plural(len(plan.Components), "component")
	if plan.ComponentsCut {
		count = fmt.Sprintf("more than %d components", len(plan.Components))
	}
	return fmt.Sprintf("Release plan %s%s: status %s, %s%s.", planID, optional(" (%s)", plan.Name), plan.Status,
		count, optional(", fail strategy %s", plan.FailStrategy))
}

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

// progress reports each batch once it has completed, and the batches that
// start. With final set, it reports the batches left, as they are (not
// run, aborted, still running).
func (p *planner) progress(final bool) {
	for _, b := range planBatches(p.res.Plan.Components) {
		if p.shown[b.seq] {
			continue
		}
		complete, running := batchState(b.comps)
		switch {
		case complete || final:
			p.shown[b.seq] = true
			p.log.BatchEnded(Batch{Seq: b.seq, Components: b.comps, Outcome: batchOutcome(b.comps), Elapsed: batchElapsed(b.comps)})
		case running && !p.announced[b.seq]:
			p.announced[b.seq] = true
			p.log.BatchStarted(Batch{Seq: b.seq, Components: b.comps, Outcome: BatchUnfinished})
		}
	}
}

// batchElapsed is from the first start to the last end of a batch's
// components, 0 while unknown.
func batchElapsed(comps []Component) time.Duration {
	first, last := componentSpan(comps)
	if first.IsZero() || last.Before(first) {
		return 0
	}
	return last.Sub(first)
}

// componentSpan is the first start and the last end among components,
// each zero while no component has one.
func componentSpan(comps []Component) (first, last time.Time) {
	for _, c := range comps {
		if !c.StartedAt.IsZero() && (first.IsZero() || c.StartedAt.Before(first)) {
			first = c.StartedAt
		}
		if c.FinishedAt.After(last) {
			last = c.FinishedAt
		}
	}
	return first, last
}

// planComponents converts deploy-info components, ordered by batch (stable
// within one).
func planComponents(in []servicestage.Component) []Component {
	out := make([]Component, len(in))
	for i, c := range in {
		out[i] = planComponent(c)
	}
	slices.SortStableFunc(out, func(a, b Component) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// planComponent converts one deploy-info component. Its end counts only
// once its status is final, and a duration only when both of its times are
// known and in order.
func planComponent(c servicestage.Component) Component {
	out := Component{
		ID: c.ID, Name: c.Name, Seq: int(c.Seq), Version: c.Version,
		Status: c.Status, JobStatus: c.JobStatus, FailMessage: c.FailMessage,
		RollbackJobStatus: c.RollbackJobStatus, RollbackFailMessage: c.RollbackFailMessage,
	}
	if t, ok := c.StartTime.Time(); ok {
		out.StartedAt = t
	}
	if t, ok := c.EndTime.Time(); ok && servicestage.Final(c.Status) {
		out.FinishedAt = t
	}
	if !out.StartedAt.IsZero() && out.FinishedAt.After(out.StartedAt) {
		out.Elapsed = out.FinishedAt.Sub(out.StartedAt)
	}
	rs, rsOK := c.RollbackStartTime.Time()
	re, reOK := c.RollbackEndTime.Time()
	if rsOK && reOK && re.After(rs) {
		out.RollbackElapsed = re.Sub(rs)
	}
	return out
}

// setTimes sets StartedAt and FinishedAt from the components' times: the
// first start and, once settled, the last end.
func (p *planner) setTimes(settled bool) {
	first, last := componentSpan(p.res.Plan.Components)
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
