package sim

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

// This file is the deployment record of CodeArts Deploy and its state
// machine: a record's status, step times and end are pure functions of
// the clock, its task's shape (scenario plus defaults) and whether it was
// stopped.

// ParamInfo is one dynamic parameter of a record, as the start request
// gave it.
type ParamInfo struct {
	Key, Value, Type string
}

// RecordInfo is a snapshot of a deployment record for tests.
type RecordInfo struct {
	// ID and TaskID identify the record.
	ID, TaskID string
	// Status is the canonical status: running, succeeded, failed or abort
	// (a scenario's running_status/failed_status/final_status only change
	// the wire).
	Status string
	// Params are the record's parameters: those of the start request, on
	// top of the earlier record's for a redeploy.
	Params []ParamInfo
	// FromRecordID is the record_id a redeploy (rollback) was started
	// with; TriggerSource is the start request's trigger_source.
	FromRecordID, TriggerSource string
	// CreatedAt is when the record started and StoppedAt when it became
	// final (zero while running), on the gateway clock.
	CreatedAt, StoppedAt time.Time
	// Stopped reports that a stop request ended the record.
	Stopped bool
}

// record is one deployment; its status is a pure function of the clock
// and whether it was stopped.
type record struct {
	id, taskID         string
	taskName           string
	executor, nickName string
	steps              []string
	durations          []time.Duration
	failAt             int // 1-based step that fails; 0: succeeds
	failMessage        string
	runningStatus      string
	failedStatus       string
	finalStatus        string
	stringFields       bool
	params             []ParamInfo
	fromRecordID       string
	triggerSource      string
	createdAt          time.Time
	stopped            bool
	stoppedAt          time.Time
}

// naturalEnd is when the record ends unless stopped: after the failing
// step, or after the last step.
func (rec *record) naturalEnd() time.Time {
	return rec.createdAt.Add(sumDurations(rec.durations[:rec.stepsRun()]))
}

// stepsRun is how many steps the record runs unless stopped: up to the
// failing one, or all of them.
func (rec *record) stepsRun() int {
	n := len(rec.durations)
	if rec.failAt > 0 && rec.failAt < n {
		n = rec.failAt
	}
	return n
}

// sumDurations is the total of ds.
func sumDurations(ds []time.Duration) time.Duration {
	var total time.Duration
	for _, d := range ds {
		total += d
	}
	return total
}

// endAt returns when the record became final, and whether it is final at
// now.
func (rec *record) endAt(now time.Time) (time.Time, bool) {
	if rec.stopped {
		return rec.stoppedAt, true
	}
	end := rec.naturalEnd()
	if now.Before(end) {
		return time.Time{}, false
	}
	return end, true
}

// clockAt is the record's own time at now: now while it runs, its end
// once it is final (its time stops there).
func (rec *record) clockAt(now time.Time) time.Time {
	if end, final := rec.endAt(now); final {
		return end
	}
	return now
}

// status is the canonical status at now.
func (rec *record) status(now time.Time) string {
	switch _, final := rec.endAt(now); {
	case rec.stopped:
		return statusAbort
	case !final:
		return statusRunning
	case rec.failAt > 0:
		return statusFailed
	default:
		return statusSucceeded
	}
}

// wireStatus is the status as the API reports it.
func (rec *record) wireStatus(now time.Time) string {
	st := rec.status(now)
	switch {
	case st != statusRunning && rec.finalStatus != "":
		return rec.finalStatus
	case st == statusRunning && rec.runningStatus != "":
		return rec.runningStatus
	case st == statusFailed && rec.failedStatus != "":
		return rec.failedStatus
	}
	return st
}

// elapsed returns each step's elapsed time at now: full for steps done,
// time so far for the current one, 0 for steps not reached. Time stops at
// the record's end, so a failed or stopped record keeps its numbers.
func (rec *record) elapsed(now time.Time) []time.Duration {
	now = rec.clockAt(now)
	out := make([]time.Duration, len(rec.durations))
	start := rec.createdAt
	for i, d := range rec.durations {
		if rec.failAt > 0 && i >= rec.failAt {
			break
		}
		switch ran := now.Sub(start); {
		case ran <= 0:
			return out
		case ran >= d:
			out[i] = d
		default:
			out[i] = ran
			return out
		}
		start = start.Add(d)
	}
	return out
}

// info is the record as RecordInfo reports it at now.
func (rec *record) info(now time.Time) RecordInfo {
	ri := RecordInfo{
		ID: rec.id, TaskID: rec.taskID, Status: rec.status(now),
		Params:       append([]ParamInfo(nil), rec.params...),
		FromRecordID: rec.fromRecordID, TriggerSource: rec.triggerSource,
		CreatedAt: rec.createdAt, Stopped: rec.stopped,
	}
	if end, final := rec.endAt(now); final {
		ri.StoppedAt = end
	}
	return ri
}

