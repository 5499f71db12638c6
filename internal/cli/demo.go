package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/sim"
)

// demoTaskID is the demo's CodeArts Deploy task.
const demoTaskID = "7d3f1c2a9b8e4f60a1c2d3e4f5a6b7c8"

// demoScenario gives the demo's task a name and five steps of the kind a
// real CodeArts Deploy application has, and the deployed service health
// endpoints for --health.
const demoScenario = `
tasks:
  - task_id: ` + demoTaskID + `
    name: checkout-service
    steps: [Download package, Stop service, Deploy, Start service, Health check]
    step_duration: 600ms
health:
  - {name: later, healthy_after: 2s}
  - {name: flapping, flapping: true}
  - {name: never, never: true}
  - {name: slow, delay: 2s}
  - {name: wrong-body, body: '{"status":"MAINTENANCE"}'}
`

// demoWatchScenario is demoScenario with a deployment someone else
// started when the simulator starts, for --watch.
var demoWatchScenario = strings.Replace(demoScenario, "    step_duration: 600ms\n", "    step_duration: 600ms\n    already_running: 4s\n", 1)

// healthPatterns are the endpoints --health can check.
var healthPatterns = []string{"healthy", "later", "flapping", "never", "slow", "wrong-body"}

// demoOptions are the demo's flags.
type demoOptions struct {
	keyless, dryRun, watch, proxy, noWait bool
	health                                string
}

func parseDemoFlags(p Process, args []string) (demoOptions, bool) {
	var o demoOptions
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(p.Stderr)
	fs.BoolVar(&o.keyless, "keyless", false, "authenticate with a GitHub OIDC ID token exchanged at IAM, with no access keys")
	fs.BoolVar(&o.dryRun, "dry-run", false, "check the credentials, the task, the params and a running deployment; deploy nothing (dry_run: true)")
	fs.BoolVar(&o.watch, "watch", false, "follow a deployment someone else started (operation: watch)")
	fs.StringVar(&o.health, "health", "", "a health gate after the deployment, against an endpoint that is "+strings.Join(healthPatterns, ", "))
	fs.BoolVar(&o.proxy, "proxy", false, "send every request through a CONNECT proxy to the simulator over TLS, trusting its private CA with ca_file")
	fs.BoolVar(&o.noWait, "no-wait", false, "start the deployment and exit (wait: false)")
	if err := fs.Parse(args); err != nil {
		return o, false
	}
	if o.health != "" && !slices.Contains(healthPatterns, o.health) {
		fmt.Fprintf(p.Stderr, "demo: --health %q is not one of %s\n", o.health, strings.Join(healthPatterns, ", "))
		return o, false
	}
	return o, true
}

// demo runs the whole deploy flow against an in-process simulator, exactly
// as a workflow step would (INPUT_ variables, file commands), and shows the
// log as the runner would display it, then the outputs and the summary.
func demo(ctx context.Context, p Process, args []string) int {
	o, ok := parseDemoFlags(p, args)
	if !ok {
		return 2
	}
	code, err := runDemo(ctx, p, o)
	if err != nil {
		fmt.Fprintln(p.Stderr, "demo:", err)
		return 1
	}
	return code
}

// runDemo sets the simulator and the step's files up, runs the step and
// shows what it left; an error is the demo's own, before the step ran.
func runDemo(ctx context.Context, p Process, o demoOptions) (int, error) {
	ak, sk := "DEMO"+strings.ToUpper(randomHex(8)), randomHex(20)
	simulator, err := demoSimulator(o, ak, sk)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "deploy-action-demo-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	srv, err := startDemoServer(o, simulator, dir)
	if err != nil {
		return 0, err
	}
	defer srv.close()
	files := demoFiles(dir)
	env := demoEnv(o, ak, sk, srv.endpoint, dir, files)
	printDemoHeader(p.Stdout, o, srv)
	start := time.Now()
	view, code := runDemoStep(ctx, p, env)
	printDemoResults(p.Stdout, view, files, srv.proxy)
	fmt.Fprintf(p.Stdout, "\nThe step exited %d after %s; the secret parameter never appeared in the log.\n", code, time.Since(start).Round(100*time.Millisecond))
	return code, nil
}

