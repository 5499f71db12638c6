package cli

import (
	"context"
	"time"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
)

// postBudget bounds the post step; it runs at job end, also after a cancel.
const postBudget = 20 * time.Second

// post is the action's post-entrypoint. If the main step ended (or was
// killed) before what it started had ended, that may still run: a
// deployment record, a record whose start's outcome the step never
// learnt, or a release plan's execution. The post step stops it with the
// flows' own stop, unless the user asked for it to go on.
func post(ctx context.Context, p Process) int {
	log := newLog(p)
	state := action.LoadPostState(p.Getenv)
	if !state.Pending() {
		log.Debugf("post: nothing to clean up.")
		return 0
	}
	cfg, creds, ok := postInputs(ctx, p.Getenv, log, state)
	if !ok {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postBudget)
	defer cancel()
	if state.PlanID != "" {
		return postAbortPlan(ctx, cfg, creds, log, state)
	}
	return postStopRecord(ctx, cfg, creds, log, state)
}

// postInputs reads the inputs and credentials the post step needs to
// check what the main step left; false, after saying why in the log,
// when it cannot or must not (stop_on_cancel: false). The post step never
// fails the job for that.
func postInputs(ctx context.Context, getenv func(string) string, log *action.Log, state action.PostState) (*action.Config, huawei.Credentials, bool) {
	what := "the deployment this job started"
	if state.PlanID != "" {
		what = "release plan " + state.PlanID
	}
	cfg, err := action.Load(getenv)
	if err != nil {
		log.Warningf("post: cannot check %s: the inputs are not valid.", what)
		return nil, huawei.Credentials{}, false
	}
	log.AddMask(cfg.Secrets()...)
	if !cfg.StopOnCancel {
		log.Noticef("%s may still be running; stop_on_cancel is false, so it is left alone.", capitalized(what))
		return nil, huawei.Credentials{}, false
	}
	creds, err := postCredentials(ctx, cfg, log)
	if err != nil {
		log.Warningf("post: cannot check %s: %v", what, err)
		return nil, huawei.Credentials{}, false
	}
	return cfg, creds, true
}

// postCredentials resolves the endpoint, then authenticates, as the main
// step does.
func postCredentials(ctx context.Context, cfg *action.Config, log *action.Log) (huawei.Credentials, error) {
	if err := checkRegion(cfg, log); err != nil {
		return huawei.Credentials{}, err
	}
	return authenticate(ctx, cfg, log)
}

// postStopRecord stops the main step's record, or the one its start may
// have created, with the stop operation's flow.
func postStopRecord(ctx context.Context, cfg *action.Config, creds huawei.Credentials, log *action.Log, state action.PostState) int {
	client, _, err := codeartsClient(cfg, creds, log)
	if err != nil {
		log.Warningf("post: %v", err)
		return 0
	}
	code := 0
	if state.RecordID != "" {
		code = postStop(ctx, client, state.TaskID, state.RecordID, log)
	}
	if state.StartAt.IsZero() {
		return code
	}
	if c := postStopStarted(ctx, client, log, state); c != 0 {
		code = c
	}
	return code
}

// postStopStarted stops the record the main step's start created, when
// the step never learnt it or started another since (a rollback): that
// record may run unwatched.
func postStopStarted(ctx context.Context, client *codearts.Client, log *action.Log, state action.PostState) int {
	rec, err := run.StartedRecord(ctx, client, state.TaskID, state.LatestBefore)
	switch {
	case err != nil:
		log.Warningf("post: could not look for the record the start at %s may have created: %v", state.StartAt.Format(time.RFC3339), err)
		return 1
	case rec == nil:
		log.Infof("No deployment of task %s started by this job is running.", state.TaskID)
		return 0
	case rec.RecordID == state.RecordID:
		return 0
	}
	log.Infof("Deployment record %s started after this job's start request (%s) and still runs; stopping it.", rec.RecordID, state.StartAt.Format(time.RFC3339))
	return postStop(ctx, client, state.TaskID, rec.RecordID, log)
}

func postStop(ctx context.Context, client run.RecordStopper, taskID, recordID string, log *action.Log) int {
	res := run.Stop(ctx, client, run.StopInput{TaskID: taskID, RecordID: recordID, Timeout: postBudget}, logger(log))
	if res.Failure != nil {
		_, msg := failureText(res)
		log.Error("Could not stop the deployment", "Deployment record "+recordID+" may still be running: "+msg)
		return 1
	}
	if res.Status == run.StatusStopped {
		log.Noticef("Stopped deployment record %s, which the main step had left running.", recordID)
	}
	return 0
}

// postAbortPlan aborts the release plan execution the main step started,
// if it still runs, with the release-plan flow's abort.
func postAbortPlan(ctx context.Context, cfg *action.Config, creds huawei.Credentials, log *action.Log, state action.PostState) int {
	client, _, err := servicestageClient(cfg, creds, log)
	if err != nil {
		log.Warningf("post: %v", err)
		return 0
	}
	res := run.AbortPlan(ctx, client, run.AbortPlanInput{ProjectID: cfg.ProjectID, PlanID: state.PlanID, Timeout: postBudget}, logger(log))
	if res.Failure != nil {
		_, msg := failureText(res)
		log.Error("Could not abort the release plan", "Release plan "+state.PlanID+" may still be running: "+msg)
		return 1
	}
	if res.Status == run.StatusStopped {
		log.Noticef("Aborted release plan %s, which the main step had left running.", state.PlanID)
	}
	return 0
}
