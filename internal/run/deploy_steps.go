package run

import (
	"context"
	"fmt"
	"strings"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

// This file is what deploy and watch show of a record's steps as they
// complete: the log's groups and the result's steps.

// progress prints each step once it has completed, and announces the one
// that runs.
func (d *deployer) progress(ctx context.Context, rec *codearts.Record, phase codearts.Phase) {
	steps := rec.Steps
	d.warnStepsCut(rec)
	final := phase == codearts.PhaseSucceeded || phase == codearts.PhaseFailed
	current, done := currentStep(steps, phase)
	for ; d.printed < done && d.printed < len(steps); d.printed++ {
		failed := final && phase == codearts.PhaseFailed && d.printed == current
		d.stepEnded(ctx, steps, d.printed, failed, final)
	}
	if !final && current >= d.announced && current < len(steps) {
		d.log.StepStarted(StepProgress{Number: current + 1, Of: len(steps), Step: StepResult{Name: stepName(steps[current], current), State: StepRunning}})
		d.announced = current + 1
	}
	if !final {
		d.live(ctx, rec, current)
	}
	d.res.Deploy.Steps = stepResults(steps, current, phase)
	d.res.RemoteStatus = rec.Status
}

// warnStepsCut says, once, that the record lists more steps than the
// action shows.
func (d *deployer) warnStepsCut(rec *codearts.Record) {
	if !rec.StepsCut || d.stepsCut {
		return
	}
	d.stepsCut = true
	d.log.Warningf("CodeArts Deploy lists more than %d steps for record %s; the action shows the first %d, and the console shows them all.", codearts.MaxSteps, rec.RecordID, codearts.MaxSteps)
}

// lastRan is the index of the last step that has run (some time elapsed),
// -1 when none has.
func lastRan(steps []codearts.Step) int {
	last := -1
	for i, s := range steps {
		if s.ElapsedTime > 0 {
			last = i
		}
	}
	return last
}

// currentStep is the index of the step a record is at (-1 when none):
// the last one that ran, the first while none has, the last of a record
// that succeeded. done is how many steps have completed: those before it,
// and it too once the record has ended.
func currentStep(steps []codearts.Step, phase codearts.Phase) (current, done int) {
	current = lastRan(steps)
	final := phase == codearts.PhaseSucceeded || phase == codearts.PhaseFailed
	switch {
	case phase == codearts.PhaseSucceeded:
		current = len(steps) - 1
	case current < 0 && len(steps) > 0 && !final:
		current = 0
	}
	if final {
		return current, current + 1
	}
	return current, current
}

// stepEnded reports step i as completed, its log (or how long it ran)
// and, for a failed step, its help page as its detail.
func (d *deployer) stepEnded(ctx context.Context, steps []codearts.Step, i int, failed, final bool) {
	s := steps[i]
	ended := StepProgress{Number: i + 1, Of: len(steps), Step: StepResult{Name: stepName(s, i), Elapsed: s.Elapsed(), State: StepDone}}
	if failed {
		ended.Step.State = StepFailed
	}
	d.log.StepEnded(ended, func() {
		if !d.logs.print(ctx, s, i+1, final) {
			d.log.Infof("Step %d of %d, %s, ran %s.", i+1, len(steps), stepName(s, i), FormatDuration(s.Elapsed()))
		}
		if failed && s.FAQURL != "" {
			d.log.Infof("Help for this step: %s", s.FAQURL)
		}
	})
}

func stepName(s codearts.Step, i int) string {
	if strings.TrimSpace(s.Name) == "" {
		return fmt.Sprintf("step %d", i+1)
	}
	return s.Name
}

// stepResults is the steps as the result shows them, the record being at
// step current (currentStep) in phase.
func stepResults(steps []codearts.Step, current int, phase codearts.Phase) []StepResult {
	out := make([]StepResult, len(steps))
	for i, s := range steps {
		out[i] = StepResult{Name: stepName(s, i), Elapsed: s.Elapsed(), State: stepState(i, current, phase)}
	}
	return out
}

// stepState is the state of step i of a record at step current in phase:
// those before current are done, those after it not reached, and current
// itself is as far as the record's phase says.
func stepState(i, current int, phase codearts.Phase) StepState {
	switch {
	case i < current:
		return StepDone
	case i > current:
		return StepPending
	case phase == codearts.PhaseSucceeded:
		return StepDone
	case phase == codearts.PhaseFailed:
		return StepFailed
	}
	return StepRunning
}

// noteUnknown warns, once per status and meaning, of a status the action
// does not know: waited on while the record runs, a failure once it has
// ended.
func (d *deployer) noteUnknown(status string, phase codearts.Phase) {
	if d.unknownSeen == nil {
		d.unknownSeen = map[string]bool{}
	}
	key := phase.String() + ":" + status
	if d.unknownSeen[key] {
		return
	}
	d.unknownSeen[key] = true
	if phase == codearts.PhaseFailed {
		d.log.Warningf("CodeArts Deploy reported a status the action does not know, %q, for a record that has ended; treating it as a failure.", status)
		return
	}
	d.log.Warningf("CodeArts Deploy reported a status the action does not know, %q; treating the deployment as still running.", status)
}

// markStopped marks the step that ran as stopped.
func markStopped(steps []StepResult) {
	for i := range steps {
		if steps[i].State == StepRunning {
			steps[i].State = StepStopped
		}
	}
}
