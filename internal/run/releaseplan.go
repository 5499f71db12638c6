package run

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/servicestage"
	"github.com/deploy-action/deploy-action/internal/wait"
)

// ServiceStage is the part of the ServiceStage client the release-plan
// flow uses.
type ServiceStage interface {
	Show(ctx context.Context, projectID, planID string) (*servicestage.Plan, error)
	DeployInfo(ctx context.Context, projectID, planID string) (*servicestage.DeployInfo, error)
	Execute(ctx context.Context, projectID, planID string) ([]byte, error)
	Rollback(ctx context.Context, projectID, planID string) ([]byte, error)
	Abort(ctx context.Context, projectID, planID string) ([]byte, error)
}

// ReleasePlanInput is what the release-plan operation needs.
type ReleasePlanInput struct {
	ProjectID, PlanID string
	// Execute executes the plan first; without it the flow watches
	// whatever execution the plan has (or gets).
	Execute bool
	// Wait false returns after executing (status running) or, without
	// Execute, after one look.
	Wait              bool
	RollbackOnFailure bool
	// StopOnCancel and StopOnTimeout abort a running execution when the
	// workflow is cancelled or the timeout passes.
	StopOnCancel, StopOnTimeout bool
	Timeout, PollInterval       time.Duration
	// FirstPoll is the first gap between checks (default wait.DefaultFirst).
	FirstPoll time.Duration
	// AbortGrace bounds the abort after a cancel (default 5 s), so the
	// action exits before the runner escalates to SIGTERM 7.5 s after SIGINT.
	AbortGrace time.Duration
	// LookFor is how long to look for signs of an execute whose outcome is
	// unknown before executing again (default 10 s).
	LookFor time.Duration
	// Executing is called before the plan is executed, so the post step
	// can abort an execution a killed step left running.
	Executing func()
}

// errPlanTimedOut is the cause of the flow's context when `timeout` passes.
var errPlanTimedOut = errors.New("the release plan did not finish within the timeout")

// ReleasePlan optionally executes a ServiceStage release plan, waits until
// every component is done and reports how it ended. It never returns a nil
// Result.
//
// The plan is done when one deploy-info answer shows (see PlanSettled):
//   - every component in a final status (SUCCESS, FAILED, PARTIALLY_FAILED,
//     ROLLBACK_*, ABORTED), nothing rolling back; or
//   - no component running or rolling back, at least one failed, the rest
//     CREATED, and the plan itself (GET plan) in a final status. Those
//     CREATED components are in batches that will never run, because an
//     earlier batch failed with fail_strategy stop, or the plan was
//     aborted. Asking the plan tells this apart from the moment between
//     two batches of a fail_strategy continue plan, when nothing runs
//     either; or
//   - only CREATED components, and the plan was in a final status when the
//     flow began without executing it (it ended without starting any).
//
// A plan whose components are all CREATED and never start (nobody executes
// it) is not done: the flow waits for it until the timeout, then reports
// timed_out.
//
// With Execute the plan is executed exactly once: execute is not
// idempotent, so after an answer that leaves its outcome unknown the flow
// looks at the plan, takes it as executed when the plan is RUNNING, its
// execute_time moved, or a component started after the look taken before
// the attempt (or runs now), and executes again only when none of that
// shows on two looks about a second apart. A plan already running when the
// flow begins is watched, not executed again.
func ReleasePlan(ctx context.Context, api ServiceStage, in ReleasePlanInput, log Logger) *Result {
	if in.AbortGrace <= 0 {
		in.AbortGrace = 5 * time.Second
	}
	if in.FirstPoll <= 0 {
		in.FirstPoll = wait.DefaultFirst
	}
	p := &planner{api: api, in: in, log: log, res: &Result{Operation: OpReleasePlan, PlanID: in.PlanID},
		shown: map[int]bool{}, announced: map[int]bool{}, unknownSeen: map[string]bool{}}
	p.run(ctx)
	return p.res
}

