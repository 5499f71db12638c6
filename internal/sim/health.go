package sim

import (
	"cmp"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// This file plays the application a deployment deploys, as the action's
// health gate (health_url) sees it: GET /_health/{name} answers like a
// service's health endpoint, whose behaviour a scenario scripts (healthy
// after a while, flapping, never healthy, slow, the wrong body). It is not
// behind the gateway: an application checks no Huawei signature, and the
// action must send it none, which HealthRequests lets a test verify.

// ScenarioHealth scripts one health endpoint, served at GET /_health/{name}:
//
//   - name: checkout             # 1-64 letters, digits, - and _
//     healthy_after: 2s          # unhealthy until this long after the endpoint's first request
//     flapping: true             # once healthy, every other answer is unhealthy
//     never: true                # never healthy
//     delay: 3s                  # every answer comes this late (slow)
//     status: 200                # status of a healthy answer (default 200)
//     body: '{"status":"UP"}'    # body of a healthy answer (default {"status":"UP"})
//     unhealthy_status: 503      # (default 503)
//     unhealthy_body: '{"status":"DOWN"}'
//
// A name no entry names is healthy at once. "The wrong body" is an entry
// whose healthy answer has a body the check does not accept, e.g.
// `body: maintenance` against health_body: UP.
type ScenarioHealth struct {
	// Name (`name`) is the endpoint's path segment.
	Name string `yaml:"name"`
	// HealthyAfter (`healthy_after`) keeps the endpoint unhealthy for this
	// long after its first request.
	HealthyAfter time.Duration `yaml:"healthy_after"`
	// Flapping (`flapping`) makes every other answer unhealthy once the
	// endpoint is healthy, so no two good answers come in a row.
	Flapping bool `yaml:"flapping"`
	// Never (`never`) makes every answer unhealthy.
	Never bool `yaml:"never"`
	// Delay (`delay`) holds every answer back this long (until the client
	// gives up, if it gives up first).
	Delay time.Duration `yaml:"delay"`
	// Status (`status`) and Body (`body`) make a healthy answer (default
	// 200 and {"status":"UP"}).
	Status int    `yaml:"status"`
	Body   string `yaml:"body"`
	// UnhealthyStatus (`unhealthy_status`) and UnhealthyBody
	// (`unhealthy_body`) make an unhealthy one (default 503 and
	// {"status":"DOWN"}).
	UnhealthyStatus int    `yaml:"unhealthy_status"`
	UnhealthyBody   string `yaml:"unhealthy_body"`
}

// The answers of an endpoint the scenario leaves alone.
const (
	healthyBody   = `{"status":"UP"}`
	unhealthyBody = `{"status":"DOWN"}`
)

var healthNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (h ScenarioHealth) key() (string, string) { return "name", h.Name }

func (h ScenarioHealth) validate(path string) error {
	p := problems{path: path}
	p.id("name", h.Name, healthNameRE.MatchString(h.Name), " (the endpoint is GET /_health/{name})", "must be 1-64 letters, digits, - or _")
	p.notNegative("healthy_after", h.HealthyAfter)
	p.notNegative("delay", h.Delay)
	if h.Never && (h.HealthyAfter > 0 || h.Flapping) {
		p.add("never", "a never-healthy endpoint takes neither healthy_after nor flapping")
	}
	for _, st := range []struct {
		field string
		v     int
	}{{"status", h.Status}, {"unhealthy_status", h.UnhealthyStatus}} {
		if st.v < 100 || st.v > 599 {
			p.add(st.field, "%d is not an HTTP status (100-599)", st.v)
		}
	}
	return p.err()
}

// withDefaults fills in the answers of an endpoint: healthy 200
// {"status":"UP"}, unhealthy 503 {"status":"DOWN"}.
func (h ScenarioHealth) withDefaults() ScenarioHealth {
	h.Status = cmp.Or(h.Status, http.StatusOK)
	h.Body = cmp.Or(h.Body, healthyBody)
	h.UnhealthyStatus = cmp.Or(h.UnhealthyStatus, http.StatusServiceUnavailable)
	h.UnhealthyBody = cmp.Or(h.UnhealthyBody, unhealthyBody)
	return h
}

// healthState is what an endpoint has answered so far.
type healthState struct {
	first    time.Time
	good     int // healthy answers since it became healthy (flapping)
	requests []HealthRequest
}

// HealthRequest is one request to a health endpoint as the simulator saw
// it.
type HealthRequest struct {
	// At is when it arrived, on the gateway clock.
	At time.Time
	// Healthy reports whether it was answered healthy.
	Healthy bool
	// Credentials names the headers it carried that carry or prove
	// credentials (Authorization, X-Auth-Token, X-Security-Token,
	// X-Sdk-Date, X-Project-Id, Cookie, Proxy-Authorization): none, from a
	// client that keeps Huawei's credentials to Huawei.
	Credentials []string
}

// credentialHeaders are the headers HealthRequest.Credentials looks for.
var credentialHeaders = []string{"Authorization", "X-Auth-Token", "X-Security-Token", "X-Sdk-Date", "X-Project-Id", "Cookie", "Proxy-Authorization"}

func healthRoutes() []route {
	return []route{
		{method: http.MethodGet, segs: []string{"_health", "{name}"}, op: "health", public: true, handle: (*Server).healthCheck},
	}
}

// healthScenario returns the script of endpoint name, or the default: a
// healthy endpoint.
func (s *Server) healthScenario(name string) ScenarioHealth {
	for _, h := range s.scenario.Health {
		if h.Name == name {
			return h
		}
	}
	return ScenarioHealth{Name: name}.withDefaults()
}

// healthCheck is GET /_health/{name}.
func (s *Server) healthCheck(req *request) response {
	name := req.vars["name"]
	if !healthNameRE.MatchString(name) {
		return response{status: http.StatusNotFound, raw: []byte("no such endpoint\n"), header: textHeader()}
	}
	h := s.healthScenario(name)
	if h.Delay > 0 && !wait(req.http, h.Delay) {
		// The client gave up: nobody reads this, and it is not counted.
		return response{status: h.UnhealthyStatus, raw: []byte(h.UnhealthyBody), header: textHeader()}
	}
	now := s.clock()
	healthy := s.noteHealth(name, h, now, presentHeaders(req.http.Header, credentialHeaders))
	if !healthy {
		return response{status: h.UnhealthyStatus, raw: []byte(h.UnhealthyBody), header: textHeader()}
	}
	return response{status: h.Status, raw: []byte(h.Body), header: textHeader()}
}

// noteHealth decides whether this request is answered healthy and records
// it.
func (s *Server) noteHealth(name string, h ScenarioHealth, now time.Time, creds []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.health[name]
	if st == nil {
		st = &healthState{first: now}
		s.health[name] = st
	}
	healthy := !h.Never && !now.Before(st.first.Add(h.HealthyAfter))
	if healthy && h.Flapping {
		healthy = st.good%2 == 0
		st.good++
	}
	st.requests = append(st.requests, HealthRequest{At: now, Healthy: healthy, Credentials: creds})
	return healthy
}

// HealthRequests returns the requests endpoint name has answered, oldest
// first.
func (s *Server) HealthRequests(name string) []HealthRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.health[name]; st != nil {
		return slices.Clone(st.requests)
	}
	return nil
}

func presentHeaders(h http.Header, names []string) []string {
	var out []string
	for _, n := range names {
		if _, ok := h[http.CanonicalHeaderKey(n)]; ok {
			out = append(out, n)
		}
	}
	return out
}

func textHeader() http.Header {
	return http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
}

// HealthPath is the path endpoint name is served at, below the
// simulator's base URL.
func HealthPath(name string) string { return "/_health/" + strings.TrimPrefix(name, "/") }
