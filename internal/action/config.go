// Package action is the GitHub side of the deploy action: it turns the
// runner's environment into a validated Config, writes workflow commands
// (log lines, masks, groups, annotations) and file commands (outputs, state,
// step summary).
//
// It is the only package of the module that reads the environment; every
// other package receives what it needs from here, so tests elsewhere never
// have to fake environment variables.
package action

import (
	"os"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"
)

// Operation selects what the action does: the operation input, parsed.
type Operation string

// The operations of the product contract (interface.md).
const (
	OpDeploy      Operation = "deploy"
	OpStop        Operation = "stop"
	OpReleasePlan Operation = "release-plan"
	OpSignal      Operation = "signal"
	// OpWatch follows a deployment record someone else started.
	OpWatch Operation = "watch"
)

// Operations returns every operation, in the order the operation input's
// error message lists them, so a caller can build a table keyed by
// Operation and test that it covers them all. The slice is the caller's.
func Operations() []Operation {
	return []Operation{OpDeploy, OpStop, OpReleasePlan, OpSignal, OpWatch}
}

// IfRunning says what a deploy does when the task is already deploying.
type IfRunning string

// The if_running choices of the product contract.
const (
	IfRunningWait IfRunning = "wait"
	IfRunningFail IfRunning = "fail"
	IfRunningStop IfRunning = "stop"
)

// Defaults of the product contract. They are repeated in action.yml, but the
// binary must not depend on the runner filling them in: `demo` and local runs
// have no action.yml.
const (
	DefaultTimeout      = 30 * time.Minute
	DefaultPollInterval = 10 * time.Second

	// MinPollInterval and MaxPollInterval bound poll_interval: faster polling
	// earns throttling (APIGW.0308), slower makes the job outlive the deployment.
	MinPollInterval = time.Second
	MaxPollInterval = 10 * time.Minute
	// MinTimeout is the shortest timeout accepted.
	MinTimeout = time.Second

	// DefaultRequestTimeout, MinRequestTimeout and MaxRequestTimeout
	// bound request_timeout, the longest one HTTP request may take.
	DefaultRequestTimeout = 30 * time.Second
	MinRequestTimeout     = time.Second
	MaxRequestTimeout     = 5 * time.Minute
)

// Config is every input of the action, parsed and validated.
//
// Inputs that do not apply to the chosen operation keep their defaults and are
// not validated: action.yml gives them defaults, so the runner always passes
// them, and they must not make an unrelated operation fail.
type Config struct {
	Operation Operation

	Region, ProjectID string

	// Exactly one authentication method is set: AuthToken, or AccessKeyID and
	// SecretAccessKey (with an optional SecurityToken for temporary credentials).
	AccessKeyID, SecretAccessKey, SecurityToken, AuthToken string

	// Keyless authentication (GitHub OIDC -> IAM), chosen when IdPID is set
	// and no explicit AK/SK or token is given. The ID token comes from
	// IDTokenFile when set, else from the runner's IDTokenRequestURL with
	// the bearer IDTokenRequestToken.
	//
	// IAMEndpoint is "" when neither iam_endpoint nor
	// HUAWEICLOUD_SDK_IAM_ENDPOINT is set: the IAM endpoint then follows
	// Region (huawei.IAMEndpoint; iam.eu-west-101.myhuaweicloud.eu for
	// Huawei Cloud Europe), else the global https://iam.myhuaweicloud.com.
	IdPID, OIDCAudience, IAMEndpoint                    string
	IDTokenFile, IDTokenRequestURL, IDTokenRequestToken string

	// Endpoint is "" (derive the host from Region) or a validated absolute
	// base URL without a trailing slash: https, or http only to a loopback host.
	Endpoint string

	Timeout, PollInterval time.Duration

	// RequestTimeout bounds one HTTP request, so a hanging answer is
	// abandoned and retried (reads) or looked into (a start).
	RequestTimeout time.Duration

	// deploy and stop
	TaskID, RecordID, TriggerSource string
	Params                          []Param
	Wait                            bool
	IfRunning                       IfRunning
	StopOnCancel, StopOnTimeout     bool
	RollbackOnFailure, ShowLogs     bool

	// release-plan
	ReleasePlanID string
	Execute       bool

	// signal
	DeploymentID, Status, StatusReason, ConfigID, DeploymentAction string
	OutputValues, InputValues                                      map[string]any

	// DryRun checks everything and changes nothing: no start, stop,
	// execute or signal is sent (every operation).
	DryRun bool

	// Health is the health gate after a successful deployment (deploy,
	// watch); nil when health_url is not given.
	Health *HealthGate

	// CABundles are certificate bundles to trust besides the system's:
	// the ca_file input's and SSL_CERT_FILE's, read and checked.
	CABundles []CABundle

	// Debug is true when the workflow runs with debug logging
	// (ACTIONS_STEP_DEBUG or RUNNER_DEBUG set to 1 or true).
	Debug bool
}