type planner struct {
	api ServiceStage
	in  ReleasePlanInput
	log Logger
	res *Result

	localStart time.Time
	initial    *servicestage.Plan       // the plan as the flow found it
	baseline   *servicestage.DeployInfo // deploy-info before our execute; nil when we did not execute
	started    bool                     // the execution being watched has shown itself
	executed   bool                     // this run executed the plan (or adopted an execute whose answer was lost)
	last       *servicestage.DeployInfo // the latest deploy-info of the watched execution
	planStatus string                   // the plan's status when it decided the verdict

	shown       map[int]bool // batches whose group was printed
	announced   map[int]bool // batches announced as running
	unknownSeen map[string]bool
}

func (p *planner) run(ctx context.Context) {
	tctx, cancel := context.WithTimeoutCause(ctx, p.in.Timeout, errPlanTimedOut)
	defer cancel()
	p.localStart = time.Now()

	plan, err := p.api.Show(tctx, p.in.ProjectID, p.in.PlanID)
	if err != nil {
		p.end(ctx, tctx, p.notFoundTitle(err, "Could not read the release plan"), err)
		return
	}
	p.initial = plan
	p.res.PlanName = plan.Name
	count := plural(len(plan.Components), "component")
	if plan.ComponentsCut {
		count = fmt.Sprintf("more than %d components", len(plan.Components))
	}
	p.log.Infof("Release plan %s%s: status %s, %s%s.", p.in.PlanID, optional(" (%s)", plan.Name), plan.Status,
		count, optional(", fail strategy %s", plan.FailStrategy))

	if p.in.Execute {
		if err := p.execute(tctx, plan); err != nil {
			p.end(ctx, tctx, "The release plan could not be executed", err)
			return
		}
		if !p.in.Wait {
			p.noWait(ctx, tctx)
			return
		}
	} else {
		p.started = true
		if !p.in.Wait {
			p.noWait(ctx, tctx)
			return
		}
	}

	info, err := p.follow(tctx)
	if err != nil {
		p.end(ctx, tctx, "The release plan did not finish", err)
		return
	}
	p.finish(info)
	if p.res.Status == StatusFailed && p.in.RollbackOnFailure {
		p.rollback(ctx, info)
	}
}

func (p *planner) notFoundTitle(err error, otherwise string) string {
	switch servicestage.NotFound(err) {
	case "application":
		return "No such application"
	case "release plan":
		return "No such release plan"
	}
	return otherwise
}

// execute executes the plan exactly once (see ReleasePlan and sendOnce).
func (p *planner) execute(ctx context.Context, plan *servicestage.Plan) error {
	before, err := p.api.DeployInfo(ctx, p.in.ProjectID, p.in.PlanID)
	if err != nil {
		return fmt.Errorf("reading the plan's deploy-info before executing it: %w", err)
	}
	p.baseline = before
	if servicestage.Classify(plan.Status) == servicestage.PhaseRunning || anyRunning(before.Components) {
		p.log.Noticef("Release plan %s is already running; watching that execution instead of executing the plan again.", p.in.PlanID)
		p.started = true
		return nil
	}
	if p.in.Executing != nil {
		p.in.Executing()
	}
	_, adopted, err := sendOnce(ctx, once[struct{}]{
		what: "execute",
		log:  p.log,
		send: func(ctx context.Context) (struct{}, error) {
			_, err := p.api.Execute(ctx, p.in.ProjectID, p.in.PlanID)
			return struct{}{}, err
		},
		find: func(ctx context.Context) (struct{}, bool, error) {
			ok, err := p.executedSince(ctx, plan, 1)
			return struct{}{}, ok, err
		},
		busy:  planBusy,
		grace: p.in.AbortGrace,
		look:  p.in.LookFor,
	})
	switch {
	case err == nil && adopted:
		p.executed, p.started = true, true
		p.log.Noticef("The execute request did reach ServiceStage: release plan %s is executing; not executing it again.", p.in.PlanID)
		return nil
	case err == nil:
		p.executed = true
		p.log.Infof("Executed release plan %s.", p.in.PlanID)
		return nil
	case planBusy(err) && ctx.Err() == nil:
		// Refused on the first try: if the plan runs now, someone else
		// executed it; watch that execution.
		if ok, lerr := p.executedSince(ctx, plan, 1); lerr == nil && ok {
			p.executed, p.started = true, true
			p.log.Noticef("Release plan %s is already executing; watching that execution.", p.in.PlanID)
			return nil
		}
	}
	if adopted {
		p.executed, p.started = true, true
	}
	return err
}

