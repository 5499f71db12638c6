package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Scenario tells the simulator how to misbehave. It is usually read from a
// YAML file (LoadScenario); testdata/scenarios/README.md documents the same
// fields with examples. Every field is optional.
//
//	step_duration: 1s   # default time of one deployment step (overrides Options.StepDuration)
//	clock_skew: 20m     # gateway clock = now + skew: the Date header, the X-Sdk-Date
//	                    # check (±15m) and all record times; negative values allowed
//	tasks: [...]        # per-task behaviour, see ScenarioTask
//	faults: [...]       # wire-level fault injection, see Fault
//
// Durations are Go durations ("750ms", "2s", "1m30s"). Unknown fields are
// errors, so a typo cannot silently turn a failure scenario into a
// success.
type Scenario struct {
	// StepDuration (`step_duration`) is the default time of one step.
	StepDuration time.Duration
	// ClockSkew (`clock_skew`) moves the gateway clock, to exercise a
	// client's handling of APIGW.0303 and its use of the Date header.
	ClockSkew time.Duration
	// Tasks (`tasks`) shape individual deployment tasks.
	Tasks []ScenarioTask
	// Faults (`faults`) inject wire-level failures, applied after
	// authentication and before the service handles the request.
	Faults []Fault
}

// ScenarioTask shapes the deployments of one task (or of every task):
//
//   - task_id: 0123456789abcdef0123456789abcdef  # 32 letters/digits, or "*" for every task
//     name: checkout-service        # task_name in state answers
//     steps: [Download package, Stop service, Deploy, Start service, Health check]
//     step_duration: 2s             # per-step time for this task
//     duration: 2m                  # or: total run time, spread evenly over the steps
//     fail_at_step: 3               # 1-based: the deployment fails in this step
//     fail_message: "Health check failed: HTTP 503 from /healthz"
//     rollback_fails: false         # redeploys (start with record_id) fail too
//     refuse_start: {status: 400, code: Deploy.00011042, message: "A draft application cannot be executed."}
//     already_running: 30s          # someone else's deployment runs this long from server start
//     running_status: pending       # status reported while running instead of "running"
//     failed_status: abort          # status reported on failure instead of "failed"
//     string_fields: true           # step_state numbers/bools encoded as JSON strings
//
// A task id named exactly wins over "*"; task ids nobody names use the
// default four steps and succeed.
type ScenarioTask struct {
	// TaskID (`task_id`) is 32 letters/digits, or "*" for every task.
	TaskID string
	// Name (`name`) is the task_name in state answers.
	Name string
	// Steps (`steps`) are the step names (default: Download package, Stop
	// service, Deploy, Start service).
	Steps []string
	// StepDuration (`step_duration`) is the time of each step of this task.
	StepDuration time.Duration
	// Duration (`duration`) is the total run time, spread evenly over the
	// steps: the way to make a deployment "run long". Exclusive with
	// StepDuration.
	Duration time.Duration
	// FailAtStep (`fail_at_step`, 1-based) makes deployments fail at the
	// end of that step; 0 means they succeed.
	FailAtStep int
	// FailMessage (`fail_message`) is the failure text of the deployment's
	// log. It is kept on the record for the log API (ShowAppLog), which the
	// simulator does not serve yet; the state API has no field for it.
	FailMessage string
	// RollbackFails (`rollback_fails`) makes redeploys (a start with
	// record_id) fail as well, at FailAtStep or else at the last step.
	// Without it a redeploy always succeeds, which is what a rollback test
	// usually wants.
	RollbackFails bool
	// RefuseStart (`refuse_start`) makes every start of the task fail with
	// this error.
	RefuseStart *RefuseStart
	// AlreadyRunning (`already_running`) creates, when the server starts, a
	// record started by someone else that runs this long (and succeeds),
	// so a start meets Deploy.00011027 until it ends. Needs a concrete
	// task_id.
	AlreadyRunning time.Duration
	// RunningStatus (`running_status`) is reported instead of "running"
	// while a record runs, e.g. pending or an undocumented value; it may
	// not be a final status.
	RunningStatus string
	// FailedStatus (`failed_status`) is reported instead of "failed" when a
	// record fails, e.g. abort or timeout.
	FailedStatus string
	// StringFields (`string_fields`) encodes step_state's id, enable,
	// offset, current_offset and elapsed_time as JSON strings, as one
	// version of the API documentation types them.
	StringFields bool
}

// RefuseStart is the error a refused start gets:
// `{"error_code": Code, "error_msg": Message}` with HTTP Status.
type RefuseStart struct {
	// Status (`status`) is the HTTP status, 400-599 (default 400).
	Status int
	// Code (`code`) is the error code (default Deploy.00011042).
	Code string
	// Message (`message`) is the error text (default "A draft application
	// cannot be executed.").
	Message string
}

