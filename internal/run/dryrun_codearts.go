package run

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/health"
	"github.com/deploy-action/deploy-action/internal/huawei"
)

// The dry runs of the CodeArts Deploy operations: deploy, watch and stop.

// CodeArtsReader is the part of the CodeArts Deploy client a dry run uses:
// reads only.
type CodeArtsReader interface {
	State(ctx context.Context, taskID, recordID string) (*codearts.State, error)
	Detail(ctx context.Context, taskID string) (*codearts.TaskDetail, error)
	ExecutionParams(ctx context.Context, taskID, recordID string) ([]codearts.ExecutionParam, error)
}

// codeartsTask checks the credentials and that the task exists and the
// caller may see it (ShowDeployTaskDetail). It reports whether the task
// passed.
func (r *dryRun) codeartsTask(ctx context.Context, api CodeArtsReader, taskID string) bool {
	const name = "task"
	detail, err := api.Detail(ctx, taskID)
	if !r.credentials("GET "+codearts.TaskPath(taskID), err) {
		r.fail(name, "not checked: the credentials were refused")
		return false
	}
	if err == nil {
		r.res.Deploy.TaskName = detail.Name
		r.pass(name, "task %s%s exists and these credentials may see it", taskID, optional(" (%s)", detail.Name))
		return true
	}
	r.taskUnread(taskID, err)
	return false
}

// taskUnread fails the task check with what the error that kept the task
// from being read says: not allowed, not there, or something else.
func (r *dryRun) taskUnread(taskID string, err error) {
	const name = "task"
	apiErr, _ := huawei.AsAPIError(err)
	switch {
	case apiErr != nil && apiErr.HTTPStatus == http.StatusForbidden:
		r.fail(name, "these credentials may not see task %s: %v", taskID, err)
	case apiErr != nil && (apiErr.NotFound() || apiErr.Code == codearts.CodeNotFound || apiErr.Code == codearts.CodeNoApplication):
		r.fail(name, "task %s does not exist (deleted, or another region or project?): %v", taskID, err)
	default:
		r.fail(name, "could not be read: %v", err)
	}
}

// latestRecord reads the task's latest record; nil when it has none.
func latestRecord(ctx context.Context, api CodeArtsReader, taskID string) (*codearts.Record, error) {
	st, err := api.State(ctx, taskID, "")
	if err != nil {
		if codearts.IsRecordMissing(err) {
			return nil, nil
		}
		return nil, err
	}
	return &st.Result, nil
}

// DryRunDeploy checks what a deploy depends on and shows the start it
// would send: the credentials, the task, the record to redeploy, the
// parameters (against those of the task's previous execution), a
// deployment already running (what if_running would do), and what the
// rollback and the health gate would do.
func DryRunDeploy(ctx context.Context, api CodeArtsReader, in DeployInput, log Logger) *Result {
	ctx, cancel := bounded(ctx, in.Timeout)
	defer cancel()
	r := newDryRun(OpDeploy, log)
	r.res.Deploy.TaskID = in.TaskID
	if !r.codeartsTask(ctx, api, in.TaskID) {
		return r.done()
	}
	latest, err := latestRecord(ctx, api, in.TaskID)
	if err != nil {
		r.fail("running deployment", "the task's state could not be read: %v", err)
		return r.done()
	}
	if in.RecordID != "" {
		r.redeployed(ctx, api, in.TaskID, in.RecordID)
	}
	r.params(ctx, api, in, latest)
	stopFirst := r.running(in, latest)
	if in.RollbackOnFailure {
		r.rollbackTarget(latest)
	}
	if in.Health != nil {
		r.healthGate(in.Health)
	}
	r.wouldStart(in, stopFirst)
	return r.done()
}

// healthGate says what the health gate would ask after a success.
func (r *dryRun) healthGate(h *health.Spec) {
	r.pass("health gate", "after a success, GET %s until %d good answers in a row (status %s), for at most %s; not asked now",
		health.Shown(h.URL), h.Healthy, h.Accepted, FormatDuration(h.Timeout))
}

// wouldStart shows the requests a deploy would send: the stop of the
// running record stopFirst (if any), then the start.
func (r *dryRun) wouldStart(in DeployInput, stopFirst string) {
	if stopFirst != "" {
		r.would(http.MethodPut, codearts.StopPath(in.TaskID, stopFirst), nil, "if_running: stop, first stops the running record.")
	}
	note := "Then the action follows the record (GET .../state) until it ends."
	if !in.Wait {
		note = "wait is false: the action would exit once the record is started."
	}
	r.would(http.MethodPost, codearts.TaskPath(in.TaskID)+"/start", maskedStart(in), note)
}

