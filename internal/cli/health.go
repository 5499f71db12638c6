package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/health"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
)

// This file wires the health gate of deploy and watch into the steps, and
// renders what it adds to their summary.

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

// healthRows adds the health gate to a deploy or watch summary.
func healthRows(row func(k, v string), h *health.Report) {
	if h == nil {
		return
	}
	row("Health", healthVerdict(h))
	row("Health URL", code(h.URL))
}

// healthVerdict says how the health gate ended.
func healthVerdict(h *health.Report) string {
	switch {
	case h.Healthy:
		return fmt.Sprintf("✅ healthy: %d good answers in a row after %d checks (%s)", h.Spec.Healthy, h.Checks, run.FormatDuration(h.Took))
	case h.Cancelled:
		return fmt.Sprintf("⏹️ cancelled after %d checks", h.Checks)
	}
	return fmt.Sprintf("❌ not healthy within %s: %d checks, the longest run %d of %d", run.FormatDuration(h.Spec.Timeout), h.Checks, h.Best, h.Spec.Healthy)
}

// healthAnswers lists the last answers of a health gate that failed.
func healthAnswers(b *strings.Builder, h *health.Report) {
	if h == nil || h.Healthy || len(h.Last) == 0 {
		return
	}
	b.WriteString("\n**Last answers of the health check**\n\n| Time (UTC) | Status | Took | Body or error |\n|---|---|---:|---|\n")
	for _, a := range h.Last {
		status, text := answerCells(a)
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", a.At.UTC().Format("15:04:05"), status, run.FormatDuration(a.Took), mdEscape(shortText(text, 200)))
	}
}

// answerCells are the status and text cells of one health answer: the
// HTTP status and body (after why it was not good), or the error.
func answerCells(a health.Answer) (status, text string) {
	if a.Status == 0 {
		return "—", a.Err
	}
	text = a.Body
	if a.Why != "" {
		text = strings.TrimPrefix(a.Why+": "+text, ": ")
	}
	return fmt.Sprintf("%d", a.Status), text
}
