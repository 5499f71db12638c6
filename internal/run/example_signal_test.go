package run_test

import (
	"fmt"

	"github.com/deploy-action/deploy-action/internal/run"
)

// A signal without a status gets Heat's: the exit code in
// deploy_status_code decides, as when a server signals for itself.
func ExampleHeatStatus() {
	for _, code := range []any{int64(0), "3", 2.0, nil} {
		status, reason := run.HeatStatus(map[string]any{"deploy_status_code": code})
		fmt.Printf("%v: %s (%s)\n", code, status, reason)
	}
	// Output:
	// 0: COMPLETE (Outputs received)
	// 3: FAILED (deploy_status_code : Deployment exited with non-zero status code: 3)
	// 2: FAILED (deploy_status_code : Deployment exited with non-zero status code: 2)
	// <nil>: COMPLETE (Outputs received)
}
