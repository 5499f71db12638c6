package run

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deploy-action/deploy-action/internal/rts"
)

// RTS is the part of the RTS client the signal operation uses.
type RTS interface {
	UpdateSoftwareDeployment(ctx context.Context, projectID, deploymentID string, body rts.Update) (*rts.Answer, error)
}

// SignalInput is what the signal operation needs.
type SignalInput struct {
	ProjectID, DeploymentID string
	// Status is COMPLETE, FAILED or IN_PROGRESS; empty applies Heat's
	// convention (see HeatStatus).
	Status, StatusReason      string
	OutputValues, InputValues map[string]any
	ConfigID                  string
	Action                    string // Heat's action (the deployment_action input)
	// Timeout bounds the whole operation (the timeout input).
	Timeout time.Duration
}

// StatusCodeKey is the output value Heat derives a deployment's status from.
const StatusCodeKey = "deploy_status_code"

// HeatStatus applies Heat's convention for a signal that names no status:
// FAILED with reason "deploy_status_code : Deployment exited with non-zero
// status code: N" when output_values.deploy_status_code is non-zero, else
// COMPLETE with reason "Outputs received".
//
// Zero is 0, 0.0, "0" (or any numeric string worth zero), false, "" and a
// missing or null value. Like Heat, anything else counts as non-zero, even
// a value that is not a number; such a value is reported as written.
func HeatStatus(outputValues map[string]any) (status, reason string) {
	code, nonZero := statusCode(outputValues[StatusCodeKey])
	if !nonZero {
		return rts.StatusComplete, "Outputs received"
	}
	return rts.StatusFailed, StatusCodeKey + " : Deployment exited with non-zero status code: " + code
}

// statusCode renders a deploy_status_code value and says whether it is
// non-zero. Whole numbers are written without a fraction (2.0 is 2), as
// the exit status they stand for.
func statusCode(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case bool:
		return strconv.FormatBool(x), x
	case int:
		return strconv.Itoa(x), x != 0
	case int64:
		return strconv.FormatInt(x, 10), x != 0
	case float64:
		return floatCode(x)
	case json.Number:
		return stringCode(string(x))
	case string:
		return stringCode(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v), true
	}
	return string(b), true
}

// floatCode renders a number code: a whole number without a fraction.
func floatCode(f float64) (string, bool) {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10), f != 0
	}
	return strconv.FormatFloat(f, 'g', -1, 64), true
}

// stringCode renders a code written as a string: a number as the number,
// blank as zero, anything else as written (and non-zero, like Heat).
func stringCode(x string) (string, bool) {
	s := strings.TrimSpace(x)
	if s == "" {
		return "", false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(n, 10), n != 0
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return floatCode(f)
	}
	return s, true
}

// SignalBody is the update a signal sends: the inputs that were given, and
// Heat's status and reason when no status was (an explicit status_reason
// still wins).
func SignalBody(in SignalInput) rts.Update {
	u := rts.Update{
		Action:       in.Action,
		ConfigID:     in.ConfigID,
		InputValues:  in.InputValues,
		OutputValues: in.OutputValues,
		Status:       in.Status,
		StatusReason: in.StatusReason,
	}
	if u.Status == "" {
		status, reason := HeatStatus(in.OutputValues)
		u.Status = status
		if u.StatusReason == "" {
			u.StatusReason = reason
		}
	}
	return u
}

// Signal reports a status and output values to an RTS software deployment.
// The operation succeeds when RTS accepts the signal, whatever status it
// carries: reporting FAILED is the signal doing its job. It never returns a
// nil Result.
func Signal(ctx context.Context, api RTS, in SignalInput, log Logger) *Result {
	res := &Result{Operation: OpSignal, Signal: &SignalDetail{DeploymentID: in.DeploymentID}}
	outer := ctx
	ctx, cancel := bounded(ctx, in.Timeout)
	defer cancel()
	body := SignalBody(in)
	logSignal(in, body, log)
	res.StartedAt = time.Now()
	ans, err := api.UpdateSoftwareDeployment(ctx, in.ProjectID, in.DeploymentID, body)
	res.FinishedAt = time.Now()
	if err != nil {
		res.Status = StatusFailed
		res.Failure = signalFailure(err, outer, ctx, in.Timeout)
		return res
	}
	signalAccepted(res, ans, body, log)
	return res
}

// signalFailure is the failure of a signal that was not accepted
// (callFailure): a software deployment that is not there is told apart
// from other errors.
func signalFailure(err error, outer, ctx context.Context, timeout time.Duration) *Failure {
	f := callFailure(FailedSignal, err, outer, ctx, timeout)
	if f.Cause == CauseError && rts.IsNotFound(err) {
		f.What = FailedNoDeployment
	}
	return f
}

// logSignal says what the signal sends, and why that status.
func logSignal(in SignalInput, body rts.Update, log Logger) {
	how := "as given"
	if in.Status == "" {
		how = "no status given: Heat's rule on " + StatusCodeKey
	}
	log.Infof("Signalling software deployment %s: status %s (%s)%s.", in.DeploymentID, body.Status, how, optional(", reason %q", body.StatusReason))
	if len(body.OutputValues) > 0 {
		log.Infof("Output values: %s.", describeValues(body.OutputValues))
	}
	if len(body.InputValues) > 0 {
		log.Infof("Input values: %s.", describeValues(body.InputValues))
	}
}

// signalAccepted reports the answer to a signal RTS accepted: a success
// whatever status it carried, with a word when that is FAILED or not the
// status sent.
func signalAccepted(res *Result, ans *rts.Answer, body rts.Update, log Logger) {
	id, dep := res.Signal.DeploymentID, ans.Deployment
	res.Status = StatusSucceeded
	res.RemoteStatus = dep.Status
	res.Signal.SoftwareDeployment = ans.Object
	res.Remote = ans.Raw
	log.Infof("RTS accepted the signal: software deployment %s is %s%s.", id, dep.Status, optional(" (%s)", dep.StatusReason))
	if strings.EqualFold(dep.Status, rts.StatusFailed) {
		log.Noticef("The signal reported FAILED to software deployment %s%s; the signal itself succeeded.", id, optional(": %s", dep.StatusReason))
	}
	if dep.Status != "" && !strings.EqualFold(dep.Status, body.Status) {
		log.Warningf("Software deployment %s reports status %s, not the %s that was sent.", id, dep.Status, body.Status)
	}
}

// describeValues names the values of a mapping with their sizes, never
// their contents: they may be long logs.
func describeValues(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + valueSize(m[k])
	}
	return strings.Join(parts, ", ")
}

// valueSize says how large a value is, when that is worth saying: a
// string of several lines or over 64 bytes, a mapping, a list.
func valueSize(v any) string {
	switch v := v.(type) {
	case string:
		lines := strings.Count(strings.TrimSuffix(v, "\n"), "\n") + 1
		switch {
		case lines > 1:
			return fmt.Sprintf(" (%d bytes, %d lines)", len(v), lines)
		case len(v) > 64:
			return fmt.Sprintf(" (%d bytes)", len(v))
		}
	case map[string]any:
		return fmt.Sprintf(" (%d keys)", len(v))
	case []any:
		return fmt.Sprintf(" (%d items)", len(v))
	}
	return ""
}
