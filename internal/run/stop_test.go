package run_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/run"
)

const (
	stopTask   = "0123456789abcdef0123456789abcdef"
	stopRecord = "fedcba9876543210fedcba9876543210"
)

// fakeRecord answers State with the next status of its script (repeating
// the last) and Stop with stopErr.
type fakeRecord struct {
	mu       sync.Mutex
	statuses []string
	stateErr error
	stopErr  error
	reads    int
	stops    int
}

func (f *fakeRecord) State(_ context.Context, taskID, recordID string) (*codearts.State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stateErr != nil {
		return nil, f.stateErr
	}
	s := f.statuses[min(f.reads, len(f.statuses)-1)]
	f.reads++
	return &codearts.State{Status: "success", Result: codearts.Record{RecordID: recordID, TaskID: taskID, Status: s, TaskName: "checkout"},
		Raw: []byte(`{"status":"success","result":{"status":"` + s + `"}}`)}, nil
}

func (f *fakeRecord) Stop(context.Context, string, string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stops++
	if f.stopErr != nil {
		return nil, f.stopErr
	}
	return []byte(`{"status":"success","result":{"id":"` + stopRecord + `"}}`), nil
}

func TestStop(t *testing.T) {
	t.Parallel()
	notFound := &huawei.APIError{HTTPStatus: 404, Code: "Deploy.00011303", Message: "The deployment record does not exist."}
	ended := &huawei.APIError{HTTPStatus: 400, Code: "Deploy.00011304", Message: "The deployment record has finished and cannot be stopped."}
	tests := []struct {
		name       string
		rec        *fakeRecord
		wantStatus run.Status
		wantOK     bool
		wantStops  int
		wantLog    string     // a fragment the log must show
		wantWhat   run.Failed // what failed, when something did
		wantRemote string     // a fragment of result
	}{
		{name: "running record is stopped", rec: &fakeRecord{statuses: []string{"running"}},
			wantStatus: run.StatusStopped, wantOK: true, wantStops: 1, wantLog: "Stopped deployment record", wantRemote: stopRecord},
		{name: "undocumented running status is stopped", rec: &fakeRecord{statuses: []string{"queued"}},
			wantStatus: run.StatusStopped, wantOK: true, wantStops: 1},
		{name: "succeeded record is left alone", rec: &fakeRecord{statuses: []string{"succeeded"}},
			wantStatus: run.StatusSucceeded, wantOK: true, wantLog: "notice: Deployment record " + stopRecord + " had already ended with status succeeded", wantRemote: `"succeeded"`},
		{name: "aborted record counts as failed", rec: &fakeRecord{statuses: []string{"abort"}},
			wantStatus: run.StatusFailed, wantOK: true, wantLog: "already ended with status abort"},
		{name: "record that ends before the stop", rec: &fakeRecord{statuses: []string{"running", "failed"}, stopErr: ended},
			wantStatus: run.StatusFailed, wantOK: true, wantStops: 1, wantLog: "already ended with status failed", wantRemote: `"failed"`},
		{name: "unknown record", rec: &fakeRecord{stateErr: notFound},
			wantStatus: run.StatusFailed, wantWhat: run.FailedNoRecord},
		{name: "stop refused", rec: &fakeRecord{statuses: []string{"running"}, stopErr: &huawei.APIError{HTTPStatus: 403, Code: "Deploy.00011154", Message: "insufficient permissions"}},
			wantStatus: run.StatusFailed, wantStops: 1, wantWhat: run.FailedStop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log := &opLog{}
			res := run.Stop(context.Background(), tt.rec, run.StopInput{TaskID: stopTask, RecordID: stopRecord}, log)
			assert.Equal(t, tt.wantStatus, res.Status, log.String())
			assert.Equal(t, tt.wantOK, res.OK())
			assert.Equal(t, tt.wantStops, tt.rec.stops)
			assert.Equal(t, stopRecord, res.Deploy.RecordID)
			if tt.wantLog != "" {
				assert.Contains(t, log.String(), tt.wantLog)
			}
			if tt.wantWhat != 0 {
				require.NotNil(t, res.Failure)
				assert.Equal(t, tt.wantWhat, res.Failure.What)
				assert.ErrorContains(t, res.Failure.Err, stopRecord)
			} else {
				assert.Nil(t, res.Failure)
			}
			if tt.wantRemote != "" {
				assert.Contains(t, string(res.Remote), tt.wantRemote)
			}
		})
	}
}

func TestStopCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := &fakeRecord{stateErr: context.Canceled}
	res := run.Stop(ctx, rec, run.StopInput{TaskID: stopTask, RecordID: stopRecord}, &opLog{})
	require.NotNil(t, res.Failure)
	assert.Equal(t, run.CauseCancelled, res.Failure.Cause)
	assert.False(t, res.OK())
}
