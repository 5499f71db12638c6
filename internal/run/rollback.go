package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

// rollback_on_failure redeploys the most recent record that succeeded
// before this run. When the task's latest record succeeded that is it;
// otherwise the task's history (ListDeployTaskHistoryByDate,
// https://support.huaweicloud.com/intl/en-us/api-deployman/ListDeployTaskHistoryByDate.html)
// is searched, but only once the deployment has failed, so the search can
// neither delay nor fail the deployment itself. The history is searched
// too when no latest record was found: the state API's answer without a
// record_id is not confirmed to be the latest record, and a wrong reading
// must not cost the rollback.

const (
	// historySpanDays is how far back the search looks: one query of the
	// history API, whose dates may be at most 30 days apart.
	historySpanDays = codearts.MaxHistorySpanDays
	// historyPageSize is the largest page the API serves.
	historyPageSize = codearts.MaxHistoryPageSize
	// maxHistoryPages bounds the pages read: 1,000 records, a deployment
	// every 45 minutes for a month.
	maxHistoryPages = 10
	// historyBudget bounds the whole search, the detail call and retries
	// included.
	historyBudget = 2 * time.Minute
)

// errNoProject is a task detail without the CodeArts project the history
// API needs.
var errNoProject = errors.New("the task's detail has no CodeArts project_id")

// announceRollback says before the start what a failure would roll back
// to, as far as the latest record tells.
func (d *deployer) announceRollback(latest *codearts.Record) {
	switch {
	case latest == nil:
		d.log.Infof("rollback_on_failure: the task has no earlier record that the action could find; should this deployment fail, the most recent record that succeeded in the %d days before it, if any, is redeployed.", historySpanDays)
	case codearts.Classify(latest.Status) == codearts.PhaseSucceeded:
		d.log.Infof("Rollback target: record %s, the latest, which succeeded%s.", latest.RecordID, optional(" (started %s)", latest.StartTime))
	default:
		d.log.Infof("rollback_on_failure: the task's latest record, %s, ended %q; should this deployment fail, the most recent record that succeeded in the %d days before it is redeployed.", latest.RecordID, latest.Status, historySpanDays)
	}
}

// passedOver says, for the log, why the record that was latest before the
// run (nil: none) is not the one to roll back to.
func passedOver(latest *codearts.Record) string {
	if latest == nil {
		return "no earlier record was found"
	}
	return fmt.Sprintf("the latest record, %s, ended %q", latest.RecordID, latest.Status)
}

// rollbackTarget picks the record to redeploy after this run's record
// (ours) failed; "" when there is none, which it explains in the log and
// the failure.
func (d *deployer) rollbackTarget(ctx context.Context, latest, ours *codearts.Record) string {
	if latest != nil && codearts.Classify(latest.Status) == codearts.PhaseSucceeded {
		return latest.RecordID
	}
	passed := passedOver(latest)
	found, err := d.lastSuccess(ctx, ours)
	switch {
	case err != nil:
		// The fallback is the latest record alone, which did not succeed.
		d.log.Warningf("rollback_on_failure: the task's deployment history could not be read (%v); %s, so there is no known-good record to roll back to and the failure is not rolled back.", err, passed)
		d.res.Failure.did(NotRolledBack{HistoryErr: err})
		return ""
	case found.record == nil:
		d.log.Warningf("rollback_on_failure: no record of task %s succeeded in the %d days before this run (%s), so there is nothing to roll back to; the failure is not rolled back.", d.in.TaskID, historySpanDays, found.describe())
		d.res.Failure.did(NotRolledBack{Days: historySpanDays})
		return ""
	}
	r := found.record
	d.log.Infof("Rollback target: record %s, the most recent that succeeded before this run (it ran %s, region time); %s.", r.ExecutionID, d.ranAt(r), passed)
	return r.ExecutionID
}

// rollback redeploys the last record that succeeded and waits for it.
func (d *deployer) rollback(ctx context.Context, target string) {
	d.log.Noticef("Rolling back: deploying record %s again (rollback_on_failure).", target)
	rctx, cancel := context.WithTimeoutCause(ctx, d.in.Timeout, errTimedOut)
	defer cancel()
	s, err := d.start(rctx, codearts.StartRequest{RecordID: target, TriggerSource: d.in.TriggerSource}, d.res.Deploy.RecordID)
	if s != nil {
		d.res.Deploy.RollbackRecordID = s.ID
	}
	if err != nil {
		d.res.Deploy.RollbackStatus = StatusFailed
		d.log.Warningf("Rollback to record %s could not be started: %v", target, err)
		return
	}
	d.log.Infof("Rollback record %s started.", s.ID)
	st, err := d.follow(rctx, s.ID, false)
	d.res.Deploy.RollbackStatus = d.rollbackEnded(ctx, rctx, s.ID, target, st, err)
	d.res.Failure.did(RolledBack{Target: target, Status: d.res.Deploy.RollbackStatus})
}

