package sim

import (
	"errors"
	"fmt"
	"os"
	"time"
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
	StepDuration time.Duration `yaml:"step_duration"`
	// Seed (`seed`) seeds the draws of the tasks' Vary (0 means 1). A
	// task's n-th deployment draws the same times for the same seed,
	// whatever the order of requests, so a run can be repeated.
	Seed uint64 `yaml:"seed"`
	// ClockSkew (`clock_skew`) moves the gateway clock, to exercise a
	// client's handling of APIGW.0303 and its use of the Date header.
	ClockSkew time.Duration `yaml:"clock_skew"`
	// Tasks (`tasks`) shape individual deployment tasks.
	Tasks []ScenarioTask `yaml:"tasks"`
	// ReleasePlans (`release_plans`) define ServiceStage release plans;
	// any UUID no entry names is a default plan that succeeds.
	ReleasePlans []ScenarioReleasePlan `yaml:"release_plans"`
	// SoftwareDeployments (`software_deployments`) define RTS software
	// deployments; any other well-formed id is a default one.
	SoftwareDeployments []ScenarioSoftwareDeployment `yaml:"software_deployments"`
	// Health (`health`) scripts the health endpoints of the application
	// a deployment deploys (health.go); any other name is healthy.
	Health []ScenarioHealth `yaml:"health"`
	// Faults (`faults`) inject wire-level failures, applied after
	// authentication and before the service handles the request.
	Faults []Fault `yaml:"faults"`
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
	TaskID string `yaml:"task_id"`
	// Name (`name`) is the task_name in state answers.
	Name string `yaml:"name"`
	// Steps (`steps`) are the step names (default: Download package, Stop
	// service, Deploy, Start service).
	Steps []string `yaml:"steps"`
	// StepDuration (`step_duration`) is the time of each step of this task.
	StepDuration time.Duration `yaml:"step_duration"`
	// Duration (`duration`) is the total run time, spread evenly over the
	// steps: the way to make a deployment "run long". Exclusive with
	// StepDuration.
	Duration time.Duration `yaml:"duration"`
	// StepDurations (`step_durations`) gives each step its own time, one
	// per step. Exclusive with Duration and StepDuration.
	StepDurations []time.Duration `yaml:"step_durations"`
	// Vary (`vary`, a percentage such as 30%) makes each step of each
	// deployment the task runs take its time times a factor drawn
	// uniformly from [1-Vary, 1+Vary], on its own: real steps do not all
	// run slow or fast together. 0 to under 1 (100%). (The scenario tag
	// makes ParseScenario read the YAML as a percentage.)
	Vary float64 `yaml:"vary" scenario:"percent"`
	// Overrun (`overrun`) makes one step of each deployment take a
	// multiple of its time (after Vary): a step that hangs.
	Overrun *Overrun `yaml:"overrun"`
	// History (`history`) gives the task, when the server starts, one
	// succeeded record that ran each step its time exactly (no Vary, no
	// Overrun) and ended a minute before: the previous deployment a client
	// forecasts from. Without it a task has no record until the first
	// start (or SeedRecord). Needs a concrete task_id.
	History bool `yaml:"history"`
	// FailAtStep (`fail_at_step`, 1-based) makes deployments fail at the
	// end of that step; 0 means they succeed.
	FailAtStep int `yaml:"fail_at_step"`
	// FailMessage (`fail_message`) is the failure text the deployment's log
	// (ShowAppLog) shows in the failing step; the state API has no field
	// for it.
	FailMessage string `yaml:"fail_message"`
	// RollbackFails (`rollback_fails`) makes redeploys (a start with
	// record_id) fail as well, at FailAtStep or else at the last step.
	// Without it a redeploy always succeeds, which is what a rollback test
	// usually wants.
	RollbackFails bool `yaml:"rollback_fails"`
	// RefuseStart (`refuse_start`) makes every start of the task fail with
	// this error.
	RefuseStart *RefuseStart `yaml:"refuse_start"`
	// RefuseHistory (`refuse_history`) makes every history query of the
	// task (ListDeployTaskHistoryByDate) fail with this error (defaults:
	// 403, Deploy.00011154, "Insufficient permissions.").
	RefuseHistory *RefuseStart `yaml:"refuse_history"`
	// HistoryOldestFirst (`history_oldest_first`) lists the task's history
	// oldest first; by default it is newest first. The API does not say
	// which, so a client must cope with both.
	HistoryOldestFirst bool `yaml:"history_oldest_first"`
	// AlreadyRunning (`already_running`) creates, when the server starts, a
	// record started by someone else that runs this long (and succeeds),
	// so a start meets Deploy.00011027 until it ends. Needs a concrete
	// task_id.
	AlreadyRunning time.Duration `yaml:"already_running"`
	// RunningStatus (`running_status`) is reported instead of "running"
	// while a record runs, e.g. pending or an undocumented value; it may
	// not be a final status.
	RunningStatus string `yaml:"running_status"`
	// FailedStatus (`failed_status`) is reported instead of "failed" when a
	// record fails, e.g. abort or timeout.
	FailedStatus string `yaml:"failed_status"`
	// FinalStatus (`final_status`) is reported instead of the final status
	// once a record has ended, however it ended (succeeded, failed, or
	// stopped through the API), with step "finish" and an end_time as
	// usual. It is how a test meets a final status the documentation does
	// not list, such as what a record stopped in the console reports
	// (stopped? canceled?). It may not be one a client keeps polling on,
	// and excludes FailedStatus.
	FinalStatus string `yaml:"final_status"`
	// Deleted (`deleted`) makes the task one that no longer exists: every
	// request about it (start, state, stop, detail, history, params)
	// answers 404 Deploy.00011020.
	Deleted bool `yaml:"deleted"`
	// StringFields (`string_fields`) encodes step_state's id, enable,
	// offset, current_offset and elapsed_time, and the log API's offset
	// and end_offset, as JSON strings, as one version of the API
	// documentation types them.
	StringFields bool `yaml:"string_fields"`
}

