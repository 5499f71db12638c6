package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/health"
)

// WatchInput is what the watch operation needs.
type WatchInput struct {
	TaskID string
	// RecordID is the record to follow; "" follows the task's latest.
	RecordID string
	// StopOnCancel and StopOnTimeout stop the record on a cancel or when
	// Timeout passes: false by default, since the job did not start it.
	StopOnCancel, StopOnTimeout bool
	ShowLogs                    bool
	Timeout, PollInterval       time.Duration
	// FirstPoll is the first gap between state checks (default wait.DefaultFirst).
	FirstPoll time.Duration
	// StopGrace bounds a stop after a cancel (default 5 s).
	StopGrace time.Duration
	// Health is the health gate after a record that succeeded; nil for none.
	Health *health.Spec
}

// Watch follows a deployment record someone else started (another job,
// the console, another tool) as Deploy follows its own: the steps as they
// complete, with their logs, the verdict, and a health gate. A record that
// had already ended is reported at once. It never returns a nil Result.
// found is called with the record's id as soon as it is known.
func Watch(ctx context.Context, api CodeArts, in WatchInput, log Logger, found func(recordID string)) *Result {
	d := newDeployer(api, DeployInput{
		TaskID: in.TaskID, StopOnCancel: in.StopOnCancel, StopOnTimeout: in.StopOnTimeout, ShowLogs: in.ShowLogs,
		Timeout: in.Timeout, PollInterval: in.PollInterval, FirstPoll: in.FirstPoll, StopGrace: in.StopGrace, Health: in.Health,
	}, log, DeployHooks{}, OpWatch)
	d.watching = true
	d.watch(ctx, in.RecordID, found)
	return d.res
}

// errNoRecordID is a state answer that names no record, so the watch
// cannot follow it by id.
var errNoRecordID = errors.New("the state answer names no record_id, so the record cannot be followed by its id")

func (d *deployer) watch(ctx context.Context, recordID string, found func(string)) {
	tctx, cancel := context.WithTimeoutCause(ctx, d.in.Timeout, errTimedOut)
	defer cancel()
	d.localStart = time.Now()

	rec, recordID, ok := d.recordToWatch(ctx, tctx, recordID)
	if !ok {
		return
	}
	d.res.Deploy.RecordID, d.res.Deploy.TaskName = recordID, rec.TaskName
	if found != nil {
		found(recordID)
	}
	d.announceWatch(&rec)
	d.openLogs(recordID)
	d.followToEnd(ctx, tctx, recordID)
}

// recordToWatch reads the state of the record to watch, the task's latest
// when recordID is "", and returns it with its ID. It reports false when
// the flow ended there: the state could not be read, or named no record.
func (d *deployer) recordToWatch(ctx, tctx context.Context, recordID string) (codearts.Record, string, bool) {
	st, err := d.api.State(tctx, d.in.TaskID, recordID)
	if err != nil {
		what, err := watchReadFailure(d.in.TaskID, recordID, err)
		d.end(ctx, tctx, what, err)
		return codearts.Record{}, "", false
	}
	if recordID == "" {
		recordID = st.Result.RecordID
	}
	if recordID == "" {
		d.end(ctx, tctx, FailedReadRecord, errNoRecordID)
		return codearts.Record{}, "", false
	}
	return st.Result, recordID, true
}

// watchReadFailure is what failed when the record to watch (recordID, ""
// for the task's latest) could not be read.
func watchReadFailure(taskID, recordID string, err error) (Failed, error) {
	switch {
	case !codearts.IsRecordMissing(err):
		return FailedReadRecord, err
	case recordID == "":
		return FailedNoRecord, fmt.Errorf("task %s has no deployment record to watch: %w", taskID, err)
	}
	return FailedNoRecord, fmt.Errorf("task %s has no deployment record %s: %w", taskID, recordID, err)
}

// announceWatch says which record the watch follows, and whether it had
// already ended.
func (d *deployer) announceWatch(rec *codearts.Record) {
	recordID := d.res.Deploy.RecordID
	who := optional(" started by %s", rec.Executor) + optional(" at %s", rec.StartTime)
	if isFinal(rec) {
		d.log.Infof("Deployment record %s of task %s%s had already ended (%s); reporting it.", recordID, d.in.TaskID, who, rec.Status)
		return
	}
	d.sawRunning = true
	d.log.Infof("Watching deployment record %s of task %s%s (status %s).", recordID, d.in.TaskID, who, rec.Status)
}