// Secrets returns every secret value the configuration holds, so the caller
// can mask them (Log.AddMask) before printing anything: the access keys, the
// tokens and the value of every encrypt param. Empty values are left out.
func (c *Config) Secrets() []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	add(c.AccessKeyID)
	add(c.SecretAccessKey)
	add(c.SecurityToken)
	add(c.AuthToken)
	add(c.IDTokenRequestToken)
	for _, p := range c.Params {
		if p.Type == ParamEncrypt {
			add(p.Value)
		}
	}
	return out
}

// InputError is one problem with one input. Load and the parsers return all
// of them joined (errors.Join), so a workflow author fixes every mistake in
// one round; errors.As finds the first.
type InputError struct {
	// Input is the input the problem is about, as named in action.yml
	// ("task_id"); a few problems concern a group ("access_key_id/...").
	Input string
	// Entry locates the problem inside the input, e.g. "[2] (db_password)"
	// for the third params entry; "" when the whole input is concerned.
	Entry string
	// Msg says what is wrong. It never contains a secret value.
	Msg string
}

// Error renders the problem as "input[entry]: message".
func (e *InputError) Error() string { return e.Input + e.Entry + ": " + e.Msg }

// Environment variables that provide defaults for inputs. The HUAWEI_CLOUD_*
// names are exported (masked) by huaweicloud/auth-action, the HUAWEICLOUD_SDK_*
// ones are those of the official SDKs.
const (
	EnvRegion          = "HUAWEI_CLOUD_REGION"
	EnvProjectID       = "HUAWEI_CLOUD_PROJECT_ID"
	EnvSDKProjectID    = "HUAWEICLOUD_SDK_PROJECT_ID"
	EnvAccessKeyID     = "HUAWEI_CLOUD_ACCESS_KEY_ID"
	EnvSDKAccessKey    = "HUAWEICLOUD_SDK_AK"
	EnvSecretAccessKey = "HUAWEI_CLOUD_SECRET_ACCESS_KEY"
	EnvSDKSecretKey    = "HUAWEICLOUD_SDK_SK"
	EnvSecurityToken   = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
	EnvIdPID           = "HUAWEICLOUD_SDK_IDP_ID"
	EnvIDTokenFile     = "HUAWEICLOUD_SDK_ID_TOKEN_FILE"
	EnvIAMEndpoint     = "HUAWEICLOUD_SDK_IAM_ENDPOINT"
	// EnvIDTokenRequestURL and EnvIDTokenRequestToken are set by the runner
	// when the job has `permissions: id-token: write`.
	EnvIDTokenRequestURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvIDTokenRequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// Load reads every input the way the runner passes it (INPUT_<NAME>), applies
// the defaults and environment fallbacks of the product contract, and
// validates the result. It reports every problem at once; no error text ever
// contains a secret value. A nil getenv means os.Getenv.
func Load(getenv func(string) string) (*Config, error) {
	l := newLoader(getenv)
	c := defaultConfig(DebugLogging(l.getenv))
	// The order of these calls is the order of the messages.
	opKnown := l.loadOperation(c)
	l.loadEndpointAndRegion(c)
	l.loadCredentials(c)
	l.loadDurations(c)
	l.loadCABundles(c)
	c.DryRun = l.bool("dry_run", false)
	l.loadProject(c)
	if opKnown {
		l.loadOperationInputs(c)
	}
	if len(l.errs) > 0 {
		return nil, l.joined(c)
	}
	return c, nil
}

// newLoader returns a loader reading getenv, or os.Getenv when it is nil.
func newLoader(getenv func(string) string) *loader {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &loader{gha: githubactions.New(githubactions.WithGetenv(getenv)), getenv: getenv}
}

// defaultConfig is the configuration before any input is read: the
// defaults of the product contract for a deploy.
func defaultConfig(debug bool) *Config {
	return &Config{
		Operation:     OpDeploy,
		Timeout:       DefaultTimeout,
		PollInterval:  DefaultPollInterval,
		Wait:          true,
		IfRunning:     IfRunningWait,
		StopOnCancel:  true,
		StopOnTimeout: true,
		ShowLogs:      true,
		Debug:         debug,
	}
}

// operationNames are the choices of the operation input.
var operationNames = choices(Operations())

// loadOperation reads the operation input (deploy when empty). It returns
// false for an unknown operation: no operation's inputs are then checked,
// since it is not known which apply.
func (l *loader) loadOperation(c *Config) bool {
	if l.input("operation") == "" {
		return true
	}
	op := l.choice("operation", operationNames, strings.ToLower)
	if op == "" {
		return false
	}
	c.Operation = Operation(op)
	return true
}

// loadProject reads project_id, which keyless authentication needs
// whatever the operation: the IAM token is scoped to the project.
func (l *loader) loadProject(c *Config) {
	c.ProjectID, _ = l.withEnv("project_id", EnvProjectID, EnvSDKProjectID)
	if c.ProjectID != "" {
		l.id32("project_id", c.ProjectID)
	} else if c.IdPID != "" {
		l.fail("project_id", "required for keyless authentication (idp_id): the IAM token is scoped to the project (or set %s)", EnvProjectID)
	}
}

// loadDurations reads the durations every operation shares.
func (l *loader) loadDurations(c *Config) {
	timeout, tOK := l.duration("timeout", DefaultTimeout)
	if tOK && timeout < MinTimeout {
		l.fail("timeout", "must be at least %s, got %s", MinTimeout, timeout)
	}
	poll, pOK := l.duration("poll_interval", DefaultPollInterval)
	if pOK && (poll < MinPollInterval || poll > MaxPollInterval) {
		l.fail("poll_interval", "must be between %s and %s, got %s", MinPollInterval, shortDuration(MaxPollInterval), poll)
	}
	// A poll_interval longer than the timeout is not an error: the runner
	// passes action.yml's default (10s) whether or not the user set it, so
	// `timeout: 3s` alone must work. The wait never sleeps past the time
	// left (wait.Poll), whatever poll_interval says.
	c.Timeout, c.PollInterval = timeout, poll
	c.RequestTimeout = l.requestTimeout()
}

// requestTimeout reads request_timeout, the longest one request may take.
func (l *loader) requestTimeout() time.Duration {
	req, ok := l.duration("request_timeout", DefaultRequestTimeout)
	if ok && (req < MinRequestTimeout || req > MaxRequestTimeout) {
		l.fail("request_timeout", "must be between %s and %s, got %s", MinRequestTimeout, shortDuration(MaxRequestTimeout), req)
	}
	return req
}

// loadOperationInputs reads the inputs of c.Operation only: inputs of
// other operations keep their defaults and are not checked (see Config).
func (l *loader) loadOperationInputs(c *Config) {
	switch c.Operation {
	case OpDeploy:
		l.loadDeploy(c)
	case OpStop:
		l.loadStop(c)
	case OpWatch:
		l.loadWatch(c)
	case OpReleasePlan:
		l.loadReleasePlan(c)
	case OpSignal:
		l.loadSignal(c)
	}
}
