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
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/keyless"
	"github.com/deploy-action/deploy-action/internal/run"
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
	cmd := ""
	if len(p.Args) > 1 {
		cmd = p.Args[1]
	}
	switch cmd {
	case "":
		return mainStep(ctx, p)
	case "post":
		return post(ctx, p)
	case "demo":
		return demo(ctx, p, p.Args[2:])
	case "simulate":
		return simulate(ctx, p, p.Args[2:])
	case "version", "--version":
		fmt.Fprintln(p.Stdout, "deploy-action", Version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(p.Stdout, usage)
		return 0
	}
	fmt.Fprintf(p.Stderr, "deploy-action: unknown command %q\n\n%s", cmd, usage)
	return 2
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

// mainStep is the action's main entrypoint.
func mainStep(ctx context.Context, p Process) int {
	log := action.NewLog(p.Stdout, isDebug(p.Getenv))
	// Mask whatever could be secret before anything is printed, even if the
	// inputs turn out to be invalid.
	log.AddMask(action.SecretInputs(p.Getenv)...)
	cfg, err := action.Load(p.Getenv)
	if err != nil {
		log.Error("Invalid input", "The action's inputs are not valid; nothing was sent.\n"+err.Error())
		return 1
	}
	log.AddMask(cfg.Secrets()...)
	if err := checkRegion(cfg, log); err != nil {
		log.Error("Invalid input", "The action's inputs are not valid; nothing was sent.\n"+err.Error())
		return 1
	}
	files := action.FilesFromEnv(p.Getenv)
	files.Scrub = log.Scrub
	creds, err := authenticate(ctx, cfg, log)
	if err != nil {
		log.Error("Keyless authentication failed", err.Error())
		return 1
	}
	if cfg.DryRun {
		return dryRunStep(ctx, cfg, creds, log, files)
	}
	switch cfg.Operation {
	case action.OpDeploy:
		return deployStep(ctx, cfg, creds, log, files)
	case action.OpWatch:
		return watchStep(ctx, cfg, creds, log, files)
	case action.OpStop:
		return stopStep(ctx, cfg, creds, log, files)
	case action.OpReleasePlan:
		return releasePlanStep(ctx, cfg, creds, log, files)
	case action.OpSignal:
		return signalStep(ctx, cfg, creds, log, files)
	}
	log.Error("Not available", fmt.Sprintf("operation %q is not available in this version yet.", cfg.Operation))
	return 1
}

func isDebug(getenv func(string) string) bool {
	v := strings.ToLower(getenv("ACTIONS_STEP_DEBUG"))
	return v == "true" || getenv("RUNNER_DEBUG") == "1"
}

// clientOptions are the options every service client of a step shares.
func clientOptions(cfg *action.Config, log *action.Log) []huawei.Option {
	policy := huawei.DefaultRetryPolicy
	policy.AttemptTimeout = cfg.RequestTimeout
	return []huawei.Option{
		huawei.WithRootCAs(rootCAs(cfg, log)),
		huawei.WithRetryPolicy(policy),
		huawei.WithProjectID(cfg.ProjectID),
		huawei.WithUserAgent("deploy-action/" + Version),
		huawei.WithDebug(log.Debugf),
		huawei.WithRedact(log.Scrub),
		huawei.WithRetryNotify(func(e huawei.RetryEvent) {
			if e.ClockCorrection != 0 {
				log.Warningf("The gateway refused the signature and its clock is %s the runner's: signing again by the gateway's clock. Check the runner's time sync.", describeOffset(e.ClockCorrection))
				return
			}
			if e.NoRetry {
				log.Warningf("%v; the server asked for %s (Retry-After), more than the time left, so the call is not retried.", e.Err, describeWait(e.ServerAsked))
				return
			}
			capped := ""
			if e.ServerAsked > 0 {
				capped = fmt.Sprintf(" (the server asked for %s; the action waits %s at most)", describeWait(e.ServerAsked), run.FormatDuration(huawei.MaxServerWait))
			}
			log.Warningf("%v; retrying in %s%s (attempt %d).", e.Err, run.FormatDuration(e.Wait), capped, e.Attempt+1)
		}),
	}
}

// describeOffset says how far and which way the gateway's clock is off;
// whole minutes suffice, as only an offset over five minutes is corrected.
func describeOffset(d time.Duration) string {
	way := "ahead of"
	if d < 0 {
		d, way = -d, "behind"
	}
	return fmt.Sprintf("about %d minutes %s", int(d.Round(time.Minute)/time.Minute), way)
}

// describeWait names a server-asked wait; absurd ones in years or hours.
func describeWait(d time.Duration) string {
	switch {
	case d >= 365*24*time.Hour:
		return fmt.Sprintf("%d years", int(d/(365*24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return run.FormatDuration(d)
}

// operationService is the service host prefix an operation talks to.
var operationService = map[action.Operation]string{
	action.OpDeploy:      huawei.ServiceCodeArtsDeploy,
	action.OpStop:        huawei.ServiceCodeArtsDeploy,
	action.OpWatch:       huawei.ServiceCodeArtsDeploy,
	action.OpReleasePlan: huawei.ServiceServiceStage,
	action.OpSignal:      huawei.ServiceRTS,
}

// checkRegion resolves the operation's endpoint before anything is sent,
// keyless token exchange included: a known region that lacks the service
// fails here, with the regions that have it. A region the action's tables
// do not know still gets the usual host, and the log says so once.
func checkRegion(cfg *action.Config, log *action.Log) error {
	service, ok := operationService[cfg.Operation]
	if !ok {
		return nil
	}
	base, err := huawei.Endpoint(service, cfg.Region, cfg.Endpoint)
	if err != nil {
		return err
	}
	if cfg.Endpoint == "" && !huawei.KnownRegion(cfg.Region) {
		log.Noticef("Region %s is not in the action's list of Huawei Cloud regions; using the usual host %s. "+
			"If the step cannot reach it, check region, or set endpoint to the service's URL.", cfg.Region, base)
	}
	return nil
}

// authenticate returns the step's credentials. For keyless authentication
// it obtains the first IAM token now, so a misconfigured identity provider
// fails the step with IAM's own message before anything else is sent; the
// token is renewed later as it nears expiry.
func authenticate(ctx context.Context, cfg *action.Config, log *action.Log) (huawei.Credentials, error) {
	if cfg.IdPID == "" {
		return huawei.Credentials{
			AccessKeyID:     cfg.AccessKeyID,
			SecretAccessKey: cfg.SecretAccessKey,
			SecurityToken:   cfg.SecurityToken,
			AuthToken:       cfg.AuthToken,
		}, nil
	}
	iam := cfg.IAMEndpoint
	if iam == "" {
		// As the SDK picks IAM by region: the regional endpoint of the
		// IAM table, else the global one (huawei.IAMEndpoint).
		iam = huawei.IAMEndpoint(cfg.Region)
	}
	log.Debugf("Keyless: exchanging the ID token at %s.", iam)
	src, err := keyless.New(keyless.Config{
		IdPID:        cfg.IdPID,
		ProjectID:    cfg.ProjectID,
		Audience:     cfg.OIDCAudience,
		IAM:          iam,
		IDTokenFile:  cfg.IDTokenFile,
		RequestURL:   cfg.IDTokenRequestURL,
		RequestToken: cfg.IDTokenRequestToken,
		Mask:         func(v string) { log.AddMask(v) },
		Logf:         log.Infof,
		RootCAs:      rootCAs(cfg, log),
		Options:      clientOptions(cfg, log),
	})
	if err != nil {
		return huawei.Credentials{}, err
	}
	if _, err := src.Token(ctx); err != nil {
		return huawei.Credentials{}, err
	}
	return huawei.Credentials{TokenSource: src.Token}, nil
}

func codeartsClient(cfg *action.Config, creds huawei.Credentials, log *action.Log) (*codearts.Client, string, error) {
	base, err := huawei.Endpoint(huawei.ServiceCodeArtsDeploy, cfg.Region, cfg.Endpoint)
	if err != nil {
		return nil, "", err
	}
	c, err := codearts.New(base, creds, clientOptions(cfg, log)...)
	return c, base, err
}

// deployStep runs the deploy operation and reports its result.
func deployStep(ctx context.Context, cfg *action.Config, creds huawei.Credentials, log *action.Log, files action.Files) int {
	client, base, err := codeartsClient(cfg, creds, log)
	if err != nil {
		log.Error("Invalid input", err.Error())
		return 1
	}
	log.Infof("Deploying CodeArts Deploy task %s (%s).", cfg.TaskID, where(cfg, base))
	params := codeartsParams(cfg.Params)
	if len(params) > 0 {
		log.Infof("Parameters: %s.", describeParams(cfg.Params))
	}
	var writeErrs []error
	written := map[string]string{}
	res := run.Deploy(ctx, client, run.DeployInput{
		TaskID:            cfg.TaskID,
		Params:            params,
		RecordID:          cfg.RecordID,
		TriggerSource:     cfg.TriggerSource,
		Wait:              cfg.Wait,
		IfRunning:         string(cfg.IfRunning),
		StopOnCancel:      cfg.StopOnCancel,
		StopOnTimeout:     cfg.StopOnTimeout,
		RollbackOnFailure: cfg.RollbackOnFailure,
		ShowLogs:          cfg.ShowLogs,
		Timeout:           cfg.Timeout,
		PollInterval:      cfg.PollInterval,
		Health:            healthSpec(cfg, log),
	}, log, run.DeployHooks{
		// Both written at once: the runner reads these files even when the
		// step is cancelled or killed later, and the post step needs them
		// to stop what this step started.
		Starting: func(at time.Time, latestBefore string) {
			writeErrs = append(writeErrs,
				files.SaveState(action.StateTaskID, cfg.TaskID),
				files.SaveState(action.StateStartAt, at.UTC().Format(time.RFC3339Nano)),
				files.SaveState(action.StateLatestBefore, latestBefore))
		},
		Started: func(recordID, jobName string) {
			written["record_id"] = recordID
			writeErrs = append(writeErrs,
				files.SetOutput("record_id", recordID),
				files.SaveState(action.StateTaskID, cfg.TaskID),
				files.SaveState(action.StateRecordID, recordID))
		},
	})
	return settle(res, outputs(res), summary(res, cfg.Region), log, files, written, writeErrs)
}

// codeartsParams are the params input as the start request carries them.
func codeartsParams(ps []action.Param) []codearts.Param {
	out := make([]codearts.Param, len(ps))
	for i, p := range ps {
		out[i] = codearts.Param{Key: p.Key, Value: p.Value, Type: p.Type}
	}
	return out
}

// describeParams lists the parameter names and types; values stay out of
// the log, secret or not, as they may be long.
func describeParams(ps []action.Param) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Key
		if p.Type != "text" && p.Type != "" {
			parts[i] += " (" + p.Type + ")"
		}
	}
	return strings.Join(parts, ", ")
}
