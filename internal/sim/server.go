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
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
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

// maxBodyBytes bounds what the simulator reads from a request body, so a
// runaway client cannot exhaust memory. It is Heat's own limit
// (max_json_body_size, 1 MiB), which RTS software deployment updates carrying
// deploy_stdout/deploy_stderr can approach: a body of exactly this size is
// accepted, one byte more is refused.
const maxBodyBytes = 1 << 20

const jsonContentType = "application/json;charset=UTF-8"

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
	if opts.AccessKeyID == "" {
		opts.AccessKeyID = DefaultAccessKeyID
	}
	if opts.SecretAccessKey == "" {
		opts.SecretAccessKey = DefaultSecretAccessKey
	}
	if opts.StepDuration <= 0 {
		opts.StepDuration = DefaultStepDuration
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OIDCRequestToken == "" {
		opts.OIDCRequestToken = DefaultOIDCRequestToken
	}
	if opts.OIDCSubject == "" {
		opts.OIDCSubject = DefaultOIDCSubject
	}
	if opts.OIDCTokenLifetime == 0 {
		opts.OIDCTokenLifetime = DefaultOIDCTokenLifetime
	}
	if opts.IAMTokenLifetime == 0 {
		opts.IAMTokenLifetime = DefaultIAMTokenLifetime
	}
	opts.AuthTokens = slices.Clone(opts.AuthTokens)
	opts.SecurityTokens = slices.Clone(opts.SecurityTokens)
	opts.IdentityProviders = defaultIdentityProviders(opts.IdentityProviders)
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

// cloneScenario deep-copies sc, so a caller changing its Scenario after
// New cannot race with requests.
func cloneScenario(sc *Scenario) *Scenario {
	if sc == nil {
		return &Scenario{}
	}
	c := *sc
	c.Tasks = slices.Clone(sc.Tasks)
	for i, t := range c.Tasks {
		c.Tasks[i].Steps = slices.Clone(t.Steps)
		c.Tasks[i].StepDurations = slices.Clone(t.StepDurations)
		if t.Overrun != nil {
			o := *t.Overrun
			c.Tasks[i].Overrun = &o
		}
		if t.RefuseStart != nil {
			rs := *t.RefuseStart
			c.Tasks[i].RefuseStart = &rs
		}
		if t.RefuseHistory != nil {
			rh := *t.RefuseHistory
			c.Tasks[i].RefuseHistory = &rh
		}
	}
	c.ReleasePlans = slices.Clone(sc.ReleasePlans)
	for i, p := range c.ReleasePlans {
		c.ReleasePlans[i].Components = slices.Clone(p.Components)
		if p.ExecuteRefuse != nil {
			r := *p.ExecuteRefuse
			c.ReleasePlans[i].ExecuteRefuse = &r
		}
	}
	c.SoftwareDeployments = slices.Clone(sc.SoftwareDeployments)
	c.Health = slices.Clone(sc.Health)
	c.Faults = slices.Clone(sc.Faults)
	return &c
}

// clock is the gateway clock: the injected clock plus the scenario's skew.
// Everything the server reports or checks uses it, so a skewed scenario is
// self-consistent (the Date header agrees with the record times).
func (s *Server) clock() time.Time {
	return s.opts.Now().Add(s.scenario.ClockSkew)
}

// route is one API operation. Path patterns are literal segments or
// `{name}` variables; the op name is what scenario faults match on. A
// public route is not behind the gateway's authentication: IAM's exchange
// and the GitHub OIDC endpoint check their own credentials.
type route struct {
	method string
	segs   []string
	op     string
	public bool
	handle func(s *Server, req *request) response
}

// request is what a handler gets: the parsed path variables and the body
// that was already read for the signature check.
type request struct {
	http *http.Request
	vars map[string]string
	body []byte
	now  time.Time
}

// response is what a handler returns. Handlers do not write to the wire
// themselves so that a "drop" fault can process a request and then throw
// the answer away.
type response struct {
	status int
	body   any
	header http.Header
	code   string // error code for the call log
	// raw, when set, is sent as it is instead of body's JSON, with the
	// Content-Type of header (the health endpoint plays an application).
	raw []byte
}

// match finds the route for r; ok is false when no API has that method and
// path, which the real gateway answers with APIGW.0101.
func (s *Server) match(r *http.Request) (route, map[string]string, bool) {
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	for _, rt := range s.routes {
		if rt.method != r.Method || len(rt.segs) != len(segs) {
			continue
		}
		vars := map[string]string{}
		ok := true
		for i, p := range rt.segs {
			if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
				if segs[i] == "" {
					ok = false
					break
				}
				vars[p[1:len(p)-1]] = segs[i]
			} else if p != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return rt, vars, true
		}
	}
	return route{}, nil, false
}

