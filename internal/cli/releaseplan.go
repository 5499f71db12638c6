package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// releasePlanOperation executes a ServiceStage release plan, or watches
// one, and follows it.
var releasePlanOperation = operation{
	service: huawei.ServiceServiceStage,
	start:   startReleasePlan,
	dryRun:  dryRunReleasePlan,
	outputs: releasePlanOutputs,
	summary: releasePlanSummary,
}

// startReleasePlan runs the release-plan operation.
func startReleasePlan(ctx context.Context, s *step) (*run.Result, error) {
	cfg, log := s.cfg, s.log
	return connect(s, servicestageClient, func(client *servicestage.Client, at string) *run.Result {
		verb := "Watching"
		if cfg.Execute {
			verb = "Executing"
		}
		log.Infof("%s ServiceStage release plan %s (%s).", verb, cfg.ReleasePlanID, at)
		in := releasePlanInput(cfg)
		// Saved before the execute is sent: the post step aborts an
		// execution a killed step left running.
		in.Executing = func() {
			if err := s.files.SaveState(action.StatePlanID, cfg.ReleasePlanID); err != nil {
				log.Warningf("Could not write a step file: %v", err)
			}
		}
		return run.ReleasePlan(ctx, client, in, logger(log))
	})
}

// dryRunReleasePlan checks what a release plan's execution depends on.
func dryRunReleasePlan(ctx context.Context, s *step) (*run.Result, error) {
	cfg, log := s.cfg, s.log
	return connect(s, servicestageClient, func(client *servicestage.Client, at string) *run.Result {
		log.Infof("Dry run of release plan %s (%s).", cfg.ReleasePlanID, at)
		return run.DryRunReleasePlan(ctx, client, releasePlanInput(cfg), logger(log))
	})
}

// releasePlanInput is the release-plan operation's input; a dry run
// checks the same.
func releasePlanInput(cfg *action.Config) run.ReleasePlanInput {
	return run.ReleasePlanInput{
		ProjectID:         cfg.ProjectID,
		PlanID:            cfg.ReleasePlanID,
		Execute:           cfg.Execute,
		Wait:              cfg.Wait,
		RollbackOnFailure: cfg.RollbackOnFailure,
		StopOnCancel:      cfg.StopOnCancel,
		StopOnTimeout:     cfg.StopOnTimeout,
		Timeout:           cfg.Timeout,
		PollInterval:      cfg.PollInterval,
	}
}

// releasePlanOutputs are the outputs of a release plan: status,
// components, started_at, finished_at, duration_seconds, result.
func releasePlanOutputs(r *run.Result) []output {
	comps := r.Plan.Components
	if comps == nil {
		comps = []run.Component{}
	}
	list, err := json.Marshal(comps)
	if err != nil {
		// Strings and ints only: Marshal cannot fail on them.
		list = []byte("[]")
	}
	return []output{
		{"status", string(r.Status)},
		{"components", string(list)},
		{"started_at", rfc3339(r.StartedAt)},
		{"finished_at", rfc3339(r.FinishedAt)},
		{"duration_seconds", durationSeconds(r)},
		{"result", compactJSON(r.Remote)},
	}
}

// releasePlanSummary renders a release plan: its status and times, then
// its components by batch.
func releasePlanSummary(r *run.Result, region string) string {
	var b strings.Builder
	p := r.Plan
	plan := named(p.PlanName, "`"+p.PlanID+"`")
	fmt.Fprintf(&b, "### %s Release plan %s: %s\n\n", statusIcon[r.Status], statusWords(r.Status), plan)
	row := table(&b)
	row("Release plan", plan)
	row("Region", mdEscape(region))
	row("Status", statusCell(r))
	timeRows(row, r)
	if p.RollbackStatus != "" {
		row("Rollback", string(p.RollbackStatus))
	}
	writeFailure(&b, r)
	componentTable(&b, p.Components)
	return b.String()
}

var componentIcon = map[string]string{
	servicestage.StatusSuccess:         "✅",
	servicestage.StatusFailed:          "❌",
	servicestage.StatusPartiallyFailed: "❌",
	servicestage.StatusRollbackSucceed: "↩️",
	servicestage.StatusRollbackFailed:  "❌",
	servicestage.StatusAborted:         "⏹️",
	servicestage.StatusRunning:         "🔄",
	servicestage.StatusCreated:         "⚪",
}

// componentTable lists a release plan's components, if it has any.
func componentTable(b *strings.Builder, comps []run.Component) {
	if len(comps) == 0 {
		return
	}
	b.WriteString("\n| Batch | Component | Version | Status | Job | Time | Message |\n|---:|---|---|---|---|---:|---|\n")
	for _, c := range comps {
		icon := componentIcon[servicestage.Normalize(c.Status)]
		fmt.Fprintf(b, "| %d | %s | %s | %s %s | %s | %s | %s |\n", c.Seq, mdEscape(c.Name), mdEscape(c.Version),
			icon, mdEscape(c.Status), mdEscape(c.JobStatus), elapsed(c.Elapsed), mdEscape(componentMessage(c)))
	}
}

// componentMessage is a component's failure, and its rollback's.
func componentMessage(c run.Component) string {
	msg := c.FailMessage
	if c.RollbackJobStatus != "" {
		msg = strings.TrimPrefix(msg+"; rollback "+c.RollbackJobStatus+optionalf(": %s", c.RollbackFailMessage), "; ")
	}
	return msg
}
