package run

import (
	"context"
	"fmt"
	"strings"

	"github.com/deploy-action/deploy-action/internal/health"
)

// gate runs the health gate after a deployment that succeeded (deploy and
// watch): the platform ran its steps; the service must also answer. A
// service that does not pass in time fails the deployment as unhealthy,
// which rollback_on_failure rolls back like a failure. The gate has its
// own time (health_timeout), after the deployment's.
func (d *deployer) gate(ctx context.Context) {
	if d.in.Health == nil || d.res.Status != StatusSucceeded || ctx.Err() != nil {
		return
	}
	report := health.Gate(ctx, *d.in.Health, d.log)
	d.res.Health = &report
	switch {
	case report.Healthy:
		return
	case report.Cancelled:
		d.res.Status = StatusStopped
		d.res.Failure = &Failure{Title: "Cancelled", Message: fmt.Sprintf(
			"The workflow was cancelled during the health check of %s; deployment record %s had succeeded, and nothing was stopped.", report.URL, d.res.RecordID)}
		return
	}
	d.res.Status = StatusUnhealthy
	d.res.Failure = &Failure{Title: "Unhealthy", Message: unhealthyMessage(d.res.RecordID, report)}
}

// unhealthyMessage says why the gate failed, with the last answers
// (time, status, the start of the body).
func unhealthyMessage(recordID string, r health.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Deployment record %s succeeded, but %s did not give %d good answers in a row (%s) within %s: %d checks, the longest run %d.",
		recordID, r.URL, r.Spec.Healthy, r.Spec.Accepted, FormatDuration(r.Spec.Timeout), r.Checks, r.Best)
	if len(r.Last) > 0 {
		b.WriteString("\nLast answers:")
		for _, a := range r.Last {
			b.WriteString("\n" + a.String())
		}
	}
	return b.String()
}
