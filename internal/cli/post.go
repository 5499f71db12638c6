package cli

import (
	"context"
	"time"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// postBudget bounds the post step; it runs at job end, also after a cancel.
const postBudget = 20 * time.Second

// post is the action's post-entrypoint. If the main step ended (or was
// killed) before what it started had ended, that may still run: a
// deployment record, a record whose start's outcome the step never
// learnt, or a release plan's execution. The post step stops it with the
// flows' own stop, unless the user asked for it to go on.
func post(ctx context.Context, p Process) int {
	log := action.NewLog(p.Stdout, isDebug(p.Getenv))
	log.AddMask(action.SecretInputs(p.Getenv)...)
	state := action.LoadPostState(p.Getenv)
	if !state.Pending() {
		log.Debugf("post: nothing to clean up.")
		return 0
	}
	what := "the deployment this job started"
	if state.PlanID != "" {
		what = "release plan " + state.PlanID
	}
	cfg, err := action.Load(p.Getenv)
	if err != nil {
		log.Warningf("post: cannot check %s: the inputs are not valid.", what)
		return 0
	}
	log.AddMask(cfg.Secrets()...)
	if !cfg.StopOnCancel {
		log.Noticef("%s may still be running; stop_on_cancel is false, so it is left alone.", capitalized(what))
		return 0
	}
	if err := checkRegion(cfg, log); err != nil {
		log.Warningf("post: cannot check %s: %v", what, err)
		return 0
	}
	creds, err := authenticate(ctx, cfg, log)
	if err != nil {
		log.Warningf("post: cannot check %s: %v", what, err)
		return 0
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postBudget)
	defer cancel()
	if state.PlanID != "" {
		return postAbortPlan(ctx, cfg, creds, log, state)
	}
	return postStopRecord(ctx, cfg, creds, log, state)
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
	// A start was sent; if the main step never learnt what it created, or
	// started another since (a rollback), that record may run unwatched.
	rec, err := run.StartedRecord(ctx, client, state.TaskID, state.LatestBefore)
	switch {
	case err != nil:
		log.Warningf("post: could not look for the record the start at %s may have created: %v", state.StartAt.Format(time.RFC3339), err)
		return 1
	case rec == nil:
		log.Infof("No deployment of task %s started by this job is running.", state.TaskID)
		return code
	case rec.RecordID == state.RecordID:
		return code
	}
	log.Infof("Deployment record %s started after this job's start request (%s) and still runs; stopping it.", rec.RecordID, state.StartAt.Format(time.RFC3339))
	if c := postStop(ctx, client, state.TaskID, rec.RecordID, log); c != 0 {
		code = c
	}
	return code
}

func postStop(ctx context.Context, client run.RecordStopper, taskID, recordID string, log *action.Log) int {
	res := run.Stop(ctx, client, run.StopInput{TaskID: taskID, RecordID: recordID, Timeout: postBudget}, log)
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
	base, err := huawei.Endpoint(huawei.ServiceServiceStage, cfg.Region, cfg.Endpoint)
	if err != nil {
		log.Warningf("post: %v", err)
		return 0
	}
	client, err := servicestage.New(base, creds, clientOptions(cfg, log)...)
	if err != nil {
		log.Warningf("post: %v", err)
		return 0
	}
	res := run.AbortPlan(ctx, client, run.AbortPlanInput{ProjectID: cfg.ProjectID, PlanID: state.PlanID, Timeout: postBudget}, log)
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