// rollbackEnded says how rollback record id (of target) ended, as its
// follow (under rctx) found, and returns the rollback's status.
func (d *deployer) rollbackEnded(ctx, rctx context.Context, id, target string, st *codearts.State, err error) Status {
	switch {
	case err != nil:
		status := StatusFailed
		if ctx.Err() == nil && context.Cause(rctx) == errTimedOut {
			status = StatusTimedOut
		}
		d.log.Warningf("Rollback record %s did not finish: %v", id, err)
		return status
	case codearts.Classify(st.Result.Status) == codearts.PhaseSucceeded:
		d.log.Noticef("Rollback succeeded: record %s redeployed %s.", id, target)
		return StatusSucceeded
	}
	d.log.Warningf("Rollback record %s ended with status %q.", id, st.Result.Status)
	return StatusFailed
}

// ranAt says when a history record ran, in region time like the state
// API's times; a time in another form is shown as the API wrote it.
func (d *deployer) ranAt(r *codearts.HistoryRecord) string {
	show := func(s codearts.FlexString) string {
		if t, ok := codearts.ParseHistoryTime(string(s), d.zone); ok {
			return t.In(d.zone).Format(codearts.TimeLayout)
		}
		return string(s)
	}
	switch {
	case r.StartTime == "":
		return "at an unknown time"
	case r.EndTime == "":
		return "from " + show(r.StartTime)
	}
	return fmt.Sprintf("from %s to %s", show(r.StartTime), show(r.EndTime))
}

// historySearch is what a search of the history found.
type historySearch struct {
	record   *codearts.HistoryRecord // the most recent success; nil if none
	from, to time.Time               // the dates asked for
	seen     int                     // records read
	capped   bool                    // stopped at maxHistoryPages, not at the end
}

func (s historySearch) describe() string {
	out := fmt.Sprintf("history from %s to %s: %d records read", s.from.Format(codearts.HistoryDateLayout), s.to.Format(codearts.HistoryDateLayout), s.seen)
	if s.capped {
		out += fmt.Sprintf(", the newest %d pages only", maxHistoryPages)
	}
	return out
}

// lastSuccess searches the task's history for the most recent record that
// succeeded before ours.
func (d *deployer) lastSuccess(ctx context.Context, ours *codearts.Record) (historySearch, error) {
	ctx, cancel := context.WithTimeout(ctx, historyBudget)
	defer cancel()
	project, err := d.historyProject(ctx)
	if err != nil {
		return historySearch{}, err
	}
	var s historySearch
	s.from, s.to = historyDates(ours.StartTime, time.Now().In(d.zone))
	h := historyReader{
		api: d.api, project: project, taskID: d.in.TaskID,
		query:    codearts.HistoryQuery{From: s.from, To: s.to, Size: historyPageSize},
		eligible: d.beforeOurs(ours),
		log:      d.log,
	}
	s.record, s.capped, err = h.newestSuccess(ctx)
	s.seen = h.seen
	return s, err
}

// historyProject reads the task's CodeArts project, which the history API
// needs.
func (d *deployer) historyProject(ctx context.Context) (string, error) {
	detail, err := d.api.Detail(ctx, d.in.TaskID)
	if err != nil {
		return "", fmt.Errorf("reading the task's detail for its CodeArts project: %w", err)
	}
	if detail.ProjectID == "" {
		return "", errNoProject
	}
	return detail.ProjectID, nil
}

// historyDates are the dates a search of the history asks for:
// historySpanDays up to the day after our record's start (now, in the
// region's zone, when that start cannot be read). The dates are the
// region's, and the API wrote our start in region time. The end date is
// one day later, so the start's day counts whether or not the API
// includes the end date's day (it does not say).
func historyDates(ourStart string, now time.Time) (from, to time.Time) {
	anchor, ok := codearts.ParseHistoryTime(ourStart, time.UTC)
	if !ok {
		anchor = now
	}
	to = anchor.AddDate(0, 0, 1)
	return to.AddDate(0, 0, -historySpanDays), to
}

// beforeOurs reports whether a history record could be a rollback target:
// not our record, and not started after it.
func (d *deployer) beforeOurs(ours *codearts.Record) func(r codearts.HistoryRecord) bool {
	ourStart, known := codearts.ParseHistoryTime(ours.StartTime, d.zone)
	return func(r codearts.HistoryRecord) bool {
		if r.ExecutionID == "" || r.ExecutionID == d.res.Deploy.RecordID {
			return false
		}
		if t, ok := codearts.ParseHistoryTime(string(r.StartTime), d.zone); ok && known && t.After(ourStart) {
			return false
		}
		return true
	}
}

