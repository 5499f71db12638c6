package cli

import (
	"context"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
)

// watchOperation follows a deployment someone else started; its outputs
// and summary are deploy's.
var watchOperation = operation{
	service: huawei.ServiceCodeArtsDeploy,
	start:   startWatch,
	dryRun:  dryRunWatch,
	outputs: deployOutputs,
	summary: deploySummary,
}

// startWatch runs the watch operation.
func startWatch(ctx context.Context, s *step) (*run.Result, error) {
	cfg, log := s.cfg, s.log
	return connect(s, codeartsClient, func(client *codearts.Client, at string) *run.Result {
		what := "the latest deployment record"
		if cfg.RecordID != "" {
			what = "deployment record " + cfg.RecordID
		}
		log.Infof("Watching %s of CodeArts Deploy task %s (%s).", what, cfg.TaskID, at)
		return run.Watch(ctx, client, watchInput(cfg, log), logger(log), s.watching)
	})
}

// watching writes the record the watch follows as soon as it is known.
func (s *step) watching(recordID string) {
	s.setOutput("record_id", recordID)
	if s.cfg.StopOnCancel {
		// Only then has the post step anything to do with it: the
		// record is someone else's.
		s.saveState(action.StateTaskID, s.cfg.TaskID, action.StateRecordID, recordID)
	}
}

// dryRunWatch checks what a watch depends on.
func dryRunWatch(ctx context.Context, s *step) (*run.Result, error) {
	cfg, log := s.cfg, s.log
	return connect(s, codeartsClient, func(client *codearts.Client, at string) *run.Result {
		log.Infof("Dry run of a watch of CodeArts Deploy task %s (%s).", cfg.TaskID, at)
		return run.DryRunWatch(ctx, client, watchInput(cfg, log), logger(log))
	})
}

// watchInput is the watch operation's input; a dry run checks the same.
func watchInput(cfg *action.Config, log *action.Log) run.WatchInput {
	return run.WatchInput{
		TaskID: cfg.TaskID, RecordID: cfg.RecordID,
		StopOnCancel: cfg.StopOnCancel, StopOnTimeout: cfg.StopOnTimeout, ShowLogs: cfg.ShowLogs,
		Timeout: cfg.Timeout, PollInterval: cfg.PollInterval,
		Health: healthSpec(cfg, log),
	}
}
