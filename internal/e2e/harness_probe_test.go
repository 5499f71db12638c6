package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stretchr/testify/require"
)

// The binary's peak memory is its ru_maxrss, but not as the test process
// sees it: Go starts a program with clone(CLONE_VM), and Linux carries the
// parent's high-water mark across exec, so a child of this (large) test
// process would report the test's peak. A probed step (step.probed) is
// therefore started by a probe: this test binary run again (small, fresh),
// which starts the action, writes its pid and, once it has ended, its
// ru_maxrss, and ends as the action did (exit code, or the same signal).

// probeEnv names the file the probe writes the action's peak memory to.
const probeEnv = "E2E_HOSTILE_PROBE_OUT"

func init() {
	if out := os.Getenv(probeEnv); out != "" {
		os.Exit(probe(out, os.Args[1]))
	}
}

// probe runs bin with the probe's environment (less probeEnv), standard
// output and error, and reports as described above.
func probe(out, bin string) int {
	cmd := exec.Command(bin)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, probeEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		return 127
	}
	pid := strconv.Itoa(cmd.Process.Pid)
	if os.WriteFile(out+".tmp", []byte(pid), 0o600) != nil || os.Rename(out+".tmp", out+".pid") != nil {
		_ = cmd.Process.Kill()
	}
	_ = cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		_ = os.WriteFile(out, []byte(strconv.FormatInt(ru.Maxrss, 10)), 0o600)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		_ = syscall.Kill(os.Getpid(), ws.Signal())
		time.Sleep(time.Second)
	}
	return cmd.ProcessState.ExitCode()
}

// probeCommand is the command that runs bin through the probe; start
// adds the step's environment.
func (s *step) probeCommand(bin string) *exec.Cmd {
	self, err := os.Executable()
	require.NoError(s.t, err)
	cmd := exec.Command(self, bin)
	cmd.Env = []string{probeEnv + "=" + filepath.Join(s.dir, "maxrss")}
	return cmd
}

// probedPID is the pid of the action the probe started, once known.
func probedPID(s *step) (int, bool) {
	b, err := os.ReadFile(filepath.Join(s.dir, "maxrss.pid"))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(string(b))
	return pid, err == nil
}

// killProbed kills the action a probe started, when it did: killing the
// probe alone would leave the action running.
func (s *step) killProbed() {
	if !s.probed {
		return
	}
	if pid, ok := probedPID(s); ok {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// signalProbed sends sig to the action (not to the probe), as the runner
// signals the step's process.
func (s *step) signalProbed(sig syscall.Signal) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pid, ok := probedPID(s); ok {
			require.NoError(s.t, syscall.Kill(pid, sig))
			return
		}
		require.True(s.t, time.Now().Before(deadline), "the probe never started the action")
		time.Sleep(5 * time.Millisecond)
	}
}

// peakKiB is the action's peak memory in KiB, as the probe reported it.
func peakKiB(s *step) (int64, bool) {
	b, err := os.ReadFile(filepath.Join(s.dir, "maxrss"))
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}