// historyReader pages through a task's history.
type historyReader struct {
	api      CodeArts
	project  string
	taskID   string
	query    codearts.HistoryQuery
	eligible func(codearts.HistoryRecord) bool
	log      Logger

	seen  int
	pages int
}

func (h *historyReader) page(ctx context.Context, n int) (*codearts.HistoryPage, error) {
	q := h.query
	q.Page = n
	p, err := h.api.History(ctx, h.project, h.taskID, q)
	if err != nil {
		return nil, err
	}
	h.pages++
	h.seen += len(p.Records)
	h.log.Debugf("History page %d (%s to %s): %d records.", n, q.From.Format(codearts.HistoryDateLayout), q.To.Format(codearts.HistoryDateLayout), len(p.Records))
	return p, nil
}

// newestSuccess returns the most recent eligible record that succeeded.
// The API does not say in which order it lists records, so the first page
// tells: newest first (what the docs' "result[0]" suggests), the pages are
// read forwards until one holds a success; oldest first, they are read
// backwards from the last one, which total_num locates. Either way at
// most maxHistoryPages pages are read; capped reports stopping there.
func (h *historyReader) newestSuccess(ctx context.Context) (best *codearts.HistoryRecord, capped bool, err error) {
	first, err := h.page(ctx, 1)
	if err != nil {
		return nil, false, err
	}
	oldestFirst := ascending(first.Records)
	best = newest(first.Records, h.eligible, oldestFirst)
	last := lastPage(first.TotalNum, h.query.Size)
	switch {
	case len(first.Records) < h.query.Size || last == 1:
		return best, false, nil
	case oldestFirst && last > 1:
		return h.readBackwards(ctx, last, best)
	}
	return h.readForwards(ctx, last, best, oldestFirst)
}

// lastPage is the number of the last page of pages of size records, when
// total (total_num) tells; else 0.
func lastPage(total *codearts.FlexInt, size int) int {
	if total == nil {
		return 0
	}
	return (int(*total) + size - 1) / size
}

// readBackwards reads a history listed oldest first from its last page
// down to page 2 until a page holds an eligible success: anything on a
// later page is newer than page 1's best.
func (h *historyReader) readBackwards(ctx context.Context, last int, best *codearts.HistoryRecord) (*codearts.HistoryRecord, bool, error) {
	for n := last; n >= 2; n-- {
		if h.pages >= maxHistoryPages {
			return best, true, nil
		}
		p, err := h.page(ctx, n)
		if err != nil {
			return nil, false, err
		}
		if r := newest(p.Records, h.eligible, true); r != nil {
			return r, false, nil
		}
	}
	return best, false, nil
}

// readForwards reads on from page 2: newest first, until a success turns
// up; oldest first without a total, or in no known order, to the end,
// and the newest success of all pages read wins.
func (h *historyReader) readForwards(ctx context.Context, last int, best *codearts.HistoryRecord, oldestFirst bool) (*codearts.HistoryRecord, bool, error) {
	for n := 2; (oldestFirst || best == nil) && (last == 0 || n <= last); n++ {
		if h.pages >= maxHistoryPages {
			return best, true, nil
		}
		p, err := h.page(ctx, n)
		if err != nil {
			return nil, false, err
		}
		if r := newest(p.Records, h.eligible, oldestFirst); r != nil && (best == nil || !newer(best, r)) {
			best = r
		}
		if len(p.Records) < h.query.Size {
			break
		}
	}
	return best, false, nil
}

// newest returns the most recent eligible success of records. Records
// are compared by start time, then by release_id (the record's sequence
// number); when neither tells, their place in the list does, read in the
// page's order.
func newest(records []codearts.HistoryRecord, eligible func(codearts.HistoryRecord) bool, oldestFirst bool) *codearts.HistoryRecord {
	var best *codearts.HistoryRecord
	for i := range records {
		r := &records[i]
		if codearts.Classify(r.State) != codearts.PhaseSucceeded || !eligible(*r) {
			continue
		}
		if best == nil || newer(r, best) || oldestFirst && !newer(best, r) {
			best = r
		}
	}
	return best
}

// newer reports whether a is known to be more recent than b.
func newer(a, b *codearts.HistoryRecord) bool {
	ta, okA := codearts.ParseHistoryTime(string(a.StartTime), time.UTC)
	tb, okB := codearts.ParseHistoryTime(string(b.StartTime), time.UTC)
	if okA && okB && !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.ReleaseID > b.ReleaseID
}

// ascending reports whether records are listed oldest first: the first
// record is known to be older than the last.
func ascending(records []codearts.HistoryRecord) bool {
	if len(records) < 2 {
		return false
	}
	return newer(&records[len(records)-1], &records[0])
}
