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
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sethvargo/go-githubactions"
)

// Operation selects what the action does.
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

var (
	// regionRE accepts every well-formed region name, including ones the
	// action has never heard of (huawei-api.md §1: never hard-fail on an
	// unknown region, only on a malformed one).
	regionRE    = regexp.MustCompile(`^[a-z]{2,}-[a-z]+-[0-9]+$`)
	id32RE      = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	shortIDRE   = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	operations  = []string{string(OpDeploy), string(OpStop), string(OpReleasePlan), string(OpSignal), string(OpWatch)}
	ifRunnings  = []string{string(IfRunningWait), string(IfRunningFail), string(IfRunningStop)}
	signalStats = []string{"COMPLETE", "FAILED", "IN_PROGRESS"}
)

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
	if getenv == nil {
		getenv = os.Getenv
	}
	l := &loader{
		gha:    githubactions.New(githubactions.WithGetenv(getenv)),
		getenv: getenv,
	}
	c := &Config{
		Operation:     OpDeploy,
		Timeout:       DefaultTimeout,
		PollInterval:  DefaultPollInterval,
		Wait:          true,
		IfRunning:     IfRunningWait,
		StopOnCancel:  true,
		StopOnTimeout: true,
		ShowLogs:      true,
		Debug:         DebugLogging(getenv),
	}

	opKnown := true
	if v := l.input("operation"); v != "" {
		if op, ok := oneOf(v, operations, strings.ToLower); ok {
			c.Operation = Operation(op)
		} else {
			opKnown = false
			l.fail("operation", "%s is not one of %s", quote(v), strings.Join(operations, ", "))
		}
	}

	l.loadEndpointAndRegion(c)
	l.loadCredentials(c)
	l.loadDurations(c)
	l.loadCABundles(c)
	c.DryRun = l.bool("dry_run", false)

	c.ProjectID, _ = l.withEnv("project_id", EnvProjectID, EnvSDKProjectID)
	if c.ProjectID != "" {
		l.id32("project_id", c.ProjectID)
	} else if c.IdPID != "" {
		l.fail("project_id", "required for keyless authentication (idp_id): the IAM token is scoped to the project (or set %s)", EnvProjectID)
	}

	if opKnown {
		switch c.Operation {
		case OpDeploy:
			l.loadDeploy(c)
		case OpStop:
			c.TaskID = l.required("task_id", c.Operation, l.id32)
			c.RecordID = l.required("record_id", c.Operation, l.id32)
		case OpWatch:
			l.loadWatch(c)
		case OpReleasePlan:
			l.requireProject(c)
			c.ReleasePlanID = l.required("release_plan_id", c.Operation, l.shortID)
			c.Execute = l.bool("execute", false)
			c.Wait = l.bool("wait", true)
			c.RollbackOnFailure = l.bool("rollback_on_failure", false)
			c.StopOnCancel = l.bool("stop_on_cancel", true)
			c.StopOnTimeout = l.bool("stop_on_timeout", true)
		case OpSignal:
			l.requireProject(c)
			l.loadSignal(c)
		}
	}

	if len(l.errs) > 0 {
		return nil, l.joined(c)
	}
	return c, nil
}

// loader collects the problems found while reading inputs.
type loader struct {
	gha    *githubactions.Action
	getenv func(string) string
	errs   []error
	// envSecrets are credential values seen in inputs or the environment,
	// used or not, to scrub them from error texts as a last line of defence.
	envSecrets []string
}

func (l *loader) fail(input, format string, a ...any) {
	l.errs = append(l.errs, &InputError{Input: input, Msg: fmt.Sprintf(format, a...)})
}

// input returns a single-line input, trimmed of surrounding whitespace, the
// way actions/toolkit's getInput does.
func (l *loader) input(name string) string { return l.gha.GetInput(name) }

