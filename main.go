// Command deploy-action is a GitHub Action that deploys to Huawei Cloud
// (CodeArts Deploy, ServiceStage release plans, RTS software deployments)
// and fails the job when the deployment fails. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/deploy-action/deploy-action/internal/cli"
)

// memoryLimit is the heap the garbage collector keeps the action within.
// The action promises to stay under 64 MB of memory whatever a server
// sends; its largest need is one answer of huawei.MaxResponseBytes and
// its decoded text. Without a limit the collector lets the heap grow to
// twice what is live before collecting, which could cross 64 MB.
const memoryLimit = 32 << 20

func main() {
	debug.SetMemoryLimit(memoryLimit)
	// The runner cancels a step with SIGINT, then SIGTERM 7.5 s later: both
	// cancel the context, and the action stops the remote deployment.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.Process{Args: os.Args, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
