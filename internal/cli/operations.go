package cli

import (
	"context"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
)

// operation is one operation's part of the main step. Each has its own
// file (deploy.go, watch.go, stop.go, releaseplan.go, signal.go) holding
// its run call, its outputs and its summary; a new operation is one new
// file and one line of the operations table.
type operation struct {
	// service is the service host prefix the operation talks to, whose
	// endpoint is resolved before anything is sent (checkRegion).
	service string
	// start logs what the step is about to do and runs the operation;
	// an error is a client that cannot be built from the inputs.
	start func(ctx context.Context, s *step) (*run.Result, error)
	// dryRun is start with dry_run: true: it checks what the operation
	// depends on and changes nothing.
	dryRun func(ctx context.Context, s *step) (*run.Result, error)
	// outputs are the step outputs of a result, in the order written.
	outputs func(*run.Result) []output
	// summary renders a result as the step summary's Markdown.
	summary func(r *run.Result, region string) string
}

// operations is every operation the main step runs, by the operation
// input.
var operations = map[action.Operation]operation{
	action.OpDeploy:      deployOperation,
	action.OpWatch:       watchOperation,
	action.OpStop:        stopOperation,
	action.OpReleasePlan: releasePlanOperation,
	action.OpSignal:      signalOperation,
}

// connect builds an operation's client, then runs f with it and the
// endpoint as the log names it (where). An error is a client the inputs
// cannot build, returned before anything is logged or sent.
func connect[C any](s *step, build func(*action.Config, huawei.Credentials, *action.Log) (C, string, error),
	f func(client C, at string) *run.Result) (*run.Result, error) {
	client, base, err := build(s.cfg, s.creds, s.log)
	if err != nil {
		return nil, err
	}
	return f(client, where(s.cfg, base)), nil
}
