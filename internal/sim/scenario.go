package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Scenario tells the simulator how to misbehave. It is usually read from a
// YAML file (LoadScenario); testdata/scenarios/README.md documents the same
// fields with examples. Every field is optional.
//
//	step_duration: 1s           # default time of one deployment step (overrides Options.StepDuration)
//	seed: 7                     # seed of the draws tasks' `vary` makes (default 1)
//	clock_skew: 20m             # gateway clock = now + skew: the Date header, the X-Sdk-Date
//	                            # check (±15m) and all record times; negative values allowed
//	tasks: [...]                # per-task behaviour, see ScenarioTask
//	release_plans: [...]        # ServiceStage release plans, see ScenarioReleasePlan
//	software_deployments: [...] # RTS software deployments, see ScenarioSoftwareDeployment
//	health: [...]               # the deployed application's health endpoints, see ScenarioHealth
//	faults: [...]               # wire-level fault injection, see Fault
//
// Durations are Go durations ("750ms", "2s", "1m30s"). Unknown fields are
// errors, so a typo cannot silently turn a failure scenario into a
// success.
type Scenario struct {
	// StepDuration (`step_duration`) is the default time of one step.
	StepDuration time.Duration
	// Seed (`seed`) seeds the draws of the tasks' Vary (0 means 1). A
	// task's n-th deployment draws the same times for the same seed,
	// whatever the order of requests, so a run can be repeated.
	Seed uint64
	// ClockSkew (`clock_skew`) moves the gateway clock, to exercise a
	// client's handling of APIGW.0303 and its use of the Date header.
	ClockSkew time.Duration
	// Tasks (`tasks`) shape individual deployment tasks.
	Tasks []ScenarioTask
	// ReleasePlans (`release_plans`) define ServiceStage release plans;
	// any UUID no entry names is a default plan that succeeds.
	ReleasePlans []ScenarioReleasePlan
	// SoftwareDeployments (`software_deployments`) define RTS software
	// deployments; any other well-formed id is a default one.
	SoftwareDeployments []ScenarioSoftwareDeployment
	// Health (`health`) scripts the health endpoints of the application
	// a deployment deploys (health.go); any other name is healthy.
	Health []ScenarioHealth
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
//     step_durations: [2s, 20s, 5s, 3s, 10s]  # or: each step's own time
//     vary: 30%                     # each step of each deployment: its time ±30 %, drawn on its own
//     overrun: {step: 3, factor: 5} # step 3 of each deployment takes 5x its time
//     history: true                 # a succeeded record of the planned times ended before server start
//     fail_at_step: 3               # 1-based: the deployment fails in this step
//     fail_message: "Health check failed: HTTP 503 from /healthz"
//     rollback_fails: false         # redeploys (start with record_id) fail too
//     refuse_start: {status: 400, code: Deploy.00011042, message: "A draft application cannot be executed."}
//     refuse_history: {status: 403, code: Deploy.00011154, message: "Insufficient permissions."}
//     history_oldest_first: false   # the history lists records oldest first
//     already_running: 30s          # someone else's deployment runs this long from server start
//     running_status: pending       # status reported while running instead of "running"
//     failed_status: abort          # status reported on failure instead of "failed"
//     final_status: stopped         # status reported once a record has ended, however it ended
//     string_fields: true           # step_state numbers/bools encoded as JSON strings
//     deleted: true                 # the task no longer exists: 404 Deploy.00011020
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
	// StepDurations (`step_durations`) gives each step its own time, one
	// per step. Exclusive with Duration and StepDuration.
	StepDurations []time.Duration
	// Vary (`vary`, a percentage such as 30%) makes each step of each
	// deployment the task runs take its time times a factor drawn
	// uniformly from [1-Vary, 1+Vary], on its own: real steps do not all
	// run slow or fast together. 0 to under 1 (100%).
	Vary float64
	// Overrun (`overrun`) makes one step of each deployment take a
	// multiple of its time (after Vary): a step that hangs.
	Overrun *Overrun
	// History (`history`) gives the task, when the server starts, one
	// succeeded record that ran each step its time exactly (no Vary, no
	// Overrun) and ended a minute before: the previous deployment a client
	// forecasts from. Without it a task has no record until the first
	// start (or SeedRecord). Needs a concrete task_id.
	History bool
	// FailAtStep (`fail_at_step`, 1-based) makes deployments fail at the
	// end of that step; 0 means they succeed.
	FailAtStep int
	// FailMessage (`fail_message`) is the failure text the deployment's log
	// (ShowAppLog) shows in the failing step; the state API has no field
	// for it.
	FailMessage string
	// RollbackFails (`rollback_fails`) makes redeploys (a start with
	// record_id) fail as well, at FailAtStep or else at the last step.
	// Without it a redeploy always succeeds, which is what a rollback test
	// usually wants.
	RollbackFails bool
	// RefuseStart (`refuse_start`) makes every start of the task fail with
	// this error.
	RefuseStart *RefuseStart
	// RefuseHistory (`refuse_history`) makes every history query of the
	// task (ListDeployTaskHistoryByDate) fail with this error (defaults:
	// 403, Deploy.00011154, "Insufficient permissions.").
	RefuseHistory *RefuseStart
	// HistoryOldestFirst (`history_oldest_first`) lists the task's history
	// oldest first; by default it is newest first. The API does not say
	// which, so a client must cope with both.
	HistoryOldestFirst bool
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
	// FinalStatus (`final_status`) is reported instead of the final status
	// once a record has ended, however it ended (succeeded, failed, or
	// stopped through the API), with step "finish" and an end_time as
	// usual. It is how a test meets a final status the documentation does
	// not list, such as what a record stopped in the console reports
	// (stopped? canceled?). It may not be one a client keeps polling on,
	// and excludes FailedStatus.
	FinalStatus string
	// Deleted (`deleted`) makes the task one that no longer exists: every
	// request about it (start, state, stop, detail, history, params)
	// answers 404 Deploy.00011020.
	Deleted bool
	// StringFields (`string_fields`) encodes step_state's id, enable,
	// offset, current_offset and elapsed_time, and the log API's offset
	// and end_offset, as JSON strings, as one version of the API
	// documentation types them.
	StringFields bool
}

