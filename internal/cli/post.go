package cli

import (
	"context"
	"time"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
)

// postBudget bounds the post step; it runs at job end, also after a cancel.
const postBudget = 20 * time.Second

// post is the action's post-entrypoint: if the main step was killed before
// it reached a final status, the deployment it started may still be
// running; stop it, unless the user asked for deployments to go on.
func post(ctx context.Context, p Process) int {
	log := action.NewLog(p.Stdout, isDebug(p.Getenv))
	log.AddMask(action.SecretInputs(p.Getenv)...)
	recordID, taskID := p.Getenv("STATE_record_id"), p.Getenv("STATE_task_id")
	if recordID == "" || taskID == "" || p.Getenv("STATE_done") == "true" {
		log.Debugf("post: nothing to clean up.")
		return 0
	}
	cfg, err := action.Load(p.Getenv)
	if err != nil {
		log.Warningf("post: cannot check deployment record %s: the inputs are not valid.", recordID)
		return 0
	}
	log.AddMask(cfg.Secrets()...)
	if !cfg.StopOnCancel {
		log.Noticef("Deployment record %s may still be running; stop_on_cancel is false, so it is left alone.", recordID)
		return 0
	}
	creds, err := authenticate(ctx, cfg, log)
	if err != nil {
		log.Warningf("post: cannot check deployment record %s: %v", recordID, err)
		return 0
	}
	client, _, err := codeartsClient(cfg, creds, log)
	if err != nil {
		log.Warningf("post: %v", err)
		return 0
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postBudget)
	defer cancel()
	st, err := client.State(ctx, taskID, recordID)
	if err != nil {
		log.Warningf("post: could not read deployment record %s: %v", recordID, err)
		return 1
	}
	phase := codearts.Classify(st.Result.Status)
	if phase == codearts.PhaseSucceeded || phase == codearts.PhaseFailed {
		log.Infof("Deployment record %s has ended (%s).", recordID, st.Result.Status)
		return 0
	}
	log.Infof("The main step ended before deployment record %s did; stopping it.", recordID)
	if _, err := client.Stop(ctx, taskID, recordID); err != nil {
		if apiErr, ok := huawei.AsAPIError(err); ok && apiErr.HTTPStatus == 400 {
			log.Infof("Record %s had already ended.", recordID)
			return 0
		}
		log.Error("Could not stop the deployment", "Deployment record "+recordID+" may still be running: "+err.Error())
		return 1
	}
	log.Noticef("Stopped deployment record %s, which the cancelled main step had left running.", recordID)
	return 0
}
