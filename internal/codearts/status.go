package codearts

import (
	"strings"
	"time"
)

// Phase is what a record's status means for the action.
type Phase int

// The phases of a record.
const (
	PhaseRunning   Phase = iota // not finished yet
	PhaseSucceeded              // finished well
	PhaseFailed                 // finished badly (failed, aborted, timed out)
	PhaseUnknown                // a status the action does not know: keep waiting, say so
)

// String names the phase.
func (p Phase) String() string {
	switch p {
	case PhaseRunning:
		return "running"
	case PhaseSucceeded:
		return "succeeded"
	case PhaseFailed:
		return "failed"
	}
	return "unknown"
}

// Classify maps a record status to a phase. The API documents running,
// succeeded and failed; the service's wider vocabulary also has abort,
// timeout, not_started, pending and not_executed. Anything else is unknown,
// which the caller waits on rather than taking for success.
func Classify(status string) Phase {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "succeeded", "success":
		return PhaseSucceeded
	case "failed", "abort", "aborted", "timeout":
		return PhaseFailed
	case "running", "pending", "not_started", "not_executed", "":
		return PhaseRunning
	}
	return PhaseUnknown
}

// Ended reports that the record says it has ended: step "finish" or an
// end_time (https://support.huaweicloud.com/intl/en-us/api-deployman/ShowDeployStatus.html:
// step is running or finish; end_time is set once the deployment ends).
func (r *Record) Ended() bool {
	return strings.EqualFold(strings.TrimSpace(r.Step), "finish") || strings.TrimSpace(r.EndTime) != ""
}

// Phase is what the record's status means, given whether it has ended. A
// status the action does not know (what a record stopped in the console
// reports is not documented: stopped? canceled?) is a failure once the
// record has ended, since nothing more will happen to it; while it runs,
// it stays unknown and is waited on.
func (r *Record) Phase() Phase {
	p := Classify(r.Status)
	if p == PhaseUnknown && r.Ended() {
		return PhaseFailed
	}
	return p
}

// TimeLayout is how the API writes times: region-local, without a zone.
const TimeLayout = "2006-01-02 15:04:05"

// ParseTime reads an API time in the given zone; "" gives the zero time.
func ParseTime(s string, loc *time.Location) (time.Time, bool) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(TimeLayout, strings.TrimSpace(s), loc)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// GuessZone infers the zone of the API's zone-less times from a record that
// started at about `started` (our clock): the difference, rounded to a
// quarter hour, is the region's UTC offset.
func GuessZone(remoteStart string, started time.Time) *time.Location {
	t, ok := ParseTime(remoteStart, time.UTC)
	if !ok {
		return time.UTC
	}
	offset := t.Sub(started.UTC()).Round(15 * time.Minute)
	if offset < -14*time.Hour || offset > 14*time.Hour {
		return time.UTC
	}
	if offset == 0 {
		return time.UTC
	}
	return time.FixedZone("", int(offset/time.Second))
}
