package action

import (
	"time"
)

// State names: what the main step saves (GITHUB_STATE) for the post step,
// which gets them back as STATE_<name>. Each is saved the moment it is
// known, before the request it concerns is sent where that matters, so a
// step killed at any point leaves the post step enough to clean up.
const (
	StateTaskID       = "task_id"
	StateRecordID     = "record_id"
	StateStartAt      = "start_attempt_at"    // when a start was sent (RFC 3339, UTC)
	StateLatestBefore = "start_latest_before" // the task's latest record before that start
	StatePlanID       = "release_plan_id"     // a release plan this run executes
	StateDone         = "done"                // "true": nothing left for the post step
)

// PostState is what the main step left for the post step.
type PostState struct {
	TaskID, RecordID string
	// StartAt is set when a start was sent; LatestBefore is the record
	// that was the task's latest before it. A record other than that one
	// that runs is the one the start created, if the step ended before
	// its outcome was known.
	StartAt      time.Time
	LatestBefore string
	PlanID       string
	Done         bool
}

// LoadPostState reads the post step's STATE_ variables.
func LoadPostState(getenv func(string) string) PostState {
	s := PostState{
		TaskID:       getenv("STATE_" + StateTaskID),
		RecordID:     getenv("STATE_" + StateRecordID),
		LatestBefore: getenv("STATE_" + StateLatestBefore),
		PlanID:       getenv("STATE_" + StatePlanID),
		Done:         getenv("STATE_"+StateDone) == "true",
	}
	if t, err := time.Parse(time.RFC3339Nano, getenv("STATE_"+StateStartAt)); err == nil {
		s.StartAt = t
	}
	return s
}

// Pending reports whether the main step left anything to check.
func (s PostState) Pending() bool {
	return !s.Done && (s.TaskID != "" && (s.RecordID != "" || !s.StartAt.IsZero()) || s.PlanID != "")
}