// Overrun is the step of a task's deployments that takes longer than
// its time.
type Overrun struct {
	// Step (`step`) is the step, 1-based.
	Step int
	// Factor (`factor`) multiplies the step's time; above 0 (below 1 makes
	// the step quicker).
	Factor float64
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

// ScenarioReleasePlan defines one ServiceStage release plan:
//
//   - id: 716eda33-dbc6-47f3-953f-29119edd5e5c   # path-safe: letters, digits, - and _ (1-64)
//     name: checkout-release
//     fail_strategy: stop          # stop (default): a failed batch ends the plan | continue
//     status: CREATED              # status at server start: CREATED (default), RUNNING,
//     # SUCCESS, FAILED or PARTIALLY_FAILED
//     seq_as_string: true          # deploy-info/show encode seq as "1" instead of 1
//     execute_refuse: {status: 400, code: SVCSTG.00100400, message: "..."}
//     components:
//   - {name: api, seq: 1, version: 1.4.2, duration: 3s}
//   - {name: web, seq: 2, fail: true, fail_message: "readiness probe failed", rollback_fails: true}
//
// Components of one batch (seq) run together; batch n+1 starts when every
// component of batch n has ended. A status other than CREATED means
// someone else executed the plan: RUNNING starts that execution at server
// start, SUCCESS/FAILED/PARTIALLY_FAILED have it end at server start (and
// must agree with the components' fail flags).
type ScenarioReleasePlan struct {
	// ID (`id`) is the plan id as it appears in the path, usually a UUID.
	ID string
	// Name (`name`) is the plan's name (default "release-plan-" + the id's
	// first 8 characters).
	Name string
	// FailStrategy (`fail_strategy`) is stop (default: later batches never
	// start after a failure, the plan is FAILED) or continue (they run;
	// the plan ends PARTIALLY_FAILED, or FAILED when every component
	// failed).
	FailStrategy string
	// Status (`status`) is the plan's status when the server starts:
	// CREATED (default), RUNNING, SUCCESS, FAILED or PARTIALLY_FAILED.
	Status string
	// SeqAsString (`seq_as_string`) encodes each component's seq as a JSON
	// string, as the API documentation types it (its example has a number).
	SeqAsString bool
	// ExecuteRefuse (`execute_refuse`) makes every execute of the plan fail
	// with this error.
	ExecuteRefuse *ExecuteRefuse
	// Components (`components`) are the plan's components; at least one.
	Components []ScenarioPlanComponent
}

// ScenarioPlanComponent is one component of a release plan.
type ScenarioPlanComponent struct {
	// Name (`name`) is required and unique within the plan.
	Name string
	// Seq (`seq`) is the component's batch, 1 or more.
	Seq int
	// Version (`version`) is the version deployed (default 1.0.0).
	Version string
	// Duration (`duration`) is how long the component's deployment job,
	// and its rollback job, run (default: three times the step duration).
	Duration time.Duration
	// Fail (`fail`) makes the component's deployment job fail at its end.
	Fail bool
	// FailMessage (`fail_message`) is the fail_message of a failed
	// component (only with fail; default "Deployment job failed: ...").
	FailMessage string
	// RollbackFails (`rollback_fails`) makes the component's rollback job
	// fail.
	RollbackFails bool
}

// ExecuteRefuse is the error a refused release plan execute gets:
// `{"error_code": Code, "error_msg": Message}` with HTTP Status.
type ExecuteRefuse struct {
	// Status (`status`) is the HTTP status, 400-599 (default 400).
	Status int
	// Code (`code`) is the error code (default SVCSTG.00100400).
	Code string
	// Message (`message`) is the error text (default "The release plan
	// cannot be executed.").
	Message string
}

// ScenarioSoftwareDeployment defines one RTS (Heat) software deployment:
//
//   - id: 5c9a1f0e-2b7d-4e43-9a51-6f2d8c7b3e10  # 1-64 letters, digits and -
//     server_id: 1b2c3d4e-...      # default: derived from the id
//     config_id: 9f8e7d6c-...      # default: derived from the id
//     action: CREATE               # CREATE (default), UPDATE, DELETE, SUSPEND, RESUME
//     status: IN_PROGRESS          # IN_PROGRESS (default), COMPLETE, FAILED
//
// Ids no entry names exist as default IN_PROGRESS deployments, except
// those starting with "missing-", which are not found.
type ScenarioSoftwareDeployment struct {
	// ID (`id`) is the deployment id as it appears in the path.
	ID string
	// ServerID (`server_id`) is the server the deployment targets.
	ServerID string
	// ConfigID (`config_id`) is the software config deployed.
	ConfigID string
	// Action (`action`) is the Heat action (default CREATE).
	Action string
	// Status (`status`) is the initial status (default IN_PROGRESS).
	Status string
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
	faultOps   = []string{
		"start", "state", "stop", "logs", "detail", "app_detail", "history", "params", // CodeArts Deploy
		"plans", "plan", "execute", "rollback", "abort", "deploy_info", // ServiceStage
		"signal", "deployment", // RTS
		"iam", "oidc", // keyless authentication
		"health", // the deployed application's health endpoint
		FaultOpAny,
	}
	// taskOps are the operations that concern one CodeArts task, the only
	// ones a fault's task_id can match.
	taskOps = []string{"start", "state", "stop", "logs", "detail", "app_detail", "history", "params"}
	// errorStatuses are the statuses a gateway answers for a failing backend.
	errorStatuses = []int{500, 502, 503, 504}
	// finalStatuses would make a client stop polling, so a running_status
	// must not be one of them.
	finalStatuses = []string{"succeeded", "failed", "abort", "timeout"}
	// pollingStatuses are the documented statuses of a record that has
	// not ended (huawei-api.md §1), so a final_status must not be one.
	pollingStatuses = []string{"running", "pending", "not_started", "not_executed"}
)

// Fault injects a wire-level failure into matching requests:
//
//   - op: start          # an operation below, or any (default any)
//     task_id: ""        # only CodeArts requests for this task (default: every request)
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
//
// Operations: CodeArts Deploy start, state, stop, logs (ShowAppLog), detail
// (ShowDeployTaskDetail), app_detail (ShowAppDetailById), history
// (ListDeployTaskHistoryByDate), params (ShowExecutionParams); ServiceStage plans (list), plan (show),
// execute, rollback, abort, deploy_info; RTS signal (PUT of a software
// deployment), deployment (its GET); iam (the exchange of an OIDC token for
// an IAM token), oidc (the GitHub OIDC token endpoint and its JWKS);
// health (the deployed application's health endpoint).
type Fault struct {
	// Op (`op`) is the operation matched, or any.
	Op string
	// TaskID (`task_id`) restricts the fault to requests of one CodeArts
	// task (for logs: the task of the record; for app_detail: the task of
	// the application); requests of the other services have no task and
	// never match it.
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
	StepDuration        string                  `yaml:"step_duration"`
	Seed                uint64                  `yaml:"seed"`
	ClockSkew           string                  `yaml:"clock_skew"`
	Tasks               []rawTask               `yaml:"tasks"`
	ReleasePlans        []rawReleasePlan        `yaml:"release_plans"`
	SoftwareDeployments []rawSoftwareDeployment `yaml:"software_deployments"`
	Health              []rawHealth             `yaml:"health"`
	Faults              []rawFault              `yaml:"faults"`
}

type rawTask struct {
	TaskID         string          `yaml:"task_id"`
	Name           string          `yaml:"name"`
	Steps          []string        `yaml:"steps"`
	StepDuration   string          `yaml:"step_duration"`
	Duration       string          `yaml:"duration"`
	StepDurations  []string        `yaml:"step_durations"`
	Vary           string          `yaml:"vary"`
	Overrun        *rawOverrun     `yaml:"overrun"`
	History        bool            `yaml:"history"`
	FailAtStep     int             `yaml:"fail_at_step"`
	FailMessage    string          `yaml:"fail_message"`
	RollbackFails  bool            `yaml:"rollback_fails"`
	RefuseStart    *rawRefuseStart `yaml:"refuse_start"`
	AlreadyRunning string          `yaml:"already_running"`
	RunningStatus  string          `yaml:"running_status"`
	FailedStatus   string          `yaml:"failed_status"`
	FinalStatus    string          `yaml:"final_status"`
	StringFields   bool            `yaml:"string_fields"`
	RefuseHistory  *rawRefuseStart `yaml:"refuse_history"`
	HistoryOldest  bool            `yaml:"history_oldest_first"`
	Deleted        bool            `yaml:"deleted"`
}

type rawOverrun struct {
	Step   int     `yaml:"step"`
	Factor float64 `yaml:"factor"`
}

type rawRefuseStart struct {
	Status  int    `yaml:"status"`
	Code    string `yaml:"code"`
	Message string `yaml:"message"`
}

type rawReleasePlan struct {
	ID            string          `yaml:"id"`
	Name          string          `yaml:"name"`
	FailStrategy  string          `yaml:"fail_strategy"`
	Status        string          `yaml:"status"`
	SeqAsString   bool            `yaml:"seq_as_string"`
	ExecuteRefuse *rawRefuseStart `yaml:"execute_refuse"`
	Components    []rawComponent  `yaml:"components"`
}

type rawComponent struct {
	Name          string `yaml:"name"`
	Seq           int    `yaml:"seq"`
	Version       string `yaml:"version"`
	Duration      string `yaml:"duration"`
	Fail          bool   `yaml:"fail"`
	FailMessage   string `yaml:"fail_message"`
	RollbackFails bool   `yaml:"rollback_fails"`
}

type rawSoftwareDeployment struct {
	ID       string `yaml:"id"`
	ServerID string `yaml:"server_id"`
	ConfigID string `yaml:"config_id"`
	Action   string `yaml:"action"`
	Status   string `yaml:"status"`
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
		Seed:         raw.Seed,
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
			FinalStatus:    rt.FinalStatus,
			StringFields:   rt.StringFields,

			HistoryOldestFirst: rt.HistoryOldest,
			Deleted:            rt.Deleted,
			Vary:               percent(p+"vary", rt.Vary, &errs),
			History:            rt.History,
		}
		for j, d := range rt.StepDurations {
			t.StepDurations = append(t.StepDurations, dur(fmt.Sprintf("%sstep_durations[%d]", p, j), d))
		}
		if o := rt.Overrun; o != nil {
			t.Overrun = &Overrun{Step: o.Step, Factor: o.Factor}
		}
		if rt.RefuseStart != nil {
			t.RefuseStart = &RefuseStart{Status: rt.RefuseStart.Status, Code: rt.RefuseStart.Code, Message: rt.RefuseStart.Message}
		}
		if r := rt.RefuseHistory; r != nil {
			t.RefuseHistory = &RefuseStart{Status: r.Status, Code: r.Code, Message: r.Message}
		}
		sc.Tasks = append(sc.Tasks, t)
	}
	for i, rp := range raw.ReleasePlans {
		pl := ScenarioReleasePlan{
			ID: rp.ID, Name: rp.Name, FailStrategy: rp.FailStrategy, Status: rp.Status, SeqAsString: rp.SeqAsString,
		}
		if r := rp.ExecuteRefuse; r != nil {
			pl.ExecuteRefuse = &ExecuteRefuse{Status: r.Status, Code: r.Code, Message: r.Message}
		}
		for j, rc := range rp.Components {
			pl.Components = append(pl.Components, ScenarioPlanComponent{
				Name: rc.Name, Seq: rc.Seq, Version: rc.Version,
				Duration: dur(fmt.Sprintf("release_plans[%d].components[%d].duration", i, j), rc.Duration),
				Fail:     rc.Fail, FailMessage: rc.FailMessage, RollbackFails: rc.RollbackFails,
			})
		}
		sc.ReleasePlans = append(sc.ReleasePlans, pl)
	}
	for _, rd := range raw.SoftwareDeployments {
		sc.SoftwareDeployments = append(sc.SoftwareDeployments, ScenarioSoftwareDeployment(rd))
	}
	for i, rh := range raw.Health {
		p := fmt.Sprintf("health[%d].", i)
		sc.Health = append(sc.Health, ScenarioHealth{
			Name: rh.Name, HealthyAfter: dur(p+"healthy_after", rh.HealthyAfter), Flapping: rh.Flapping, Never: rh.Never,
			Delay: dur(p+"delay", rh.Delay), Status: rh.Status, Body: rh.Body,
			UnhealthyStatus: rh.UnhealthyStatus, UnhealthyBody: rh.UnhealthyBody,
		})
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

// percent reads a percentage such as "30%" as a fraction (0.3); "" is 0.
func percent(field, s string, errs *[]error) float64 {
	if s == "" {
		return 0
	}
	num, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		*errs = append(*errs, fmt.Errorf("%s: %q is not a percentage (write it like 30%%)", field, s))
		return 0
	}
	return f / 100
}

