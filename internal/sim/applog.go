package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file is the deployment log of a record (ShowAppLog) and the task
// and application details in which a client finds the application id and
// the step ids the log API needs (ShowDeployTaskDetail, ShowAppDetailById),
// huawei-api.md §1.
//
// A record's log is a pure function of the record and the clock, like its
// status: each step that has started contributes lines as it runs, so a
// later call at the same offset sees new text. The variable parts (sizes,
// addresses, process ids) come from a generator seeded by the record id, so
// the text is the same on every call.

// logPageBytes is the most text one ShowAppLog answer carries.
const logPageBytes = 2048

// logTimeForm is the timestamp of a log line, region-local like the state
// API's times.
const logTimeForm = "2006-01-02 15:04:05"

// logLine is one line of a record's log.
type logLine struct {
	step int       // 0-based index of the step it belongs to
	at   time.Time // when it is written
	text string    // the whole line, prefix included, without its newline
}

// logEnv is what a record's log talks about.
type logEnv struct {
	service, pkg, version, host string
	params                      string
	pid, port, files            int
	sizeMB                      float64
}

// newLogEnv draws the record's variable details. Only text parameters show
// their values; encrypt parameters show their key with a mask, and other
// types are left out.
func (rec *record) newLogEnv(rng *rand.Rand) logEnv {
	e := logEnv{
		service: rec.taskName,
		host:    fmt.Sprintf("192.168.%d.%d", rng.IntN(8), 10+rng.IntN(240)),
		pid:     2000 + rng.IntN(30000),
		port:    8080 + rng.IntN(20),
		files:   40 + rng.IntN(400),
		sizeMB:  float64(10+rng.IntN(900)) / 10,
	}
	var shown []string
	for _, p := range rec.params {
		switch p.Type {
		case "text":
			shown = append(shown, p.Key+"="+p.Value)
			if p.Key == "version" {
				e.version = p.Value
			}
		case "encrypt":
			shown = append(shown, p.Key+"=******")
		}
	}
	e.params = strings.Join(shown, ", ")
	e.pkg = e.service + ".tar.gz"
	if e.version != "" {
		e.pkg = e.service + "-" + e.version + ".tar.gz"
	}
	return e
}

// stepBody is the work a step logs while it runs, chosen by the step's
// name so the default steps read like a real deployment.
func stepBody(name string, e logEnv, rng *rand.Rand) []string {
	release := e.version
	if release == "" {
		release = "current"
	}
	switch n := strings.ToLower(name); {
	case strings.Contains(n, "download"):
		return []string{
			fmt.Sprintf("downloading %s (%.1f MB) from the software release repository", e.pkg, e.sizeMB),
			fmt.Sprintf("saved to /opt/deploy/packages/%s", e.pkg),
			"checksum (SHA-256) verified",
		}
	case strings.Contains(n, "stop"):
		return []string{
			fmt.Sprintf("stopping %s on %s", e.service, e.host),
			fmt.Sprintf("sent SIGTERM to process %d, waiting for it to exit", e.pid),
			fmt.Sprintf("%s stopped", e.service),
		}
	case strings.Contains(n, "start"):
		return []string{
			fmt.Sprintf("starting %s on %s", e.service, e.host),
			fmt.Sprintf("process %d started, listening on port %d", e.pid+1+rng.IntN(50), e.port),
		}
	case strings.Contains(n, "health"), strings.Contains(n, "check"), strings.Contains(n, "verif"):
		return []string{
			fmt.Sprintf("probing http://%s:%d/healthz", e.host, e.port),
			fmt.Sprintf("attempt 1: HTTP 200 in %dms", 3+rng.IntN(60)),
		}
	case strings.Contains(n, "deploy"), strings.Contains(n, "install"):
		return []string{
			fmt.Sprintf("extracting %s to /opt/%s/releases/%s", e.pkg, e.service, release),
			fmt.Sprintf("%d files written", e.files),
			fmt.Sprintf("switched /opt/%s/current to releases/%s", e.service, release),
		}
	default:
		return []string{
			fmt.Sprintf("running %q on %s", name, e.host),
			fmt.Sprintf("command finished in %dms", 20+rng.IntN(900)),
		}
	}
}