// runDemoStep runs the main step as the runner would, with env as its
// environment, and shows its log as the runner does.
func runDemoStep(ctx context.Context, p Process, env map[string]string) (*runnerView, int) {
	view := newRunnerView(p.Stdout)
	code := mainStep(ctx, Process{Args: []string{"deploy-action"}, Stdout: view, Stderr: p.Stderr, Getenv: func(k string) string { return env[k] }})
	view.Flush()
	return view, code
}

// demoSimulator is the simulator the demo's step talks to, with the
// demo's task and its deployment of yesterday.
func demoSimulator(o demoOptions, ak, sk string) (*sim.Server, error) {
	text := demoScenario
	if o.watch {
		text = demoWatchScenario
	}
	scenario, err := sim.ParseScenario([]byte(text))
	if err != nil {
		return nil, err
	}
	simulator := sim.New(sim.Options{AccessKeyID: ak, SecretAccessKey: sk, Scenario: scenario})
	// Yesterday's deployment of the task: the action forecasts from it
	// when to look for the end of today's, and a dry run compares its
	// parameters with today's.
	yesterday := simulator.SeedRecordTook(demoTaskID, 2800*time.Millisecond, 24*time.Hour)
	simulator.SetRecordParams(yesterday,
		sim.ParamInfo{Key: "version", Value: "1.4.1", Type: "text"},
		sim.ParamInfo{Key: "replicas", Value: "3", Type: "text"},
		sim.ParamInfo{Key: "region", Value: "north", Type: "text"})
	return simulator, nil
}

// demoServer is where the demo's step finds the simulator.
type demoServer struct {
	base     string   // the simulator's own address
	endpoint string   // the endpoint input
	proxy    *proxied // nil without --proxy
	close    func()
}

