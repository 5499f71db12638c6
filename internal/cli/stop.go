package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
)

// stopOperation stops a CodeArts Deploy record.
var stopOperation = operation{
	service: huawei.ServiceCodeArtsDeploy,
	start:   startStop,
	dryRun:  dryRunStop,
	outputs: stopOutputs,
	summary: stopSummary,
}

// startStop runs the stop operation.
func startStop(ctx context.Context, s *step) (*run.Result, error) {
	cfg, log := s.cfg, s.log
	return connect(s, codeartsClient, func(client *codearts.Client, at string) *run.Result {
		log.Infof("Stopping CodeArts Deploy record %s of task %s (%s).", cfg.RecordID, cfg.TaskID, at)
		return run.Stop(ctx, client, stopInput(cfg), logger(log))
	})
}

// dryRunStop checks what a stop depends on.
func dryRunStop(ctx context.Context, s *step) (*run.Result, error) {
	cfg, log := s.cfg, s.log
	return connect(s, codeartsClient, func(client *codearts.Client, at string) *run.Result {
		log.Infof("Dry run of a stop of record %s of CodeArts Deploy task %s (%s).", cfg.RecordID, cfg.TaskID, at)
		return run.DryRunStop(ctx, client, stopInput(cfg), logger(log))
	})
}

func stopInput(cfg *action.Config) run.StopInput {
	return run.StopInput{TaskID: cfg.TaskID, RecordID: cfg.RecordID, Timeout: cfg.Timeout}
}

// stopOutputs are the outputs of a stop: status, record_id, result.
func stopOutputs(r *run.Result) []output {
	return []output{
		{"status", string(r.Status)},
		{"record_id", r.Deploy.RecordID},
		{"result", compactJSON(r.Remote)},
	}
}

// stopSummary renders a stop: whether the record stopped, or had already
// ended.
func stopSummary(r *run.Result, region string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s %s\n\n", statusIcon[r.Status], stopHeadline(r))
	row := table(&b)
	row("Task", taskCell(r.Deploy))
	row("Region", mdEscape(region))
	row("Record", code(r.Deploy.RecordID))
	row("Status", statusCell(r))
	writeFailure(&b, r)
	return b.String()
}

func stopHeadline(r *run.Result) string {
	switch {
	case r.Failure != nil:
		return "Deployment record not stopped"
	case r.Status != run.StatusStopped:
		return "Deployment record had already ended: " + string(r.Status)
	}
	return "Deployment record " + statusWords(r.Status)
}