// planBusy recognises ServiceStage refusing an execute or rollback, which
// it does (400) while the plan runs.
func planBusy(err error) bool {
	apiErr, ok := huawei.AsAPIError(err)
	return ok && apiErr.HTTPStatus == 400
}

// executedSince looks (up to looks times, FirstPoll apart) for signs that
// the plan was executed after the flow's baseline.
func (p *planner) executedSince(ctx context.Context, before *servicestage.Plan, looks int) (bool, error) {
	for i := range looks {
		if i > 0 {
			t := time.NewTimer(p.in.FirstPoll)
			select {
			case <-ctx.Done():
				t.Stop()
				return false, context.Cause(ctx)
			case <-t.C:
			}
		}
		info, err := p.api.DeployInfo(ctx, p.in.ProjectID, p.in.PlanID)
		if err != nil {
			return false, err
		}
		if startedSince(p.baseline, info) {
			return true, nil
		}
		plan, err := p.api.Show(ctx, p.in.ProjectID, p.in.PlanID)
		if err != nil {
			return false, err
		}
		if servicestage.Classify(plan.Status) == servicestage.PhaseRunning || plan.ExecuteTime > before.ExecuteTime {
			return true, nil
		}
	}
	return false, nil
}

// startedSince reports whether info shows an execution newer than the one
// in before: a component running, or one that started later than it had.
// Times are compared with the service's own earlier answer, never with
// our clock, so clock skew cannot mislead the comparison.
func startedSince(before, info *servicestage.DeployInfo) bool {
	if anyRunning(info.Components) {
		return true
	}
	if before == nil {
		return false
	}
	prev := map[string]servicestage.EpochMillis{}
	for _, c := range before.Components {
		prev[componentKey(c)] = c.StartTime
	}
	for _, c := range info.Components {
		if c.StartTime > 0 && c.StartTime > prev[componentKey(c)] {
			return true
		}
	}
	return false
}

func componentKey(c servicestage.Component) string {
	if c.ID != "" {
		return c.ID
	}
	return "name:" + c.Name
}

func anyRunning(comps []servicestage.Component) bool {
	for _, c := range comps {
		if servicestage.Classify(c.Status) == servicestage.PhaseRunning {
			return true
		}
	}
	return false
}

// noWait reports after one look (wait: false).
func (p *planner) noWait(ctx, tctx context.Context) {
	info, err := p.api.DeployInfo(tctx, p.in.ProjectID, p.in.PlanID)
	if err != nil {
		if p.executed {
			// The plan runs; only the look failed.
			p.log.Warningf("Could not read the plan's deploy-info: %v", err)
			p.res.Status = StatusRunning
			p.res.Settled = true // left running on purpose (wait: false)
			return
		}
		p.end(ctx, tctx, "Could not read the release plan", err)
		return
	}
	if !p.started {
		// Right after an execute the answer may still show the previous
		// execution: its components are not this run's to report.
		if p.started = startedSince(p.baseline, info); !p.started {
			p.res.Status = StatusRunning
			p.res.Settled = true // left running on purpose (wait: false)
			p.res.Remote = info.Raw
			p.log.Infof("wait is false: release plan %s was executed and goes on.", p.in.PlanID)
			return
		}
	}
	p.observe(info)
	if !p.executed && p.settled(tctx, info) {
		p.finish(info)
		return
	}
	p.res.Status = StatusRunning
	p.res.Settled = true // left running on purpose (wait: false)
	p.setTimes(false)
	p.log.Infof("wait is false: release plan %s goes on.", p.in.PlanID)
}