// maskedStart is the start body with every encrypt value masked.
func maskedStart(in DeployInput) codearts.StartRequest {
	req := codearts.StartRequest{RecordID: in.RecordID, TriggerSource: in.TriggerSource}
	for _, p := range in.Params {
		if p.Type == "encrypt" {
			p.Value = Masked
		}
		req.Params = append(req.Params, p)
	}
	return req
}

// redeployed checks the record whose parameters record_id redeploys.
func (r *dryRun) redeployed(ctx context.Context, api CodeArtsReader, taskID, recordID string) {
	const name = "record_id"
	st, err := api.State(ctx, taskID, recordID)
	switch {
	case err == nil:
		r.pass(name, "record %s exists (status %s): its parameters would be deployed again", recordID, st.Result.Status)
	case codearts.IsRecordMissing(err):
		r.fail(name, "task %s has no record %s to deploy again: %v", taskID, recordID, err)
	default:
		r.fail(name, "record %s could not be read: %v", recordID, err)
	}
}

// params describes the parameters and compares their keys and types with
// those of the task's previous execution (paramsVsPrevious).
func (r *dryRun) params(ctx context.Context, api CodeArtsReader, in DeployInput, latest *codearts.Record) {
	const name = "params"
	if len(in.Params) == 0 {
		r.pass(name, "none given: the task's own values apply")
		return
	}
	r.pass(name, "%d parse, with valid keys, types and values: %s", len(in.Params), ParamNames(in.Params))
	r.paramsVsPrevious(ctx, api, in, latest)
}

// paramsVsPrevious compares the parameters given with those of the task's
// latest record, when it has one (ShowExecutionParams). The API does not
// say whether that lists every parameter the task declares or only those
// the execution was given, so a difference is a warning, never a failure.
func (r *dryRun) paramsVsPrevious(ctx context.Context, api CodeArtsReader, in DeployInput, latest *codearts.Record) {
	const cmp = "params vs. the previous execution"
	if latest == nil || latest.RecordID == "" {
		r.pass(cmp, "the task has no earlier record to compare with")
		return
	}
	before, err := api.ExecutionParams(ctx, in.TaskID, latest.RecordID)
	if err != nil {
		r.warn(cmp, "the parameters of record %s could not be read, so they were not compared: %v", latest.RecordID, err)
		return
	}
	diffs := paramDiffs(in.Params, before)
	if len(diffs) == 0 {
		r.pass(cmp, "the same keys and types as record %s", latest.RecordID)
		return
	}
	r.warn(cmp, "compared with record %s, keys %s", latest.RecordID, strings.Join(diffs, "; "))
}

// paramDiffs says how the keys and types given differ from those of an
// earlier execution: one phrase for each kind of difference, none when
// they are the same.
func paramDiffs(given []codearts.Param, before []codearts.ExecutionParam) []string {
	added, missing, types := compareParams(given, before)
	var diffs []string
	if len(added) > 0 {
		diffs = append(diffs, "not in it (a typo? the task must declare them): "+strings.Join(added, ", "))
	}
	if len(missing) > 0 {
		diffs = append(diffs, "in it but not given now (the task's values apply): "+strings.Join(missing, ", "))
	}
	if len(types) > 0 {
		diffs = append(diffs, "of another type: "+strings.Join(types, ", "))
	}
	return diffs
}

// compareParams lists the keys given that the earlier execution did not
// have (in the order given), those it had that are not given (sorted), and
// those given with another type than it had. An earlier parameter without
// a type matches any.
func compareParams(given []codearts.Param, before []codearts.ExecutionParam) (added, missing, types []string) {
	prev := map[string]string{}
	for _, p := range before {
		prev[p.Name] = p.Type
	}
	now := map[string]bool{}
	for _, p := range given {
		now[p.Key] = true
		t, ok := prev[p.Key]
		switch {
		case !ok:
			added = append(added, p.Key)
		case t != "" && t != p.Type:
			types = append(types, fmt.Sprintf("%s (%s now, %s before)", p.Key, p.Type, t))
		}
	}
	for _, p := range before {
		if !now[p.Name] {
			missing = append(missing, p.Name)
		}
	}
	slices.Sort(missing)
	return added, missing, types
}

// ParamNames lists parameters by key, with their type when it is not
// text; never their values, secret or not, as they may be long. The
// dry run's params check and the deploy's log line both show it.
func ParamNames(ps []codearts.Param) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Key
		if p.Type != "text" && p.Type != "" {
			names[i] += " (" + p.Type + ")"
		}
	}
	return strings.Join(names, ", ")
}

