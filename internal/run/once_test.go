package run

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/codearts"
	"github.com/deploy-action/deploy-action/internal/huawei"
)

// nopLog discards the log; once_test checks behaviour, not wording.
type nopLog struct{}

func (nopLog) Infof(string, ...any)    {}
func (nopLog) Debugf(string, ...any)   {}
func (nopLog) Noticef(string, ...any)  {}
func (nopLog) Warningf(string, ...any) {}
func (nopLog) Group(string)            {}
func (nopLog) EndGroup()               {}

func (nopLog) StepStarted(StepProgress)           {}
func (nopLog) StepEnded(_ StepProgress, f func()) { f() }
func (nopLog) BatchStarted(Batch)                 {}
func (nopLog) BatchEnded(Batch)                   {}
func (nopLog) RollbackEnded(PlanRollback)         {}
func (nopLog) CheckDone(Check)                    {}
func (nopLog) Verdict(*Result)                    {}

var (
	errLost = &huawei.UnknownOutcomeError{Err: errors.New("connection reset after the request was sent")}
	errBusy = &huawei.APIError{HTTPStatus: 400, Code: codearts.CodeAlreadyDeploying, Message: "already deploying"}
)

// TestSendOnce drives the exactly-once mechanism through the answers a
// buggy, slow or lagging server gives, counting the sends.
func TestSendOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// sends answers each send in turn (the last repeats); visibleAt
		// is the look (1-based) from which find sees the first send's
		// effect (0: never).
		sends       []error
		visibleAt   int
		wantSends   int32
		wantAdopted bool
		wantErr     bool
	}{
		{"answered", []error{nil}, 0, 1, false, false},
		{"lost answer, effect visible at once", []error{errLost}, 1, 1, true, false},
		{"lost answer, lagging listing", []error{errLost}, 3, 1, true, false},
		{"lost answer, no effect: sent again", []error{errLost, nil}, 0, 2, false, false},
		{"sent again, refused as busy: the first took effect", []error{errLost, errBusy}, 0, 2, false, true},
		{"busy on the first send is someone else's", []error{errBusy}, 0, 1, false, true},
		{"a plain refusal is final", []error{&huawei.APIError{HTTPStatus: 403, Code: "Deploy.00011154"}}, 0, 1, false, true},
		{"never any proof", []error{errLost}, 0, 3, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var sends, looks atomic.Int32
			v, adopted, err := sendOnce(t.Context(), once[string]{
				what: "start", log: nopLog{},
				send: func(context.Context) (string, error) {
					i := int(sends.Add(1)) - 1
					if e := tt.sends[min(i, len(tt.sends)-1)]; e != nil {
						return "", e
					}
					return "answered", nil
				},
				find: func(context.Context) (string, bool, error) {
					n := int(looks.Add(1))
					if tt.visibleAt > 0 && n >= tt.visibleAt {
						return "found", true, nil
					}
					return "", false, nil
				},
				busy: codearts.IsAlreadyDeploying,
				look: 2 * time.Second, grace: time.Second,
			})
			assert.Equal(t, tt.wantSends, sends.Load())
			assert.Equal(t, tt.wantAdopted, adopted)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, map[bool]string{true: "found", false: "answered"}[adopted], v)
		})
	}
}

// TestSendOnceLookSurvivesACancel: a start whose answer is lost when the
// workflow is cancelled must still be found (and so stopped), not
// forgotten because the step's context ended.
func TestSendOnceLookSurvivesACancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	var looks atomic.Int32
	v, adopted, err := sendOnce(ctx, once[string]{
		what: "start", log: nopLog{},
		send: func(context.Context) (string, error) {
			cancel()
			return "", fmt.Errorf("%w", context.Canceled)
		},
		find: func(ctx context.Context) (string, bool, error) {
			if ctx.Err() != nil {
				return "", false, ctx.Err()
			}
			if looks.Add(1) < 2 {
				return "", false, nil
			}
			return "found", true, nil
		},
		look: 5 * time.Second, grace: 3 * time.Second,
	})
	assert.True(t, adopted)
	assert.Equal(t, "found", v)
	assert.ErrorIs(t, err, context.Canceled, "the caller still learns of the cancel")
}
