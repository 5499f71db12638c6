package cli

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/health"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/rts"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/servicestage"
)

// This file wires the watch operation, dry runs, the health gate and the
// trusted CA bundles into the steps, and renders what they add to the
// summary.

// caPools remembers the pool built for a configuration: every client of a
// step (each service, IAM, the token endpoint, the health check) trusts
// the same roots, read once.
var caPools struct {
	sync.Mutex
	cfg  *action.Config
	pool *x509.CertPool
}

// rootCAs returns the CAs to trust: the system's and those of ca_file and
// SSL_CERT_FILE; nil (the system's alone, as Go loads them) without
// bundles.
func rootCAs(cfg *action.Config, log *action.Log) *x509.CertPool {
	if len(cfg.CABundles) == 0 {
		return nil
	}
	caPools.Lock()
	defer caPools.Unlock()
	if caPools.cfg == cfg {
		return caPools.pool
	}
	bundles := make([][]byte, len(cfg.CABundles))
	var from []string
	for i, b := range cfg.CABundles {
		bundles[i] = b.PEM
		from = append(from, fmt.Sprintf("%s (%s)", b.Source, b.Path))
	}
	pool, err := huawei.CertPool(bundles...)
	if err != nil {
		// Load checked every bundle; this cannot happen, but a step
		// must not trust less than it says.
		log.Warningf("The CA bundles could not be added: %v", err)
		return nil
	}
	log.Debugf("Trusting the system's CAs and those of %s.", strings.Join(from, ", "))
	caPools.cfg, caPools.pool = cfg, pool
	return pool
}

// maxCheckTimeout bounds one health check: request_timeout (30s by
// default) is meant for Huawei's APIs; a health endpoint that takes longer
// than this is not healthy.
const maxCheckTimeout = 10 * time.Second

// healthSpec is the health gate of the inputs, nil without health_url. Its
// client goes through the proxy the environment names and trusts the same
// CAs as every other request, but carries no credentials.
func healthSpec(cfg *action.Config, log *action.Log) *health.Spec {
	h := cfg.Health
	if h == nil {
		return nil
	}
	return &health.Spec{
		URL:          h.URL,
		Accept:       h.Status.Contains,
		Accepted:     h.Status.String(),
		Body:         h.Body,
		BodyRE:       h.BodyRE,
		Healthy:      h.Healthy,
		Timeout:      h.Timeout,
		Interval:     h.Interval,
		CheckTimeout: min(cfg.RequestTimeout, maxCheckTimeout),
		Client:       health.NewClient(huawei.Transport(rootCAs(cfg, log))),
		UserAgent:    "deploy-action/" + Version,
	}
}

// watchStep runs the watch operation and reports its result as deploy's.
func watchStep(ctx context.Context, cfg *action.Config, creds huawei.Credentials, log *action.Log, files action.Files) int {
	client, base, err := codeartsClient(cfg, creds, log)
	if err != nil {
		log.Error("Invalid input", err.Error())
		return 1
	}
	what := "the latest deployment record"
	if cfg.RecordID != "" {
		what = "deployment record " + cfg.RecordID
	}
	log.Infof("Watching %s of CodeArts Deploy task %s (%s).", what, cfg.TaskID, where(cfg, base))
	var writeErrs []error
	written := map[string]string{}
	res := run.Watch(ctx, client, watchInput(cfg, log), log, func(recordID string) {
		written["record_id"] = recordID
		writeErrs = append(writeErrs, files.SetOutput("record_id", recordID))
		if cfg.StopOnCancel {
			// Only then has the post step anything to do with it: the
			// record is someone else's.
			writeErrs = append(writeErrs,
				files.SaveState(action.StateTaskID, cfg.TaskID),
				files.SaveState(action.StateRecordID, recordID))
		}
	})
	return settle(res, outputs(res), summary(res, cfg.Region), log, files, written, writeErrs)
}

func watchInput(cfg *action.Config, log *action.Log) run.WatchInput {
	return run.WatchInput{
		TaskID: cfg.TaskID, RecordID: cfg.RecordID,
		StopOnCancel: cfg.StopOnCancel, StopOnTimeout: cfg.StopOnTimeout, ShowLogs: cfg.ShowLogs,
		Timeout: cfg.Timeout, PollInterval: cfg.PollInterval,
		Health: healthSpec(cfg, log),
	}
}