// Fault kinds and operations, as written in scenario files.
const (
	FaultThrottle = "throttle" // 429 APIGW.0308 with Retry-After
	FaultError    = "error"    // 5xx gateway error, not processed
	FaultDrop     = "drop"     // processed, then the connection is closed without an answer
	FaultSlow     = "slow"     // answered normally after Delay
	FaultHang     = "hang"     // never answered; the connection is closed after Delay, if set

	FaultOpAny = "any"
)

var (
	faultKinds = []string{FaultThrottle, FaultError, FaultDrop, FaultSlow, FaultHang}
	faultOps   = []string{"start", "state", "stop", FaultOpAny}
	// errorStatuses are the statuses a gateway answers for a failing backend.
	errorStatuses = []int{500, 502, 503, 504}
	// finalStatuses would make a client stop polling, so a running_status
	// must not be one of them.
	finalStatuses = []string{"succeeded", "failed", "abort", "timeout"}
)

// Fault injects a wire-level failure into matching requests:
//
//   - op: start          # start | state | stop | any (default any)
//     task_id: ""        # only requests for this task (default: every task)
//     kind: throttle     # throttle | error | drop | slow | hang
//     status: 503        # kind error: 500, 502, 503 (default) or 504
//     retry_after: 2s    # kind throttle: Retry-After, whole seconds rounded up (default 1s)
//     delay: 3s          # kind slow: required; kind hang: close the connection after it
//     after: 0           # let this many matching requests through first
//     times: 1           # affect this many matching requests (0 = all that follow)
//
// Faults are considered in order; the first whose window covers a request
// takes it, and a request taken by an earlier fault is not counted by later
// ones, so a list of faults with `times: 1` plays out as a sequence.
type Fault struct {
	// Op (`op`) is the operation matched: start, state, stop or any.
	Op string
	// TaskID (`task_id`) restricts the fault to one task.
	TaskID string
	// Kind (`kind`) is one of throttle, error, drop, slow, hang.
	Kind string
	// Status (`status`) is the HTTP status of an error fault.
	Status int
	// RetryAfter (`retry_after`) is the Retry-After of a throttle fault.
	RetryAfter time.Duration
	// Delay (`delay`) is how long a slow answer is delayed, or how long a
	// hang lasts before the connection is closed (0: until the client
	// gives up).
	Delay time.Duration
	// After (`after`) skips this many matching requests first.
	After int
	// Times (`times`) is how many matching requests are affected (0 = all).
	Times int
}

// The raw types mirror the YAML. Durations are strings here so that a bad
// duration is reported with its field name rather than as a YAML type
// error.
type rawScenario struct {
	StepDuration string     `yaml:"step_duration"`
	ClockSkew    string     `yaml:"clock_skew"`
	Tasks        []rawTask  `yaml:"tasks"`
	Faults       []rawFault `yaml:"faults"`
}

type rawTask struct {
	TaskID         string          `yaml:"task_id"`
	Name           string          `yaml:"name"`
	Steps          []string        `yaml:"steps"`
	StepDuration   string          `yaml:"step_duration"`
	Duration       string          `yaml:"duration"`
	FailAtStep     int             `yaml:"fail_at_step"`
	FailMessage    string          `yaml:"fail_message"`
	RollbackFails  bool            `yaml:"rollback_fails"`
	RefuseStart    *rawRefuseStart `yaml:"refuse_start"`
	AlreadyRunning string          `yaml:"already_running"`
	RunningStatus  string          `yaml:"running_status"`
	FailedStatus   string          `yaml:"failed_status"`
	StringFields   bool            `yaml:"string_fields"`
}

type rawRefuseStart struct {
	Status  int    `yaml:"status"`
	Code    string `yaml:"code"`
	Message string `yaml:"message"`
}

type rawFault struct {
	Op         string `yaml:"op"`
	TaskID     string `yaml:"task_id"`
	Kind       string `yaml:"kind"`
	Status     int    `yaml:"status"`
	RetryAfter string `yaml:"retry_after"`
	Delay      string `yaml:"delay"`
	After      int    `yaml:"after"`
	Times      int    `yaml:"times"`
}

// LoadScenario reads and validates a YAML scenario file.
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	sc, err := ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return sc, nil
}

