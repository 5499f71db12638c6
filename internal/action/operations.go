package action

import "strings"

// This file reads the inputs each operation has of its own. Inputs of
// the other operations are not read at all (see Config).

var (
	ifRunnings  = choices([]IfRunning{IfRunningWait, IfRunningFail, IfRunningStop})
	signalStats = []string{"COMPLETE", "FAILED", "IN_PROGRESS"}
)

// loadTask reads the CodeArts task, required, and the deployment record,
// which deploy and watch take as optional.
func (l *loader) loadTask(c *Config) {
	c.TaskID = l.required("task_id", c.Operation, l.id32)
	if v := l.input("record_id"); v != "" && l.id32("record_id", v) {
		c.RecordID = v
	}
}

// loadDeploy reads the deploy operation's inputs.
func (l *loader) loadDeploy(c *Config) {
	l.loadTask(c)
	c.TriggerSource = l.triggerSource()
	c.Params = l.params()
	c.Wait = l.bool("wait", true)
	if ir := l.choice("if_running", ifRunnings, strings.ToLower); ir != "" {
		c.IfRunning = IfRunning(ir)
	}
	c.StopOnCancel = l.bool("stop_on_cancel", true)
	c.StopOnTimeout = l.bool("stop_on_timeout", true)
	c.RollbackOnFailure = l.bool("rollback_on_failure", false)
	c.ShowLogs = l.bool("show_logs", true)
	l.loadHealth(c)
	if c.Health != nil && !c.Wait {
		l.fail("health_url", "needs wait: true; with wait: false the action does not see the deployment succeed, so it cannot check its health")
	}
}

// triggerSource reads trigger_source: "", 0 or 1.
func (l *loader) triggerSource() string {
	v := l.input("trigger_source")
	if v != "" && v != "0" && v != "1" {
		l.fail("trigger_source", "%s is not one of 0, 1 (or empty)", quote(v))
		return ""
	}
	return v
}

// params reads the params input.
func (l *loader) params() []Param {
	params, err := ParseParams(l.block("params"))
	if err != nil {
		l.errs = append(l.errs, flatten(err)...)
	}
	return params
}

// loadStop reads the stop operation's inputs: the record to stop.
func (l *loader) loadStop(c *Config) {
	c.TaskID = l.required("task_id", c.Operation, l.id32)
	c.RecordID = l.required("record_id", c.Operation, l.id32)
}

// loadWatch reads the watch operation's inputs. It follows a record the
// job did not start, so neither a cancel nor a timeout stops it unless
// the workflow says so.
func (l *loader) loadWatch(c *Config) {
	l.loadTask(c)
	c.StopOnCancel = l.bool("stop_on_cancel", false)
	c.StopOnTimeout = l.bool("stop_on_timeout", false)
	c.ShowLogs = l.bool("show_logs", true)
	l.loadHealth(c)
}

// loadReleasePlan reads the release-plan operation's inputs.
func (l *loader) loadReleasePlan(c *Config) {
	l.requireProject(c)
	c.ReleasePlanID = l.required("release_plan_id", c.Operation, l.shortID)
	c.Execute = l.bool("execute", false)
	c.Wait = l.bool("wait", true)
	c.RollbackOnFailure = l.bool("rollback_on_failure", false)
	c.StopOnCancel = l.bool("stop_on_cancel", true)
	c.StopOnTimeout = l.bool("stop_on_timeout", true)
}

// loadSignal reads the signal operation's inputs.
func (l *loader) loadSignal(c *Config) {
	l.requireProject(c)
	c.DeploymentID = l.required("deployment_id", c.Operation, l.shortID)
	c.Status = l.choice("status", signalStats, strings.ToUpper)
	c.StatusReason = strings.TrimSpace(l.getenv("INPUT_STATUS_REASON"))
	c.ConfigID = l.input("config_id")
	c.DeploymentAction = l.input("deployment_action")
	c.OutputValues = l.values("output_values")
	c.InputValues = l.values("input_values")
}

// values reads a mapping input of the signal operation.
func (l *loader) values(name string) map[string]any {
	v, err := ParseValues(name, l.block(name))
	if err != nil {
		l.errs = append(l.errs, flatten(err)...)
		return nil
	}
	return v
}