// Verdict is what one deploy-info answer says about a plan's execution.
type Verdict int

// The verdicts of PlanSettled.
const (
	// VerdictRunning: something runs, or may still start.
	VerdictRunning Verdict = iota
	// VerdictDone: every component is final.
	VerdictDone
	// VerdictAskPlan: nothing runs, some component failed and others are
	// CREATED; the plan's own status decides whether they will ever run.
	VerdictAskPlan
)

// PlanSettled applies the final-state rule of ReleasePlan to one
// deploy-info's components. Components rolling back (rollback job created
// or running) count as running.
func PlanSettled(comps []servicestage.Component) Verdict {
	if len(comps) == 0 {
		return VerdictRunning
	}
	pending, failed := false, false
	for _, c := range comps {
		if rollingBack(c) {
			return VerdictRunning
		}
		switch servicestage.Classify(c.Status) {
		case servicestage.PhaseRunning, servicestage.PhaseUnknown:
			return VerdictRunning
		case servicestage.PhasePending:
			pending = true
		case servicestage.PhaseFailed:
			failed = true
		}
	}
	switch {
	case !pending:
		return VerdictDone
	case failed:
		return VerdictAskPlan
	}
	return VerdictRunning
}

func rollingBack(c servicestage.Component) bool {
	s := strings.ToUpper(strings.TrimSpace(c.RollbackJobStatus))
	return s == servicestage.JobRunning || s == servicestage.JobCreated
}

// settled decides whether the watched execution is over, asking the plan
// when the components alone cannot tell.
func (p *planner) settled(ctx context.Context, info *servicestage.DeployInfo) bool {
	switch PlanSettled(info.Components) {
	case VerdictDone:
		return true
	case VerdictAskPlan:
		plan, err := p.api.Show(ctx, p.in.ProjectID, p.in.PlanID)
		if err != nil {
			p.log.Warningf("Could not read the plan's status; trying again: %v", err)
			return false
		}
		if servicestage.Final(plan.Status) {
			p.planStatus = plan.Status
			p.res.RemoteStatus = plan.Status
			return true
		}
		return false
	}
	// Only CREATED components: a plan found already ended (and not
	// executed by us) ran none of them.
	if p.baseline == nil && p.initial != nil && servicestage.Final(p.initial.Status) && allPending(info.Components) {
		p.planStatus = p.initial.Status
		return true
	}
	return false
}

func allPending(comps []servicestage.Component) bool {
	for _, c := range comps {
		if servicestage.Classify(c.Status) != servicestage.PhasePending {
			return false
		}
	}
	return len(comps) > 0
}

// follow polls deploy-info until the watched execution is over.
func (p *planner) follow(ctx context.Context) (*servicestage.DeployInfo, error) {
	policy := wait.Policy{First: p.in.FirstPoll, Max: p.in.PollInterval}
	var done *servicestage.DeployInfo
	emptyWarned := false
	var unreadable readErrors
	err := wait.Poll(ctx, policy, func(ctx context.Context) (bool, time.Duration, error) {
		info, err := p.api.DeployInfo(ctx, p.in.ProjectID, p.in.PlanID)
		if err != nil {
			return false, 0, unreadable.note(ctx, p.log, "the plan's deploy-info", err)
		}
		unreadable.reset()
		if !p.started {
			// Right after an execute the answer may still show the
			// previous execution, which must not be taken for ours.
			if !startedSince(p.baseline, info) {
				return false, 0, nil
			}
			p.started = true
		}
		if len(info.Components) == 0 && !emptyWarned {
			emptyWarned = true
			p.log.Warningf("Release plan %s lists no components yet; waiting.", p.in.PlanID)
		}
		p.observe(info)
		if p.settled(ctx, info) {
			done = info
			return true, 0, nil
		}
		return false, 0, nil
	})
	return done, err
}