// Overrun is the step of a task's deployments that takes longer than
// its time.
type Overrun struct {
	// Step (`step`) is the step, 1-based.
	Step int `yaml:"step"`
	// Factor (`factor`) multiplies the step's time; above 0 (below 1 makes
	// the step quicker).
	Factor float64 `yaml:"factor"`
}

// RefuseStart is the error a refused start gets:
// `{"error_code": Code, "error_msg": Message}` with HTTP Status.
type RefuseStart struct {
	// Status (`status`) is the HTTP status, 400-599 (default 400).
	Status int `yaml:"status"`
	// Code (`code`) is the error code (default Deploy.00011042).
	Code string `yaml:"code"`
	// Message (`message`) is the error text (default "A draft application
	// cannot be executed.").
	Message string `yaml:"message"`
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
	ID string `yaml:"id"`
	// Name (`name`) is the plan's name (default "release-plan-" + the id's
	// first 8 characters).
	Name string `yaml:"name"`
	// FailStrategy (`fail_strategy`) is stop (default: later batches never
	// start after a failure, the plan is FAILED) or continue (they run;
	// the plan ends PARTIALLY_FAILED, or FAILED when every component
	// failed).
	FailStrategy string `yaml:"fail_strategy"`
	// Status (`status`) is the plan's status when the server starts:
	// CREATED (default), RUNNING, SUCCESS, FAILED or PARTIALLY_FAILED.
	Status string `yaml:"status"`
	// SeqAsString (`seq_as_string`) encodes each component's seq as a JSON
	// string, as the API documentation types it (its example has a number).
	SeqAsString bool `yaml:"seq_as_string"`
	// ExecuteRefuse (`execute_refuse`) makes every execute of the plan fail
	// with this error.
	ExecuteRefuse *ExecuteRefuse `yaml:"execute_refuse"`
	// Components (`components`) are the plan's components; at least one.
	Components []ScenarioPlanComponent `yaml:"components"`
}

