package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/action"
	"github.com/deploy-action/deploy-action/internal/run"
)

// TestSettle: how a step ends, whatever its operation: the outputs (not
// written twice), the done state for the post step, the summary, the
// ::error annotation and the exit status.
func TestSettle(t *testing.T) {
	t.Parallel()
	ok := &run.Result{Operation: run.OpDeploy, Status: run.StatusSucceeded, Settled: true}
	both := []action.FileCommand{{Name: "status", Value: "succeeded"}, {Name: "record_id", Value: "r1"}}
	done := []action.FileCommand{{Name: action.StateDone, Value: "true"}}
	tests := []struct {
		name      string
		res       *run.Result
		written   map[string]string
		hookErrs  []error
		noOutput  bool // the output file cannot be written
		wantCode  int
		wantOuts  []action.FileCommand
		wantState []action.FileCommand
		wantLog   string // "" for none
	}{
		{name: "succeeded", res: ok, wantOuts: both, wantState: done},
		{name: "an output written with the same value is not written again", res: ok,
			written: map[string]string{"record_id": "r1"}, wantOuts: both[:1], wantState: done},
		{name: "an output written with another value is written again", res: ok,
			written: map[string]string{"record_id": "r0"}, wantOuts: both, wantState: done},
		{name: "not settled: the post step checks again",
			res:      &run.Result{Operation: run.OpDeploy, Status: run.StatusSucceeded},
			wantOuts: both},
		{name: "failure annotated",
			res: &run.Result{Operation: run.OpDeploy, Status: run.StatusFailed, Settled: true,
				Failure: &run.Failure{What: run.FailedStart, Err: errors.New("boom")}, Deploy: &run.DeployDetail{}},
			wantCode: 1, wantOuts: both, wantState: done,
			wantLog: "::error title=The deployment could not be started::boom\n"},
		{name: "a status that misses the aim without a failure",
			res:      &run.Result{Operation: run.OpReleasePlan, Status: run.StatusTimedOut},
			wantCode: 1, wantOuts: both, wantLog: "::error title=Release plan timed_out::\n"},
		{name: "a hook's write failed", res: ok, hookErrs: []error{nil, errors.New("disk full")},
			wantCode: 1, wantOuts: both, wantState: done, wantLog: "::warning::Could not write a step file: disk full\n"},
		{name: "the outputs cannot be written", res: ok, noOutput: true,
			wantCode: 1, wantState: done},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := action.Files{OutputPath: filepath.Join(dir, "output"), StatePath: filepath.Join(dir, "state"), SummaryPath: filepath.Join(dir, "summary")}
			if tt.noOutput {
				files.OutputPath = filepath.Join(dir, "missing", "output")
			}
			var log bytes.Buffer
			written := map[string]string{}
			for k, v := range tt.written {
				written[k] = v
			}
			s := &step{cfg: &action.Config{}, log: action.NewLog(&log, false), files: files, written: written, errs: tt.hookErrs}
			got := s.settle(tt.res, []output{{"status", "succeeded"}, {"record_id", "r1"}}, "### summary\n")

			assert.Equal(t, tt.wantCode, got)
			assert.Equal(t, tt.wantOuts, readCommands(t, files.OutputPath))
			assert.Equal(t, tt.wantState, readCommands(t, files.StatePath))
			summary, err := os.ReadFile(files.SummaryPath)
			require.NoError(t, err)
			assert.Equal(t, "### summary\n", string(summary))
			if tt.noOutput {
				assert.Contains(t, log.String(), "::warning::Could not write a step file: ")
				return
			}
			assert.Equal(t, tt.wantLog, log.String())
		})
	}
}

// readCommands reads a file-command file; none for a file never written.
func readCommands(t *testing.T, path string) []action.FileCommand {
	t.Helper()
	text, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	cmds, err := action.ParseFileCommands(string(text))
	require.NoError(t, err)
	if len(cmds) == 0 {
		return nil
	}
	return cmds
}