// logScript returns every line the record writes if it runs to its
// natural end, a failure included; logLines cuts it at the clock.
func (rec *record) logScript() []logLine {
	sum := sha256.Sum256([]byte("log:" + rec.id))
	rng := rand.New(rand.NewPCG(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16])))
	env := rec.newLogEnv(rng)

	n := len(rec.steps)
	if rec.failAt > 0 && rec.failAt < n {
		n = rec.failAt
	}
	var out []logLine
	start := rec.createdAt
	for i := range n {
		name := rec.steps[i]
		d := rec.durations[i]
		end := start.Add(d)
		add := func(at time.Time, text string) {
			for l := range strings.SplitSeq(text, "\n") {
				out = append(out, logLine{step: i, at: at, text: logPrefix(at, name) + l})
			}
		}
		add(start, fmt.Sprintf("step %d/%d %q started", i+1, len(rec.steps), name))
		body := stepBody(name, env, rng)
		failing := rec.failAt == i+1
		if failing {
			// A failing step gets as far as its first action, then
			// retries in vain.
			body = append(body[:1:1], "attempt 1 failed, retrying", "attempt 2 failed, retrying", "attempt 3 failed, giving up")
		}
		if i == 0 && env.params != "" {
			body = append([]string{"parameters: " + env.params}, body...)
		}
		for k, text := range body {
			add(start.Add(d*time.Duration(k+1)/time.Duration(len(body)+1)), text)
		}
		if failing {
			msg := rec.failMessage
			if msg == "" {
				msg = "the step's command exited with code 1"
			}
			add(end, msg)
			add(end, fmt.Sprintf("ERROR: step %q failed, the deployment has failed", name))
		} else {
			add(end, fmt.Sprintf("step %q succeeded in %s", name, d.Round(time.Millisecond)))
		}
		start = end
	}
	return out
}

func logPrefix(at time.Time, step string) string {
	return "[" + at.In(regionLocal).Format(logTimeForm) + "] [" + step + "] "
}

// logLines is the record's log at now: the script up to now, or up to the
// record's end once it is final; a stopped record ends with a line saying
// so, in the step it was stopped in.
func (rec *record) logLines(now time.Time) []logLine {
	cut := now
	if end, final := rec.endAt(now); final {
		cut = end
	}
	var out []logLine
	for _, l := range rec.logScript() {
		if !l.at.After(cut) {
			out = append(out, l)
		}
	}
	if rec.stopped {
		step := rec.stepAt(rec.stoppedAt)
		out = append(out, logLine{step: step, at: rec.stoppedAt,
			text: logPrefix(rec.stoppedAt, rec.steps[step]) + "the deployment was stopped on request"})
	}
	return out
}

// stepAt is the 0-based step running at t (the last one that runs, for a t
// past the record's natural end).
func (rec *record) stepAt(t time.Time) int {
	n := len(rec.durations)
	if rec.failAt > 0 && rec.failAt < n {
		n = rec.failAt
	}
	start := rec.createdAt
	for i, d := range rec.durations[:n] {
		start = start.Add(d)
		if t.Before(start) {
			return i
		}
	}
	return max(n-1, 0)
}