// Validate reports every problem of the scenario at once (errors.Join),
// each naming its field and, for choices, the valid values. It also fills
// in defaults (fault op "any", error status 503, refuse_start,
// refuse_history and execute_refuse status, code and message, release plan fail_strategy,
// status and component version, software deployment action and status),
// so a Scenario built in Go behaves like one read from YAML.
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
		if len(t.StepDurations) > 0 {
			if t.StepDuration > 0 || t.Duration > 0 {
				add("%sstep_durations: give one of duration, step_duration and step_durations", p)
			}
			if len(t.StepDurations) != nSteps {
				add("%sstep_durations: %d durations for %d steps; give one per step", p, len(t.StepDurations), nSteps)
			}
			for j, d := range t.StepDurations {
				if d <= 0 {
					add("%sstep_durations[%d]: %s must be more than 0", p, j, d)
				}
			}
		}
		if t.Vary < 0 || t.Vary >= 1 {
			add("%svary: %g%% must be from 0%% to under 100%% (a step's time never reaches 0)", p, t.Vary*100)
		}
		if o := t.Overrun; o != nil {
			if o.Step < 1 || o.Step > nSteps {
				add("%soverrun.step: %d is not a step (1-%d)", p, o.Step, nSteps)
			}
			if !(o.Factor > 0) || math.IsInf(o.Factor, 0) {
				add("%soverrun.factor: %g must be more than 0 (5 makes the step take 5 times its time)", p, o.Factor)
			}
		}
		switch {
		case t.History && t.TaskID == "*":
			add("%shistory: needs a concrete task_id, not \"*\"", p)
		case t.History && t.Deleted:
			add("%shistory: a deleted task has no records", p)
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
		if rh := t.RefuseHistory; rh != nil {
			if rh.Status == 0 {
				rh.Status = 403
			}
			if rh.Status < 400 || rh.Status > 599 {
				add("%srefuse_history.status: %d is not an error status (400-599)", p, rh.Status)
			}
			if rh.Code == "" {
				rh.Code = "Deploy.00011154"
			}
			if rh.Message == "" {
				rh.Message = "Insufficient permissions."
			}
		}
		switch {
		case t.AlreadyRunning < 0:
			add("%salready_running: %s must not be negative", p, t.AlreadyRunning)
		case t.AlreadyRunning > 0 && t.TaskID == "*":
			add("%salready_running: needs a concrete task_id, not \"*\"", p)
		case t.AlreadyRunning > 0 && t.Deleted:
			add("%salready_running: a deleted task runs nothing", p)
		}
		for _, f := range finalStatuses {
			if t.RunningStatus == f {
				add("%srunning_status: %q is a final status; use a value a client keeps polling on (e.g. pending, running, not_started)", p, f)
			}
		}
		if t.FailedStatus == "succeeded" || t.FailedStatus == "running" {
			add("%sfailed_status: %q would not read as a failure (use e.g. failed, abort, timeout)", p, t.FailedStatus)
		}
		if slices.Contains(pollingStatuses, t.FinalStatus) || t.FinalStatus != "" && strings.TrimSpace(t.FinalStatus) == "" {
			add("%sfinal_status: %q is a status a client keeps polling on (%s); use a final one, e.g. stopped or canceled", p, t.FinalStatus, strings.Join(pollingStatuses, ", "))
		}
		if t.FinalStatus != "" && t.FailedStatus != "" {
			add("%sfinal_status: give either final_status (every ended record) or failed_status (failed records), not both", p)
		}
	}

	seenPlans := map[string]int{}
	for i := range sc.ReleasePlans {
		pl := &sc.ReleasePlans[i]
		p := fmt.Sprintf("release_plans[%d].", i)
		switch {
		case pl.ID == "":
			add("%sid: required (e.g. a UUID)", p)
		case !planIDRE.MatchString(pl.ID):
			add("%sid: %q must be 1-64 letters, digits, - or _", p, pl.ID)
		}
		if j, dup := seenPlans[pl.ID]; dup && pl.ID != "" {
			add("%sid: %q is already used by release_plans[%d]", p, pl.ID, j)
		} else {
			seenPlans[pl.ID] = i
		}
		if pl.FailStrategy == "" {
			pl.FailStrategy = failStrategyStop
		}
		if !slices.Contains(failStrategies, pl.FailStrategy) {
			add("%sfail_strategy: %q is not one of %s", p, pl.FailStrategy, strings.Join(failStrategies, ", "))
		}
		if pl.Status == "" {
			pl.Status = planCreated
		}
		if !slices.Contains(initialPlanStatuses, pl.Status) {
			add("%sstatus: %q is not one of %s", p, pl.Status, strings.Join(initialPlanStatuses, ", "))
		}
		if r := pl.ExecuteRefuse; r != nil {
			if r.Status == 0 {
				r.Status = 400
			}
			if r.Status < 400 || r.Status > 599 {
				add("%sexecute_refuse.status: %d is not an error status (400-599)", p, r.Status)
			}
			if r.Code == "" {
				r.Code = svcstgInvalid
			}
			if r.Message == "" {
				r.Message = "The release plan cannot be executed."
			}
		}
		if len(pl.Components) == 0 {
			add("%scomponents: a release plan needs at least one component", p)
		}
		seenComps := map[string]int{}
		for j := range pl.Components {
			c := &pl.Components[j]
			cp := fmt.Sprintf("%scomponents[%d].", p, j)
			if strings.TrimSpace(c.Name) == "" {
				add("%sname: required", cp)
			} else if k, dup := seenComps[c.Name]; dup {
				add("%sname: %q is already used by components[%d]", cp, c.Name, k)
			} else {
				seenComps[c.Name] = j
			}
			if c.Seq < 1 {
				add("%sseq: %d must be 1 or more (batches count from 1)", cp, c.Seq)
			}
			if c.Version == "" {
				c.Version = "1.0.0"
			}
			if c.Duration < 0 {
				add("%sduration: %s must not be negative", cp, c.Duration)
			}
			if c.FailMessage != "" && !c.Fail {
				add("%sfail_message: only used with fail: true", cp)
			}
		}
		if slices.Contains(finalPlanStatuses, pl.Status) && len(pl.Components) > 0 {
			if want := planOutcome(pl.Components, pl.FailStrategy); want != pl.Status {
				add("%sstatus: %s does not agree with the components, whose fail flags end the plan %s", p, pl.Status, want)
			}
		}
	}

	seenDeployments := map[string]int{}
	for i := range sc.SoftwareDeployments {
		d := &sc.SoftwareDeployments[i]
		p := fmt.Sprintf("software_deployments[%d].", i)
		switch {
		case d.ID == "":
			add("%sid: required", p)
		case !deploymentIDRE.MatchString(d.ID):
			add("%sid: %q must be 1-64 letters, digits or -", p, d.ID)
		}
		if j, dup := seenDeployments[d.ID]; dup && d.ID != "" {
			add("%sid: %q is already used by software_deployments[%d]", p, d.ID, j)
		} else {
			seenDeployments[d.ID] = i
		}
		if d.Action == "" {
			d.Action = "CREATE"
		}
		if !slices.Contains(heatActions, d.Action) {
			add("%saction: %q is not one of %s", p, d.Action, strings.Join(heatActions, ", "))
		}
		if d.Status == "" {
			d.Status = swInProgress
		}
		if !slices.Contains(swStatuses, d.Status) {
			add("%sstatus: %q is not one of %s", p, d.Status, strings.Join(swStatuses, ", "))
		}
	}

	sc.validateHealth(add)

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
		} else if f.TaskID != "" && f.Op != FaultOpAny && slices.Contains(faultOps, f.Op) && !slices.Contains(taskOps, f.Op) {
			add("%stask_id: op %s has no task; task_id only works with %s or any", p, f.Op, strings.Join(taskOps, ", "))
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
		"rawScenario":           reflect.TypeFor[rawScenario](),
		"rawTask":               reflect.TypeFor[rawTask](),
		"rawRefuseStart":        reflect.TypeFor[rawRefuseStart](),
		"rawOverrun":            reflect.TypeFor[rawOverrun](),
		"rawReleasePlan":        reflect.TypeFor[rawReleasePlan](),
		"rawComponent":          reflect.TypeFor[rawComponent](),
		"rawSoftwareDeployment": reflect.TypeFor[rawSoftwareDeployment](),
		"rawFault":              reflect.TypeFor[rawFault](),
		"rawHealth":             reflect.TypeFor[rawHealth](),
	}
	names := map[string]string{
		"rawScenario":           "at the top level",
		"rawTask":               "in a task",
		"rawRefuseStart":        "in refuse_start, refuse_history or execute_refuse",
		"rawOverrun":            "in overrun",
		"rawReleasePlan":        "in a release plan",
		"rawComponent":          "in a release plan component",
		"rawSoftwareDeployment": "in a software deployment",
		"rawFault":              "in a fault",
		"rawHealth":             "in a health endpoint",
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
		"[]sim.rawReleasePlan", "a list of release plans", "[]sim.rawComponent", "a list of components",
		"[]sim.rawSoftwareDeployment", "a list of software deployments", "[]sim.rawHealth", "a list of health endpoints",
		"[]string", "a list of names", "sim.raw", "").Replace(msg)
	return errors.New(msg)
}