// ScenarioPlanComponent is one component of a release plan.
type ScenarioPlanComponent struct {
	// Name (`name`) is required and unique within the plan.
	Name string `yaml:"name"`
	// Seq (`seq`) is the component's batch, 1 or more.
	Seq int `yaml:"seq"`
	// Version (`version`) is the version deployed (default 1.0.0).
	Version string `yaml:"version"`
	// Duration (`duration`) is how long the component's deployment job,
	// and its rollback job, run (default: three times the step duration).
	Duration time.Duration `yaml:"duration"`
	// Fail (`fail`) makes the component's deployment job fail at its end.
	Fail bool `yaml:"fail"`
	// FailMessage (`fail_message`) is the fail_message of a failed
	// component (only with fail; default "Deployment job failed: ...").
	FailMessage string `yaml:"fail_message"`
	// RollbackFails (`rollback_fails`) makes the component's rollback job
	// fail.
	RollbackFails bool `yaml:"rollback_fails"`
}

// ExecuteRefuse is the error a refused release plan execute gets:
// `{"error_code": Code, "error_msg": Message}` with HTTP Status.
type ExecuteRefuse struct {
	// Status (`status`) is the HTTP status, 400-599 (default 400).
	Status int `yaml:"status"`
	// Code (`code`) is the error code (default SVCSTG.00100400).
	Code string `yaml:"code"`
	// Message (`message`) is the error text (default "The release plan
	// cannot be executed.").
	Message string `yaml:"message"`
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
	ID string `yaml:"id"`
	// ServerID (`server_id`) is the server the deployment targets.
	ServerID string `yaml:"server_id"`
	// ConfigID (`config_id`) is the software config deployed.
	ConfigID string `yaml:"config_id"`
	// Action (`action`) is the Heat action (default CREATE).
	Action string `yaml:"action"`
	// Status (`status`) is the initial status (default IN_PROGRESS).
	Status string `yaml:"status"`
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
	Op string `yaml:"op"`
	// TaskID (`task_id`) restricts the fault to requests of one CodeArts
	// task (for logs: the task of the record; for app_detail: the task of
	// the application); requests of the other services have no task and
	// never match it.
	TaskID string `yaml:"task_id"`
	// Kind (`kind`) is one of throttle, error, drop, slow, hang.
	Kind string `yaml:"kind"`
	// Status (`status`) is the HTTP status of an error fault.
	Status int `yaml:"status"`
	// RetryAfter (`retry_after`) is the Retry-After of a throttle fault.
	RetryAfter time.Duration `yaml:"retry_after"`
	// Delay (`delay`) is how long a slow answer is delayed, or how long a
	// hang lasts before the connection is closed (0: until the client
	// gives up).
	Delay time.Duration `yaml:"delay"`
	// After (`after`) skips this many matching requests first.
	After int `yaml:"after"`
	// Times (`times`) is how many matching requests are affected (0 = all).
	Times int `yaml:"times"`
}

// LoadScenario reads a YAML scenario file: see ParseScenario.
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

// ParseScenario decodes a YAML scenario, fills in its defaults and
// validates it: the one place a scenario is checked. The error lists
// every problem at once, each naming its field
// (e.g. `tasks[1].fail_at_step: 7 is past the last step (4)`).
func ParseScenario(data []byte) (*Scenario, error) {
	var raw Scenario
	badValues, err := decodeScenario(data, &raw)
	if err != nil {
		return nil, err
	}
	sc := raw.withDefaults()
	// Validate even after a bad duration (left 0), so every problem is
	// reported in one go.
	if err := errors.Join(badValues, sc.validate()); err != nil {
		return nil, err
	}
	return sc, nil
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
