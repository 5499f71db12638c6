package run

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
)

func TestWatchReadFailure(t *testing.T) {
	t.Parallel()
	missing := &huawei.APIError{HTTPStatus: 404, Code: codearts.CodeNotFound, Message: "no such record"}
	other := errors.New("connection reset")
	tests := []struct {
		name     string
		recordID string
		err      error
		want     Failed
		wantText string
	}{
		{"a read error is kept as it is", "r1", other, FailedReadRecord, "connection reset"},
		{"no latest record", "", missing, FailedNoRecord, "task t1 has no deployment record to watch: "},
		{"no such record", "r1", missing, FailedNoRecord, "task t1 has no deployment record r1: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			what, err := watchReadFailure("t1", tt.recordID, tt.err)
			assert.Equal(t, tt.want, what)
			assert.ErrorIs(t, err, tt.err)
			assert.Contains(t, err.Error(), tt.wantText)
		})
	}
}
