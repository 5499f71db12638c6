package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
)

// deployOperation starts a CodeArts Deploy task and follows it.
var deployOperation = operation{
	service: huawei.ServiceCodeArtsDeploy,
	start:   startDeploy,
	dryRun:  dryRunDeploy,
	outputs: deployOutputs,
	summary: deploySummary,
}

// startDeploy runs the deploy operation.
func startDeploy(ctx context.Context, s *step) (*run.Result, error) {
	cfg, log := s.cfg, s.log
	return connect(s, codeartsClient, func(client *codearts.Client, at string) *run.Result {
		log.Infof("Deploying CodeArts Deploy task %s (%s).", cfg.TaskID, at)
		if len(cfg.Params) > 0 {
			log.Infof("Parameters: %s.", run.ParamNames(codeartsParams(cfg.Params)))
		}
		return run.Deploy(ctx, client, deployInput(cfg, log), logger(log), s.deployHooks())
	})
}

// deployHooks write what the post step needs to stop what this step
// started, at once: the runner reads these files even when the step is
// cancelled or killed later.
func (s *step) deployHooks() run.DeployHooks {
	taskID := s.cfg.TaskID
	return run.DeployHooks{
		Starting: func(at time.Time, latestBefore string) {
			s.saveState(action.StateTaskID, taskID,
				action.StateStartAt, at.UTC().Format(time.RFC3339Nano),
				action.StateLatestBefore, latestBefore)
		},
		Started: func(recordID, jobName string) {
			s.setOutput("record_id", recordID)
			s.saveState(action.StateTaskID, taskID, action.StateRecordID, recordID)
		},
	}
}

// dryRunDeploy checks what a deployment depends on.
func dryRunDeploy(ctx context.Context, s *step) (*run.Result, error) {
	cfg, log := s.cfg, s.log
	return connect(s, codeartsClient, func(client *codearts.Client, at string) *run.Result {
		log.Infof("Dry run of a deployment of CodeArts Deploy task %s (%s).", cfg.TaskID, at)
		return run.DryRunDeploy(ctx, client, deployInput(cfg, log), logger(log))
	})
}

// deployInput is the deploy operation's input; a dry run checks the same.
func deployInput(cfg *action.Config, log *action.Log) run.DeployInput {
	return run.DeployInput{
		TaskID:            cfg.TaskID,
		Params:            codeartsParams(cfg.Params),
		RecordID:          cfg.RecordID,
		TriggerSource:     cfg.TriggerSource,
		Wait:              cfg.Wait,
		IfRunning:         string(cfg.IfRunning),
		StopOnCancel:      cfg.StopOnCancel,
		StopOnTimeout:     cfg.StopOnTimeout,
		RollbackOnFailure: cfg.RollbackOnFailure,
		ShowLogs:          cfg.ShowLogs,
		Timeout:           cfg.Timeout,
		PollInterval:      cfg.PollInterval,
		Health:            healthSpec(cfg, log),
	}
}

// codeartsParams are the params input as the start request carries them.
func codeartsParams(ps []action.Param) []codearts.Param {
	out := make([]codearts.Param, len(ps))
	for i, p := range ps {
		out[i] = codearts.Param{Key: p.Key, Value: p.Value, Type: p.Type}
	}
	return out
}

// deployOutputs are the step outputs of a deploy or watch result. Empty
// values are written too, so a later step can test them without a
// default.
func deployOutputs(r *run.Result) []output {
	d := r.Deploy
	return []output{
		{"status", string(r.Status)},
		{"record_id", d.RecordID},
		{"job_name", d.JobName},
		{"started_at", rfc3339(r.StartedAt)},
		{"finished_at", rfc3339(r.FinishedAt)},
		{"duration_seconds", durationSeconds(r)},
		{"rollback_record_id", d.RollbackRecordID},
		{"result", compactJSON(r.Remote)},
	}
}

// deploySummary renders a deploy or watch result.
func deploySummary(r *run.Result, region string) string {
	var b strings.Builder
	d := r.Deploy
	noun := "Deployment"
	if r.Operation == run.OpWatch {
		noun = "Watched deployment"
	}
	task := taskCell(d)
	fmt.Fprintf(&b, "### %s %s %s: %s\n\n", statusIcon[r.Status], noun, statusWords(r.Status), task)
	row := table(&b)
	row("Task", task)
	row("Region", mdEscape(region))
	row("Record", code(d.RecordID))
	row("Job", code(d.JobName))
	row("Status", statusCell(r))
	timeRows(row, r)
	healthRows(row, d.Health)
	if d.RollbackRecordID != "" {
		row("Rollback", code(d.RollbackRecordID)+" "+string(d.RollbackStatus))
	}
	writeFailure(&b, r)
	healthAnswers(&b, d.Health)
	stepTable(&b, d.Steps)
	return b.String()
}

var stepIcon = map[run.StepState]string{
	run.StepDone:    "✅",
	run.StepFailed:  "❌",
	run.StepRunning: "🔄",
	run.StepStopped: "⏹️",
	run.StepPending: "⚪",
}

// stepTable lists a deployment's steps, if it has any.
func stepTable(b *strings.Builder, steps []run.StepResult) {
	if len(steps) == 0 {
		return
	}
	b.WriteString("\n| # | Step | Time | Result |\n|---:|---|---:|---|\n")
	for i, s := range steps {
		fmt.Fprintf(b, "| %d | %s | %s | %s %s |\n", i+1, mdEscape(s.Name), elapsed(s.Elapsed), stepIcon[s.State], s.State)
	}
}