// ServeHTTP answers one API call: routing, gateway authentication, fault
// injection, then the service's own handling.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newHexID()
	idx := s.logArrival(r, reqID)
	w.Header().Set("X-Request-Id", reqID)

	if r.Body == nil { // handlers called directly, without a server
		r.Body = http.NoBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		// The notes give no code for this; APIGW.0112 is the simulator's
		// own, chosen not to collide with the documented ones.
		s.finish(w, r, idx, "", gatewayError(http.StatusRequestEntityTooLarge, "APIGW.0112",
			"Request entity too large or unreadable body.", reqID))
		return
	}
	rt, vars, ok := s.match(r)
	if !ok {
		s.finish(w, r, idx, "", gatewayError(http.StatusNotFound, "APIGW.0101",
			"The API does not exist or has not been published in the environment", reqID))
		return
	}
	if !rt.public {
		if resp, fault, ok := s.authenticate(r, body, reqID); !ok {
			s.finish(w, r, idx, fault, resp)
			return
		}
	}

	f, hasFault := s.pickFault(rt.op, s.faultTask(vars))
	handle := func() response {
		return rt.handle(s, &request{http: r, vars: vars, body: body, now: s.clock()})
	}
	if !hasFault {
		s.finish(w, r, idx, "", handle())
		return
	}
	switch f.Kind {
	case FaultThrottle:
		resp := gatewayError(http.StatusTooManyRequests, "APIGW.0308",
			"The throttling threshold has been reached: policy user over ratelimit, limit:20, time:1 minute", reqID)
		retry := f.RetryAfter
		if retry <= 0 {
			retry = time.Second
		}
		resp.header = http.Header{"Retry-After": {strconv.Itoa(int(math.Ceil(retry.Seconds())))}}
		s.finish(w, r, idx, f.Kind, resp)
	case FaultError:
		s.finish(w, r, idx, f.Kind, backendError(f.Status, reqID))
	case FaultDrop:
		// The backend did the work; only the answer is lost. This is the
		// case a client must not blindly retry a start for.
		resp := handle()
		s.complete(r, idx, resp.status, resp.code, f.Kind)
		abortConnection(w)
	case FaultSlow:
		if !wait(r, f.Delay) {
			s.complete(r, idx, 0, "", f.Kind)
			return
		}
		s.finish(w, r, idx, f.Kind, handle())
	case FaultHang:
		gone := !wait(r, f.Delay)
		s.complete(r, idx, 0, "", f.Kind)
		if !gone {
			abortConnection(w)
		}
	default:
		s.finish(w, r, idx, "", handle())
	}
}

// wait blocks for d (forever when d is 0) or until the client gives up; it
// reports whether the time passed with the client still there. Honouring
// the request context is what keeps a hanging fault from leaking a
// goroutine.
func wait(r *http.Request, d time.Duration) bool {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-r.Context().Done():
		return false
	case <-timeout:
		return true
	}
}

// abortConnection closes the connection without an answer, the way a
// gateway or load balancer losing a connection looks to a client.
func abortConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// HTTP/2 and recorders cannot be hijacked; net/http turns this panic
	// into a reset stream or a closed connection without logging it.
	panic(http.ErrAbortHandler)
}

