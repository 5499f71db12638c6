// Package e2e runs the built binary exactly as the GitHub runner does:
// inputs as INPUT_ variables, real GITHUB_OUTPUT, GITHUB_STATE and
// GITHUB_STEP_SUMMARY files, signals for cancellation, and the exit code,
// against the simulator over loopback.
package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/sim"
)

// binary is the action built once for all tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "deploy-action-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "deploy-action")
	build := exec.Command("go", "build", "-o", binary, "../..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the action:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// The image names the post-entrypoint this way (see the Dockerfile).
	if err := os.Symlink("deploy-action", filepath.Join(dir, "deploy-action-post")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	testAK      = "E2ETESTACCESSKEY0001"
	testSK      = "e2e-secret-access-key-do-not-print"
	testProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	taskOK      = "0123456789abcdef0123456789abcdef"
)

// Scenarios the tests share.
var (
	// longTask is a deployment of taskOK that runs for 5 minutes.
	longTask = "tasks:\n  - {task_id: " + taskOK + ", duration: 5m}\n"
	// runningTask is taskOK with a deployment already running for 5 minutes.
	runningTask = "tasks:\n  - {task_id: " + taskOK + ", already_running: 5m}\n"
	// failTask is a deployment of taskOK that fails in step 2.
	failTask = "tasks:\n  - {task_id: " + taskOK + ", fail_at_step: 2}\n"
	// longPlan is the release plan planOK whose first batch runs for 5 minutes.
	longPlan = "release_plans:\n  - id: " + planOK + "\n    components: [{name: api, seq: 1, duration: 5m}, {name: web, seq: 2}]\n"
)

// newSimulator makes a simulator with the suite's credentials, a step
// duration of 100 ms unless opts gives one, and scenario (YAML; "" for the
// defaults).
func newSimulator(t testing.TB, opts sim.Options, scenario string) *sim.Server {
	t.Helper()
	opts.AccessKeyID, opts.SecretAccessKey = testAK, testSK
	if opts.StepDuration == 0 {
		opts.StepDuration = 100 * time.Millisecond
	}
	if scenario != "" {
		sc, err := sim.ParseScenario([]byte(scenario))
		require.NoError(t, err)
		opts.Scenario = sc
	}
	return sim.New(opts)
}

// serve serves h on loopback until the test ends and returns its URL.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// simulator starts a simulator on loopback for one test.
func simulator(t *testing.T, scenario string) (*sim.Server, string) {
	t.Helper()
	s := newSimulator(t, sim.Options{}, scenario)
	return s, serve(t, s)
}

// simulatorWith starts a simulator with the given options (credentials
// and step duration filled in) on loopback for one test.
func simulatorWith(t *testing.T, opts sim.Options) (*sim.Server, string) {
	t.Helper()
	s := newSimulator(t, opts, "")
	return s, serve(t, s)
}

// simulatorForBench starts a default simulator for a benchmark.
func simulatorForBench(b *testing.B) (*sim.Server, string) {
	b.Helper()
	s := newSimulator(b, sim.Options{}, "")
	return s, serve(b, s)
}

// step is one run of the binary as a workflow step.
type step struct {
	t       *testing.T
	dir     string
	env     map[string]string
	cmd     *exec.Cmd
	stdout  syncBuffer
	stderr  syncBuffer
	started time.Time
	// probed runs the action through the probe (harness_probe_test.go),
	// which reports its peak memory.
	probed bool
}

// newStep prepares a step with the inputs every test needs.
func newStep(t *testing.T, endpoint string, inputs map[string]string) *step {
	t.Helper()
	dir := t.TempDir()
	s := &step{t: t, dir: dir, env: map[string]string{
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STATE":        filepath.Join(dir, "state"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"INPUT_ENDPOINT":      endpoint,
		"INPUT_REGION":        "cn-north-4",
		"INPUT_PROJECT_ID":    testProject,
		// As the runner does for inputs with defaults in action.yml.
		"INPUT_OPERATION":           "deploy",
		"INPUT_TIMEOUT":             "30m",
		"INPUT_POLL_INTERVAL":       "1s",
		"INPUT_WAIT":                "true",
		"INPUT_IF_RUNNING":          "wait",
		"INPUT_ROLLBACK_ON_FAILURE": "false",
		"INPUT_SHOW_LOGS":           "true",
		"INPUT_EXECUTE":             "false",
		"INPUT_DRY_RUN":             "false",
		"INPUT_HEALTH_STATUS":       "200-399",
		"INPUT_HEALTH_TIMEOUT":      "5m",
		"INPUT_HEALTH_HEALTHY":      "3",
		"INPUT_HEALTH_INTERVAL":     "5s",
		"INPUT_OIDC_AUDIENCE":       "sts.huaweicloud.com",
		"INPUT_REQUEST_TIMEOUT":     "30s",
		"INPUT_ACCESS_KEY_ID":       testAK,
		"INPUT_SECRET_ACCESS_KEY":   testSK,
	}}
	for k, v := range inputs {
		s.env["INPUT_"+strings.ToUpper(k)] = v
	}
	return s
}

// merge returns a copy of base with the inputs of over set on top.
func merge(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// start runs the binary (or its post-entrypoint) without waiting.
func (s *step) start(post bool) {
	s.t.Helper()
	bin := binary
	if post {
		bin = filepath.Join(filepath.Dir(binary), "deploy-action-post")
	}
	s.cmd = exec.Command(bin)
	if s.probed {
		s.cmd = s.probeCommand(bin)
	}
	s.cmd.Dir = s.dir
	s.cmd.Env = append(s.cmd.Env, "PATH=/usr/bin:/bin", "HOME="+s.dir)
	for k, v := range s.env {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	s.cmd.Stdout, s.cmd.Stderr = &s.stdout, &s.stderr
	s.started = time.Now()
	require.NoError(s.t, s.cmd.Start())
	s.t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.killProbed()
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
	})
}

// signal sends sig to the action, as the runner signals the step's
// process (through the probe, to the action it started).
func (s *step) signal(sig syscall.Signal) {
	s.t.Helper()
	if s.probed {
		s.signalProbed(sig)
		return
	}
	require.NoError(s.t, s.cmd.Process.Signal(sig))
}

// setState gives the step the state a main step wrote, as the runner
// gives it to the post step.
func (s *step) setState(state map[string]string) {
	for k, v := range state {
		s.env["STATE_"+k] = v
	}
}

// wait waits for the binary and returns its exit code.
func (s *step) wait() int {
	s.t.Helper()
	err := s.cmd.Wait()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			s.t.Fatalf("running the action: %v", err)
		}
	}
	return s.cmd.ProcessState.ExitCode()
}

