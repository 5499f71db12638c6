package run

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

func TestStartedBy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		executor string
		start    string
		want     string
	}{
		{"neither", "", "", ""},
		{"who", "ana", "", " (started by ana)"},
		{"who and when", "ana", "2026-03-01 10:00:00", " (started by ana at 2026-03-01 10:00:00)"},
		// Without a name the time stands alone, unbracketed, as the log
		// lines always wrote it.
		{"when only", "", "2026-03-01 10:00:00", " at 2026-03-01 10:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, startedBy(&codearts.Record{Executor: tt.executor, StartTime: tt.start}))
		})
	}
}