// running says what if_running would do about a deployment that runs, and
// returns the record a real run would stop first ("" for none).
func (r *dryRun) running(in DeployInput, latest *codearts.Record) string {
	const name = "running deployment"
	switch {
	case latest == nil:
		r.pass(name, "none: the task has no record yet")
		return ""
	case !isRunning(latest):
		r.pass(name, "none: the latest record, %s, ended %s", latest.RecordID, latest.Status)
		return ""
	}
	who := startedBy(latest)
	switch in.IfRunning {
	case IfRunningFail:
		r.fail(name, "record %s%s is running, and if_running is fail: the deployment would fail now", latest.RecordID, who)
	case IfRunningStop:
		r.warn(name, "record %s%s is running: if_running: stop would stop it, then start", latest.RecordID, who)
		return latest.RecordID
	default:
		r.pass(name, "record %s%s is running: if_running: wait would wait for it, then start", latest.RecordID, who)
	}
	return ""
}

// rollbackTarget says what a failure would roll back to, as far as the
// latest record tells.
func (r *dryRun) rollbackTarget(latest *codearts.Record) {
	const name = "rollback_on_failure"
	if latest != nil && codearts.Classify(latest.Status) == codearts.PhaseSucceeded {
		r.pass(name, "a failure would redeploy record %s, the latest, which succeeded", latest.RecordID)
		return
	}
	r.pass(name, "the latest record did not succeed: a failure would redeploy the most recent success of the %d days before the run, found in the task's history then", historySpanDays)
}

// DryRunWatch checks what a watch depends on: the credentials, the task
// and the record it would follow. A watch sends nothing that changes
// anything anyway, except a stop when stop_on_cancel or stop_on_timeout
// asks for one.
func DryRunWatch(ctx context.Context, api CodeArtsReader, in WatchInput, log Logger) *Result {
	ctx, cancel := bounded(ctx, in.Timeout)
	defer cancel()
	r := newDryRun(OpWatch, log)
	r.res.Deploy.TaskID = in.TaskID
	if !r.codeartsTask(ctx, api, in.TaskID) {
		return r.done()
	}
	r.watchedRecord(ctx, api, in)
	if in.StopOnCancel || in.StopOnTimeout {
		r.pass("stop", "the watched record would be stopped (PUT .../stop) on %s", strings.Join(stopWhen(in.StopOnCancel, in.StopOnTimeout), " and "))
	}
	return r.done()
}

// watchedRecord checks the record a watch would follow.
func (r *dryRun) watchedRecord(ctx context.Context, api CodeArtsReader, in WatchInput) {
	const name = "record"
	st, err := api.State(ctx, in.TaskID, in.RecordID)
	switch {
	case err == nil:
		rec := st.Result
		r.res.Deploy.RecordID = cmpOr(in.RecordID, rec.RecordID)
		what := "it ran when looked at: the watch would follow it to its end"
		if isFinal(&rec) {
			what = "it has ended: the watch would report it at once"
		}
		r.pass(name, "record %s%s: status %s; %s", r.res.Deploy.RecordID, optional(" (started by %s)", rec.Executor), rec.Status, what)
	case codearts.IsRecordMissing(err) && in.RecordID == "":
		r.fail(name, "task %s has no deployment record to watch: %v", in.TaskID, err)
	case codearts.IsRecordMissing(err):
		r.fail(name, "task %s has no deployment record %s: %v", in.TaskID, in.RecordID, err)
	default:
		r.fail(name, "could not be read: %v", err)
	}
}

// stopWhen names the events on which a watch would stop its record.
func stopWhen(cancel, timeout bool) []string {
	var out []string
	if cancel {
		out = append(out, "a cancel (stop_on_cancel)")
	}
	if timeout {
		out = append(out, "the timeout (stop_on_timeout)")
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// DryRunStop checks the record a stop would stop and shows the stop.
func DryRunStop(ctx context.Context, api CodeArtsReader, in StopInput, log Logger) *Result {
	ctx, cancel := bounded(ctx, in.Timeout)
	defer cancel()
	r := newDryRun(OpStop, log)
	r.res.Deploy.TaskID, r.res.Deploy.RecordID = in.TaskID, in.RecordID
	st, err := api.State(ctx, in.TaskID, in.RecordID)
	if !r.credentials(fmt.Sprintf("GET %s/state", codearts.TaskPath(in.TaskID)), err) {
		return r.done()
	}
	r.recordToStop(in, st, err)
	return r.done()
}

// recordToStop says what a stop would do with the record, from the
// answer (st, err) to reading its state.
func (r *dryRun) recordToStop(in StopInput, st *codearts.State, err error) {
	const name = "record"
	switch {
	case err == nil && recordEnded(st):
		r.pass(name, "record %s has already ended (%s): a stop would leave it alone", in.RecordID, st.Result.Status)
	case err == nil:
		r.pass(name, "record %s is %s: it would be stopped", in.RecordID, st.Result.Status)
		r.would(http.MethodPut, codearts.StopPath(in.TaskID, in.RecordID), nil, "")
	case codearts.IsRecordMissing(err):
		r.fail(name, "task %s has no deployment record %s: %v", in.TaskID, in.RecordID, err)
	default:
		r.fail(name, "could not be read: %v", err)
	}
}
