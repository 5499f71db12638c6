package sim

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// This file is RTS software deployments (huawei-api.md §5), Heat's
// software-deployment API: GET and PUT of one deployment, which is how a
// server (or a workflow) signals the outcome of a deployment. Errors have
// Heat's shape, not the error_code/error_msg of the other services.

const (
	swInProgress = "IN_PROGRESS"
	swComplete   = "COMPLETE"
	swFailed     = "FAILED"

	// heatTimeForm is Heat's ISO 8601 time, in UTC.
	heatTimeForm = "2006-01-02T15:04:05Z"
)

var (
	swStatuses     = []string{swComplete, swInProgress, swFailed}
	heatActions    = []string{"CREATE", "UPDATE", "DELETE", "SUSPEND", "RESUME"}
	deploymentIDRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	// swUpdateFields are the fields a PUT may carry.
	swUpdateFields = []string{"action", "config_id", "input_values", "output_values", "status", "status_reason"}
)

func rtsRoutes() []route {
	segs := []string{"v1", "{project_id}", "software_deployments", "{deployment_id}"}
	return []route{
		{method: http.MethodPut, segs: segs, op: "signal", handle: withObject((*Server).deploymentFor, (*Server).updateDeployment)},
		{method: http.MethodGet, segs: segs, op: "deployment", handle: withObject((*Server).deploymentFor, (*Server).showDeployment)},
	}
}

// softwareDeployment is one stored deployment. The value maps are kept as
// the JSON the client sent, so numbers stay numbers (with their exact
// digits) and long strings are not touched.
type softwareDeployment struct {
	id, serverID, configID       string
	action, status, statusReason string
	inputValues, outputValues    json.RawMessage
	created, updated             time.Time // updated is zero until the first PUT
	signals                      int
}

// statusReasonFor is Heat's reason for a status nobody explained.
func statusReasonFor(status string) string {
	switch status {
	case swComplete:
		return "Outputs received"
	case swFailed:
		return "deploy_status_code : Deployment exited with non-zero status code: 1"
	default:
		return "Deploy data available"
	}
}

// newDeployment resolves spec's defaults into a deployment created at now.
func newDeployment(spec ScenarioSoftwareDeployment, now time.Time) *softwareDeployment {
	d := &softwareDeployment{
		id:           spec.ID,
		serverID:     cmp.Or(spec.ServerID, derivedUUID("server", spec.ID)),
		configID:     cmp.Or(spec.ConfigID, derivedUUID("config", spec.ID)),
		action:       cmp.Or(spec.Action, "CREATE"),
		status:       cmp.Or(spec.Status, swInProgress),
		inputValues:  json.RawMessage("{}"),
		outputValues: json.RawMessage("{}"),
		created:      now,
	}
	d.statusReason = statusReasonFor(d.status)
	return d
}

// seedDeployments registers the scenario's deployments, created at server
// start.
func (s *Server) seedDeployments() {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, spec := range s.scenario.SoftwareDeployments {
		if spec.ID == "" || s.deployments[spec.ID] != nil {
			continue
		}
		s.deployments[spec.ID] = newDeployment(spec, now)
	}
}

// lookupDeployment finds a deployment; an id no scenario names exists
// from its first request on, unless it is malformed or starts with
// "missing-". Callers hold s.mu.
func (s *Server) lookupDeployment(id string, now time.Time) *softwareDeployment {
	if d := s.deployments[id]; d != nil {
		return d
	}
	if !deploymentIDRE.MatchString(id) || strings.HasPrefix(id, "missing-") {
		return nil
	}
	d := newDeployment(ScenarioSoftwareDeployment{ID: id}, now)
	s.deployments[id] = d
	return d
}

// Heat's error shape.

type heatErrorBody struct {
	Code        int             `json:"code"`
	Error       heatErrorDetail `json:"error"`
	Explanation string          `json:"explanation"`
	Title       string          `json:"title"`
}

type heatErrorDetail struct {
	Message   string  `json:"message"`
	Traceback *string `json:"traceback"`
	Type      string  `json:"type"`
}

