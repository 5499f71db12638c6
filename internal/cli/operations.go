package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/rts"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// This file holds the steps of the operations other than deploy (stop,
// release-plan, signal), their outputs and summaries, and settle, which
// every step ends with.

// settle writes a result's outputs (skipping those already written with the
// same value), state and summary, annotates a failure and returns the exit
// status.
func settle(res *run.Result, outs []output, markdown string, log *action.Log, files action.Files, written map[string]string, errs []error) int {
	for _, o := range outs {
		if v, ok := written[o.name]; ok && v == o.value {
			continue
		}
		errs = append(errs, files.SetOutput(o.name, o.value))
	}
	if res.Settled {
		// Nothing left for the post step: what this step started has
		// ended, never started, or goes on because the user asked so.
		// Otherwise (a stop only asked for, or failed; a start whose
		// outcome stayed unknown) the post step checks again.
		errs = append(errs, files.SaveState(action.StateDone, "true"))
	}
	errs = append(errs, files.AppendSummary(markdown))
	code := 0
	if !res.OK() {
		title, msg := operationNoun(res.Operation)+" "+string(res.Status), ""
		if res.Failure != nil {
			title, msg = failureText(res)
		}
		log.Error(title, msg)
		code = 1
	}
	for _, err := range errs {
		if err != nil {
			log.Warningf("Could not write a step file: %v", err)
			code = 1
		}
	}
	return code
}

func operationNoun(op string) string {
	switch op {
	case run.OpReleasePlan:
		return "Release plan"
	case run.OpSignal:
		return "Signal"
	case run.OpStop:
		return "Stop"
	}
	return "Deployment"
}

// where names the endpoint for the log: the region, or the override.
func where(cfg *action.Config, base string) string {
	if cfg.Endpoint != "" {
		return base
	}
	return cfg.Region
}

// stopStep runs the stop operation and reports its result.
func stopStep(ctx context.Context, cfg *action.Config, creds huawei.Credentials, log *action.Log, files action.Files) int {
	client, base, err := codeartsClient(cfg, creds, log)
	if err != nil {
		log.Error("Invalid input", err.Error())
		return 1
	}
	log.Infof("Stopping CodeArts Deploy record %s of task %s (%s).", cfg.RecordID, cfg.TaskID, where(cfg, base))
	res := run.Stop(ctx, client, run.StopInput{TaskID: cfg.TaskID, RecordID: cfg.RecordID, Timeout: cfg.Timeout}, log)
	return settle(res, stopOutputs(res), stopSummary(res, cfg.Region), log, files, nil, nil)
}

// stopOutputs are the outputs of a stop: status, record_id, result.
func stopOutputs(r *run.Result) []output {
	return []output{
		{"status", string(r.Status)},
		{"record_id", r.Deploy.RecordID},
		{"result", compactJSON(r.Remote)},
	}
}

func stopSummary(r *run.Result, region string) string {
	var b strings.Builder
	d := r.Deploy
	task := "`" + d.TaskID + "`"
	if d.TaskName != "" {
		task = mdEscape(d.TaskName) + " (" + task + ")"
	}
	headline := "Deployment record " + strings.ReplaceAll(string(r.Status), "_", " ")
	if r.Status != run.StatusStopped && r.Failure == nil {
		headline = "Deployment record had already ended: " + string(r.Status)
	}
	if r.Failure != nil {
		headline = "Deployment record not stopped"
	}
	fmt.Fprintf(&b, "### %s %s\n\n", statusIcon[r.Status], headline)
	b.WriteString("| | |\n|---|---|\n")
	row := tableRow(&b)
	row("Task", task)
	row("Region", mdEscape(region))
	row("Record", code(d.RecordID))
	row("Status", "**"+string(r.Status)+"**"+optionalf(" (service: %s)", code(r.RemoteStatus)))
	writeFailure(&b, r)
	return b.String()
}