// finish writes resp and completes the call log entry.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, idx int, fault string, resp response) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	// Date comes from the gateway clock (net/http keeps an explicit Date),
	// so a client can correct a skewed clock from it as the API notes say.
	h.Set("Date", s.clock().UTC().Format(http.TimeFormat))
	data := resp.raw
	if resp.raw == nil && resp.body != nil {
		var err error
		data, err = json.Marshal(resp.body)
		if err != nil {
			// Only the simulator's own types are marshalled; failing
			// loudly beats answering something the real API never would.
			panic(fmt.Sprintf("sim: marshal response: %v", err))
		}
		h.Set("Content-Type", jsonContentType)
	}
	if data != nil {
		h.Set("Content-Length", strconv.Itoa(len(data)))
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(data)
	s.complete(r, idx, resp.status, resp.code, fault)
}

// logArrival appends the call at arrival time, so Calls is in arrival
// order even when a slow request finishes after a later one.
func (s *Server) logArrival(r *http.Request, reqID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, RequestID: reqID, At: s.clock()})
	return len(s.calls) - 1
}

func (s *Server) complete(r *http.Request, idx, status int, code, fault string) {
	s.mu.Lock()
	c := &s.calls[idx]
	c.Status, c.Code, c.Fault = status, code, fault
	s.mu.Unlock()
	if s.opts.Logf != nil {
		suffix := ""
		if code != "" {
			suffix += " " + code
		}
		if fault != "" {
			suffix += " (fault: " + fault + ")"
		}
		s.opts.Logf("sim: %s %s -> %d%s", r.Method, r.URL.Path, status, suffix)
	}
}

// Calls returns every request so far, in arrival order, including rejected
// ones.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// gatewayErrorBody is the API Gateway's own error shape (huawei-api.md §2).
type gatewayErrorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

func gatewayError(status int, code, msg, reqID string) response {
	return response{status: status, code: code, body: gatewayErrorBody{ErrorCode: code, ErrorMsg: msg, RequestID: reqID}}
}

// backendError is what the gateway answers when the backend behind it
// fails, for the "error" fault.
func backendError(status int, reqID string) response {
	switch status {
	case http.StatusGatewayTimeout:
		return gatewayError(status, "APIGW.0201", "Backend timeout.", reqID)
	case http.StatusBadGateway:
		return gatewayError(status, "APIGW.0202", "Backend unavailable.", reqID)
	case 0:
		status = http.StatusServiceUnavailable
	}
	return gatewayError(status, "APIGW.0203", "Backend unavailable.", reqID)
}

// faultTask is the CodeArts task a request concerns, for faults restricted
// to one task: the path's task, for a log request the record's task, for
// an application detail the application's task. Requests of the other
// services have none.
func (s *Server) faultTask(vars map[string]string) string {
	if id, ok := vars["task_id"]; ok {
		return id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := vars["record_id"]; ok {
		if rec := s.byID[id]; rec != nil {
			return rec.taskID
		}
		return ""
	}
	if id, ok := vars["app_id"]; ok {
		t, _ := s.taskOfApp(id)
		return t
	}
	return ""
}

// pickFault decides whether a scenario fault takes this request. Faults
// are considered in order and the first one whose window (after, times)
// covers the request wins; a request taken by an earlier fault is not
// counted by later ones, so "throttle once, then fail once" is two faults
// with times: 1 each.
func (s *Server) pickFault(op, taskID string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.scenario.Faults {
		if f.Op != "" && f.Op != FaultOpAny && f.Op != op {
			continue
		}
		if f.TaskID != "" && f.TaskID != taskID {
			continue
		}
		n := s.faultSeen[i]
		s.faultSeen[i]++
		if n < f.After || (f.Times > 0 && n >= f.After+f.Times) {
			continue
		}
		return f, true
	}
	return Fault{}, false
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
