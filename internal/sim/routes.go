package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file is the way of one request through the simulator: routing,
// the gateway's admission (body size, authentication), fault injection
// (gateway.go), the service's handler, then the answer on the wire and in
// the call log.

// maxBodyBytes bounds what the simulator reads from a request body, so a
// runaway client cannot exhaust memory. It is Heat's own limit
// (max_json_body_size, 1 MiB), which RTS software deployment updates carrying
// deploy_stdout/deploy_stderr can approach: a body of exactly this size is
// accepted, one byte more is refused.
const maxBodyBytes = 1 << 20

const jsonContentType = "application/json;charset=UTF-8"

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
		if vars, ok := rt.bind(segs); ok {
			return rt, vars, true
		}
	}
	return route{}, nil, false
}

// bind matches the path segments segs against the route's pattern and
// returns the values of its variables; a variable does not match an empty
// segment.
func (rt route) bind(segs []string) (map[string]string, bool) {
	vars := map[string]string{}
	for i, p := range rt.segs {
		name, isVar := varName(p)
		switch {
		case !isVar:
			if p != segs[i] {
				return nil, false
			}
		case segs[i] == "":
			return nil, false
		default:
			vars[name] = segs[i]
		}
	}
	return vars, true
}

// varName returns the name of a `{name}` pattern segment; ok is false for
// a literal segment.
func varName(p string) (name string, ok bool) {
	if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
		return p[1 : len(p)-1], true
	}
	return "", false
}

// withObject makes a handler of one object a service keeps (a release
// plan, a software deployment) out of h: under s.mu, find checks the
// request and finds the object, or gives the answer refusing it.
func withObject[T any](find func(*Server, *request) (T, response, bool), h func(*Server, *request, T) response) func(*Server, *request) response {
	return func(s *Server, req *request) response {
		s.mu.Lock()
		defer s.mu.Unlock()
		obj, refusal, ok := find(s, req)
		if !ok {
			return refusal
		}
		return h(s, req, obj)
	}
}

// ServeHTTP answers one API call: routing, gateway authentication, fault
// injection, then the service's own handling.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newHexID()
	idx := s.logArrival(r, reqID)
	w.Header().Set("X-Request-Id", reqID)
	rt, req, refusal, fault := s.admit(w, r, reqID)
	if req == nil {
		s.finish(w, r, idx, fault, refusal)
		return
	}
	// The handler reads the gateway clock when it runs, after any delay a
	// fault imposes.
	handle := func() response {
		req.now = s.clock()
		return rt.handle(s, req)
	}
	f, hasFault := s.pickFault(rt.op, s.faultTask(req.vars))
	if !hasFault {
		s.finish(w, r, idx, "", handle())
		return
	}
	s.serveFault(w, r, idx, reqID, f, handle)
}

// admit is what the gateway does before the backend sees a request: read
// the body (bounded), find the API and check the caller's credentials. A
// nil request means the gateway refuses r with refusal and the call log's
// fault ("locked" or "").
func (s *Server) admit(w http.ResponseWriter, r *http.Request, reqID string) (rt route, req *request, refusal response, fault string) {
	body, err := readBody(w, r)
	if err != nil {
		// The notes give no code for this; APIGW.0112 is the simulator's
		// own, chosen not to collide with the documented ones.
		return rt, nil, gatewayError(http.StatusRequestEntityTooLarge, "APIGW.0112",
			"Request entity too large or unreadable body.", reqID), ""
	}
	rt, vars, ok := s.match(r)
	if !ok {
		return rt, nil, gatewayError(http.StatusNotFound, "APIGW.0101",
			"The API does not exist or has not been published in the environment", reqID), ""
	}
	if !rt.public {
		if resp, fault, ok := s.authenticate(r, body, reqID); !ok {
			return rt, nil, resp, fault
		}
	}
	return rt, &request{http: r, vars: vars, body: body}, response{}, ""
}

// readBody reads the request body, at most maxBodyBytes of it.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil { // handlers called directly, without a server
		r.Body = http.NoBody
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
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
	data := resp.encode(h)
	if data != nil {
		h.Set("Content-Length", strconv.Itoa(len(data)))
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(data)
	s.complete(r, idx, resp.status, resp.code, fault)
}

// encode returns the bytes of the answer: raw as it is, or body as JSON
// (then setting h's Content-Type); nil for an answer without a body.
func (resp response) encode(h http.Header) []byte {
	if resp.raw != nil || resp.body == nil {
		return resp.raw
	}
	data, err := json.Marshal(resp.body)
	if err != nil {
		// Only the simulator's own types are marshalled; failing
		// loudly beats answering something the real API never would.
		panic(fmt.Sprintf("sim: marshal response: %v", err))
	}
	h.Set("Content-Type", jsonContentType)
	return data
}

// logArrival appends the call at arrival time, so Calls is in arrival
// order even when a slow request finishes after a later one.
func (s *Server) logArrival(r *http.Request, reqID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, RequestID: reqID, At: s.clock()})
	return len(s.calls) - 1
}

// complete records the outcome of call idx and logs it through
// Options.Logf (method, path, status, code and fault: never a header,
// body or query value).
func (s *Server) complete(r *http.Request, idx, status int, code, fault string) {
	s.mu.Lock()
	c := &s.calls[idx]
	c.Status, c.Code, c.Fault = status, code, fault
	s.mu.Unlock()
	if s.opts.Logf == nil {
		return
	}
	s.opts.Logf("sim: %s %s -> %d%s", r.Method, r.URL.Path, status, callSuffix(code, fault))
}

// callSuffix is what the log line of a call adds after its status: the
// error code and the fault, each when there is one.
func callSuffix(code, fault string) string {
	suffix := ""
	if code != "" {
		suffix += " " + code
	}
	if fault != "" {
		suffix += " (fault: " + fault + ")"
	}
	return suffix
}