// observe records an answer and prints the progress it shows.
func (p *planner) observe(info *servicestage.DeployInfo) {
	p.last = info
	p.res.Remote = info.Raw
	p.res.Components = planComponents(info.Components)
	for _, c := range info.Components {
		if servicestage.Classify(c.Status) == servicestage.PhaseUnknown && !p.unknownSeen[c.Status] {
			p.unknownSeen[c.Status] = true
			p.log.Warningf("ServiceStage reported a component status the action does not know, %q; treating it as still running.", c.Status)
		}
	}
	p.progress(false)
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

// progress prints a group for each batch once it has completed, and
// announces the batches that start. With final set, it prints the batches
// left, as they are (not run, aborted, still running).
func (p *planner) progress(final bool) {
	for _, b := range planBatches(p.res.Components) {
		if p.shown[b.seq] {
			continue
		}
		complete, running := true, false
		for _, c := range b.comps {
			if !servicestage.Final(c.Status) {
				complete = false
			}
			if servicestage.Classify(c.Status) == servicestage.PhaseRunning {
				running = true
			}
		}
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

// BatchMark returns the mark and the word that sum up a batch's components.
func BatchMark(comps []Component) (mark, word string) {
	succeeded, failed, aborted, pending := 0, 0, 0, 0
	for _, c := range comps {
		switch servicestage.Classify(c.Status) {
		case servicestage.PhaseSucceeded:
			succeeded++
		case servicestage.PhaseFailed:
			if strings.EqualFold(c.Status, servicestage.StatusAborted) {
				aborted++
			} else {
				failed++
			}
		case servicestage.PhasePending:
			pending++
		}
	}
	switch {
	case failed > 0:
		return "✗", "failed"
	case aborted > 0:
		return "⏹", "aborted"
	case succeeded == len(comps):
		return "✓", ""
	case pending == len(comps):
		return "○", "not run"
	}
	return "…", "unfinished"
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
// more there are: the failure annotation is a short message.
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
	maxNamedComponents = 20  // names in the line that announces a batch, and in the failure annotation
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
	for _, c := range p.res.Components {
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

// finish records a settled execution.
func (p *planner) finish(info *servicestage.DeployInfo) {
	p.res.Settled = true
	p.observe(info)
	p.progress(true)
	p.setTimes(true)
	if p.res.StartedAt.IsZero() {
		p.res.StartedAt = p.localStart
	}
	if p.res.FinishedAt.IsZero() {
		p.res.FinishedAt = time.Now()
	}
	ok := len(p.res.Components) > 0
	for _, c := range p.res.Components {
		ok = ok && servicestage.Classify(c.Status) == servicestage.PhaseSucceeded
	}
	name := p.in.PlanID + optional(" (%s)", p.res.PlanName)
	if ok {
		p.res.Status = StatusSucceeded
		p.log.Infof("✓ Release plan %s succeeded in %s.", name, FormatDuration(p.res.Duration()))
		return
	}
	p.res.Status = StatusFailed
	msg := "Release plan " + name + " failed"
	if p.planStatus != "" {
		msg = fmt.Sprintf("Release plan %s ended %s", name, p.planStatus)
	}
	var failed, notRun []string
	for _, c := range p.res.Components {
		switch servicestage.Classify(c.Status) {
		case servicestage.PhaseFailed:
			failed = append(failed, fmt.Sprintf("%s (batch %d) %s%s", c.Name, c.Seq, c.Status, optional(": %s", c.FailMessage)))
		case servicestage.PhasePending:
			notRun = append(notRun, fmt.Sprintf("%s (batch %d)", c.Name, c.Seq))
		}
	}
	if len(failed) > 0 {
		msg += ": " + strings.Join(firstOf(failed), "; ")
	}
	if len(notRun) > 0 {
		msg += "; not run: " + strings.Join(firstOf(notRun), ", ")
	}
	p.res.Failure = &Failure{Title: "Release plan failed", Message: msg + "."}
	p.log.Infof("✗ %s.", msg)
}

// end settles a flow that stopped early: cancelled, timed out, or failed
// (settleEarly).
func (p *planner) end(ctx, tctx context.Context, title string, err error) {
	p.setTimes(false)
	if p.res.StartedAt.IsZero() {
		p.res.StartedAt = p.localStart
	}
	// Abort only what runs: the latest answer says, or, before any answer
	// of our execution came, the fact that we executed the plan.
	running := p.executed
	if p.last != nil {
		running = !p.quiet()
	}
	idle := fmt.Sprintf("release plan %s was not running", p.in.PlanID)
	if p.last != nil && allPending(p.last.Components) {
		idle = "none of its components started"
		if !p.in.Execute {
			idle += " (nobody executed it; set execute: true to execute it)"
		}
	}
	settleEarly(ctx, tctx, p.res, ending{
		title: title, err: err, timedOut: errPlanTimedOut, timeout: p.in.Timeout,
		stopOnCancel: p.in.StopOnCancel, stopOnTimeout: p.in.StopOnTimeout,
		grace: p.in.AbortGrace, what: "Release plan " + p.in.PlanID,
	}, remoteWork{noun: "release plan " + p.in.PlanID, idle: idle, stopped: "aborted", running: running, stop: p.abort})
	if p.res.Status != StatusSucceeded {
		p.progress(true)
	}
}

// quiet reports whether the latest answer shows nothing running.
func (p *planner) quiet() bool {
	for _, c := range p.last.Components {
		switch servicestage.Classify(c.Status) {
		case servicestage.PhaseRunning, servicestage.PhaseUnknown:
			return false
		}
		if rollingBack(c) {
			return false
		}
	}
	return true
}

// abort aborts the plan and reads its components once more. A plan found
// ended gets its own verdict.
func (p *planner) abort(ctx context.Context) stopOutcome {
	out := abortPlan(ctx, p.api, p.in.ProjectID, p.in.PlanID, p.log)
	if info, err := p.api.DeployInfo(ctx, p.in.ProjectID, p.in.PlanID); err == nil {
		p.observe(info)
		if out.err != nil && p.quiet() && p.settled(ctx, info) {
			p.res.Failure = nil
			p.finish(info)
			return stopOutcome{ended: true}
		}
	}
	return out
}

// abortPlan aborts a release plan's execution: the stop of the release-plan
// flow after a cancel or timeout, and of the post step. The service
// refuses (400) to abort a plan that no longer runs.
func abortPlan(ctx context.Context, api ServiceStage, projectID, planID string, log Logger) stopOutcome {
	log.Infof("Aborting release plan %s…", planID)
	if _, err := api.Abort(ctx, projectID, planID); err != nil {
		if planBusy(err) {
			log.Infof("The abort was refused (%v); the plan was no longer running.", err)
			return stopOutcome{err: fmt.Errorf("the abort was refused: %w", err)}
		}
		log.Warningf("Aborting release plan %s failed: %v", planID, err)
		return stopOutcome{err: err}
	}
	log.Infof("Aborted release plan %s.", planID)
	return stopOutcome{stopped: true}
}

// AbortPlanInput is what AbortPlan needs.
type AbortPlanInput struct {
	ProjectID, PlanID string
	Timeout           time.Duration
}

// AbortPlan aborts a release plan's execution if it still runs; a plan
// that has ended is left alone and reported as it ended. The post step
// uses it for an execution a killed main step left behind. It never
// returns a nil Result.
func AbortPlan(ctx context.Context, api ServiceStage, in AbortPlanInput, log Logger) *Result {
	res := &Result{Operation: OpReleasePlan, PlanID: in.PlanID, Settled: true}
	if in.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, in.Timeout)
		defer cancel()
	}
	plan, err := api.Show(ctx, in.ProjectID, in.PlanID)
	if err != nil {
		res.Status, res.Failure = StatusFailed, &Failure{Title: "Could not read the release plan", Message: err.Error()}
		return res
	}
	res.PlanName, res.RemoteStatus = plan.Name, plan.Status
	if servicestage.Final(plan.Status) || servicestage.Classify(plan.Status) == servicestage.PhasePending {
		res.Status = StatusSucceeded
		log.Infof("Release plan %s is not running (%s); nothing to abort.", in.PlanID, plan.Status)
		return res
	}
	out := abortPlan(ctx, api, in.ProjectID, in.PlanID, log)
	switch {
	case out.stopped:
		res.Status = StatusStopped
	case out.err != nil && planBusy(out.err):
		res.Status = StatusSucceeded
	default:
		res.Status, res.Failure = StatusFailed, &Failure{Title: "Could not abort the release plan", Message: out.err.Error()}
	}
	return res
}

// rollback rolls the failed plan back and waits for it. The verdict stays
// failed whatever the rollback does.
func (p *planner) rollback(ctx context.Context, decided *servicestage.DeployInfo) {
	var deployed []string
	for _, c := range decided.Components {
		switch strings.ToUpper(c.Status) {
		case servicestage.StatusSuccess, servicestage.StatusFailed, servicestage.StatusPartiallyFailed:
			deployed = append(deployed, componentKey(c))
		}
	}
	if len(deployed) == 0 {
		p.log.Noticef("rollback_on_failure: no component of release plan %s was deployed, so there is nothing to roll back.", p.in.PlanID)
		return
	}
	p.log.Noticef("Rolling back release plan %s (rollback_on_failure): %s.", p.in.PlanID, plural(len(deployed), "component"))
	rctx, cancel := context.WithTimeoutCause(ctx, p.in.Timeout, errPlanTimedOut)
	defer cancel()
	report := func(status Status, detail string) {
		p.res.RollbackStatus = status
		p.res.Failure.Message += fmt.Sprintf(" Rollback: %s%s.", status, detail)
	}

	if err := p.callRollback(rctx, decided, deployed); err != nil {
		p.log.Warningf("The rollback of release plan %s could not be started: %v", p.in.PlanID, err)
		report(StatusFailed, " (it could not be started)")
		return
	}
	var last *servicestage.DeployInfo
	err := wait.Poll(rctx, wait.Policy{First: p.in.FirstPoll, Max: p.in.PollInterval}, func(ctx context.Context) (bool, time.Duration, error) {
		info, err := p.api.DeployInfo(ctx, p.in.ProjectID, p.in.PlanID)
		if err != nil {
			if transient(err) && ctx.Err() == nil {
				p.log.Warningf("Could not read the plan's deploy-info; trying again: %v", err)
				return false, 0, nil
			}
			return false, 0, err
		}
		last = info
		return rollbackDone(info.Components, deployed), 0, nil
	})
	if last != nil {
		p.res.Remote = last.Raw
		p.res.Components = planComponents(last.Components)
	}
	if err != nil {
		status := StatusFailed
		if ctx.Err() == nil && context.Cause(rctx) == errPlanTimedOut {
			status = StatusTimedOut
		}
		p.log.Warningf("The rollback of release plan %s did not finish: %v", p.in.PlanID, err)
		report(status, "")
		return
	}
	var lines, failed []string
	for _, c := range p.res.Components {
		if !slices.Contains(deployed, componentKey(servicestage.Component{ID: c.ID, Name: c.Name})) {
			continue
		}
		lines = append(lines, ComponentLine(c))
		if !rolledBack(c.Status, c.RollbackJobStatus) {
			failed = append(failed, c.Name+optional(": %s", c.RollbackFailMessage))
		}
	}
	mark := "✓"
	if len(failed) > 0 {
		mark = "✗"
	}
	p.log.Group(fmt.Sprintf("%s Rollback (%s)", mark, plural(len(lines), "component")))
	for _, l := range lines {
		p.log.Infof("%s", l)
	}
	p.log.EndGroup()
	if len(failed) > 0 {
		p.log.Warningf("The rollback of release plan %s failed: %s.", p.in.PlanID, strings.Join(failed, "; "))
		report(StatusFailed, " ("+strings.Join(failed, "; ")+")")
		return
	}
	p.log.Noticef("Rollback succeeded: release plan %s is back at its previous versions (%s).", p.in.PlanID, plural(len(lines), "component"))
	report(StatusSucceeded, "")
}

// callRollback asks for the rollback exactly once: like execute it is not
// idempotent, so an unknown outcome is looked into before asking again.
func (p *planner) callRollback(ctx context.Context, decided *servicestage.DeployInfo, deployed []string) error {
	_, adopted, err := sendOnce(ctx, once[struct{}]{
		what: "rollback",
		log:  p.log,
		send: func(ctx context.Context) (struct{}, error) {
			_, err := p.api.Rollback(ctx, p.in.ProjectID, p.in.PlanID)
			return struct{}{}, err
		},
		find: func(ctx context.Context) (struct{}, bool, error) {
			info, err := p.api.DeployInfo(ctx, p.in.ProjectID, p.in.PlanID)
			if err != nil {
				return struct{}{}, false, err
			}
			return struct{}{}, rollbackStarted(decided, info, deployed), nil
		},
		grace: p.in.AbortGrace,
		look:  p.in.LookFor,
	})
	if err == nil && adopted {
		p.log.Noticef("The rollback request did reach ServiceStage; not asking for it again.")
	}
	return err
}

// rollbackStarted reports whether info shows a rollback that decided did
// not: a rollback job or start time on a deployed component.
func rollbackStarted(decided, info *servicestage.DeployInfo, deployed []string) bool {
	prev := map[string]servicestage.Component{}
	for _, c := range decided.Components {
		prev[componentKey(c)] = c
	}
	for _, c := range info.Components {
		k := componentKey(c)
		if !slices.Contains(deployed, k) {
			continue
		}
		was := prev[k]
		if c.RollbackStartTime > was.RollbackStartTime || c.RollbackJobStatus != "" && was.RollbackJobStatus == "" ||
			rollbackEnded(c.Status) {
			return true
		}
	}
	return false
}

// rollbackDone reports whether every deployed component's rollback ended.
func rollbackDone(comps []servicestage.Component, deployed []string) bool {
	seen := 0
	for _, c := range comps {
		if !slices.Contains(deployed, componentKey(c)) {
			continue
		}
		seen++
		status := strings.ToUpper(c.Status)
		if servicestage.Classify(status) == servicestage.PhaseRunning || rollingBack(c) {
			return false
		}
		if !rollbackEnded(status) && !servicestage.JobFinal(c.RollbackJobStatus) {
			return false
		}
	}
	return seen > 0
}

// rollbackEnded reports a component status a rollback ends in.
func rollbackEnded(status string) bool {
	s := strings.ToUpper(strings.TrimSpace(status))
	return s == servicestage.StatusRollbackSucceed || s == servicestage.StatusRollbackFailed
}

// rolledBack reports a component whose rollback succeeded.
func rolledBack(status, rollbackJobStatus string) bool {
	switch strings.ToUpper(status) {
	case servicestage.StatusRollbackSucceed:
		return true
	case servicestage.StatusRollbackFailed:
		return false
	}
	return strings.EqualFold(rollbackJobStatus, servicestage.JobSucceeded)
}

// plural writes "1 component", "3 components".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
