package sim

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file is the deployment log of a record (ShowAppLog, huawei-api.md
// §1). The task and application details in which a client finds the
// application id and the step ids the log API needs are in appdetail.go.
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
	e.params, e.version = shownParams(rec.params)
	e.pkg = e.service + ".tar.gz"
	if e.version != "" {
		e.pkg = e.service + "-" + e.version + ".tar.gz"
	}
	return e
}

// shownParams is how the log shows params: text parameters with their
// values, encrypt parameters masked, other types not at all. version is
// the value of a text parameter named version, "" without one.
func shownParams(params []ParamInfo) (shown, version string) {
	var parts []string
	for _, p := range params {
		switch p.Type {
		case "text":
			parts = append(parts, p.Key+"="+p.Value)
			if p.Key == "version" {
				version = p.Value
			}
		case "encrypt":
			parts = append(parts, p.Key+"=******")
		}
	}
	return strings.Join(parts, ", "), version
}

// stepBody is the work a step logs while it runs, chosen by the step's
// name so the default steps read like a real deployment.
func stepBody(name string, e logEnv, rng *rand.Rand) []string {
	release := cmp.Or(e.version, "current")
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
	var out []logLine
	start := rec.createdAt
	for i := range rec.stepsRun() {
		out = append(out, rec.stepScript(i, start, env, rng)...)
		start = start.Add(rec.durations[i])
	}
	return out
}

// stepScript is what step i (0-based) writes when it runs from start: a
// line when it starts, its work spread over its time, and its outcome when
// it ends.
func (rec *record) stepScript(i int, start time.Time, env logEnv, rng *rand.Rand) []logLine {
	name, d := rec.steps[i], rec.durations[i]
	var out []logLine
	add := func(at time.Time, text string) {
		for l := range strings.SplitSeq(text, "\n") {
			out = append(out, logLine{step: i, at: at, text: logPrefix(at, name) + l})
		}
	}
	add(start, fmt.Sprintf("step %d/%d %q started", i+1, len(rec.steps), name))
	body := rec.stepWork(i, env, rng)
	for k, text := range body {
		add(start.Add(d*time.Duration(k+1)/time.Duration(len(body)+1)), text)
	}
	for _, text := range rec.stepOutcome(i) {
		add(start.Add(d), text)
	}
	return out
}

// stepWork is the work step i logs while it runs; the first step begins
// with the parameters.
func (rec *record) stepWork(i int, env logEnv, rng *rand.Rand) []string {
	body := stepBody(rec.steps[i], env, rng)
	if rec.failAt == i+1 {
		// A failing step gets as far as its first action, then
		// retries in vain.
		body = append(body[:1:1], "attempt 1 failed, retrying", "attempt 2 failed, retrying", "attempt 3 failed, giving up")
	}
	if i == 0 && env.params != "" {
		body = append([]string{"parameters: " + env.params}, body...)
	}
	return body
}

// stepOutcome is what step i logs when it ends.
func (rec *record) stepOutcome(i int) []string {
	name := rec.steps[i]
	if rec.failAt != i+1 {
		return []string{fmt.Sprintf("step %q succeeded in %s", name, rec.durations[i].Round(time.Millisecond))}
	}
	msg := cmp.Or(rec.failMessage, "the step's command exited with code 1")
	return []string{msg, fmt.Sprintf("ERROR: step %q failed, the deployment has failed", name)}
}

func logPrefix(at time.Time, step string) string {
	return "[" + at.In(regionLocal).Format(logTimeForm) + "] [" + step + "] "
}

// logLines is the record's log at now: the script up to now, or up to the
// record's end once it is final; a stopped record ends with a line saying
// so, in the step it was stopped in.
func (rec *record) logLines(now time.Time) []logLine {
	cut := rec.clockAt(now)
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
	n := rec.stepsRun()
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

var (
	// logOffsetRE is the API reference's range of offset and end_offset:
	// 1-19 digits.
	logOffsetRE = regexp.MustCompile(`^[0-9]{1,19}$`)
	// stepIDRE is the API reference's range of step_id: 1-32 letters and
	// digits.
	stepIDRE = regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`)
)

// parseLogOffset reads a mandatory offset query value: 1-19 digits, as the
// API reference types both offset and end_offset.
func parseLogOffset(v string) (int64, bool) {
	if !logOffsetRE.MatchString(v) {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// logQuery is a validated query of ShowAppLog.
type logQuery struct {
	offset, endOffset int64
	stepID            string
	withStep          bool // step_id was given
}

// parseLogQuery checks ShowAppLog's query; the message says what is wrong.
func parseLogQuery(q url.Values) (logQuery, string) {
	var lq logQuery
	var ok bool
	if lq.offset, ok = parseLogOffset(q.Get("offset")); !ok {
		return lq, "offset is mandatory and must be 1-19 digits"
	}
	if lq.endOffset, ok = parseLogOffset(q.Get("end_offset")); !ok {
		return lq, "end_offset is mandatory and must be 1-19 digits"
	}
	lq.stepID, lq.withStep = q.Get("step_id"), q.Has("step_id")
	if lq.withStep && !stepIDRE.MatchString(lq.stepID) {
		return lq, fmt.Sprintf("step_id %.40q must be 1-32 letters/digits", lq.stepID)
	}
	return lq, ""
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
	lq, msg := parseLogQuery(req.http.URL.Query())
	if msg != "" {
		return logParamInvalid(msg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.appRecord(appID, recordID)
	if rec == nil {
		return recordNotFound()
	}
	step, ok := rec.queriedStep(lq)
	if !ok {
		return logParamInvalid(fmt.Sprintf("step_id %q is not the id of a step of this deployment", lq.stepID))
	}
	res := logPageResult(rec.logText(req.now, step), lq.offset, lq.endOffset)
	return response{status: http.StatusOK, body: logEnvelope{Status: "success", Result: res}}
}

// appRecord is the record recordID of the application appID, or nil;
// s.mu is held.
func (s *Server) appRecord(appID, recordID string) *record {
	rec := s.byID[recordID]
	if rec == nil || appIDFor(rec.taskID) != appID {
		return nil
	}
	return rec
}

// queriedStep is the index of the step the query asks for, -1 for the
// whole log; false when its step_id names no step of the record.
func (rec *record) queriedStep(lq logQuery) (int, bool) {
	if !lq.withStep {
		return -1, true
	}
	step := rec.stepIndex(lq.stepID)
	return step, step >= 0
}

// logPageResult is the page offset..endOffset of the log text as
// ShowAppLog answers it.
func logPageResult(text string, offset, endOffset int64) logResult {
	page, end := logPage(text, offset, endOffset)
	// The offsets are strings, as the API page types them (ShowAppLog,
	// QueryAppLogResult: offset and end_offset "String"); the client reads
	// numbers too.
	return logResult{HasMore: end < int64(len(text)), Text: page,
		Offset: strconv.FormatInt(offset, 10), EndOffset: strconv.FormatInt(end, 10)}
}

// stepIndex is the 0-based index of the record's step whose id (see
// stepID) is id, or -1.
func (rec *record) stepIndex(id string) int {
	for i, name := range rec.steps {
		if stepID(rec.taskID, i, name) == id {
			return i
		}
	}
	return -1
}