// releasePlanStep runs the release-plan operation and reports its result.
func releasePlanStep(ctx context.Context, cfg *action.Config, creds huawei.Credentials, log *action.Log, files action.Files) int {
	base, err := huawei.Endpoint(huawei.ServiceServiceStage, cfg.Region, cfg.Endpoint)
	if err != nil {
		log.Error("Invalid input", err.Error())
		return 1
	}
	client, err := servicestage.New(base, creds, clientOptions(cfg, log)...)
	if err != nil {
		log.Error("Invalid input", err.Error())
		return 1
	}
	verb := "Watching"
	if cfg.Execute {
		verb = "Executing"
	}
	log.Infof("%s ServiceStage release plan %s (%s).", verb, cfg.ReleasePlanID, where(cfg, base))
	res := run.ReleasePlan(ctx, client, run.ReleasePlanInput{
		ProjectID:         cfg.ProjectID,
		PlanID:            cfg.ReleasePlanID,
		Execute:           cfg.Execute,
		Wait:              cfg.Wait,
		RollbackOnFailure: cfg.RollbackOnFailure,
		StopOnCancel:      cfg.StopOnCancel,
		StopOnTimeout:     cfg.StopOnTimeout,
		Timeout:           cfg.Timeout,
		PollInterval:      cfg.PollInterval,
		// Saved before the execute is sent: the post step aborts an
		// execution a killed step left running.
		Executing: func() {
			if err := files.SaveState(action.StatePlanID, cfg.ReleasePlanID); err != nil {
				log.Warningf("Could not write a step file: %v", err)
			}
		},
	}, log)
	return settle(res, releasePlanOutputs(res), releasePlanSummary(res, cfg.Region), log, files, nil, nil)
}

// releasePlanOutputs are the outputs of a release plan: status,
// components, started_at, finished_at, duration_seconds, result.
func releasePlanOutputs(r *run.Result) []output {
	comps := r.Plan.Components
	if comps == nil {
		comps = []run.Component{}
	}
	list, err := json.Marshal(comps)
	if err != nil {
		// Strings and ints only: Marshal cannot fail on them.
		list = []byte("[]")
	}
	return []output{
		{"status", string(r.Status)},
		{"components", string(list)},
		{"started_at", rfc3339(r.StartedAt)},
		{"finished_at", rfc3339(r.FinishedAt)},
		{"duration_seconds", durationSeconds(r)},
		{"result", compactJSON(r.Remote)},
	}
}

// durationSeconds is whole seconds, "" while the end is unknown.
func durationSeconds(r *run.Result) string {
	if d := r.Duration(); d > 0 || !r.FinishedAt.IsZero() {
		return strconv.Itoa(int(d.Round(time.Second) / time.Second))
	}
	return ""
}

var componentIcon = map[string]string{
	servicestage.StatusSuccess:         "✅",
	servicestage.StatusFailed:          "❌",
	servicestage.StatusPartiallyFailed: "❌",
	servicestage.StatusRollbackSucceed: "↩️",
	servicestage.StatusRollbackFailed:  "❌",
	servicestage.StatusAborted:         "⏹️",
	servicestage.StatusRunning:         "🔄",
	servicestage.StatusCreated:         "⚪",
}

func releasePlanSummary(r *run.Result, region string) string {
	var b strings.Builder
	p := r.Plan
	plan := "`" + p.PlanID + "`"
	if p.PlanName != "" {
		plan = mdEscape(p.PlanName) + " (" + plan + ")"
	}
	fmt.Fprintf(&b, "### %s Release plan %s: %s\n\n", statusIcon[r.Status], strings.ReplaceAll(string(r.Status), "_", " "), plan)
	b.WriteString("| | |\n|---|---|\n")
	row := tableRow(&b)
	row("Release plan", plan)
	row("Region", mdEscape(region))
	row("Status", "**"+string(r.Status)+"**"+optionalf(" (service: %s)", code(r.RemoteStatus)))
	if d := r.Duration(); d > 0 {
		row("Duration", run.FormatDuration(d))
	}
	row("Started", rfc3339(r.StartedAt))
	row("Finished", rfc3339(r.FinishedAt))
	if p.RollbackStatus != "" {
		row("Rollback", string(p.RollbackStatus))
	}
	writeFailure(&b, r)
	if len(p.Components) > 0 {
		b.WriteString("\n| Batch | Component | Version | Status | Job | Time | Message |\n|---:|---|---|---|---|---:|---|\n")
		for _, c := range p.Components {
			t := ""
			if c.Elapsed > 0 {
				t = run.FormatDuration(c.Elapsed)
			}
			msg := c.FailMessage
			if c.RollbackJobStatus != "" {
				msg = strings.TrimPrefix(msg+"; rollback "+c.RollbackJobStatus+optionalf(": %s", c.RollbackFailMessage), "; ")
			}
			icon := componentIcon[strings.ToUpper(c.Status)]
			fmt.Fprintf(&b, "| %d | %s | %s | %s %s | %s | %s | %s |\n", c.Seq, mdEscape(c.Name), mdEscape(c.Version),
				icon, mdEscape(c.Status), mdEscape(c.JobStatus), t, mdEscape(msg))
		}
	}
	return b.String()
}