// heatError is Heat's fault body; the call log's Code is the error type.
func heatError(status int, typ, msg string) response {
	b := heatErrorBody{Code: status, Error: heatErrorDetail{Message: msg, Type: typ}}
	if status == http.StatusNotFound {
		b.Explanation, b.Title = "The resource could not be found.", "Not Found"
	} else {
		b.Explanation, b.Title = "The server could not comply with the request since it is either malformed or otherwise incorrect.", "Bad Request"
	}
	return response{status: status, code: typ, body: b}
}

func heatBadRequest(msg string) response {
	return heatError(http.StatusBadRequest, "HTTPBadRequest", msg)
}

func deploymentNotFound(id string) response {
	return heatError(http.StatusNotFound, "NotFound", fmt.Sprintf("Software deployment with id %s not found", id))
}

// The answer.

type swEnvelope struct {
	SoftwareDeployment swBody `json:"software_deployment"`
}

type swBody struct {
	Action       string          `json:"action"`
	ConfigID     string          `json:"config_id"`
	CreationTime string          `json:"creation_time"`
	ID           string          `json:"id"`
	InputValues  json.RawMessage `json:"input_values"`
	OutputValues json.RawMessage `json:"output_values"`
	ServerID     string          `json:"server_id"`
	Status       string          `json:"status"`
	StatusReason string          `json:"status_reason"`
	UpdatedTime  *string         `json:"updated_time"`
}

func (d *softwareDeployment) body() swEnvelope {
	b := swBody{
		Action: d.action, ConfigID: d.configID, CreationTime: d.created.UTC().Format(heatTimeForm),
		ID: d.id, InputValues: d.inputValues, OutputValues: d.outputValues, ServerID: d.serverID,
		Status: d.status, StatusReason: d.statusReason,
	}
	if !d.updated.IsZero() {
		b.UpdatedTime = strp(d.updated.UTC().Format(heatTimeForm))
	}
	return swEnvelope{SoftwareDeployment: b}
}

// deploymentFor does the checks both requests share and finds the
// deployment; on failure it returns the answer. Callers hold s.mu.
func (s *Server) deploymentFor(req *request) (*softwareDeployment, response, bool) {
	if msg := checkProject(req); msg != "" {
		return nil, heatBadRequest(msg), false
	}
	id := req.vars["deployment_id"]
	d := s.lookupDeployment(id, req.now)
	if d == nil {
		return nil, deploymentNotFound(id), false
	}
	return d, response{}, true
}

// showDeployment is GET /v1/{project_id}/software_deployments/{id}.
func (s *Server) showDeployment(_ *request, d *softwareDeployment) response {
	return response{status: http.StatusOK, body: d.body()}
}

// swUpdate is a validated PUT body; nil fields were absent (or null, which
// Heat ignores too).
type swUpdate struct {
	action, configID, status, statusReason *string
	inputValues, outputValues              json.RawMessage
}

// parseSWUpdate validates a PUT body: a JSON object of the known fields,
// strings where Heat has strings, objects for the value maps and a known
// status. Unknown fields are refused (Heat ignores them) so that a client
// sending, say, "outputs" learns about it here rather than in production.
func parseSWUpdate(body []byte) (swUpdate, string) {
	var u swUpdate
	fields, msg := swUpdateFieldsOf(body)
	if msg != "" {
		return u, msg
	}
	for _, msg := range []string{
		fields.str("action", &u.action), fields.str("config_id", &u.configID), fields.str("status", &u.status),
		fields.str("status_reason", &u.statusReason), fields.obj("input_values", &u.inputValues), fields.obj("output_values", &u.outputValues),
	} {
		if msg != "" {
			return u, msg
		}
	}
	if u.status != nil && !slices.Contains(swStatuses, *u.status) {
		return u, fmt.Sprintf("Invalid status %q: must be one of %s", *u.status, strings.Join(swStatuses, ", "))
	}
	return u, ""
}

// rawFields are the fields of a JSON object, undecoded.
type rawFields map[string]json.RawMessage

