// Package sim is a simulator of the Huawei Cloud APIs the action talks to
// (CodeArts Deploy, ServiceStage release plans, RTS software deployments):
// a real HTTP server (an http.Handler) that checks signatures and tokens
// like the API Gateway does, keeps a state machine per deployment record
// and per release plan, and can be told by a Scenario to fail, run long,
// refuse or misbehave on the wire. The three services share one listener:
// their paths do not overlap, so a client can point every endpoint at it.
// So do the two ends of keyless authentication: a GitHub-style OIDC token
// endpoint (oidc.go) and IAM's exchange of its JWTs for IAM tokens
// (iam.go), which the gateway then accepts.
//
// The action's tests, its `demo` command and its `simulate` command talk to
// it over loopback, so the real client code paths (signing, retries, JSON
// decoding) are exercised end to end. For that to catch mistakes, this
// package deliberately imports no other package of the module: its JSON
// shapes are written from the API notes, independently of the clients.
//
// The state machine is computed lazily from the clock on every request (no
// goroutines, no timers), so tests can inject a clock and step through a
// deployment without sleeping.
package sim

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"time"
)

// Defaults used when Options leave a field zero. The credentials are
// public on purpose: the simulator prints them so users can point a client
// at it.
const (
	DefaultAccessKeyID     = "SIMULATORACCESSKEY00"
	DefaultSecretAccessKey = "simulator-secret-access-key"
	DefaultStepDuration    = 750 * time.Millisecond
)

// Options configures a Server. Zero values get defaults.
type Options struct {
	// AccessKeyID is the accepted AK (default DefaultAccessKeyID).
	AccessKeyID string
	// SecretAccessKey is its SK (default DefaultSecretAccessKey).
	SecretAccessKey string
	// AuthTokens are the accepted X-Auth-Token values (none by default, so
	// token auth is off unless a test asks for it).
	AuthTokens []string
	// SecurityTokens, if non-empty, are the X-Security-Token values a signed
	// request may carry (temporary credentials); a signed request carrying
	// any other value is rejected. Requests without the header are not
	// affected.
	SecurityTokens []string
	// StepDuration is the default time each deployment step takes
	// (default DefaultStepDuration; tests use ~50-100ms with an injected
	// clock). A scenario can override it.
	StepDuration time.Duration
	// Scenario shapes the behaviour of tasks and injects faults; nil means
	// every well-formed task deploys successfully. It should have passed
	// Validate (ParseScenario and LoadScenario do that); values that would
	// not are treated leniently rather than making New fail.
	Scenario *Scenario
	// Now is the clock (default time.Now). The gateway clock, used for the
	// Date header, the X-Sdk-Date check and all record times, is
	// Now()+Scenario.ClockSkew.
	Now func() time.Time
	// Logf, if set, receives one line per request (method, path, status,
	// fault). Headers, bodies and query values are never logged, so
	// secrets cannot leak through it.
	Logf func(format string, args ...any)

	// IdentityProviders are the OIDC identity providers IAM trusts
	// (X-Idp-Id values). Default: one provider DefaultIdPID with audience
	// DefaultOIDCAudience and subject rule "repo:*" (any repository);
	// zero fields of a provider get the same defaults.
	IdentityProviders []IdentityProvider
	// OIDCRequestToken is the bearer token the GitHub OIDC endpoint
	// requires (the runner's ACTIONS_ID_TOKEN_REQUEST_TOKEN). Default
	// DefaultOIDCRequestToken.
	OIDCRequestToken string
	// OIDCSubject is the `sub` claim of issued JWTs. Default
	// DefaultOIDCSubject ("repo:octo-org/octo-repo:ref:refs/heads/main").
	OIDCSubject string
	// OIDCTokenLifetime is how long issued JWTs are valid (default
	// DefaultOIDCTokenLifetime, 5m like GitHub's).
	OIDCTokenLifetime time.Duration
	// IAMTokenLifetime is how long IAM tokens from the exchange are valid
	// (default DefaultIAMTokenLifetime, 24h; tests use seconds).
	IAMTokenLifetime time.Duration
}

// Call is one request as the simulator saw it; tests use the call log to
// assert what a client did (how often it retried, whether it re-signed, ...).
type Call struct {
	// Method and Path are the request's method and (decoded) URL path;
	// Query is the raw query string.
	Method, Path, Query string
	// Status is the HTTP status answered. For a "drop" fault it is the
	// status that was computed but never sent; it is 0 when no answer was
	// computed at all (a "hang", or a "slow" whose client gave up).
	Status int
	// Code is the error code of the answer (APIGW.0301, Deploy.00011027,
	// SVCSTG.00100403, IAM.1005, ...; for RTS's Heat-shaped errors the
	// error type, e.g. NotFound), "" for a success or an answer without a
	// code (the GitHub OIDC endpoint's errors).
	Code string
	// RequestID is the X-Request-Id the answer carried, so a test can check
	// that a client's error message shows it.
	RequestID string
	// At is when the request arrived, on the gateway clock.
	At time.Time
	// Fault is "" or the injected fault kind: throttle, error, drop, slow,
	// hang, or "locked" when the AK was locked out after repeated
	// authentication failures.
	Fault string
}