// dryRunStep checks what the operation depends on and sends nothing that
// changes anything (dry_run: true).
func dryRunStep(ctx context.Context, cfg *action.Config, creds huawei.Credentials, log *action.Log, files action.Files) int {
	res, err := dryRun(ctx, cfg, creds, log)
	if err != nil {
		log.Error("Invalid input", err.Error())
		return 1
	}
	if res.Failure == nil {
		log.Infof("✓ Dry run: every check passed; nothing was changed.")
	}
	return settle(res, dryRunOutputs(res), dryRunSummary(res, cfg), log, files, nil, nil)
}

func dryRun(ctx context.Context, cfg *action.Config, creds huawei.Credentials, log *action.Log) (*run.Result, error) {
	switch cfg.Operation {
	case action.OpReleasePlan:
		base, err := huawei.Endpoint(huawei.ServiceServiceStage, cfg.Region, cfg.Endpoint)
		if err != nil {
			return nil, err
		}
		client, err := servicestage.New(base, creds, clientOptions(cfg, log)...)
		if err != nil {
			return nil, err
		}
		log.Infof("Dry run of release plan %s (%s).", cfg.ReleasePlanID, where(cfg, base))
		return run.DryRunReleasePlan(ctx, client, run.ReleasePlanInput{
			ProjectID: cfg.ProjectID, PlanID: cfg.ReleasePlanID, Execute: cfg.Execute,
			RollbackOnFailure: cfg.RollbackOnFailure, Timeout: cfg.Timeout,
		}, log), nil
	case action.OpSignal:
		base, err := huawei.Endpoint(huawei.ServiceRTS, cfg.Region, cfg.Endpoint)
		if err != nil {
			return nil, err
		}
		client, err := rts.New(base, creds, clientOptions(cfg, log)...)
		if err != nil {
			return nil, err
		}
		log.Infof("Dry run of a signal to RTS software deployment %s (%s).", cfg.DeploymentID, where(cfg, base))
		return run.DryRunSignal(ctx, client, signalInput(cfg), log), nil
	}
	client, base, err := codeartsClient(cfg, creds, log)
	if err != nil {
		return nil, err
	}
	switch cfg.Operation {
	case action.OpWatch:
		log.Infof("Dry run of a watch of CodeArts Deploy task %s (%s).", cfg.TaskID, where(cfg, base))
		return run.DryRunWatch(ctx, client, watchInput(cfg, log), log), nil
	case action.OpStop:
		log.Infof("Dry run of a stop of record %s of CodeArts Deploy task %s (%s).", cfg.RecordID, cfg.TaskID, where(cfg, base))
		return run.DryRunStop(ctx, client, run.StopInput{TaskID: cfg.TaskID, RecordID: cfg.RecordID, Timeout: cfg.Timeout}, log), nil
	}
	log.Infof("Dry run of a deployment of CodeArts Deploy task %s (%s).", cfg.TaskID, where(cfg, base))
	return run.DryRunDeploy(ctx, client, run.DeployInput{
		TaskID: cfg.TaskID, Params: codeartsParams(cfg.Params), RecordID: cfg.RecordID, TriggerSource: cfg.TriggerSource,
		Wait: cfg.Wait, IfRunning: string(cfg.IfRunning), RollbackOnFailure: cfg.RollbackOnFailure,
		Timeout: cfg.Timeout, Health: healthSpec(cfg, log),
	}, log), nil
}

// signalInput is the signal operation's input.
func signalInput(cfg *action.Config) run.SignalInput {
	return run.SignalInput{
		ProjectID:    cfg.ProjectID,
		DeploymentID: cfg.DeploymentID,
		Status:       cfg.Status,
		StatusReason: cfg.StatusReason,
		OutputValues: cfg.OutputValues,
		InputValues:  cfg.InputValues,
		ConfigID:     cfg.ConfigID,
		Action:       cfg.DeploymentAction,
		Timeout:      cfg.Timeout,
	}
}

// dryRunOutputs are the outputs of a dry run: status dry_run, and the
// report as result.
func dryRunOutputs(r *run.Result) []output {
	return []output{
		{"status", string(r.Status)},
		{"result", compactJSON(r.Remote)},
	}
}

var checkIcon = map[bool]string{true: "✅", false: "❌"}

