package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
	text := demoScenario
	if o.watch {
		text = demoWatchScenario
	}
	scenario, err := sim.ParseScenario([]byte(text))
	if err != nil {
		fmt.Fprintln(p.Stderr, "demo:", err)
		return 1
	}
	ak, sk := "DEMO"+strings.ToUpper(randomHex(8)), randomHex(20)
	simulator := sim.New(sim.Options{AccessKeyID: ak, SecretAccessKey: sk, Scenario: scenario})
	// Yesterday's deployment of the task: the action forecasts from it
	// when to look for the end of today's, and a dry run compares its
	// parameters with today's.
	yesterday := simulator.SeedRecordTook(demoTaskID, 2800*time.Millisecond, 24*time.Hour)
	simulator.SetRecordParams(yesterday,
		sim.ParamInfo{Key: "version", Value: "1.4.1", Type: "text"},
		sim.ParamInfo{Key: "replicas", Value: "3", Type: "text"},
		sim.ParamInfo{Key: "region", Value: "north", Type: "text"})

	dir, err := os.MkdirTemp("", "deploy-action-demo-")
	if err != nil {
		fmt.Fprintln(p.Stderr, "demo:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	var proxy *proxied
	var base, endpoint string
	var srv *http.Server
	if o.proxy {
		proxy, err = serveBehindProxy(simulator, dir)
		if proxy != nil {
			defer proxy.Close()
			srv, base, endpoint = proxy.srv, proxy.base, proxy.endpoint
		}
	} else {
		srv, base, err = serve(simulator, "127.0.0.1:0")
		endpoint = base
	}
	if err != nil {
		fmt.Fprintln(p.Stderr, "demo:", err)
		return 1
	}
	if !o.proxy {
		defer srv.Close()
	}

	files := map[string]string{}
	for _, name := range []string{"GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_STEP_SUMMARY"} {
		files[name] = filepath.Join(dir, strings.ToLower(name))
	}
	env := demoEnv(o, ak, sk, endpoint, files)
	if o.proxy {
		env["GITHUB_WORKSPACE"] = filepath.Join(dir, "workspace")
		env["INPUT_CA_FILE"] = "corp-ca.pem"
	}

	what := "one deployment"
	switch {
	case o.watch:
		what = "a watch of a deployment someone else started"
	case o.dryRun:
		what = "a dry run of a deployment"
	}
	fmt.Fprintf(p.Stdout, "deploy-action demo: %s against the built-in simulator at %s\n", what, base)
	if o.proxy {
		fmt.Fprintf(p.Stdout, "(over TLS with a private CA, every request through the CONNECT proxy %s: HTTPS_PROXY, endpoint %s, ca_file)\n", proxy.URL, endpoint)
	}
	fmt.Fprintf(p.Stdout, "(the step below runs exactly as in a workflow: inputs as INPUT_* variables, outputs through GITHUB_OUTPUT)\n\n")
	fmt.Fprintln(p.Stdout, "── Workflow log ─────────────────────────────────────────────")
	view := newRunnerView(p.Stdout)
	start := time.Now()
	code := mainStep(ctx, Process{Args: []string{"deploy-action"}, Stdout: view, Stderr: p.Stderr, Getenv: func(k string) string { return env[k] }})
	view.Flush()
	fmt.Fprintf(p.Stdout, "\n── Outputs ──────────────────────────────────────────────────\n")
	if text, err := os.ReadFile(files["GITHUB_OUTPUT"]); err == nil {
		out, _ := action.ParseFileCommands(string(text))
		for _, kv := range out {
			fmt.Fprintf(p.Stdout, "%-20s %s\n", kv.Name, view.mask(kv.Value))
		}
	}
	fmt.Fprintf(p.Stdout, "\n── Step summary (Markdown) ──────────────────────────────────\n")
	if md, err := os.ReadFile(files["GITHUB_STEP_SUMMARY"]); err == nil {
		fmt.Fprint(p.Stdout, view.mask(string(md)))
	}
	if proxy != nil {
		fmt.Fprintf(p.Stdout, "\n── The proxy ────────────────────────────────────────────────\n")
		for _, r := range proxy.Requests() {
			fmt.Fprintln(p.Stdout, r)
		}
		fmt.Fprintln(p.Stdout, proxy.verdict())
	}
	fmt.Fprintf(p.Stdout, "\nThe step exited %d after %s; the secret parameter never appeared in the log.\n", code, time.Since(start).Round(100*time.Millisecond))
	return code
}

// demoEnv is what the runner would give the step.
func demoEnv(o demoOptions, ak, sk, endpoint string, files map[string]string) map[string]string {
	secret := "s3cret-" + randomHex(6)
	env := map[string]string{
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
	for k, v := range files {
		env[k] = v
	}
	if o.keyless {
		// What a job with `permissions: id-token: write` gets from the
		// runner; the simulator plays GitHub's token endpoint and IAM.
		delete(env, "INPUT_ACCESS_KEY_ID")
		delete(env, "INPUT_SECRET_ACCESS_KEY")
		env["INPUT_IDP_ID"] = sim.DefaultIdPID
		env["INPUT_IAM_ENDPOINT"] = strings.Replace(endpoint, "codearts.", "iam.", 1)
		env["ACTIONS_ID_TOKEN_REQUEST_URL"] = strings.Replace(endpoint, "codearts.", "token.", 1) + "/_github/oidc/token?api-version=2.0"
		env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = sim.DefaultOIDCRequestToken
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
		name := o.health
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
	return env
}

// proxied is the simulator served over TLS with a private CA, behind a
// CONNECT proxy.
type proxied struct {
	*sim.Proxy
	srv            *http.Server
	base, endpoint string

	mu       sync.Mutex
	accepted []string // remote addresses of the simulator's connections
}

// serveBehindProxy serves the simulator over TLS with a private CA,
// writes the CA into the workspace for ca_file, and starts a CONNECT proxy
// that tunnels *.sim.test to it. The step's process is this one, so the
// proxy is set in its environment, where net/http reads it, as the runner
// sets HTTPS_PROXY in a container's; NO_PROXY is emptied so that no name
// of *.sim.test is ever looked up in DNS.
func serveBehindProxy(h http.Handler, dir string) (*proxied, error) {
	id, err := sim.NewTLSIdentity()
	if err != nil {
		return nil, err
	}
	ws := filepath.Join(dir, "workspace")
	if err := os.MkdirAll(ws, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(ws, "corp-ca.pem"), id.CAPEM, 0o600); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxied{base: "https://" + ln.Addr().String()}
	p.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, TLSConfig: id.Config, ErrorLog: log.New(io.Discard, "", 0),
		ConnState: func(c net.Conn, st http.ConnState) {
			if st == http.StateNew {
				p.mu.Lock()
				p.accepted = append(p.accepted, c.RemoteAddr().String())
				p.mu.Unlock()
			}
		}}
	go func() {
		if err := p.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "simulator:", err)
		}
	}()
	if p.Proxy, err = sim.NewProxy(ln.Addr().String(), 0); err != nil {
		p.srv.Close()
		return nil, err
	}
	for k, v := range map[string]string{"HTTPS_PROXY": p.URL, "https_proxy": "", "NO_PROXY": "", "no_proxy": ""} {
		_ = os.Setenv(k, v)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p.endpoint = "https://codearts." + sim.SimDomain + ":" + port
	return p, nil
}

// Close stops the simulator, then the proxy.
func (p *proxied) Close() {
	p.srv.Close()
	p.Proxy.Close()
}

// verdict says whether every connection the simulator accepted came
// through the proxy's tunnels.
func (p *proxied) verdict() string {
	p.mu.Lock()
	accepted := slices.Clone(p.accepted)
	p.mu.Unlock()
	tunnels := p.Dialed()
	for _, a := range accepted {
		if !slices.Contains(tunnels, a) {
			return fmt.Sprintf("The simulator accepted a connection from %s, outside the proxy's tunnels.", a)
		}
	}
	return fmt.Sprintf("The simulator accepted %d connections, each one a tunnel of the proxy: the proxy carried every request.", len(accepted))
}

// serve starts h on addr and returns the server and its base URL.
func serve(h http.Handler, addr string) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "simulator:", err)
		}
	}()
	return srv, "http://" + ln.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// runnerView renders workflow commands the way the runner shows them in a
