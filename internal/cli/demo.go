package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// demoTaskID is the demo's CodeArts Deploy task.
const demoTaskID = "7d3f1c2a9b8e4f60a1c2d3e4f5a6b7c8"

// demoScenario gives the demo's task a name and five steps of the kind a
// real CodeArts Deploy application has.
const demoScenario = `
tasks:
  - task_id: ` + demoTaskID + `
    name: checkout-service
    steps: [Download package, Stop service, Deploy, Start service, Health check]
    step_duration: 600ms
`

// demo runs the whole deploy flow against an in-process simulator, exactly
// as a workflow step would (INPUT_ variables, file commands), and shows the
// log as the runner would display it, then the outputs and the summary.
func demo(ctx context.Context, p Process, args []string) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(p.Stderr)
	keyless := fs.Bool("keyless", false, "authenticate with a GitHub OIDC ID token exchanged at IAM, with no access keys")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	scenario, err := sim.ParseScenario([]byte(demoScenario))
	if err != nil {
		fmt.Fprintln(p.Stderr, "demo:", err)
		return 1
	}
	ak, sk := "DEMO"+strings.ToUpper(randomHex(8)), randomHex(20)
	simulator := sim.New(sim.Options{AccessKeyID: ak, SecretAccessKey: sk, Scenario: scenario})
	// Yesterday's deployment of the task: the action forecasts from it
	// when to look for the end of today's.
	simulator.SeedRecordTook(demoTaskID, 2800*time.Millisecond, 24*time.Hour)
	srv, base, err := serve(simulator, "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(p.Stderr, "demo:", err)
		return 1
	}
	defer srv.Close()

	dir, err := os.MkdirTemp("", "deploy-action-demo-")
	if err != nil {
		fmt.Fprintln(p.Stderr, "demo:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	files := map[string]string{}
	for _, name := range []string{"GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_STEP_SUMMARY"} {
		files[name] = filepath.Join(dir, strings.ToLower(name))
	}
	secret := "s3cret-" + randomHex(6)
	env := map[string]string{
		"INPUT_TASK_ID":           demoTaskID,
		"INPUT_REGION":            "cn-north-4",
		"INPUT_PROJECT_ID":        "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
		"INPUT_ENDPOINT":          base,
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
	if *keyless {
		// What a job with `permissions: id-token: write` gets from the
		// runner; the simulator plays GitHub's token endpoint and IAM.
		delete(env, "INPUT_ACCESS_KEY_ID")
		delete(env, "INPUT_SECRET_ACCESS_KEY")
		env["INPUT_IDP_ID"] = sim.DefaultIdPID
		env["INPUT_IAM_ENDPOINT"] = base
		env["ACTIONS_ID_TOKEN_REQUEST_URL"] = base + "/_github/oidc/token?api-version=2.0"
		env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = sim.DefaultOIDCRequestToken
	}

	fmt.Fprintf(p.Stdout, "deploy-action demo: one deployment against the built-in simulator at %s\n", base)
	fmt.Fprintf(p.Stdout, "(the step below runs exactly as in a workflow: inputs as INPUT_* variables, outputs through GITHUB_OUTPUT)\n\n")
	fmt.Fprintln(p.Stdout, "── Workflow log ─────────────────────────────────────────────")
	view := newRunnerView(p.Stdout)
	start := time.Now()
	code := mainStep(ctx, Process{Args: []string{"deploy-action"}, Stdout: view, Stderr: p.Stderr, Getenv: func(k string) string { return env[k] }})
	view.Flush()
	fmt.Fprintf(p.Stdout, "\n── Outputs ──────────────────────────────────────────────────\n")
	if out, err := readKeyValues(files["GITHUB_OUTPUT"]); err == nil {
		for _, kv := range out {
			fmt.Fprintf(p.Stdout, "%-20s %s\n", kv[0], view.mask(kv[1]))
		}
	}
	fmt.Fprintf(p.Stdout, "\n── Step summary (Markdown) ──────────────────────────────────\n")
	if md, err := os.ReadFile(files["GITHUB_STEP_SUMMARY"]); err == nil {
		fmt.Fprint(p.Stdout, view.mask(string(md)))
	}
	fmt.Fprintf(p.Stdout, "\nThe step exited %d after %s; the secret parameter never appeared in the log.\n", code, time.Since(start).Round(100*time.Millisecond))
	return code
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

// readKeyValues parses a file-command file (name<<DELIM\nvalue\nDELIM).
func readKeyValues(path string) ([][2]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		name, delim, ok := strings.Cut(line, "<<")
		if !ok {
			if n, v, ok := strings.Cut(line, "="); ok {
				out = append(out, [2]string{n, v})
			}
			continue
		}
		var value []string
		for sc.Scan() && sc.Text() != delim {
			value = append(value, sc.Text())
		}
		out = append(out, [2]string{name, strings.Join(value, "\n")})
	}
	return out, sc.Err()
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