// swUpdateFieldsOf decodes a PUT body (empty is no fields) into its
// fields and refuses an unknown one, naming the first in sorted order.
func swUpdateFieldsOf(body []byte) (rawFields, string) {
	// A plain map, not rawFields: the decoder's error names the type and
	// is part of the answer.
	var fields map[string]json.RawMessage
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &fields); err != nil {
			return nil, "the request body must be a JSON object: " + err.Error()
		}
	}
	if k, ok := firstUnknownKey(fields, swUpdateFields); ok {
		return nil, fmt.Sprintf("unknown field %q in a software deployment update (valid: %s)", k, strings.Join(swUpdateFields, ", "))
	}
	return fields, ""
}

// firstUnknownKey is the alphabetically first key of fields that is not
// among valid, so that the message is the same on every run; false when
// every key is valid.
func firstUnknownKey(fields map[string]json.RawMessage, valid []string) (string, bool) {
	var unknown []string
	for k := range fields {
		if !slices.Contains(valid, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return "", false
	}
	return slices.Min(unknown), true
}

// given returns field name unless it is absent or null (which Heat
// ignores).
func (f rawFields) given(name string) (json.RawMessage, bool) {
	raw, ok := f[name]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, false
	}
	return raw, true
}

// str decodes field name, when given, into *dst; it returns "" or what is
// wrong.
func (f rawFields) str(name string, dst **string) string {
	raw, ok := f.given(name)
	if !ok {
		return ""
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return name + " must be a string"
	}
	*dst = &v
	return ""
}

// obj keeps field name, when given, in *dst if it is a JSON object; it
// returns "" or what is wrong.
func (f rawFields) obj(name string, dst *json.RawMessage) string {
	raw, ok := f.given(name)
	if !ok {
		return ""
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return name + " must be a JSON object"
	}
	*dst = raw
	return ""
}

// updateDeployment is PUT /v1/{project_id}/software_deployments/{id}:
// fields present replace the stored ones, absent ones are kept. As in Heat,
// input_values and output_values are replaced as a whole, not merged key
// by key, and the status is what the client says (the simulator does not
// derive it from deploy_status_code).
func (s *Server) updateDeployment(req *request, d *softwareDeployment) response {
	u, msg := parseSWUpdate(req.body)
	if msg != "" {
		return heatBadRequest(msg)
	}
	d.apply(u)
	d.updated = req.now
	d.signals++
	return response{status: http.StatusOK, body: d.body()}
}

// apply sets the fields u carries and keeps the others.
func (d *softwareDeployment) apply(u swUpdate) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&d.action, u.action)
	set(&d.configID, u.configID)
	set(&d.status, u.status)
	set(&d.statusReason, u.statusReason)
	if u.inputValues != nil {
		d.inputValues = u.inputValues
	}
	if u.outputValues != nil {
		d.outputValues = u.outputValues
	}
}

// SoftwareDeployment returns deployment id as GET would answer it now (the
// object inside "software_deployment"), decoded with json.Number for
// numbers so a test can check they arrived as numbers with their exact
// digits. ok is false for a deployment no scenario names and no request
// has touched.
func (s *Server) SoftwareDeployment(id string) (map[string]any, bool) {
	s.mu.Lock()
	d := s.deployments[id]
	var data []byte
	if d != nil {
		var err error
		if data, err = json.Marshal(d.body().SoftwareDeployment); err != nil {
			panic(fmt.Sprintf("sim: marshal software deployment: %v", err))
		}
	}
	s.mu.Unlock()
	if d == nil {
		return nil, false
	}
	return decodeWithNumbers(data), true
}

// decodeWithNumbers decodes a JSON object the simulator marshalled, numbers
// as json.Number.
func decodeWithNumbers(data []byte) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		panic(fmt.Sprintf("sim: decode software deployment: %v", err))
	}
	return m
}

// SignalCount returns how many PUT requests updated deployment id
// (refused ones do not count; one whose answer was dropped does).
func (s *Server) SignalCount(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.deployments[id]; d != nil {
		return d.signals
	}
	return 0
}