// signalStep runs the signal operation and reports its result.
func signalStep(ctx context.Context, cfg *action.Config, creds huawei.Credentials, log *action.Log, files action.Files) int {
	base, err := huawei.Endpoint(huawei.ServiceRTS, cfg.Region, cfg.Endpoint)
	if err != nil {
		log.Error("Invalid input", err.Error())
		return 1
	}
	client, err := rts.New(base, creds, clientOptions(cfg, log)...)
	if err != nil {
		log.Error("Invalid input", err.Error())
		return 1
	}
	log.Infof("Signalling RTS software deployment %s (%s).", cfg.DeploymentID, where(cfg, base))
	res := run.Signal(ctx, client, signalInput(cfg), log)
	return settle(res, signalOutputs(res), signalSummary(res, cfg.Region), log, files, nil, nil)
}

// signalOutputs are the outputs of a signal: status (as RTS returned it,
// "" when the signal failed), software_deployment, result.
func signalOutputs(r *run.Result) []output {
	return []output{
		{"status", r.RemoteStatus},
		{"software_deployment", compactJSON(r.Signal.SoftwareDeployment)},
		{"result", compactJSON(r.Remote)},
	}
}

func signalSummary(r *run.Result, region string) string {
	var b strings.Builder
	var sd struct {
		Status       string          `json:"status"`
		StatusReason string          `json:"status_reason"`
		Action       string          `json:"action"`
		ServerID     string          `json:"server_id"`
		OutputValues json.RawMessage `json:"output_values"`
	}
	_ = json.Unmarshal(r.Signal.SoftwareDeployment, &sd) // best effort: the summary shows what it can
	icon, headline := "✅", "Software deployment signalled: "+sd.Status
	if r.Failure != nil {
		icon, headline = "❌", "Software deployment not signalled"
	}
	fmt.Fprintf(&b, "### %s %s\n\n", icon, mdEscape(headline))
	b.WriteString("| | |\n|---|---|\n")
	row := tableRow(&b)
	row("Software deployment", code(r.Signal.DeploymentID))
	row("Region", mdEscape(region))
	row("Status", code(sd.Status))
	row("Reason", mdEscape(shortText(sd.StatusReason, 300)))
	row("Action", code(sd.Action))
	row("Server", code(sd.ServerID))
	var outs map[string]json.RawMessage
	if json.Unmarshal(sd.OutputValues, &outs) == nil && len(outs) > 0 {
		names := make([]string, 0, len(outs))
		for k := range outs {
			names = append(names, code(k))
		}
		slices.Sort(names)
		row("Output values", strings.Join(names, ", "))
	}
	writeFailure(&b, r)
	return b.String()
}

// tableRow returns a writer of "| key | value |" rows that skips empty
// values.
func tableRow(b *strings.Builder) func(k, v string) {
	return func(k, v string) {
		if v != "" {
			fmt.Fprintf(b, "| %s | %s |\n", k, v)
		}
	}
}

func writeFailure(b *strings.Builder, r *run.Result) {
	if r.Failure != nil {
		title, msg := failureText(r)
		fmt.Fprintf(b, "\n> [!CAUTION]\n> **%s.** %s\n", mdEscape(title), mdEscape(msg))
	}
}

// shortText cuts s to n characters, so a long remote text cannot flood
// the summary.
func shortText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