// Server is the simulator. It implements http.Handler and is safe for
// concurrent use; one mutex guards all state because requests are few and
// short.
type Server struct {
	opts     Options
	scenario *Scenario
	routes   []route

	mu          sync.Mutex
	calls       []Call
	records     map[string][]*record // by task id, oldest first
	byID        map[string]*record
	starts      map[string]int
	plans       map[string]*plan // release plans by id
	planOrder   []string         // plan ids in the order the server learnt them
	deployments map[string]*softwareDeployment
	aks         map[string]*akState
	faultSeen   []int             // per scenario fault: matching requests seen so far
	apps        map[string]string // application id -> task id, as handed out
	health      map[string]*healthState

	// Keyless authentication. The signing key is generated on first use
	// (an RSA-2048 key takes tens of milliseconds, and most servers never
	// issue a JWT); idps is read-only after New.
	idps             []IdentityProvider
	oidcKey          func() *signingKey
	oidcIssued       int
	iamTokens        map[string]iamToken // exchanged tokens by value
	exchanges        int
	exchangeFailures int
}

// New returns a Server with opts' zero values replaced by defaults. Tasks
// the scenario marks `already_running` get their running record now, and
// the scenario's release plans and software deployments exist from now
// (a plan whose status is not CREATED with its seeded execution).
func New(opts Options) *Server {
	opts = opts.withDefaults()
	// Defaults filled in on a private copy; values Validate would reject
	// are served leniently instead of failing here.
	sc := cloneScenario(opts.Scenario).withDefaults()
	s := &Server{
		opts:        opts,
		scenario:    sc,
		records:     make(map[string][]*record),
		byID:        make(map[string]*record),
		starts:      make(map[string]int),
		plans:       make(map[string]*plan),
		deployments: make(map[string]*softwareDeployment),
		aks:         make(map[string]*akState),
		faultSeen:   make([]int, len(sc.Faults)),
		idps:        opts.IdentityProviders,
		oidcKey:     sync.OnceValue(newSigningKey),
		iamTokens:   make(map[string]iamToken),
		health:      make(map[string]*healthState),
	}
	s.routes = slices.Concat(codeArtsRoutes(), serviceStageRoutes(), rtsRoutes(), oidcRoutes(), iamRoutes(), healthRoutes())
	s.seedHistory()
	s.seedAlreadyRunning()
	s.seedPlans()
	s.seedDeployments()
	return s
}

// withDefaults returns opts with its zero values replaced by defaults and
// its slices copied, so a caller changing them after New cannot race with
// requests.
func (opts Options) withDefaults() Options {
	opts.AccessKeyID = cmp.Or(opts.AccessKeyID, DefaultAccessKeyID)
	opts.SecretAccessKey = cmp.Or(opts.SecretAccessKey, DefaultSecretAccessKey)
	if opts.StepDuration <= 0 {
		opts.StepDuration = DefaultStepDuration
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.AuthTokens = slices.Clone(opts.AuthTokens)
	opts.SecurityTokens = slices.Clone(opts.SecurityTokens)
	return opts.withKeylessDefaults()
}

// withKeylessDefaults is withDefaults for the options of keyless
// authentication (oidc.go, iam.go).
func (opts Options) withKeylessDefaults() Options {
	opts.OIDCRequestToken = cmp.Or(opts.OIDCRequestToken, DefaultOIDCRequestToken)
	opts.OIDCSubject = cmp.Or(opts.OIDCSubject, DefaultOIDCSubject)
	opts.OIDCTokenLifetime = cmp.Or(opts.OIDCTokenLifetime, DefaultOIDCTokenLifetime)
	opts.IAMTokenLifetime = cmp.Or(opts.IAMTokenLifetime, DefaultIAMTokenLifetime)
	opts.IdentityProviders = defaultIdentityProviders(opts.IdentityProviders)
	return opts
}

// cloneScenario deep-copies sc, so a caller changing its Scenario after
// New cannot race with requests.
func cloneScenario(sc *Scenario) *Scenario {
	if sc == nil {
		return &Scenario{}
	}
	c := *sc
	c.Tasks = slices.Clone(sc.Tasks)
	for i, t := range c.Tasks {
		c.Tasks[i] = cloneTask(t)
	}
	c.ReleasePlans = slices.Clone(sc.ReleasePlans)
	for i, p := range c.ReleasePlans {
		c.ReleasePlans[i] = clonePlan(p)
	}
	c.SoftwareDeployments = slices.Clone(sc.SoftwareDeployments)
	c.Health = slices.Clone(sc.Health)
	c.Faults = slices.Clone(sc.Faults)
	return &c
}

// cloneTask deep-copies one task of a scenario.
func cloneTask(t ScenarioTask) ScenarioTask {
	t.Steps = slices.Clone(t.Steps)
	t.StepDurations = slices.Clone(t.StepDurations)
	t.Overrun = clonePtr(t.Overrun)
	t.RefuseStart = clonePtr(t.RefuseStart)
	t.RefuseHistory = clonePtr(t.RefuseHistory)
	return t
}

// clonePlan deep-copies what a release plan holds by reference.
func clonePlan(p ScenarioReleasePlan) ScenarioReleasePlan {
	p.Components = slices.Clone(p.Components)
	p.ExecuteRefuse = clonePtr(p.ExecuteRefuse)
	return p
}

// clonePtr returns a pointer to a copy of *p, or nil for nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// clock is the gateway clock: the injected clock plus the scenario's skew.
// Everything the server reports or checks uses it, so a skewed scenario is
// self-consistent (the Date header agrees with the record times).
func (s *Server) clock() time.Time {
	return s.opts.Now().Add(s.scenario.ClockSkew)
}

// Calls returns every request so far, in arrival order, including rejected
// ones.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// newHexID returns 32 random lowercase hex characters: the shape of both
// X-Request-Id and CodeArts record ids.
func newHexID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(errors.Join(errors.New("sim: random id"), err))
	}
	return hex.EncodeToString(b[:])
}
