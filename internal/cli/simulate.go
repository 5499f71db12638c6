package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// simulateOptions are the simulate command's flags.
type simulateOptions struct {
	listen, ak, sk, scenarioFile string
	stepDuration                 time.Duration
	verbose                      bool
}

// simulate serves the simulator on a loopback address until ctx ends.
func simulate(ctx context.Context, p Process, args []string) int {
	o, ok := parseSimulateFlags(p, args)
	if !ok {
		return 2
	}
	opts, err := o.simOptions(p.Stderr)
	if err != nil {
		fmt.Fprintf(p.Stderr, "simulate: --scenario: %v\n", err)
		return 2
	}
	srv, base, err := serve(sim.New(opts), o.listen)
	if err != nil {
		fmt.Fprintf(p.Stderr, "simulate: %v\n", err)
		return 1
	}
	printSimulateBanner(p.Stdout, base, o)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	fmt.Fprintln(p.Stdout, "Simulator stopped.")
	return 0
}

// parseSimulateFlags reads the flags; false after telling stderr why not.
func parseSimulateFlags(p Process, args []string) (simulateOptions, bool) {
	var o simulateOptions
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(p.Stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "loopback address to serve on (port 0 picks a free one)")
	fs.StringVar(&o.ak, "access-key-id", sim.DefaultAccessKeyID, "the access key id the simulator accepts")
	fs.StringVar(&o.sk, "secret-access-key", sim.DefaultSecretAccessKey, "its secret access key")
	fs.StringVar(&o.scenarioFile, "scenario", "", "a scenario file (YAML) shaping tasks and injecting faults")
	fs.DurationVar(&o.stepDuration, "step-duration", sim.DefaultStepDuration, "how long each deployment step takes")
	fs.BoolVar(&o.verbose, "v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return o, false
	}
	if !isLoopback(o.listen) {
		fmt.Fprintf(p.Stderr, "simulate: --listen %q must be a loopback address such as 127.0.0.1:8080\n", o.listen)
		return o, false
	}
	return o, true
}

// isLoopback reports whether addr is host:port with a loopback host.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	return err == nil && (host == "localhost" || (ip != nil && ip.IsLoopback()))
}

// simOptions are the simulator's options; with -v it logs every request
// on stderr.
func (o simulateOptions) simOptions(stderr io.Writer) (sim.Options, error) {
	opts := sim.Options{AccessKeyID: o.ak, SecretAccessKey: o.sk, StepDuration: o.stepDuration}
	if o.scenarioFile != "" {
		sc, err := sim.LoadScenario(o.scenarioFile)
		if err != nil {
			return opts, err
		}
		opts.Scenario = sc
	}
	if o.verbose {
		opts.Logf = func(format string, a ...any) {
			fmt.Fprintf(stderr, time.Now().Format("15:04:05.000 ")+format+"\n", a...)
		}
	}
	return opts, nil
}

// printSimulateBanner says where the simulator serves and how to use it.
func printSimulateBanner(w io.Writer, base string, o simulateOptions) {
	fmt.Fprintf(w, "Huawei Cloud simulator (CodeArts Deploy, ServiceStage, RTS) serving on %s\n", base)
	fmt.Fprintf(w, "  access_key_id:     %s\n  secret_access_key: %s\n", o.ak, o.sk)
	fmt.Fprintf(w, "Any 32-character task id deploys successfully, any UUID is a release plan that succeeds,\nand any id is a software deployment. Try:\n")
	fmt.Fprintf(w, "  INPUT_ENDPOINT=%s INPUT_ACCESS_KEY_ID=%s INPUT_SECRET_ACCESS_KEY=%s \\\n    INPUT_TASK_ID=0123456789abcdef0123456789abcdef go run .\n", base, o.ak, o.sk)
	fmt.Fprintf(w, "Keyless (OIDC): identity provider %s, audience %s; the runner's side is\n  ACTIONS_ID_TOKEN_REQUEST_URL=%s/_github/oidc/token?api-version=2.0 ACTIONS_ID_TOKEN_REQUEST_TOKEN=%s\n  with INPUT_IDP_ID=%s INPUT_IAM_ENDPOINT=%s (and no keys)\n",
		sim.DefaultIdPID, sim.DefaultOIDCAudience, base, sim.DefaultOIDCRequestToken, sim.DefaultIdPID, base)
	fmt.Fprintf(w, "Health endpoints for health_url: %s/_health/NAME (healthy, unless a scenario's health entries script NAME).\n", base)
	fmt.Fprintf(w, "Interrupt (Ctrl-C) to stop.\n")
}
