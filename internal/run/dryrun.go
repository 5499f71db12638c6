package run

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

// This file is dry_run: every check a real run depends on, made with reads
// only. It sends no start, stop, execute, rollback, abort or signal, and
// shows what it would have sent. It ends with status dry_run; a check
// that failed is its Failure, so the step exits 1 only then. This file
// holds what every dry run shares; the checks of each operation are in
// dryrun_codearts.go and dryrun_plan_signal.go.

// DryRun is what a dry run found.
type DryRun struct {
	Checks []Check `json:"checks"`
	// WouldSend are the requests that change something a real run would
	// send first, with secret values masked.
	WouldSend []WouldSend `json:"would_send"`
}

// Check is one check of a dry run.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	// Warning marks a check that passed with something worth a look.
	Warning bool   `json:"warning,omitempty"`
	Detail  string `json:"detail"`
}

// WouldSend is a request a real run would send.
type WouldSend struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body,omitempty"`
	Note   string          `json:"note,omitempty"`
}

// Masked is what a secret value is replaced with in what a dry run shows.
const Masked = "***"

// dryRun collects the checks of one dry run.
type dryRun struct {
	log Logger
	res *Result
	dr  DryRun
}

func newDryRun(op string, log Logger) *dryRun {
	log.Noticef("Dry run: everything is checked and nothing is changed; no request that starts, stops, executes or signals anything is sent.")
	res := &Result{Operation: op, Status: StatusDryRun, Settled: true}
	switch op {
	case OpReleasePlan:
		res.Plan = &PlanDetail{}
	case OpSignal:
		res.Signal = &SignalDetail{}
	default:
		res.Deploy = &DeployDetail{}
	}
	return &dryRun{log: log, res: res}
}

func (r *dryRun) add(c Check) {
	r.dr.Checks = append(r.dr.Checks, c)
	r.log.CheckDone(c)
}

func (r *dryRun) pass(name, format string, a ...any) {
	r.add(Check{Name: name, Passed: true, Detail: fmt.Sprintf(format, a...)})
}

func (r *dryRun) warn(name, format string, a ...any) {
	r.add(Check{Name: name, Passed: true, Warning: true, Detail: fmt.Sprintf(format, a...)})
}

func (r *dryRun) fail(name, format string, a ...any) {
	r.add(Check{Name: name, Detail: fmt.Sprintf(format, a...)})
}

// would records and shows a request a real run would send.
func (r *dryRun) would(method, path string, body any, note string) {
	w := WouldSend{Method: method, Path: path, Note: note}
	if body != nil {
		if b, err := json.Marshal(body); err == nil {
			w.Body = b
		}
	}
	r.dr.WouldSend = append(r.dr.WouldSend, w)
	r.log.Group(fmt.Sprintf("Would send: %s %s", method, path))
	if note != "" {
		r.log.Infof("%s", note)
	}
	if len(w.Body) > 0 {
		r.log.Infof("%s", indented(w.Body, maxShownBody))
	}
	r.log.EndGroup()
}

// maxShownBody bounds a body in the log; the result output has it whole.
const maxShownBody = 8 << 10

// indented is a JSON body as the log shows it: indented, cut at limit.
func indented(b []byte, limit int) string {
	var v any
	if json.Unmarshal(b, &v) == nil {
		if pretty, err := json.MarshalIndent(v, "", "  "); err == nil {
			b = pretty
		}
	}
	if len(b) > limit {
		return strings.ToValidUTF8(string(b[:limit]), "") + fmt.Sprintf("\n… (%d more bytes)", len(b)-limit)
	}
	return string(b)
}

// done ends the dry run: the report is the result, and a failed check
// fails it.
func (r *dryRun) done() *Result {
	r.res.DryRun = &r.dr
	if b, err := json.Marshal(struct {
		Flag bool `json:"dry_run"`
		DryRun
	}{true, r.dr}); err == nil {
		r.res.Remote = b
	}
	for _, c := range r.dr.Checks {
		if !c.Passed {
			r.res.Failure = &Failure{What: FailedDryRun}
			return r.res
		}
	}
	return r.res
}

// credentials records the credentials check from the first signed read:
// any answer but the gateway's 401 proves the signature (or token) was
// accepted. It reports whether the credentials passed.
func (r *dryRun) credentials(what string, err error) bool {
	const name = "credentials"
	if err == nil {
		r.pass(name, "a signed read succeeded (%s)", what)
		return true
	}
	apiErr, ok := huawei.AsAPIError(err)
	switch {
	case ok && apiErr.HTTPStatus == http.StatusUnauthorized:
		r.fail(name, "the gateway refused them: %v", err)
		return false
	case ok:
		r.pass(name, "the gateway accepted them (%s answered %d%s)", what, apiErr.HTTPStatus, optional(" %s", apiErr.Code))
		return true
	}
	r.fail(name, "could not be checked: %v", err)
	return false
}

// bounded bounds a dry run or an operation of few calls (stop, signal,
// abort) by the timeout input (none when 0).
func bounded(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}