// taskShape is a task's resolved behaviour: scenario entry plus defaults.
type taskShape struct {
	ScenarioTask
	steps     []string
	durations []time.Duration
}

// shape resolves how taskID's deployments run. Duration precedence: the
// task's duration or step_duration, the scenario's step_duration, then
// Options.StepDuration.
func (s *Server) shape(taskID string) taskShape {
	t := s.scenario.taskScenario(taskID)
	steps := t.Steps
	if len(steps) == 0 {
		steps = defaultSteps
	}
	// Clamp what Validate would reject, for scenarios built in Go.
	t.FailAtStep = min(max(t.FailAtStep, 0), len(steps))
	t.Name = cmp.Or(t.Name, "task-"+strings.ToLower(idPrefix(taskID)))
	return taskShape{ScenarioTask: t, steps: steps, durations: s.stepDurations(t, len(steps), t.Duration)}
}

// failingStep is the 1-based step a failing deployment of the task fails
// at: the scenario's, or the last one when the scenario names none.
func (sh taskShape) failingStep() int {
	if sh.FailAtStep > 0 {
		return sh.FailAtStep
	}
	return len(sh.steps)
}

// stepDurations returns the n step times of task t: the task's own per
// step times, total spread evenly, or every step the default step time.
func (s *Server) stepDurations(t ScenarioTask, n int, total time.Duration) []time.Duration {
	switch {
	case total <= 0 && len(t.StepDurations) == n:
		return slices.Clone(t.StepDurations)
	case total > 0:
		return evenly(total, n)
	}
	d := s.baseStepDuration()
	if t.StepDuration > 0 {
		d = t.StepDuration
	}
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// baseStepDuration is the step time of a task that sets none: the
// scenario's, else Options.StepDuration.
func (s *Server) baseStepDuration() time.Duration {
	if s.scenario.StepDuration > 0 {
		return s.scenario.StepDuration
	}
	return s.opts.StepDuration
}

// evenly spreads total over n steps; the last step absorbs the rounding.
func evenly(total time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	each := total / time.Duration(n)
	for i := range out {
		out[i] = each
	}
	out[n-1] = total - each*time.Duration(n-1)
	return out
}

// drawDurations returns the step times of the n-th deployment (from 0) a
// start of taskID makes: each step's time scaled by its own factor drawn
// from [1-vary, 1+vary], then the overrun step's by the overrun factor.
// The draws depend only on the scenario's seed, the task and n, so a run
// repeats whatever the order of the requests.
func (s *Server) drawDurations(taskID string, sh taskShape, n int) []time.Duration {
	out := slices.Clone(sh.durations)
	if v := sh.Vary; v > 0 && v < 1 {
		s.vary(out, v, taskID, n)
	}
	if o := sh.Overrun; o != nil && o.Step >= 1 && o.Step <= len(out) && o.Factor > 0 {
		out[o.Step-1] = time.Duration(float64(out[o.Step-1]) * o.Factor)
	}
	for i := range out {
		// A step that ran has an elapsed time above 0 (the state API
		// tells the running step by it).
		out[i] = max(out[i], time.Millisecond)
	}
	return out
}

// vary scales each of ds by its own factor drawn from [1-v, 1+v] by a
// generator seeded with the scenario's seed, taskID and n.
func (s *Server) vary(ds []time.Duration, v float64, taskID string, n int) {
	seed := s.scenario.Seed
	if seed == 0 {
		seed = 1
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "vary:%s:%d", taskID, n))
	rng := rand.New(rand.NewPCG(seed, binary.BigEndian.Uint64(sum[:8])))
	for i, d := range ds {
		ds[i] = time.Duration(float64(d) * (1 - v + 2*v*rng.Float64()))
	}
}

// newRecord builds a record of taskID per its shape; the caller fixes
// failure behaviour and registers it.
func (s *Server) newRecord(taskID string, sh taskShape, created time.Time) *record {
	return &record{
		id:            newHexID(),
		taskID:        taskID,
		taskName:      sh.Name,
		executor:      "sim_user",
		nickName:      "Simulator",
		steps:         sh.steps,
		durations:     sh.durations,
		failAt:        sh.FailAtStep,
		failMessage:   sh.FailMessage,
		runningStatus: sh.RunningStatus,
		failedStatus:  sh.FailedStatus,
		finalStatus:   sh.FinalStatus,
		stringFields:  sh.StringFields,
		createdAt:     created,
	}
}

// addRecord registers rec, keeping the task's records ordered by creation
// so "latest" and Records agree. Callers hold s.mu.
func (s *Server) addRecord(rec *record) {
	list := append(s.records[rec.taskID], rec)
	sort.SliceStable(list, func(i, j int) bool { return list[i].createdAt.Before(list[j].createdAt) })
	s.records[rec.taskID] = list
	s.byID[rec.id] = rec
}
