package run

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/deploy-action/deploy-action/internal/rts"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// The dry runs of release-plan (ServiceStage) and signal (RTS).

// PlanReader is the part of the ServiceStage client a dry run uses.
type PlanReader interface {
	Show(ctx context.Context, projectID, planID string) (*servicestage.Plan, error)
	DeployInfo(ctx context.Context, projectID, planID string) (*servicestage.DeployInfo, error)
}

// DryRunReleasePlan checks that the release plan exists and says what
// execute would run, batch by batch.
func DryRunReleasePlan(ctx context.Context, api PlanReader, in ReleasePlanInput, log Logger) *Result {
	ctx, cancel := bounded(ctx, in.Timeout)
	defer cancel()
	r := newDryRun(OpReleasePlan, log)
	r.res.Plan.PlanID = in.PlanID
	path := servicestage.PlanPath(in.ProjectID, in.PlanID)
	plan, ok := r.releasePlan(ctx, api, in, path)
	if !ok {
		return r.done()
	}
	info, err := api.DeployInfo(ctx, in.ProjectID, in.PlanID)
	if err != nil {
		r.fail("deploy-info", "could not be read: %v", err)
		return r.done()
	}
	r.wouldExecute(in, plan, info, path)
	if in.RollbackOnFailure {
		r.pass("rollback_on_failure", "a failure would call the plan's rollback (POST %s/rollback) and wait for it", path)
	}
	return r.done()
}

// releasePlan checks the credentials and that the plan at path exists,
// and returns it; false when it could not be read.
func (r *dryRun) releasePlan(ctx context.Context, api PlanReader, in ReleasePlanInput, path string) (*servicestage.Plan, bool) {
	plan, err := api.Show(ctx, in.ProjectID, in.PlanID)
	if !r.credentials("GET "+path, err) {
		return nil, false
	}
	const name = "release plan"
	if err != nil {
		if what := servicestage.NotFound(err); what != "" {
			r.fail(name, "no such %s: %v", what, err)
		} else {
			r.fail(name, "could not be read: %v", err)
		}
		return nil, false
	}
	r.res.Plan.PlanName = plan.Name
	r.pass(name, "%s%s exists: status %s, %s%s", in.PlanID, optional(" (%s)", plan.Name), plan.Status,
		plural(len(plan.Components), "component"), optional(", fail strategy %s", plan.FailStrategy))
	return plan, true
}

// wouldExecute says whether the plan at path would be executed, and
// what that would run, or watched as it runs.
func (r *dryRun) wouldExecute(in ReleasePlanInput, plan *servicestage.Plan, info *servicestage.DeployInfo, path string) {
	running := servicestage.Classify(plan.Status) == servicestage.PhaseRunning || anyRunning(info.Components)
	switch {
	case !in.Execute:
		r.pass("execute", "execute is false: the action would watch the plan's latest execution, not execute it")
	case running:
		r.pass("execute", "the plan is running: the action would watch that execution, not execute it again")
	default:
		r.pass("execute", "would run %s", batches(plan.Components))
		r.would(http.MethodPost, path+"/execute", nil, "Then the action follows deploy-info until every component has ended.")
	}
}

// batches lists the components by batch: "batch 1: api 1.4.2, web 2.0; batch 2: ...".
func batches(members []servicestage.PlanMember) string {
	bySeq := map[int][]string{}
	var seqs []int
	for _, m := range members {
		s := int(m.Seq)
		if _, ok := bySeq[s]; !ok {
			seqs = append(seqs, s)
		}
		bySeq[s] = append(bySeq[s], strings.TrimSpace(m.Name+" "+m.Version))
	}
	slices.Sort(seqs)
	parts := make([]string, len(seqs))
	for i, s := range seqs {
		parts[i] = fmt.Sprintf("batch %d: %s", s, strings.Join(bySeq[s], ", "))
	}
	if len(parts) == 0 {
		return "no component"
	}
	return strings.Join(parts, "; ")
}

// SignalReader is the part of the RTS client a dry run uses.
type SignalReader interface {
	GetSoftwareDeployment(ctx context.Context, projectID, deploymentID string) (*rts.Answer, error)
}

// DryRunSignal checks that the software deployment exists and shows the
// body the signal would send.
func DryRunSignal(ctx context.Context, api SignalReader, in SignalInput, log Logger) *Result {
	ctx, cancel := bounded(ctx, in.Timeout)
	defer cancel()
	r := newDryRun(OpSignal, log)
	r.res.Signal.DeploymentID = in.DeploymentID
	path := rts.DeploymentPath(in.ProjectID, in.DeploymentID)
	ans, err := api.GetSoftwareDeployment(ctx, in.ProjectID, in.DeploymentID)
	if !r.credentials("GET "+path, err) {
		return r.done()
	}
	r.softwareDeployment(in.DeploymentID, ans, err)
	body := SignalBody(in)
	how := "as given"
	if in.Status == "" {
		how = "from Heat's rule on " + StatusCodeKey
	}
	r.would(http.MethodPut, path, body, fmt.Sprintf("Status %s (%s).", body.Status, how))
	return r.done()
}

// softwareDeployment says whether the software deployment id exists, as
// the answer ans (or the error err) to reading it tells.
func (r *dryRun) softwareDeployment(id string, ans *rts.Answer, err error) {
	const name = "software deployment"
	switch {
	case err == nil:
		d := ans.Deployment
		r.res.RemoteStatus = d.Status
		r.pass(name, "%s exists: status %s%s%s", id, d.Status, optional(", action %s", d.Action), optional(", server %s", d.ServerID))
	case rts.IsNotFound(err):
		r.fail(name, "no such software deployment %s: %v", id, err)
	default:
		r.fail(name, "could not be read: %v", err)
	}
}
