package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
)

// Starting a deployment: exactly once (see sendOnce), and past a
// deployment of someone else's that runs (if_running).

// resolveConflict applies if_running to a record of someone else's that is
// running, and returns that record's final state.
func (d *deployer) resolveConflict(ctx context.Context, other *codearts.Record) (*codearts.Record, error) {
	who := startedBy(other)
	switch d.in.IfRunning {
	case IfRunningFail:
		return nil, fmt.Errorf("task %s is already deploying record %s%s, and if_running is fail", d.in.TaskID, other.RecordID, who)
	case IfRunningStop:
		d.log.Noticef("Task is already deploying record %s%s; stopping it (if_running: stop).", other.RecordID, who)
		if _, err := d.api.Stop(ctx, d.in.TaskID, other.RecordID); err != nil && !codearts.IsEndedRefusal(err) {
			return nil, fmt.Errorf("stopping record %s: %w", other.RecordID, err)
		}
	default:
		d.log.Noticef("Task is already deploying record %s%s; waiting for it to finish first (if_running: wait).", other.RecordID, who)
	}
	st, err := d.follow(ctx, other.RecordID, false)
	if err != nil {
		return nil, err
	}
	d.log.Infof("Record %s ended: %s.", other.RecordID, st.Result.Status)
	return &st.Result, nil
}

// startedBy says who started a record and when, as far as it tells:
// " (started by ana at 2026-03-01 10:00:00)"; "" when it tells neither.
func startedBy(r *codearts.Record) string {
	who := optional(" (started by %s", r.Executor) + optional(" at %s", r.StartTime)
	if r.Executor != "" {
		who += ")"
	}
	return who
}

// maxConflicts bounds how often a start meets someone else's deployment
// and waits for (or stops) it before starting again.
const maxConflicts = 3

// start starts the deployment exactly once (see sendOnce). before is the
// task's latest record before this run: a record other than it that runs
// after an unknown outcome is the one our start created, and is adopted
// instead of starting a second one. The attempt is announced first, so the
// post step can find (and stop) such a record even if this step is killed
// before it knows the outcome.
func (d *deployer) start(ctx context.Context, req codearts.StartRequest, before string) (*codearts.Started, error) {
	if d.hooks.Starting != nil {
		d.hooks.Starting(time.Now(), before)
	}
	for conflict := 0; ; conflict++ {
		s, adopted, err := sendOnce(ctx, d.startOnce(req, before))
		if adopted && s != nil {
			d.log.Noticef("The start request did reach the service: adopting record %s instead of starting again.", s.ID)
		}
		if err == nil || s != nil || !codearts.IsAlreadyDeploying(err) || conflict >= maxConflicts {
			return s, err
		}
		// Someone else's deployment runs: apply if_running, then start.
		if before, err = d.waitOutConflict(ctx, err, before); err != nil {
			return nil, err
		}
	}
}

// startOnce is the start request as sendOnce sends it: a record other
// than before is the proof that it took effect.
func (d *deployer) startOnce(req codearts.StartRequest, before string) once[*codearts.Started] {
	return once[*codearts.Started]{
		what:  "start",
		log:   d.log,
		send:  func(ctx context.Context) (*codearts.Started, error) { return d.sendStart(ctx, req, before) },
		find:  func(ctx context.Context) (*codearts.Started, bool, error) { return d.findStarted(ctx, before) },
		busy:  codearts.IsAlreadyDeploying,
		grace: d.in.StopGrace,
		look:  d.in.LookFor,
	}
}

// sendStart sends the start once.
func (d *deployer) sendStart(ctx context.Context, req codearts.StartRequest, before string) (*codearts.Started, error) {
	s, err := d.api.Start(ctx, d.in.TaskID, req)
	if err == nil && s.ID == before {
		// A start creates a record; an answer naming the one that
		// was latest before proves the start arrived, not which
		// record it made.
		return nil, &huawei.UnknownOutcomeError{Err: &huawei.ProtocolError{Service: codearts.ServiceName, Method: "POST",
			Path: "/v2/tasks/" + d.in.TaskID + "/start", Problem: "it names the record that was the task's latest before the start"}}
	}
	return s, err
}

// findStarted looks once for the record a start of unknown outcome made:
// the task's latest, when it is not before and runs or has ended.
func (d *deployer) findStarted(ctx context.Context, before string) (*codearts.Started, bool, error) {
	rec, err := d.latest(ctx)
	if err != nil || rec == nil || rec.RecordID == before || !isRunning(rec) && !isFinal(rec) {
		return nil, false, err
	}
	return &codearts.Started{ID: rec.RecordID, TaskID: rec.TaskID}, true, nil
}

// waitOutConflict applies if_running to the deployment of someone else's
// that refused our start, and returns the record a new start must not be
// taken for: the one it waited for, or before when none ran any more.
func (d *deployer) waitOutConflict(ctx context.Context, refusal error, before string) (string, error) {
	rec, err := d.latest(ctx)
	if err != nil {
		return "", fmt.Errorf("%w; then reading the task's state: %v", refusal, err)
	}
	if rec == nil || !isRunning(rec) {
		return before, nil // it ended meanwhile: start again
	}
	final, err := d.resolveConflict(ctx, rec)
	if err != nil {
		return "", err
	}
	return final.RecordID, nil
}

// mayHaveStarted reports a start error that leaves open whether a record
// was created.
func mayHaveStarted(err error) bool {
	return huawei.IsUnknownOutcome(err) || errors.Is(err, errNoProof) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
