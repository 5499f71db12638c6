package run

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

func TestProofLooks(t *testing.T) {
	t.Parallel()
	flaky := &huawei.APIError{HTTPStatus: 503, Code: "APIGW.0203", Message: "busy"}
	denied := &huawei.APIError{HTTPStatus: 403, Code: "Deploy.00011020", Message: "no permission"}
	live := context.Background()
	over, cancel := context.WithCancel(live)
	cancel()
	type look struct {
		ctx context.Context
		err error
	}
	tests := []struct {
		name        string
		looks       []look
		wantEnd     error // what a look returned to end the looking
		wantVerdict error
	}{
		{"no look completed, none failed", nil, nil, nil},
		{"a look completed: sending again is safe", []look{{live, nil}}, nil, nil},
		{"transient failures only", []look{{live, flaky}, {live, flaky}}, nil, flaky},
		{"a completed look outweighs a later failure", []look{{live, nil}, {live, flaky}}, nil, nil},
		{"a lasting failure once time is up is remembered", []look{{over, denied}}, nil, denied},
		{"a lasting failure with time left ends the looking", []look{{live, flaky}, {live, denied}}, denied, flaky},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var l proofLooks
			var end error
			for _, lk := range tt.looks {
				if end = l.note(lk.ctx, lk.err); end != nil {
					break
				}
			}
			assert.Equal(t, tt.wantEnd, end, "end")
			assert.Equal(t, tt.wantVerdict, l.verdict(), "verdict")
		})
	}
}

func TestProofLooksEndOnAnyOtherError(t *testing.T) {
	t.Parallel()
	var l proofLooks
	err := l.note(context.Background(), context.Canceled)
	assert.True(t, errors.Is(err, context.Canceled), "a cancel is not polled through: %v", err)
}
