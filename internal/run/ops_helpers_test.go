package run_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huawei"
	"github.com/deploy-action/deploy-action/internal/rts"
	"github.com/deploy-action/deploy-action/internal/run"
	"github.com/deploy-action/deploy-action/internal/servicestage"
	"github.com/deploy-action/deploy-action/internal/sim"
)

const (
	opsAK      = "RUNTESTACCESSKEY0001"
	opsSK      = "run-test-secret-access-key"
	opsProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	opsPlan    = "716eda33-dbc6-47f3-953f-29119edd5e5c"
)

// opLog records what a flow logs, one entry per call, with its kind, and
// the progress events it reports, typed (events) and, to tell their
// order, as a line each.
type opLog struct {
	mu     sync.Mutex
	lines  []string
	events []any
}

// The step events, told apart.
type (
	stepStarted run.StepProgress
	stepEnded   run.StepProgress
	batchEnded  run.Batch
)

func (l *opLog) event(e any, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	l.lines = append(l.lines, line)
}

func (l *opLog) StepStarted(s run.StepProgress) {
	l.event(stepStarted(s), fmt.Sprintf("step started: %d/%d %s", s.Number, s.Of, s.Step.Name))
}

// StepEnded records the step as a group (the renderer's heading), holding
// what its detail logs.
func (l *opLog) StepEnded(s run.StepProgress, detail func()) {
	l.event(stepEnded(s), fmt.Sprintf("group: step ended: %d/%d %s %s", s.Number, s.Of, s.Step.Name, s.Step.State))
	detail()
	l.EndGroup()
}

func (l *opLog) BatchStarted(b run.Batch) { l.event(b, fmt.Sprintf("batch started: %d", b.Seq)) }
func (l *opLog) BatchEnded(b run.Batch) {
	l.event(batchEnded(b), fmt.Sprintf("batch ended: %d", b.Seq))
}
func (l *opLog) RollbackEnded(r run.PlanRollback) { l.event(r, "rollback ended") }
func (l *opLog) CheckDone(c run.Check)            { l.event(c, "check: "+c.Name) }
func (l *opLog) Verdict(r *run.Result)            { l.event(r.Status, "verdict: "+string(r.Status)) }

// eventsOf returns the events of type T, in order.
func eventsOf[T any](l *opLog) []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []T
	for _, e := range l.events {
		if t, ok := e.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

// discardEvents is a Reporter that drops the events (it runs a step's
// detail, as the renderer does).
type discardEvents struct{}

func (discardEvents) StepStarted(run.StepProgress)           {}
func (discardEvents) StepEnded(_ run.StepProgress, f func()) { f() }
func (discardEvents) BatchStarted(run.Batch)                 {}
func (discardEvents) BatchEnded(run.Batch)                   {}
func (discardEvents) RollbackEnded(run.PlanRollback)         {}
func (discardEvents) CheckDone(run.Check)                    {}
func (discardEvents) Verdict(*run.Result)                    {}

func (l *opLog) add(kind, format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, kind+fmt.Sprintf(format, a...))
}

func (l *opLog) Infof(format string, a ...any)    { l.add("", format, a...) }
func (l *opLog) Debugf(format string, a ...any)   { l.add("debug: ", format, a...) }
func (l *opLog) Noticef(format string, a ...any)  { l.add("notice: ", format, a...) }
func (l *opLog) Warningf(format string, a ...any) { l.add("warning: ", format, a...) }
func (l *opLog) Group(title string)               { l.add("group: ", "%s", title) }
func (l *opLog) EndGroup()                        { l.add("endgroup", "") }

func (l *opLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// opsSim starts the simulator on loopback with short component jobs
// (150ms by default: three 50ms steps).
func opsSim(t *testing.T, scenario string) (*sim.Server, string) {
	t.Helper()
	opts := sim.Options{AccessKeyID: opsAK, SecretAccessKey: opsSK, StepDuration: 50 * time.Millisecond}
	if scenario != "" {
		sc, err := sim.ParseScenario([]byte(scenario))
		require.NoError(t, err)
		opts.Scenario = sc
	}
	s := sim.New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

var opsRetries = huawei.RetryPolicy{InitialInterval: 5 * time.Millisecond, MaxInterval: 50 * time.Millisecond, MaxTries: 5, MaxElapsed: 10 * time.Second, AttemptTimeout: 2 * time.Second}

// opsOptions are client options for tests: fast retries and the project.
func opsOptions() []huawei.Option {
	return []huawei.Option{huawei.WithRetryPolicy(opsRetries), huawei.WithProjectID(opsProject)}
}

func stageClient(t *testing.T, url string) *servicestage.Client {
	t.Helper()
	c, err := servicestage.New(url, huawei.Credentials{AccessKeyID: opsAK, SecretAccessKey: opsSK}, opsOptions()...)
	require.NoError(t, err)
	return c
}

func rtsClient(t *testing.T, url string) *rts.Client {
	t.Helper()
	c, err := rts.New(url, huawei.Credentials{AccessKeyID: opsAK, SecretAccessKey: opsSK}, opsOptions()...)
	require.NoError(t, err)
	return c
}
