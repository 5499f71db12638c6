// Package cli is the binary's front: it picks the command (the action's
// main and post steps, demo, simulate), wires the GitHub side (package
// action) to the operations (package run), and turns results into outputs,
// a summary and an exit status.
package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=v1.2.3".
var Version = "dev"

// PostName is the name the image gives the binary for the post step
// (action.yml's post-entrypoint), so the post step can never be mistaken
// for the main one and start a deployment.
const PostName = "deploy-action-post"

// Process is what a command sees of its process.
type Process struct {
	Args   []string
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// Main runs the command named by p.Args and returns the exit status.
func Main(ctx context.Context, p Process) int {
	if len(p.Args) > 0 && filepath.Base(p.Args[0]) == PostName {
		return post(ctx, p)
	}
	if len(p.Args) < 2 {
		return mainStep(ctx, p)
	}
	cmd, ok := commands[p.Args[1]]
	if !ok {
		fmt.Fprintf(p.Stderr, "deploy-action: unknown command %q\n\n%s", p.Args[1], usage)
		return 2
	}
	return cmd(ctx, p, p.Args[2:])
}

// command is one command of the binary, given the arguments after its
// name.
type command func(ctx context.Context, p Process, args []string) int

// commands are the binary's commands by name; no name (or "") is the
// action's main step.
var commands = map[string]command{
	"":          func(ctx context.Context, p Process, _ []string) int { return mainStep(ctx, p) },
	"post":      func(ctx context.Context, p Process, _ []string) int { return post(ctx, p) },
	"demo":      demo,
	"simulate":  simulate,
	"version":   printVersion,
	"--version": printVersion,
	"help":      printUsage,
	"-h":        printUsage,
	"--help":    printUsage,
}

func printVersion(_ context.Context, p Process, _ []string) int {
	fmt.Fprintln(p.Stdout, "deploy-action", Version)
	return 0
}

func printUsage(_ context.Context, p Process, _ []string) int {
	fmt.Fprint(p.Stdout, usage)
	return 0
}

const usage = `deploy-action: deploy to Huawei Cloud from a GitHub workflow.

Usage:
  deploy-action                 run the action (inputs from INPUT_* variables, as the runner passes them)
  deploy-action demo [--keyless] [--dry-run] [--watch] [--health PATTERN] [--proxy] [--no-wait]
                                run a whole deployment against the built-in simulator and show the workflow log
                                (--keyless: authenticate with a GitHub OIDC token exchanged at IAM, no keys;
                                --dry-run: check everything, deploy nothing; --watch: follow a deployment someone
                                else started; --health: a health gate after the deployment, against an endpoint
                                that is healthy, later, flapping, never, slow or wrong-body; --proxy: every
                                request through a CONNECT proxy to the simulator over TLS with its own CA;
                                --no-wait: start and exit, wait: false)
  deploy-action simulate [--listen 127.0.0.1:8080] [--access-key-id AK --secret-access-key SK] [--scenario FILE]
                                serve the simulator until interrupted
  deploy-action post            the post step: stop a deployment the main step left running
  deploy-action version         print the version
`
