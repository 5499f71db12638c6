package sim

import (
	"fmt"
	"sort"
	"time"
)

// This file is the CodeArts records nobody started through the API: those
// a scenario puts in place when the server starts and those a test seeds,
// and what tests read back about records.

// seedHistory creates, for tasks with history, the succeeded record of
// their planned times that ended a minute before the server started.
func (s *Server) seedHistory() {
	now := s.clock()
	for _, t := range s.scenario.Tasks {
		if !t.History || !validID(t.TaskID) || t.Deleted {
			continue
		}
		sh := s.shape(t.TaskID)
		rec := s.newRecord(t.TaskID, sh, now.Add(-sumDurations(sh.durations)-time.Minute))
		rec.failAt = 0
		s.seed(rec)
	}
}

// seedAlreadyRunning creates the records of tasks the scenario says are
// being deployed by someone else when the server starts.
func (s *Server) seedAlreadyRunning() {
	now := s.clock()
	for _, t := range s.scenario.Tasks {
		if t.AlreadyRunning <= 0 || !validID(t.TaskID) {
			continue
		}
		sh := s.shape(t.TaskID)
		rec := s.newRecord(t.TaskID, sh, now)
		rec.durations = s.stepDurations(t, len(sh.steps), t.AlreadyRunning)
		rec.failAt = 0
		rec.executor, rec.nickName = "another_user", "Someone else"
		s.seed(rec)
	}
}

// seed registers a record no start request made, as one started by hand
// (trigger source "0"), and returns its id.
func (s *Server) seed(rec *record) string {
	rec.triggerSource = "0"
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addRecord(rec)
	return rec.id
}

// SeedRecord adds a finished record of taskID created age ago, with status
// succeeded or failed, and returns its id; tests use it as the target of a
// rollback or as the history a client estimates durations from. A record
// whose steps would outlast age is compressed to end now. It panics on a
// malformed task id or another status, which are bugs in the test.
func (s *Server) SeedRecord(taskID string, status string, age time.Duration) string {
	if !validID(taskID) {
		panic(fmt.Sprintf("sim: SeedRecord: task id %q is not 32 letters/digits", taskID))
	}
	if status != statusSucceeded && status != statusFailed {
		panic(fmt.Sprintf("sim: SeedRecord: status %q is not succeeded or failed", status))
	}
	age = max(age, 0)
	now := s.clock()
	sh := s.shape(taskID)
	rec := s.newRecord(taskID, sh, now.Add(-age))
	rec.failAt = 0
	if status == statusFailed {
		rec.failAt = sh.failingStep()
	}
	if now.Before(rec.naturalEnd()) {
		// Squeeze the steps that ran into age so the record is final now.
		copy(rec.durations, evenly(age, rec.stepsRun()))
	}
	return s.seed(rec)
}

// SeedRecordTook is SeedRecord for a succeeded record whose steps took
// took in all (each step scaled alike), ending age after it started plus
// took: the history a client predicts the next deployment's duration from.
func (s *Server) SeedRecordTook(taskID string, took, endedAgo time.Duration) string {
	if !validID(taskID) {
		panic(fmt.Sprintf("sim: SeedRecordTook: task id %q is not 32 letters/digits", taskID))
	}
	sh := s.shape(taskID)
	rec := s.newRecord(taskID, sh, s.clock().Add(-endedAgo-took))
	rec.failAt = 0
	rec.durations = scaledTo(sh.durations, took)
	return s.seed(rec)
}

// scaledTo returns ds scaled alike so that they add up to total.
func scaledTo(ds []time.Duration, total time.Duration) []time.Duration {
	sum := sumDurations(ds)
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = time.Duration(float64(d) * float64(total) / float64(max(sum, 1)))
	}
	return out
}

// StartCount returns how many start requests created a record of taskID:
// the number a client's "never start twice" logic is judged by. Refused
// starts do not count; dropped ones do, since the backend processed them.
func (s *Server) StartCount(taskID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts[taskID]
}

// Records returns taskID's records, oldest first.
func (s *Server) Records(taskID string) []RecordInfo {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RecordInfo
	for _, rec := range s.records[taskID] {
		out = append(out, rec.info(now))
	}
	return out
}

// Running returns the records of all tasks that are not final yet, oldest
// first: a test's check that nothing was left deploying.
func (s *Server) Running() []RecordInfo {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RecordInfo
	for _, list := range s.records {
		for _, rec := range list {
			if _, final := rec.endAt(now); !final {
				out = append(out, rec.info(now))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}

// SetRecordParams replaces the parameters record recordID ran with, as
// ShowExecutionParams answers them: for a seeded record, which no start
// request gave any. It panics on an unknown record, a bug in the caller.
func (s *Server) SetRecordParams(recordID string, params ...ParamInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.byID[recordID]
	if rec == nil {
		panic(fmt.Sprintf("sim: SetRecordParams: no record %q", recordID))
	}
	rec.params = append([]ParamInfo(nil), params...)
}