// run runs the main step to the end and returns its exit code.
func (s *step) run() int {
	s.t.Helper()
	s.start(false)
	return s.wait()
}

// waitForOutput waits until the step has written output name.
func (s *step) waitForOutput(name string, within time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if v, ok := s.outputs()[name]; ok {
			return v
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("output %s not written within %s; stdout:\n%s", name, within, s.stdout.String())
	return ""
}

func (s *step) outputs() map[string]string { return readFileCommands(s.t, s.env["GITHUB_OUTPUT"]) }
func (s *step) state() map[string]string   { return readFileCommands(s.t, s.env["GITHUB_STATE"]) }
func (s *step) summary() string {
	b, _ := os.ReadFile(s.env["GITHUB_STEP_SUMMARY"])
	return string(b)
}

// everything is all the step showed or wrote: what must never hold a secret.
func (s *step) everything() string {
	b, _ := os.ReadFile(s.env["GITHUB_OUTPUT"])
	st, _ := os.ReadFile(s.env["GITHUB_STATE"])
	return s.stdout.String() + s.stderr.String() + string(b) + string(st) + s.summary()
}

// readFileCommands parses a file-command file the way the runner does,
// failing on anything malformed. Later values win.
func readFileCommands(t *testing.T, path string) map[string]string {
	t.Helper()
	out, err := action.ReadFileCommands(path)
	require.NoError(t, err)
	return out
}

// annotations returns the ::error lines of stdout.
func annotations(stdout, kind string) []string {
	var out []string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "::"+kind) {
			out = append(out, l)
		}
	}
	return out
}

// assertVerdictLogged checks that an ::error annotation's first line is
// the "✗" line the log showed when the verdict came (cli renders both from
// one sentence).
func assertVerdictLogged(t *testing.T, stdout, annotation string) {
	t.Helper()
	_, msg, ok := strings.Cut(strings.TrimPrefix(annotation, "::error "), "::")
	require.True(t, ok, annotation)
	head, _, _ := strings.Cut(msg, "%0A")
	assert.Contains(t, stdout, "\n✗ "+head+"\n")
}

// syncBuffer is a bytes.Buffer safe to read while the process writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
