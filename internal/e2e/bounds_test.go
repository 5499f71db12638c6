package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huaweitest"
	"github.com/deploy-action/deploy-action/internal/sim"
)

// The bounds the action promises whatever the server sends (README, "Logs").
const (
	boundsPeakMemory = 64 << 20 // bytes of resident memory
	boundsStepPrint  = 1 << 20  // bytes of one step's log printed
)

// boundsScenario fails in step 3 of 4, so both a verdict and the failing
// step's last lines are at stake.
const boundsScenario = `
tasks:
  - task_id: ` + taskOK + `
    steps: [Download package, Stop service, Deploy, Start service]
    fail_at_step: 3
    fail_message: "Deploy failed: disk full"
`

// boundsServer starts the simulator behind wrap on loopback.
func boundsServer(t *testing.T, wrap func(http.Handler) http.Handler) (*sim.Server, string) {
	t.Helper()
	s := newSimulator(t, sim.Options{}, boundsScenario)
	return s, serve(t, wrap(s))
}

// boundsPeakWatch follows a running step's own peak resident memory, VmHWM in
// /proc/<pid>/status, until it exits. The step's Maxrss from wait4 is no
// measure of the action: on Linux it is never below the peak of the
// process that started it (the kernel folds the spawner's high-water mark
// into the child's at exec; os/exec spawns with vfork; see
// https://github.com/golang/go/issues/32054), which here is the test
// binary with its simulator and its 8 MiB pages. VmHWM belongs to the
// action's own image. It is read every few milliseconds: what the action
// does in its last few, after the verdict, is writing its outputs.
type boundsPeakWatch struct {
	peak atomic.Int64 // bytes
	done chan struct{}
}

// boundsWatchPeak starts following the step, which must have been started.
func boundsWatchPeak(s *step) *boundsPeakWatch {
	w := &boundsPeakWatch{done: make(chan struct{})}
	path := "/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status"
	go func() {
		defer close(w.done)
		for {
			b, err := os.ReadFile(path)
			if err != nil {
				return
			}
			_, rest, ok := strings.Cut(string(b), "VmHWM:")
			if !ok {
				return // a zombie: the action has exited
			}
			kib, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			w.peak.Store(max(w.peak.Load(), kib<<10))
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return w
}

// boundsRunWatched runs the step to the end and returns its exit code and its
// peak memory in bytes.
func boundsRunWatched(t *testing.T, s *step) (int, int64) {
	t.Helper()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc: the peak memory cannot be read")
	}
	s.start(false)
	w := boundsWatchPeak(s)
	code := s.wait()
	<-w.done
	if ru, ok := s.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		t.Logf("peak memory %.1f MiB (wait4's Maxrss, spawner's peak included: %.1f MiB)", float64(w.peak.Load())/(1<<20), float64(ru.Maxrss)/(1<<10))
	}
	require.Positive(t, w.peak.Load(), "the peak memory was read")
	return code, w.peak.Load()
}

// boundsRewriteState passes the simulator's state answers through edit.
func boundsRewriteState(h http.Handler, edit func(result map[string]any)) http.Handler {
	isState := func(path string) bool { return strings.HasSuffix(path, "/state") }
	return huaweitest.EditJSON(h, isState, func(m map[string]any) {
		if res, ok := m["result"].(map[string]any); ok {
			edit(res)
		}
	})
}

// TestDeployBoundedAgainstEndlessLogPages answers every log request with a
// page of almost 8 MiB (the most the action reads of an answer) that says
// has_more. The verdict must be the simulator's, the log must stay within
// its bound and say where it was cut, and the process must stay under
// 64 MB. The server gives up after 40 pages, so that an action without
// bounds fails the test rather than run for ever.
func TestDeployBoundedAgainstEndlessLogPages(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("all work and no play makes a deployment dull ", 2) + "\n"
	text := strings.Repeat(line, (8<<20-4096)/(len(line)+1)) // JSON writes "\n" in two bytes
	var asked atomic.Int64
	// The pages do not follow the offsets asked for: a service this
	// broken gives no offsets to trust, and one page made once keeps the
	// test's own memory small.
	page := func(more bool, text string) []byte {
		b, _ := json.Marshal(map[string]any{"status": "success", "result": map[string]any{
			"has_more": more, "text": text, "offset": "0", "end_offset": strconv.Itoa(len(text)),
		}})
		return b
	}
	full, last := page(true, text), page(false, "")
	srv, url := boundsServer(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/logs") {
				h.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			if asked.Add(1) > 40 {
				_, _ = w.Write(last)
				return
			}
			_, _ = w.Write(full)
		})
	})
	s := newStep(t, url, map[string]string{"task_id": taskOK})
	code, peak := boundsRunWatched(t, s)
	// The simulator's verdict, not timed_out.
	assertFailed(t, s, code, "failed", "title=Deployment failed")
	rec := srv.Records(taskOK)[0]
	assert.Equal(t, "failed", rec.Status)
	stdout := s.stdout.String()

	// Three steps shown, each cut at its bound, saying where the rest is.
	assert.Less(t, len(stdout), 3*boundsStepPrint+64<<10, "bytes printed")
	assert.Equal(t, 3, strings.Count(stdout, "The log of this step is cut here"))
	assert.True(t, strings.Contains(stdout, "The rest is in the CodeArts Deploy console, deployment record "+rec.ID), "says where the rest is")
	assert.Equal(t, 3, strings.Count(stdout, "The action stopped reading this log"))
	assert.LessOrEqual(t, asked.Load(), int64(9), "log pages read: 16 MiB a step")

	assert.Less(t, peak, int64(boundsPeakMemory), "peak memory")
}

// TestDeployBoundedAgainstHostileStates gives every state answer odd
// optional fields and, in one case, millions of empty steps: the verdict
// is still the simulator's, and the process stays under 64 MB.
func TestDeployBoundedAgainstHostileStates(t *testing.T) {
	t.Parallel()
	// Empty steps after the real ones, as many as fit in almost 8 MiB.
	junk := strings.Repeat(",{}", (8<<20-8192)/3)
	tests := []struct {
		name string
		edit func(result map[string]any)
		warn string
	}{
		{"odd optional step fields", func(res map[string]any) {
			steps, _ := res["step_state"].([]any)
			for _, s := range steps {
				step := s.(map[string]any)
				step["id"], step["enable"], step["region"] = "1e400", "yes", []any{"cn-north-4"}
				step["name"] = 12345
			}
		}, ""},
		{"millions of empty steps", func(res map[string]any) {
			real, _ := json.Marshal(res["step_state"])
			res["step_state"] = json.RawMessage(append(bytes.TrimSuffix(real, []byte("]")), junk+"]"...))
		}, "lists more than 500 steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := boundsServer(t, func(h http.Handler) http.Handler { return boundsRewriteState(h, tt.edit) })
			s := newStep(t, url, map[string]string{"task_id": taskOK, "timeout": "60s"})
			code, peak := boundsRunWatched(t, s)
			// The simulator's verdict, not timed_out.
			assertFailed(t, s, code, "failed", "title=Deployment failed")
			assert.Equal(t, "failed", srv.Records(taskOK)[0].Status)
			stdout := s.stdout.String()
			assert.NotContains(t, stdout, "Could not read the deployment's state")
			if tt.warn != "" {
				assert.Equal(t, 1, strings.Count(stdout, tt.warn), "said once")
			}
			assert.Less(t, peak, int64(boundsPeakMemory), "peak memory")
		})
	}
}
