package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
)

// This file holds the main step: it reads the inputs, looks the operation
// up in the table (operations.go) and settles its result.

// mainStep is the action's main entrypoint.
func mainStep(ctx context.Context, p Process) int {
	log := newLog(p)
	cfg, err := loadInputs(p.Getenv, log)
	if err != nil {
		log.Error("Invalid input", "The action's inputs are not valid; nothing was sent.\n"+err.Error())
		return 1
	}
	files := action.FilesFromEnv(p.Getenv)
	files.Scrub = log.Scrub
	creds, err := authenticate(ctx, cfg, log)
	if err != nil {
		log.Error("Keyless authentication failed", err.Error())
		return 1
	}
	op, ok := operations[cfg.Operation]
	if !ok {
		log.Error("Not available", fmt.Sprintf("operation %q is not available in this version yet.", cfg.Operation))
		return 1
	}
	if cfg.DryRun {
		op = dryRunOf(op)
	}
	s := &step{cfg: cfg, creds: creds, log: log, files: files, written: map[string]string{}}
	return s.run(ctx, op)
}

// newLog is a step's log, with whatever could be secret masked before
// anything is printed, even if the inputs turn out to be invalid.
func newLog(p Process) *action.Log {
	log := action.NewLog(p.Stdout, action.DebugLogging(p.Getenv))
	log.AddMask(action.SecretInputs(p.Getenv)...)
	return log
}

// loadInputs reads and checks the inputs, masks the secrets among them,
// and resolves the operation's endpoint, all before anything is sent.
func loadInputs(getenv func(string) string, log *action.Log) (*action.Config, error) {
	cfg, err := action.Load(getenv)
	if err != nil {
		return nil, err
	}
	log.AddMask(cfg.Secrets()...)
	if err := checkRegion(cfg, log); err != nil {
		return nil, err
	}
	return cfg, nil
}

// step is what an operation of the main step works with.
type step struct {
	cfg   *action.Config
	creds huawei.Credentials
	log   *action.Log
	files action.Files
	// written are the outputs written while the operation ran, so that
	// settle does not write them again with the same value.
	written map[string]string
	// errs are the step-file writes of the operation's hooks; a failed
	// one fails the step once the result is reported.
	errs []error
}

// run runs an operation and settles its result. An error from start is a
// client that cannot be built from the inputs.
func (s *step) run(ctx context.Context, op operation) int {
	res, err := op.start(ctx, s)
	if err != nil {
		s.log.Error("Invalid input", err.Error())
		return 1
	}
	return s.settle(res, op.outputs(res), op.summary(res, s.cfg.Region))
}

// setOutput writes an output at once (the runner reads the file even when
// the step is cancelled or killed later) and remembers it.
func (s *step) setOutput(name, value string) {
	s.written[name] = value
	s.errs = append(s.errs, s.files.SetOutput(name, value))
}

// saveState saves the state the post step reads, name and value pairs.
func (s *step) saveState(pairs ...string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		s.errs = append(s.errs, s.files.SaveState(pairs[i], pairs[i+1]))
	}
}

// settle writes a result's outputs (skipping those already written with the
// same value), state and summary, annotates a failure and returns the exit
// status.
func (s *step) settle(res *run.Result, outs []output, markdown string) int {
	errs := slices.Concat(s.errs, s.writeOutputs(outs))
	if res.Settled {
		// Nothing left for the post step: what this step started has
		// ended, never started, or goes on because the user asked so.
		// Otherwise (a stop only asked for, or failed; a start whose
		// outcome stayed unknown) the post step checks again.
		errs = append(errs, s.files.SaveState(action.StateDone, "true"))
	}
	errs = append(errs, s.files.AppendSummary(markdown))
	code := 0
	if !res.OK() {
		s.annotateFailure(res)
		code = 1
	}
	for _, err := range errs {
		if err != nil {
			s.log.Warningf("Could not write a step file: %v", err)
			code = 1
		}
	}
	return code
}

// writeOutputs writes the outputs but those already written with the
// same value.
func (s *step) writeOutputs(outs []output) []error {
	var errs []error
	for _, o := range outs {
		if v, ok := s.written[o.name]; ok && v == o.value {
			continue
		}
		errs = append(errs, s.files.SetOutput(o.name, o.value))
	}
	return errs
}

// annotateFailure is the ::error annotation of a result that missed its
// aim.
func (s *step) annotateFailure(res *run.Result) {
	title, msg := operationNoun(res.Operation)+" "+string(res.Status), ""
	if res.Failure != nil {
		title, msg = failureText(res)
	}
	s.log.Error(title, msg)
}

func operationNoun(op string) string {
	switch op {
	case run.OpReleasePlan:
		return "Release plan"
	case run.OpSignal:
		return "Signal"
	case run.OpStop:
		return "Stop"
	}
	return "Deployment"
}

// where names the endpoint for the log: the region, or the override.
func where(cfg *action.Config, base string) string {
	if cfg.Endpoint != "" {
		return base
	}
	return cfg.Region
}