// dryRunSummary renders a dry run: the checks, and what a real run would
// send (secret values masked).
func dryRunSummary(r *run.Result, cfg *action.Config) string {
	var b strings.Builder
	dr := r.DryRun
	if dr == nil {
		dr = &run.DryRun{}
	}
	failed := 0
	for _, c := range dr.Checks {
		if !c.Passed {
			failed++
		}
	}
	verdict := "every check passed"
	if failed > 0 {
		verdict = fmt.Sprintf("%d of %d checks failed", failed, len(dr.Checks))
	}
	fmt.Fprintf(&b, "### %s Dry run of %s: %s\n\n", statusIcon[run.StatusDryRun], cfg.Operation, verdict)
	b.WriteString("Nothing was changed: no start, stop, execute or signal was sent.\n\n")
	b.WriteString("| | |\n|---|---|\n")
	row := tableRow(&b)
	row("Operation", code(string(cfg.Operation)))
	if d := r.Deploy; d != nil {
		task := code(d.TaskID)
		if d.TaskName != "" {
			task = mdEscape(d.TaskName) + " (" + task + ")"
		}
		if d.TaskID != "" {
			row("Task", task)
		}
		row("Record", code(d.RecordID))
	}
	if r.Plan != nil {
		row("Release plan", code(r.Plan.PlanID))
	}
	if r.Signal != nil {
		row("Software deployment", code(r.Signal.DeploymentID))
	}
	row("Region", mdEscape(cfg.Region))
	row("Status", "**"+string(r.Status)+"**")
	b.WriteString("\n| | Check | Detail |\n|---|---|---|\n")
	for _, c := range dr.Checks {
		icon := checkIcon[c.Passed]
		if c.Passed && c.Warning {
			icon = "⚠️"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", icon, mdEscape(c.Name), mdEscape(shortText(c.Detail, 600)))
	}
	if len(dr.WouldSend) > 0 {
		b.WriteString("\n**A real run would send**\n")
		for _, w := range dr.WouldSend {
			fmt.Fprintf(&b, "\n%s%s\n", code(w.Method+" "+w.Path), optionalf(": %s", mdEscape(w.Note)))
			if len(w.Body) > 0 {
				body := compactJSON(w.Body)
				fence := fenceFor(body)
				fmt.Fprintf(&b, "\n%sjson\n%s\n%s\n", fence, shortText(body, 8<<10), fence)
			}
		}
	}
	return b.String()
}

// fenceFor returns a code fence longer than any run of backticks in s, so
// the text cannot close it.
func fenceFor(s string) string {
	longest, n := 0, 0
	for _, c := range s {
		if c == '`' {
			n++
			longest = max(longest, n)
		} else {
			n = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// healthRows adds the health gate to a deploy or watch summary.
func healthRows(row func(k, v string), r *run.Result) {
	h := r.Deploy.Health
	if h == nil {
		return
	}
	switch {
	case h.Healthy:
		row("Health", fmt.Sprintf("✅ healthy: %d good answers in a row after %d checks (%s)", h.Spec.Healthy, h.Checks, run.FormatDuration(h.Took)))
	case h.Cancelled:
		row("Health", fmt.Sprintf("⏹️ cancelled after %d checks", h.Checks))
	default:
		row("Health", fmt.Sprintf("❌ not healthy within %s: %d checks, the longest run %d of %d", run.FormatDuration(h.Spec.Timeout), h.Checks, h.Best, h.Spec.Healthy))
	}
	row("Health URL", code(h.URL))
}

// healthAnswers lists the last answers of a health gate that failed.
func healthAnswers(b *strings.Builder, r *run.Result) {
	h := r.Deploy.Health
	if h == nil || h.Healthy || len(h.Last) == 0 {
		return
	}
	b.WriteString("\n**Last answers of the health check**\n\n| Time (UTC) | Status | Took | Body or error |\n|---|---|---:|---|\n")
	for _, a := range h.Last {
		status, text := "—", a.Err
		if a.Status != 0 {
			status, text = fmt.Sprintf("%d", a.Status), a.Body
			if a.Why != "" {
				text = strings.TrimPrefix(a.Why+": "+text, ": ")
			}
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", a.At.UTC().Format("15:04:05"), status, run.FormatDuration(a.Took), mdEscape(shortText(text, 200)))
	}
}