// ParseScenario decodes and validates a YAML scenario. The error lists
// every problem at once, each naming its field
// (e.g. `tasks[1].fail_at_step: 7 is past the last step (4)`).
func ParseScenario(data []byte) (*Scenario, error) {
	var raw rawScenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		return nil, friendlyYAMLError(err)
	}
	var errs []error
	dur := func(field, s string) time.Duration {
		if s == "" {
			return 0
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a duration (write it like 750ms, 2s or 1m30s)", field, s))
		}
		return d
	}
	sc := &Scenario{
		StepDuration: dur("step_duration", raw.StepDuration),
		ClockSkew:    dur("clock_skew", raw.ClockSkew),
	}
	for i, rt := range raw.Tasks {
		p := fmt.Sprintf("tasks[%d].", i)
		t := ScenarioTask{
			TaskID:         rt.TaskID,
			Name:           rt.Name,
			Steps:          rt.Steps,
			StepDuration:   dur(p+"step_duration", rt.StepDuration),
			Duration:       dur(p+"duration", rt.Duration),
			FailAtStep:     rt.FailAtStep,
			FailMessage:    rt.FailMessage,
			RollbackFails:  rt.RollbackFails,
			AlreadyRunning: dur(p+"already_running", rt.AlreadyRunning),
			RunningStatus:  rt.RunningStatus,
			FailedStatus:   rt.FailedStatus,
			StringFields:   rt.StringFields,
		}
		if rt.RefuseStart != nil {
			t.RefuseStart = &RefuseStart{Status: rt.RefuseStart.Status, Code: rt.RefuseStart.Code, Message: rt.RefuseStart.Message}
		}
		sc.Tasks = append(sc.Tasks, t)
	}
	for i, rf := range raw.Faults {
		p := fmt.Sprintf("faults[%d].", i)
		sc.Faults = append(sc.Faults, Fault{
			Op:         rf.Op,
			TaskID:     rf.TaskID,
			Kind:       rf.Kind,
			Status:     rf.Status,
			RetryAfter: dur(p+"retry_after", rf.RetryAfter),
			Delay:      dur(p+"delay", rf.Delay),
			After:      rf.After,
			Times:      rf.Times,
		})
	}
	// Validate even after a bad duration (left 0), so every problem is
	// reported in one go.
	if err := sc.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return sc, nil
}

// Validate reports every problem of the scenario at once (errors.Join),
// each naming its field and, for choices, the valid values. It also fills
// in defaults (fault op "any", error status 503, refuse_start status and
// code), so a Scenario built in Go behaves like one read from YAML.
func (sc *Scenario) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if sc.StepDuration < 0 {
		add("step_duration: %s must not be negative", sc.StepDuration)
	}
	seen := map[string]int{}
	for i := range sc.Tasks {
		t := &sc.Tasks[i]
		p := fmt.Sprintf("tasks[%d].", i)
		switch {
		case t.TaskID == "":
			add("%stask_id: required (32 letters/digits, or \"*\" for every task)", p)
		case t.TaskID != "*" && !validID(t.TaskID):
			add("%stask_id: %q is not 32 letters/digits or \"*\"", p, t.TaskID)
		}
		if j, dup := seen[t.TaskID]; dup && t.TaskID != "" {
			add("%stask_id: %q is already used by tasks[%d]", p, t.TaskID, j)
		} else {
			seen[t.TaskID] = i
		}
		for j, s := range t.Steps {
			if strings.TrimSpace(s) == "" {
				add("%ssteps[%d]: a step needs a name", p, j)
			}
		}
		nSteps := len(t.Steps)
		if nSteps == 0 {
			nSteps = len(defaultSteps)
		}
		if t.StepDuration < 0 {
			add("%sstep_duration: %s must not be negative", p, t.StepDuration)
		}
		if t.Duration < 0 {
			add("%sduration: %s must not be negative", p, t.Duration)
		}
		if t.StepDuration > 0 && t.Duration > 0 {
			add("%sduration: give either duration (total) or step_duration (per step), not both", p)
		}
		switch {
		case t.FailAtStep < 0:
			add("%sfail_at_step: %d must be 1 or more (steps count from 1)", p, t.FailAtStep)
		case t.FailAtStep > nSteps:
			add("%sfail_at_step: %d is past the last step (%d)", p, t.FailAtStep, nSteps)
		}
		if rs := t.RefuseStart; rs != nil {
			if rs.Status == 0 {
				rs.Status = 400
			}
			if rs.Status < 400 || rs.Status > 599 {
				add("%srefuse_start.status: %d is not an error status (400-599)", p, rs.Status)
			}
			if rs.Code == "" {
				rs.Code = "Deploy.00011042"
			}
			if rs.Message == "" {
				rs.Message = "A draft application cannot be executed."
			}
		}
		switch {
		case t.AlreadyRunning < 0:
			add("%salready_running: %s must not be negative", p, t.AlreadyRunning)
		case t.AlreadyRunning > 0 && t.TaskID == "*":
			add("%salready_running: needs a concrete task_id, not \"*\"", p)
		}
		for _, f := range finalStatuses {
			if t.RunningStatus == f {
				add("%srunning_status: %q is a final status; use a value a client keeps polling on (e.g. pending, running, not_started)", p, f)
			}
		}
		if t.FailedStatus == "succeeded" || t.FailedStatus == "running" {
			add("%sfailed_status: %q would not read as a failure (use e.g. failed, abort, timeout)", p, t.FailedStatus)
		}
	}

	for i := range sc.Faults {
		f := &sc.Faults[i]
		p := fmt.Sprintf("faults[%d].", i)
		if f.Op == "" {
			f.Op = FaultOpAny
		}
		if !slices.Contains(faultOps, f.Op) {
			add("%sop: %q is not one of %s", p, f.Op, strings.Join(faultOps, ", "))
		}
		if f.TaskID != "" && !validID(f.TaskID) {
			add("%stask_id: %q is not 32 letters/digits", p, f.TaskID)
		}
		if !slices.Contains(faultKinds, f.Kind) {
			if f.Kind == "" {
				add("%skind: required, one of %s", p, strings.Join(faultKinds, ", "))
			} else {
				add("%skind: %q is not one of %s", p, f.Kind, strings.Join(faultKinds, ", "))
			}
		}
		if f.Kind == FaultError {
			if f.Status == 0 {
				f.Status = 503
			}
			ok := false
			for _, st := range errorStatuses {
				ok = ok || st == f.Status
			}
			if !ok {
				add("%sstatus: %d is not one of 500, 502, 503, 504", p, f.Status)
			}
		} else if f.Status != 0 {
			add("%sstatus: only used by kind error", p)
		}
		if f.RetryAfter < 0 {
			add("%sretry_after: %s must not be negative", p, f.RetryAfter)
		} else if f.RetryAfter > 0 && f.Kind != FaultThrottle {
			add("%sretry_after: only used by kind throttle", p)
		}
		switch {
		case f.Delay < 0:
			add("%sdelay: %s must not be negative", p, f.Delay)
		case f.Kind == FaultSlow && f.Delay == 0:
			add("%sdelay: required for kind slow", p)
		case f.Delay > 0 && f.Kind != FaultSlow && f.Kind != FaultHang:
			add("%sdelay: only used by kinds slow and hang", p)
		}
		if f.After < 0 {
			add("%safter: %d must not be negative", p, f.After)
		}
		if f.Times < 0 {
			add("%stimes: %d must not be negative (0 means every matching request)", p, f.Times)
		}
	}
	return errors.Join(errs...)
}