// block returns a multi-line (YAML) input with only its outer blank lines
// removed: the indentation of the first line and the final newline of a
// block scalar are part of the document.
func (l *loader) block(name string) string {
	return trimBlankLines(l.getenv("INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))))
}

// withEnv returns an input, or the first non-empty environment variable of
// envs, and whether the value came from the input itself.
func (l *loader) withEnv(name string, envs ...string) (value string, explicit bool) {
	if v := l.input(name); v != "" {
		return v, true
	}
	for _, e := range envs {
		if v := strings.TrimSpace(l.getenv(e)); v != "" {
			return v, false
		}
	}
	return "", false
}

func (l *loader) bool(name string, def bool) bool {
	v := l.input(name)
	switch {
	case v == "":
		return def
	case strings.EqualFold(v, "true"):
		return true
	case strings.EqualFold(v, "false"):
		return false
	}
	l.fail(name, "%s is not a boolean (use true or false)", quote(v))
	return def
}

func (l *loader) duration(name string, def time.Duration) (time.Duration, bool) {
	v := l.input(name)
	if v == "" {
		return def, true
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		l.fail(name, "%s is not a duration (e.g. 30m, 1h30m)", quote(v))
		return def, false
	}
	return d, true
}

func (l *loader) id32(name, v string) bool {
	if id32RE.MatchString(v) {
		return true
	}
	if n := utf8.RuneCountInString(v); n != 32 {
		l.fail(name, "must be 32 letters or digits, got %d characters", n)
	} else {
		l.fail(name, "must be 32 letters or digits, got %s", quote(v))
	}
	return false
}

func (l *loader) shortID(name, v string) bool {
	if shortIDRE.MatchString(v) {
		return true
	}
	l.fail(name, "must be 1 to 64 letters, digits or hyphens, got %s", quote(v))
	return false
}

// required reads an input the operation cannot do without and checks it.
func (l *loader) required(name string, op Operation, check func(name, v string) bool) string {
	v := l.input(name)
	if v == "" {
		l.fail(name, "required for operation %s", op)
		return ""
	}
	check(name, v)
	return v
}

func (l *loader) requireProject(c *Config) {
	if c.ProjectID == "" {
		l.fail("project_id", "required for operation %s (or set %s)", c.Operation, EnvProjectID)
	}
}

func (l *loader) loadEndpointAndRegion(c *Config) {
	region, _ := l.withEnv("region", EnvRegion)
	if v := l.input("endpoint"); v != "" {
		if ep, ok := l.endpoint("endpoint", v); ok {
			c.Endpoint = ep
		}
	}
	switch {
	case region != "":
		if regionRE.MatchString(region) {
			c.Region = region
		} else {
			l.fail("region", "%s is not a region name like cn-north-4", quote(region))
		}
	case l.input("endpoint") == "":
		l.fail("region", "required (or set %s), unless endpoint is given", EnvRegion)
	}
}

// endpoint validates a base URL override. It never echoes the value: a URL
// may carry user:password, and a parse failure could be anything.
func (l *loader) endpoint(name, v string) (string, bool) {
	u, err := url.Parse(v)
	if err != nil {
		l.fail(name, "is not a valid URL")
		return "", false
	}
	switch {
	case u.User != nil:
		l.fail(name, "must not contain user credentials; use access_key_id/secret_access_key or auth_token")
	case u.Scheme != "https" && u.Scheme != "http":
		l.fail(name, "must be an absolute https URL like https://codearts-deploy.cn-north-4.myhuaweicloud.com, got scheme %s", quote(u.Scheme))
	case u.Host == "" || u.Hostname() == "":
		l.fail(name, "must be an absolute URL with a host, like https://codearts-deploy.cn-north-4.myhuaweicloud.com")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		l.fail(name, "http is allowed only to loopback hosts (localhost, 127.0.0.0/8, ::1), got host %s; use https", quote(u.Hostname()))
	case !validPort(u.Port()):
		l.fail(name, "port %s is not a port number between 1 and 65535", quote(u.Port()))
	case u.RawQuery != "" || u.ForceQuery:
		l.fail(name, "must not have a query (?...)")
	case u.Fragment != "" || strings.Contains(v, "#"):
		l.fail(name, "must not have a fragment (#...)")
	default:
		return strings.TrimRight(u.String(), "/"), true
	}
	return "", false
}

// validPort reports whether a URL's port is absent (the scheme's default)
// or a TCP port, 1-65535: anything else can never be dialled, and would
// only fail after every retry.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// isLoopback reports whether host can only be reached on this machine, the
// one case where credentials may travel over plain http (the simulator).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadCredentials applies the authentication rules: an explicit auth_token
// wins over keys that only come from the environment (a job may export keys
// for other steps), but keys given as inputs next to a token are a conflict
// the author must resolve.
func (l *loader) loadCredentials(c *Config) {
	ak, akExplicit := l.withEnv("access_key_id", EnvAccessKeyID, EnvSDKAccessKey)
	sk, skExplicit := l.withEnv("secret_access_key", EnvSecretAccessKey, EnvSDKSecretKey)
	st, stExplicit := l.withEnv("security_token", EnvSecurityToken)
	token := l.input("auth_token")
	idp, idpExplicit := l.withEnv("idp_id", EnvIdPID)
	l.envSecrets = append(l.envSecrets, ak, sk, st, token, l.getenv(EnvIDTokenRequestToken))
	if !l.plainCredentials(map[string]string{"access_key_id": ak, "secret_access_key": sk, "security_token": st, "auth_token": token, "idp_id": idp}) {
		return
	}

	// Precedence: explicit inputs, then keyless (OIDC), then the
	// environment's keys. Two explicit methods at once are an error.
	if token != "" {
		if akExplicit || skExplicit {
			l.fail("auth_token", "cannot be combined with access_key_id/secret_access_key inputs; use one authentication method")
			return
		}
		if stExplicit {
			l.fail("security_token", "applies only with access_key_id and secret_access_key, not with auth_token")
			return
		}
		if idpExplicit {
			l.fail("idp_id", "cannot be combined with auth_token; use one authentication method")
			return
		}
		c.AuthToken = token
		return
	}
	if akExplicit || skExplicit {
		if idpExplicit {
			l.fail("idp_id", "cannot be combined with access_key_id/secret_access_key inputs; use one authentication method")
			return
		}
	} else if idp != "" {
		if stExplicit {
			l.fail("security_token", "applies only with access_key_id and secret_access_key, not with keyless authentication (idp_id)")
			return
		}
		l.loadKeyless(c, idp)
		return
	}
	switch {
	case ak != "" && sk != "":
		c.AccessKeyID, c.SecretAccessKey, c.SecurityToken = ak, sk, st
		return
	case ak == "" && sk == "":
		l.fail("access_key_id/secret_access_key, auth_token or idp_id",
			"no credentials given; set the inputs access_key_id and secret_access_key (or the environment variables %s and %s, or %s and %s), the input auth_token, or idp_id for keyless authentication",
			EnvAccessKeyID, EnvSecretAccessKey, EnvSDKAccessKey, EnvSDKSecretKey)
	case ak == "":
		l.fail("access_key_id", "required with secret_access_key (or set %s)", EnvAccessKeyID)
	default:
		l.fail("secret_access_key", "required with access_key_id (or set %s)", EnvSecretAccessKey)
	}
	if st != "" {
		l.fail("security_token", "requires access_key_id and secret_access_key")
	}
}

// plainCredentials fails each credential with a control character in it:
// a line break or tab pasted into a secret would be sent in a header, which
// the HTTP client refuses or the gateway rejects, and the step would end in
// a confusing retry or timeout. The message never shows the value.
func (l *loader) plainCredentials(values map[string]string) bool {
	ok := true
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if strings.ContainsFunc(values[name], unicode.IsControl) {
			l.fail(name, "contains a line break or another control character; store the secret as one line, without trailing newline or tab")
			ok = false
		}
	}
	return ok
}

// DefaultOIDCAudience is the audience requested for the job's ID token by
// default: the client id to register with the IAM identity provider.
const DefaultOIDCAudience = "sts.huaweicloud.com"

// permissionsFix is what a job needs for GitHub to give it an ID token.
const permissionsFix = "add to the workflow or the job:\n  permissions:\n    id-token: write"

// loadKeyless reads what keyless authentication needs: the IAM endpoint,
// the audience, and where the job's ID token comes from.
func (l *loader) loadKeyless(c *Config, idp string) {
	c.IdPID = idp
	if !regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`).MatchString(idp) {
		l.fail("idp_id", "must be 1 to 64 letters, digits, '_', '.' or '-', got %s", quote(idp))
	}
	c.OIDCAudience = l.input("oidc_audience")
	if c.OIDCAudience == "" {
		c.OIDCAudience = DefaultOIDCAudience
	}
	// Without iam_endpoint, IAMEndpoint stays "" and the IAM endpoint
	// follows the region, as the SDK's does (see Config.IAMEndpoint).
	iam, explicit := l.withEnv("iam_endpoint", EnvIAMEndpoint)
	if iam != "" && !explicit && !strings.Contains(iam, "://") {
		// The SDK takes a bare host in this variable and adds https://
		// (huaweicloud-sdk-go-v3 v0.1.207 core/auth/internal/iam_helper.go,
		// GetIamEndpoint).
		iam = "https://" + iam
	}
	if iam != "" {
		if ep, ok := l.endpoint("iam_endpoint", iam); ok {
			c.IAMEndpoint = ep
		}
	}
	if f := strings.TrimSpace(l.getenv(EnvIDTokenFile)); f != "" {
		c.IDTokenFile = f
		return
	}
	reqURL := strings.TrimSpace(l.getenv(EnvIDTokenRequestURL))
	reqToken := strings.TrimSpace(l.getenv(EnvIDTokenRequestToken))
	if reqURL == "" || reqToken == "" {
		l.fail("idp_id", "keyless authentication needs the job's OIDC ID token, but %s is not set: the job lacks the permission to request one; %s",
			EnvIDTokenRequestURL, permissionsFix)
		return
	}
	u, err := url.Parse(reqURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		l.fail("idp_id", "%s is not an https URL; it carries the job's token request credential", EnvIDTokenRequestURL)
		return
	}
	c.IDTokenRequestURL, c.IDTokenRequestToken = reqURL, reqToken
}

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

	req, rOK := l.duration("request_timeout", DefaultRequestTimeout)
	if rOK && (req < MinRequestTimeout || req > MaxRequestTimeout) {
		l.fail("request_timeout", "must be between %s and %s, got %s", MinRequestTimeout, shortDuration(MaxRequestTimeout), req)
	}
	c.RequestTimeout = req
}

// shortDuration prints 10m instead of time.Duration's 10m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (l *loader) loadDeploy(c *Config) {
	c.TaskID = l.required("task_id", c.Operation, l.id32)
	if v := l.input("record_id"); v != "" && l.id32("record_id", v) {
		c.RecordID = v
	}
	if v := l.input("trigger_source"); v != "" {
		if v == "0" || v == "1" {
			c.TriggerSource = v
		} else {
			l.fail("trigger_source", "%s is not one of 0, 1 (or empty)", quote(v))
		}
	}
	if params, err := ParseParams(l.block("params")); err != nil {
		l.errs = append(l.errs, flatten(err)...)
	} else {
		c.Params = params
	}
	c.Wait = l.bool("wait", true)
	if v := l.input("if_running"); v != "" {
		if ir, ok := oneOf(v, ifRunnings, strings.ToLower); ok {
			c.IfRunning = IfRunning(ir)
		} else {
			l.fail("if_running", "%s is not one of %s", quote(v), strings.Join(ifRunnings, ", "))
		}
	}
	c.StopOnCancel = l.bool("stop_on_cancel", true)
	c.StopOnTimeout = l.bool("stop_on_timeout", true)
	c.RollbackOnFailure = l.bool("rollback_on_failure", false)
	c.ShowLogs = l.bool("show_logs", true)
	l.loadHealth(c)
	if c.Health != nil && !c.Wait {
		l.fail("health_url", "needs wait: true; with wait: false the action does not see the deployment succeed, so it cannot check its health")
	}
}

func (l *loader) loadSignal(c *Config) {
	c.DeploymentID = l.required("deployment_id", c.Operation, l.shortID)
	if v := l.input("status"); v != "" {
		if s, ok := oneOf(v, signalStats, strings.ToUpper); ok {
			c.Status = s
		} else {
			l.fail("status", "%s is not one of %s", quote(v), strings.Join(signalStats, ", "))
		}
	}
	c.StatusReason = strings.TrimSpace(l.getenv("INPUT_STATUS_REASON"))
	c.ConfigID = l.input("config_id")
	c.DeploymentAction = l.input("deployment_action")
	for _, in := range []struct {
		name string
		dst  *map[string]any
	}{{"output_values", &c.OutputValues}, {"input_values", &c.InputValues}} {
		v, err := ParseValues(in.name, l.block(in.name))
		if err != nil {
			l.errs = append(l.errs, flatten(err)...)
			continue
		}
		*in.dst = v
	}
}

// joined returns every problem as one error, with any secret value that
// slipped into a message replaced by ***. Messages are written never to
// contain values of secret inputs; this guards against a secret pasted into
// the wrong input (an AK in region) or a future careless message.
func (l *loader) joined(c *Config) error {
	secrets := append(append([]string{}, l.envSecrets...), c.Secrets()...)
	r := newScrubber(secrets, minScrubLen)
	errs := make([]error, 0, len(l.errs))
	for _, err := range l.errs {
		var ie *InputError
		if r != nil && errors.As(err, &ie) {
			err = &InputError{Input: r.Replace(ie.Input), Entry: r.Replace(ie.Entry), Msg: r.Replace(ie.Msg)}
		} else if r != nil {
			err = errors.New(r.Replace(err.Error()))
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// flatten undoes errors.Join so Load can join everything at one level.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// oneOf reports whether norm(v) is one of choices, and returns it.
func oneOf(v string, choices []string, norm func(string) string) (string, bool) {
	n := norm(v)
	for _, c := range choices {
		if n == c {
			return c, true
		}
	}
	return "", false
}

func isTrue(v string) bool {
	v = strings.TrimSpace(v)
	return v == "1" || strings.EqualFold(v, "true")
}

// quote renders a user value for an error message: quoted, so spaces and
// control characters show, and cut short, so a pasted document does not
// flood the log. Never call it on a secret.
func quote(s string) string {
	const maxRunes = 64
	if utf8.RuneCountInString(s) <= maxRunes {
		return strconv.Quote(s)
	}
	return strconv.Quote(string([]rune(s)[:maxRunes])) + "..."
}

// trimBlankLines removes whitespace-only lines at both ends of s, keeping
// the indentation of the first remaining line and the newline that ends the
// last one (a YAML block scalar with clip chomping keeps it).
func trimBlankLines(s string) string {
	first := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
	if first < 0 {
		return ""
	}
	if i := strings.LastIndexAny(s[:first], "\r\n"); i >= 0 {
		s = s[i+1:]
	}
	last := strings.LastIndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
	_, size := utf8.DecodeRuneInString(s[last:])
	last += size
	rest := s[last:]
	end := len(s)
	if i := strings.IndexAny(rest, "\r\n"); i >= 0 {
		end = last + i + 1
		if rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n' {
			end++
		}
	}
	return s[:end]
}