// job log: masks applied, groups folded into headings, annotations as
// "Error:" lines.
type runnerView struct {
	w       io.Writer
	pending []byte
	masks   []string
	inGroup bool
}

func newRunnerView(w io.Writer) *runnerView { return &runnerView{w: w} }

func (v *runnerView) Write(b []byte) (int, error) {
	v.pending = append(v.pending, b...)
	for {
		i := strings.IndexByte(string(v.pending), '\n')
		if i < 0 {
			return len(b), nil
		}
		v.line(string(v.pending[:i]))
		v.pending = v.pending[i+1:]
	}
}

// Flush writes a last line that had no newline.
func (v *runnerView) Flush() {
	if len(v.pending) > 0 {
		v.line(string(v.pending))
		v.pending = nil
	}
}

func (v *runnerView) mask(s string) string {
	for _, m := range v.masks {
		s = strings.ReplaceAll(s, m, "***")
	}
	return s
}

var unescape = strings.NewReplacer("%0A", "\n    ", "%0D", "", "%3A", ":", "%2C", ",", "%25", "%")

func (v *runnerView) line(l string) {
	indent := ""
	if v.inGroup {
		indent = "  │ "
	}
	cmd, rest, isCmd := strings.Cut(strings.TrimPrefix(l, "::"), "::")
	if !strings.HasPrefix(l, "::") || !isCmd {
		fmt.Fprintln(v.w, indent+v.mask(l))
		return
	}
	name, props, _ := strings.Cut(cmd, " ")
	msg := v.mask(unescape.Replace(rest))
	switch name {
	case "add-mask":
		if rest != "" {
			v.masks = append(v.masks, rest)
		}
	case "group":
		v.inGroup = true
		fmt.Fprintln(v.w, "▸ "+msg)
	case "endgroup":
		v.inGroup = false
	case "debug":
	case "error", "warning", "notice":
		title := ""
		for _, p := range strings.Split(props, ",") {
			if t, ok := strings.CutPrefix(p, "title="); ok {
				title = unescape.Replace(t) + ": "
			}
		}
		label := map[string]string{"error": "Error", "warning": "Warning", "notice": "Notice"}[name]
		fmt.Fprintf(v.w, "%s%s: %s%s\n", indent, label, v.mask(title), msg)
	default:
		fmt.Fprintln(v.w, indent+v.mask(l))
	}
}
