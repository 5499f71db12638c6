package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/rts"
	"github.com/deploy-action/deploy-action/internal/run"
)

// signalOperation signals an RTS software deployment.
var signalOperation = operation{
	service: huawei.ServiceRTS,
	start:   startSignal,
	dryRun:  dryRunSignal,
	outputs: signalOutputs,
	summary: signalSummary,
}

// startSignal runs the signal operation.
func startSignal(ctx context.Context, s *step) (*run.Result, error) {
	cfg, log := s.cfg, s.log
	return connect(s, rtsClient, func(client *rts.Client, at string) *run.Result {
		log.Infof("Signalling RTS software deployment %s (%s).", cfg.DeploymentID, at)
		return run.Signal(ctx, client, signalInput(cfg), logger(log))
	})
}

// dryRunSignal checks what a signal depends on.
func dryRunSignal(ctx context.Context, s *step) (*run.Result, error) {
	cfg, log := s.cfg, s.log
	return connect(s, rtsClient, func(client *rts.Client, at string) *run.Result {
		log.Infof("Dry run of a signal to RTS software deployment %s (%s).", cfg.DeploymentID, at)
		return run.DryRunSignal(ctx, client, signalInput(cfg), logger(log))
	})
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

// signalOutputs are the outputs of a signal: status (as RTS returned it,
// "" when the signal failed), software_deployment, result.
func signalOutputs(r *run.Result) []output {
	return []output{
		{"status", r.RemoteStatus},
		{"software_deployment", compactJSON(r.Signal.SoftwareDeployment)},
		{"result", compactJSON(r.Remote)},
	}
}

// signalled is what the summary shows of the software deployment RTS
// answered with.
type signalled struct {
	Status       string          `json:"status"`
	StatusReason string          `json:"status_reason"`
	Action       string          `json:"action"`
	ServerID     string          `json:"server_id"`
	OutputValues json.RawMessage `json:"output_values"`
}

// signalSummary renders a signal: the software deployment as RTS answered.
func signalSummary(r *run.Result, region string) string {
	var b strings.Builder
	var sd signalled
	_ = json.Unmarshal(r.Signal.SoftwareDeployment, &sd) // best effort: the summary shows what it can
	icon, headline := "✅", "Software deployment signalled: "+sd.Status
	if r.Failure != nil {
		icon, headline = "❌", "Software deployment not signalled"
	}
	fmt.Fprintf(&b, "### %s %s\n\n", icon, mdEscape(headline))
	row := table(&b)
	row("Software deployment", code(r.Signal.DeploymentID))
	row("Region", mdEscape(region))
	row("Status", code(sd.Status))
	row("Reason", mdEscape(shortText(sd.StatusReason, 300)))
	row("Action", code(sd.Action))
	row("Server", code(sd.ServerID))
	row("Output values", outputNames(sd.OutputValues))
	writeFailure(&b, r)
	return b.String()
}

// outputNames lists the names of a software deployment's output values,
// sorted; "" for none.
func outputNames(values json.RawMessage) string {
	var outs map[string]json.RawMessage
	if json.Unmarshal(values, &outs) != nil || len(outs) == 0 {
		return ""
	}
	names := make([]string, 0, len(outs))
	for k := range outs {
		names = append(names, code(k))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