// startDemoServer serves the simulator on loopback, or with --proxy over
// TLS behind a CONNECT proxy.
func startDemoServer(o demoOptions, h http.Handler, dir string) (*demoServer, error) {
	if o.proxy {
		p, err := serveBehindProxy(h, dir)
		if err != nil {
			return nil, err
		}
		return &demoServer{base: p.base, endpoint: p.endpoint, proxy: p, close: p.Close}, nil
	}
	srv, base, err := serve(h, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &demoServer{base: base, endpoint: base, close: func() { _ = srv.Close() }}, nil
}

// demoFiles are the runner's file-command files, by variable name.
func demoFiles(dir string) map[string]string {
	files := map[string]string{}
	for _, name := range []string{"GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_STEP_SUMMARY"} {
		files[name] = filepath.Join(dir, strings.ToLower(name))
	}
	return files
}

// printDemoHeader says what the demo runs, against what.
func printDemoHeader(w io.Writer, o demoOptions, srv *demoServer) {
	what := "one deployment"
	switch {
	case o.watch:
		what = "a watch of a deployment someone else started"
	case o.dryRun:
		what = "a dry run of a deployment"
	}
	fmt.Fprintf(w, "deploy-action demo: %s against the built-in simulator at %s\n", what, srv.base)
	if srv.proxy != nil {
		fmt.Fprintf(w, "(over TLS with a private CA, every request through the CONNECT proxy %s: HTTPS_PROXY, endpoint %s, ca_file)\n", srv.proxy.URL, srv.endpoint)
	}
	fmt.Fprintf(w, "(the step below runs exactly as in a workflow: inputs as INPUT_* variables, outputs through GITHUB_OUTPUT)\n\n")
	fmt.Fprintln(w, "── Workflow log ─────────────────────────────────────────────")
}

// printDemoResults shows what the step left: its outputs, its summary,
// and with --proxy what went through the proxy.
func printDemoResults(w io.Writer, view *runnerView, files map[string]string, proxy *proxied) {
	fmt.Fprintf(w, "\n── Outputs ──────────────────────────────────────────────────\n")
	if text, err := os.ReadFile(files["GITHUB_OUTPUT"]); err == nil {
		out, _ := action.ParseFileCommands(string(text))
		for _, kv := range out {
			fmt.Fprintf(w, "%-20s %s\n", kv.Name, view.mask(kv.Value))
		}
	}
	fmt.Fprintf(w, "\n── Step summary (Markdown) ──────────────────────────────────\n")
	if md, err := os.ReadFile(files["GITHUB_STEP_SUMMARY"]); err == nil {
		fmt.Fprint(w, view.mask(string(md)))
	}
	if proxy != nil {
		fmt.Fprintf(w, "\n── The proxy ────────────────────────────────────────────────\n")
		for _, r := range proxy.Requests() {
			fmt.Fprintln(w, r)
		}
		fmt.Fprintln(w, proxy.verdict())
	}
}

// demoEnv is what the runner would give the step.
func demoEnv(o demoOptions, ak, sk, endpoint, dir string, files map[string]string) map[string]string {
	env := baseDemoEnv(ak, sk, endpoint)
	maps.Copy(env, files)
	if o.keyless {
		keylessDemoEnv(env, endpoint)
	}
	if o.watch {
		env["INPUT_OPERATION"] = "watch"
		delete(env, "INPUT_PARAMS")
	}
	if o.dryRun {
		env["INPUT_DRY_RUN"] = "true"
	}
	if o.noWait {
		env["INPUT_WAIT"] = "false"
	}
	if o.health != "" {
		healthDemoEnv(env, o.health, endpoint)
	}
	if o.proxy {
		env["GITHUB_WORKSPACE"] = filepath.Join(dir, "workspace")
		env["INPUT_CA_FILE"] = "corp-ca.pem"
	}
	return env
}

// baseDemoEnv are the inputs of a plain deployment, one parameter secret.
func baseDemoEnv(ak, sk, endpoint string) map[string]string {
	secret := "s3cret-" + randomHex(6)
	return map[string]string{
		"INPUT_TASK_ID":           demoTaskID,
		"INPUT_REGION":            "cn-north-4",
		"INPUT_PROJECT_ID":        "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
		"INPUT_ENDPOINT":          endpoint,
		"INPUT_ACCESS_KEY_ID":     ak,
		"INPUT_SECRET_ACCESS_KEY": sk,
		"INPUT_POLL_INTERVAL":     "2s",
		"INPUT_TIMEOUT":           "2m",
		"INPUT_PARAMS": "- {key: version, value: 1.4.2}\n" +
			"- {key: replicas, value: 3}\n" +
			"- {key: db_password, value: " + secret + ", type: encrypt}\n",
	}
}

// keylessDemoEnv is what a job with `permissions: id-token: write` gets
// from the runner, in place of the keys; the simulator plays GitHub's
// token endpoint and IAM.
func keylessDemoEnv(env map[string]string, endpoint string) {
	delete(env, "INPUT_ACCESS_KEY_ID")
	delete(env, "INPUT_SECRET_ACCESS_KEY")
	env["INPUT_IDP_ID"] = sim.DefaultIdPID
	env["INPUT_IAM_ENDPOINT"] = strings.Replace(endpoint, "codearts.", "iam.", 1)
	env["ACTIONS_ID_TOKEN_REQUEST_URL"] = strings.Replace(endpoint, "codearts.", "token.", 1) + "/_github/oidc/token?api-version=2.0"
	env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = sim.DefaultOIDCRequestToken
}

// healthDemoEnv is a health gate against the simulator's endpoint name.
func healthDemoEnv(env map[string]string, name, endpoint string) {
	if name == "healthy" {
		name = "checkout" // a name the scenario leaves alone: healthy at once
	}
	env["INPUT_HEALTH_URL"] = endpoint + sim.HealthPath(name)
	env["INPUT_HEALTH_BODY"] = "UP"
	env["INPUT_HEALTH_TIMEOUT"] = "6s"
	env["INPUT_HEALTH_INTERVAL"] = "500ms"
	env["INPUT_HEALTH_HEALTHY"] = "3"
	// One check waits a second at most: the slow endpoint takes two.
	env["INPUT_REQUEST_TIMEOUT"] = "1s"
	env["INPUT_ROLLBACK_ON_FAILURE"] = "true"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