// taskScenario returns the scenario entry for taskID: the exact one, else
// "*", else the zero entry (default behaviour).
func (sc *Scenario) taskScenario(taskID string) ScenarioTask {
	var star *ScenarioTask
	for i := range sc.Tasks {
		switch sc.Tasks[i].TaskID {
		case taskID:
			return sc.Tasks[i]
		case "*":
			star = &sc.Tasks[i]
		}
	}
	if star != nil {
		return *star
	}
	return ScenarioTask{}
}

// validID reports whether id is 32 ASCII letters or digits, the shape of
// CodeArts task and record ids.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

var unknownFieldRE = regexp.MustCompile(`field (\S+) not found in type sim\.(\w+)`)

// friendlyYAMLError rewrites yaml's "field x not found in type
// sim.rawTask" into words a scenario author understands, with the valid
// field names.
func friendlyYAMLError(err error) error {
	where := map[string]reflect.Type{
		"rawScenario":    reflect.TypeFor[rawScenario](),
		"rawTask":        reflect.TypeFor[rawTask](),
		"rawRefuseStart": reflect.TypeFor[rawRefuseStart](),
		"rawFault":       reflect.TypeFor[rawFault](),
	}
	names := map[string]string{
		"rawScenario":    "at the top level",
		"rawTask":        "in a task",
		"rawRefuseStart": "in refuse_start",
		"rawFault":       "in a fault",
	}
	msg := unknownFieldRE.ReplaceAllStringFunc(err.Error(), func(m string) string {
		sub := unknownFieldRE.FindStringSubmatch(m)
		t, ok := where[sub[2]]
		if !ok {
			return m
		}
		var valid []string
		for i := 0; i < t.NumField(); i++ {
			valid = append(valid, t.Field(i).Tag.Get("yaml"))
		}
		return fmt.Sprintf("unknown field %s %s (valid: %s)", sub[1], names[sub[2]], strings.Join(valid, ", "))
	})
	msg = strings.NewReplacer("[]sim.rawTask", "a list of tasks", "[]sim.rawFault", "a list of faults",
		"[]string", "a list of names", "sim.raw", "").Replace(msg)
	return errors.New(msg)
}
