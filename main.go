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

// memoryLimit is a soft limit on the memory the Go runtime keeps. The
// action promises to stay under 64 MB whatever a server sends; what it
// holds at most is about two answers of huawei.MaxResponseBytes (the one
// being read, and the last one kept for the result output). Without a
// limit the collector lets the heap grow to twice what is live before it
// collects, and pages of 8 MiB read one after another came near 64 MB;
// with it, about 40 MB. The limit is soft: past it the collector works
// harder, it never fails an allocation.
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
