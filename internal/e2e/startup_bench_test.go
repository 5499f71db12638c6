package e2e

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// BenchmarkStartup measures the action's start-up: from process start to
// its first request reaching the API, and the peak RSS of a whole deploy
// (start, polls, logs, outputs) against the simulator.
//
//	go test -run '^$' -bench BenchmarkStartup ./internal/e2e/
func BenchmarkStartup(b *testing.B) {
	first := make(chan time.Time, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case first <- time.Now():
		default:
		}
		// A refusal ends the run at once: only the start-up is measured.
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error_code":"Deploy.00011154","error_msg":"benchmark"}`))
	}))
	defer srv.Close()
	dir := b.TempDir()
	var startups []time.Duration
	for b.Loop() {
		cmd := exec.Command(binary)
		cmd.Env = []string{
			"INPUT_ENDPOINT=" + srv.URL, "INPUT_TASK_ID=" + taskOK,
			"INPUT_ACCESS_KEY_ID=" + testAK, "INPUT_SECRET_ACCESS_KEY=" + testSK,
			"GITHUB_OUTPUT=" + filepath.Join(dir, "out"), "GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "sum"),
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		select {
		case at := <-first:
			startups = append(startups, at.Sub(start))
		case <-time.After(10 * time.Second):
			b.Fatal("no request within 10 s")
		}
		_ = cmd.Wait()
	}
	slices.Sort(startups)
	median := startups[len(startups)/2]
	b.ReportMetric(float64(median.Microseconds())/1000, "ms-to-first-request")

	// Peak RSS of a whole deployment, logs included.
	_, url := simulatorForBench(b)
	cmd := exec.Command(binary)
	cmd.Env = []string{
		"INPUT_ENDPOINT=" + url, "INPUT_TASK_ID=" + taskOK, "INPUT_POLL_INTERVAL=1s",
		"INPUT_ACCESS_KEY_ID=" + testAK, "INPUT_SECRET_ACCESS_KEY=" + testSK,
		"GITHUB_OUTPUT=" + filepath.Join(dir, "out2"), "GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "sum2"),
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("deploy: %v\n%s", err, out)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		b.ReportMetric(float64(ru.Maxrss)/1024, "MB-peak-RSS")
	}
}
