package cli

import (
	"context"
	"flag"
	"fmt"
	"net"
	"time"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// simulate serves the simulator on a loopback address until ctx ends.
func simulate(ctx context.Context, p Process, args []string) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(p.Stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "loopback address to serve on (port 0 picks a free one)")
	ak := fs.String("access-key-id", sim.DefaultAccessKeyID, "the access key id the simulator accepts")
	sk := fs.String("secret-access-key", sim.DefaultSecretAccessKey, "its secret access key")
	scenarioFile := fs.String("scenario", "", "a scenario file (YAML) shaping tasks and injecting faults")
	stepDuration := fs.Duration("step-duration", sim.DefaultStepDuration, "how long each deployment step takes")
	verbose := fs.Bool("v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	host, _, err := net.SplitHostPort(*listen)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		fmt.Fprintf(p.Stderr, "simulate: --listen %q must be a loopback address such as 127.0.0.1:8080\n", *listen)
		return 2
	}
	opts := sim.Options{AccessKeyID: *ak, SecretAccessKey: *sk, StepDuration: *stepDuration}
	if *scenarioFile != "" {
		sc, err := sim.LoadScenario(*scenarioFile)
		if err != nil {
			fmt.Fprintf(p.Stderr, "simulate: --scenario: %v\n", err)
			return 2
		}
		opts.Scenario = sc
	}
	if *verbose {
		opts.Logf = func(format string, a ...any) {
			fmt.Fprintf(p.Stderr, time.Now().Format("15:04:05.000 ")+format+"\n", a...)
		}
	}
	srv, base, err := serve(sim.New(opts), *listen)
	if err != nil {
		fmt.Fprintf(p.Stderr, "simulate: %v\n", err)
		return 1
	}
	fmt.Fprintf(p.Stdout, "Huawei Cloud simulator (CodeArts Deploy, ServiceStage, RTS) serving on %s\n", base)
	fmt.Fprintf(p.Stdout, "  access_key_id:     %s\n  secret_access_key: %s\n", *ak, *sk)
	fmt.Fprintf(p.Stdout, "Any 32-character task id deploys successfully, any UUID is a release plan that succeeds,\nand any id is a software deployment. Try:\n")
	fmt.Fprintf(p.Stdout, "  INPUT_ENDPOINT=%s INPUT_ACCESS_KEY_ID=%s INPUT_SECRET_ACCESS_KEY=%s \\\n    INPUT_TASK_ID=0123456789abcdef0123456789abcdef go run .\n", base, *ak, *sk)
	fmt.Fprintf(p.Stdout, "Keyless (OIDC): identity provider %s, audience %s; the runner's side is\n  ACTIONS_ID_TOKEN_REQUEST_URL=%s/_github/oidc/token?api-version=2.0 ACTIONS_ID_TOKEN_REQUEST_TOKEN=%s\n  with INPUT_IDP_ID=%s INPUT_IAM_ENDPOINT=%s (and no keys)\n",
		sim.DefaultIdPID, sim.DefaultOIDCAudience, base, sim.DefaultOIDCRequestToken, sim.DefaultIdPID, base)
	fmt.Fprintf(p.Stdout, "Health endpoints for health_url: %s/_health/NAME (healthy, unless a scenario's health entries script NAME).\n", base)
	fmt.Fprintf(p.Stdout, "Interrupt (Ctrl-C) to stop.\n")
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	fmt.Fprintln(p.Stdout, "Simulator stopped.")
	return 0
}
