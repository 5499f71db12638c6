// Command deploy-action is a GitHub Action that deploys to Huawei Cloud
// (CodeArts Deploy, ServiceStage release plans, RTS software deployments)
// and fails the job when the deployment fails. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/deploy-action/deploy-action/internal/cli"
)

func main() {
	// The runner cancels a step with SIGINT, then SIGTERM 7.5 s later: both
	// cancel the context, and the action stops the remote deployment.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.Process{Args: os.Args, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
