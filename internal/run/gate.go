package run

import (
	"context"

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
	d.res.Deploy.Health = &report
	switch {
	case report.Healthy:
		return
	case report.Cancelled:
		// The deployment had succeeded: nothing is stopped.
		d.res.Status = StatusStopped
		d.res.Failure = &Failure{What: FailedHealth, Cause: CauseCancelled}
		return
	}
	d.res.Status = StatusUnhealthy
	d.res.Failure = &Failure{What: FailedHealth}
}