// logText is the record's log at now, of one step (0-based) or, with step
// -1, of all of them.
func (rec *record) logText(now time.Time, step int) string {
	var b strings.Builder
	for _, l := range rec.logLines(now) {
		if step < 0 || l.step == step {
			b.WriteString(l.text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// span is a byte range of the whole log.
type span struct{ start, end int }

// logSpans returns, per step, where its lines lie in the whole log at now;
// {0, 0} for a step that has not logged yet.
func (rec *record) logSpans(now time.Time) []span {
	out := make([]span, len(rec.steps))
	seen := make([]bool, len(rec.steps))
	pos := 0
	for _, l := range rec.logLines(now) {
		if !seen[l.step] {
			seen[l.step] = true
			out[l.step].start = pos
		}
		pos += len(l.text) + 1
		out[l.step].end = pos
	}
	return out
}

// LogText returns the log of record recordID as ShowAppLog would serve it
// now, all pages together and unfiltered; "" for an unknown record.
func (s *Server) LogText(recordID string) string {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.byID[recordID]
	if rec == nil {
		return ""
	}
	return rec.logText(now, -1)
}

// Step ids.

// stepID is the id of step index (0-based) of taskID: 32 letters and
// digits, stable for the task. ShowAppLog's step_id takes it, not the
// step's position: the API reference says step_id comes from the
// application detail, result.arrange_infos[0].steps.step1.id, and is 1-32
// letters and digits
// (https://support.huaweicloud.com/intl/en-us/api-deployman/ShowAppLog.html).
func stepID(taskID string, index int, name string) string {
	return derivedID("step", taskID+"/"+strconv.Itoa(index+1)+"/"+name)
}

// detailStep is one entry of a task's steps map (huaweicloud-sdk-go-v3
// v0.1.207 services/codeartsdeploy/v2/model/model_step.go).
type detailStep struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Enable bool   `json:"enable"`
}

// detailSteps is a task's steps map: step1..stepN, each with its id.
func detailSteps(taskID string, steps []string) map[string]detailStep {
	out := make(map[string]detailStep, len(steps))
	for i, name := range steps {
		out["step"+strconv.Itoa(i+1)] = detailStep{ID: stepID(taskID, i, name), Name: name, Enable: true}
	}
	return out
}

// Applications. The simulator has one application per task, with a
// derived id; it learns which task an application id belongs to when it
// hands the id out (start answer, task detail).

// appIDOf returns taskID's application id and remembers it. Callers hold
// s.mu.
func (s *Server) appIDOf(taskID string) string {
	id := derivedID("app", taskID)
	if s.apps == nil {
		s.apps = map[string]string{}
	}
	s.apps[id] = taskID
	return id
}

// taskOfApp is the task of application appID: one whose id the simulator
// handed out, or of a task that has records or that the scenario names.
// Callers hold s.mu.
func (s *Server) taskOfApp(appID string) (string, bool) {
	if t, ok := s.apps[appID]; ok {
		return t, true
	}
	for t := range s.records {
		if derivedID("app", t) == appID {
			return t, true
		}
	}
	for _, t := range s.scenario.Tasks {
		if validID(t.TaskID) && derivedID("app", t.TaskID) == appID {
			return t.TaskID, true
		}
	}
	return "", false
}

// ShowAppLog.

type logEnvelope struct {
	Status string    `json:"status"`
	Result logResult `json:"result"`
}

// logResult carries offset and end_offset as numbers, or as strings (the
// API documentation's typing) for a task with string_fields.
type logResult struct {
	HasMore   bool   `json:"has_more"`
	Text      string `json:"text"`
	Offset    any    `json:"offset"`
	EndOffset any    `json:"end_offset"`
}

// parseLogOffset reads a mandatory offset query value: 1-19 digits, as the
// API reference types both offset and end_offset.
func parseLogOffset(v string) (int64, bool) {
	if len(v) < 1 || len(v) > 19 {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// logPage cuts one page out of text: from offset, at most logPageBytes,
// and not past a requested end_offset that lies after offset. A page ends
// anywhere, even inside a line, but never inside a UTF-8 character, so the
// pages of a text concatenate to it exactly.
func logPage(text string, offset, endOffset int64) (string, int64) {
	n := int64(len(text))
	if offset >= n {
		return "", offset
	}
	end := min(n, offset+logPageBytes)
	if endOffset > offset {
		end = min(end, endOffset)
	}
	for end < n && end > offset && !utf8.RuneStart(text[end]) {
		end--
	}
	if end == offset { // a requested end inside the first character
		_, size := utf8.DecodeRuneInString(text[offset:])
		end = offset + int64(size)
	}
	return text[offset:end], end
}

// logParamInvalid refuses a malformed ShowAppLog request. The API
// reference lists neither the error code nor the body of this refusal; the
// simulator answers HTTP 400 in the error_code/error_msg shape of CodeArts
// Deploy's error tables, with the "Param invalid" code CodeArts uses for
// request validation (huawei-api.md §1). Clients decode every shape.
func logParamInvalid(msg string) response {
	return deployError(http.StatusBadRequest, "DEV.CH.10001", "Param invalid: "+msg)
}

// validStepIDShape is the API reference's range of step_id: 1-32 letters
// and digits.
func validStepIDShape(v string) bool {
	if len(v) < 1 || len(v) > 32 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// appLog is ShowAppLog:
// GET /v1/applications/{app_id}/records/{record_id}/logs?offset=&end_offset=&step_id=
// (https://support.huaweicloud.com/intl/en-us/api-deployman/ShowAppLog.html).
// offset and end_offset are mandatory, 1-19 digits each; step_id is
// optional and must be the id of one of the record's task's steps (see
// stepID), never its position. The app id must be the record's.
func (s *Server) appLog(req *request) response {
	appID, recordID := req.vars["app_id"], req.vars["record_id"]
	if !validID(appID) || !validID(recordID) {
		return logParamInvalid("app_id and record_id must be 32 letters/digits")
	}
	q := req.http.URL.Query()
	offset, ok := parseLogOffset(q.Get("offset"))
	if !ok {
		return logParamInvalid("offset is mandatory and must be 1-19 digits")
	}
	endOffset, ok := parseLogOffset(q.Get("end_offset"))
	if !ok {
		return logParamInvalid("end_offset is mandatory and must be 1-19 digits")
	}
	stepParam, withStep := q.Get("step_id"), q.Has("step_id")
	if withStep && !validStepIDShape(stepParam) {
		return logParamInvalid(fmt.Sprintf("step_id %.40q must be 1-32 letters/digits", stepParam))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.byID[recordID]
	if rec == nil || derivedID("app", rec.taskID) != appID {
		return recordNotFound()
	}
	step := -1
	if withStep {
		for i, name := range rec.steps {
			if stepID(rec.taskID, i, name) == stepParam {
				step = i
			}
		}
		if step < 0 {
			return logParamInvalid(fmt.Sprintf("step_id %q is not the id of a step of this deployment", stepParam))
		}
	}
	text := rec.logText(req.now, step)
	page, end := logPage(text, offset, endOffset)
	// The offsets are strings, as the API page types them (ShowAppLog,
	// QueryAppLogResult: offset and end_offset "String"); the client reads
	// numbers too.
	res := logResult{HasMore: end < int64(len(text)), Text: page,
		Offset: strconv.FormatInt(offset, 10), EndOffset: strconv.FormatInt(end, 10)}
	return response{status: http.StatusOK, body: logEnvelope{Status: "success", Result: res}}
}

// ShowDeployTaskDetail.

// taskDetail is the bare object ShowDeployTaskDetail answers: the SDK's
// response model has no status/result wrapper (huaweicloud-sdk-go-v3
// v0.1.207 services/codeartsdeploy/v2/model/model_show_deploy_task_detail_response.go).
// project_id is the CodeArts project's id.
type taskDetail struct {
	ID           string                `json:"id"`
	TaskID       string                `json:"task_id"`
	Name         string                `json:"name"`
	AppID        string                `json:"app_id"`
	ProjectID    string                `json:"project_id"`
	ProjectName  string                `json:"project_name"`
	DeploySystem string                `json:"deploy_system"`
	State        string                `json:"state"`
	Steps        map[string]detailStep `json:"steps"`
}

// taskDetail is ShowDeployTaskDetail: GET /v2/tasks/{task_id}
// (https://support.huaweicloud.com/intl/en-us/api-deployman/ShowDeployTaskDetail.html).
// steps is keyed step1..stepN and each step's id is what ShowAppLog's
// step_id takes.
func (s *Server) taskDetail(req *request) response {
	taskID := req.vars["task_id"]
	if !validID(taskID) {
		return paramInvalid("Param invalid")
	}
	if gone, ok := s.taskGone(taskID); ok {
		return gone
	}
	sh := s.shape(taskID)
	s.mu.Lock()
	appID := s.appIDOf(taskID)
	s.mu.Unlock()
	return response{status: http.StatusOK, body: taskDetail{
		ID: taskID, TaskID: taskID, Name: sh.Name,
		AppID:        appID,
		ProjectID:    CodeArtsProjectID(taskID),
		ProjectName:  "simulator",
		DeploySystem: "deployTemplate",
		State:        "Available",
		Steps:        detailSteps(taskID, sh.steps),
	}}
}

// ShowAppDetailById.

// appDetailEnvelope is ShowAppDetailById's answer (huaweicloud-sdk-go-v3
// v0.1.207 services/codeartsdeploy/v2/model/model_show_app_detail_by_id_response.go,
// model_app_detail_info.go and model_task_v2_info.go).
type appDetailEnvelope struct {
	Status string        `json:"status"`
	Result appDetailInfo `json:"result"`
}

type appDetailInfo struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Region       string        `json:"region"`
	ProjectID    string        `json:"project_id"`
	ProjectName  string        `json:"project_name"`
	ArrangeInfos []arrangeInfo `json:"arrange_infos"`
}

type arrangeInfo struct {
	ID           string                `json:"id"`
	Name         string                `json:"name"`
	State        string                `json:"state"`
	ProjectID    string                `json:"project_id"`
	DeploySystem string                `json:"deploy_system"`
	AppID        string                `json:"app_id"`
	Steps        map[string]detailStep `json:"steps"`
}

// appDetail is ShowAppDetailById: GET /v1/applications/{app_id}/info,
// where the ShowAppLog reference says step ids come from
// (result.arrange_infos[0].steps.step1.id). An application id the
// simulator never handed out is Deploy.00011020, no such application.
func (s *Server) appDetail(req *request) response {
	appID := req.vars["app_id"]
	if !validID(appID) {
		return paramInvalid("Param invalid")
	}
	s.mu.Lock()
	taskID, ok := s.taskOfApp(appID)
	s.mu.Unlock()
	if !ok {
		return deployError(http.StatusNotFound, "Deploy.00011020", "The application does not exist or has been deleted.")
	}
	sh := s.shape(taskID)
	return response{status: http.StatusOK, body: appDetailEnvelope{Status: "success", Result: appDetailInfo{
		ID: appID, Name: sh.Name, Region: simRegion,
		ProjectID: CodeArtsProjectID(taskID), ProjectName: "simulator",
		ArrangeInfos: []arrangeInfo{{
			ID: taskID, Name: sh.Name, State: "Available",
			ProjectID: CodeArtsProjectID(taskID), DeploySystem: "deployTemplate", AppID: appID,
			Steps: detailSteps(taskID, sh.steps),
		}},
	}}}
}
