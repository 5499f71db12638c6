package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// The hostile server of the suite (hostile_run_test.go): what it counts
// and remembers within a run, the exchange a hostile handler works with,
// and the filters and edits the cases are written with.

// count is how many requests of op the server has seen.
func (h *hostileRun) count(op string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[op]
}

// requestCounts are the requests the server has seen, by operation.
func (h *hostileRun) requestCounts() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.counts {
		out[k] = v
	}
	return out
}

// remember and recall keep a value within a run: the handlers of the
// table are shared by every run of a case, what they remember is not.
func (h *hostileRun) remember(key string, v any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.values[key] = v
}

func (h *hostileRun) recall(key string) any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.values[key]
}

// bump counts under key and returns the new count.
func (h *hostileRun) bump(key string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, _ := h.values[key].(int)
	h.values[key] = n + 1
	return n + 1
}

// evilURL is the base URL of another host, which must never be contacted:
// redirects point there.
func (h *hostileRun) evilURL() string {
	h.evilOnce.Do(func() {
		h.evil = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.evilHits.Add(1)
			w.WriteHeader(http.StatusTeapot)
		}))
		h.t.Cleanup(h.evil.Close)
	})
	return h.evil.URL
}

// serve is the hostile server: the case's handler first, the simulator
// for whatever it leaves unanswered.
func (h *hostileRun) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	op := opOf(r)
	h.mu.Lock()
	h.counts[op]++
	n := h.counts[op]
	h.mu.Unlock()
	x := &exchange{w: w, r: r, body: body, op: op, n: n, post: h.inPost.Load(), h: h}
	if h.tc.hostile != nil {
		h.tc.hostile(x)
	}
	if !x.done {
		x.pass()
	}
}

// opOf names the operation of a request, as the simulator's scenario
// faults do: start, state, stop, detail, history, logs, app_detail; plans,
// plan, execute, rollback, abort, deploy_info; signal (PUT) and deployment
// (GET) of RTS.
func opOf(r *http.Request) string {
	s := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	at := func(i int, v string) bool { return len(s) > i && s[i] == v }
	switch {
	case len(s) == 4 && at(0, "v2") && at(1, "tasks") && at(3, "start"):
		return "start"
	case len(s) == 4 && at(0, "v2") && at(1, "tasks") && at(3, "state"):
		return "state"
	case len(s) == 6 && at(0, "v2") && at(1, "tasks") && at(5, "stop"):
		return "stop"
	case len(s) == 3 && at(0, "v2") && at(1, "tasks"):
		return "detail"
	case len(s) == 5 && at(0, "v2") && at(2, "task") && at(4, "history"):
		return "history"
	case len(s) == 6 && at(0, "v1") && at(1, "applications") && at(5, "logs"):
		return "logs"
	case len(s) == 4 && at(0, "v1") && at(1, "applications") && at(3, "info"):
		return "app_detail"
	case len(s) >= 4 && at(0, "v3") && at(2, "cas") && at(3, "release-plans"):
		switch len(s) {
		case 4:
			return "plans"
		case 5:
			return "plan"
		}
		return strings.ReplaceAll(s[5], "-", "_")
	case len(s) == 4 && at(0, "v1") && at(2, "software_deployments"):
		if r.Method == http.MethodPut {
			return "signal"
		}
		return "deployment"
	}
	return "other"
}

// exchange is one request as a hostile handler sees it. A handler answers
// it (reply, answer, drop, hang, ...) or leaves it to the simulator.
type exchange struct {
	w    http.ResponseWriter
	r    *http.Request
	body []byte
	op   string
	n    int  // this is the n-th request of op in the run, from 1
	post bool // sent by the post step
	h    *hostileRun
	done bool
}

// query returns a query parameter of the request.
func (x *exchange) query(name string) string { return x.r.URL.Query().Get(name) }

// token is the credential the request carried: its security token or
// auth token, which a hostile server may echo.
func (x *exchange) token() string {
	if v := x.r.Header.Get("X-Security-Token"); v != "" {
		return v
	}
	return x.r.Header.Get("X-Auth-Token")
}

// pass lets the simulator answer.
func (x *exchange) pass() {
	x.r.Body = io.NopCloser(bytes.NewReader(x.body))
	x.h.srv.ServeHTTP(x.w, x.r)
	x.done = true
}

// process has the simulator handle the request (which checks the real
// signature) and returns its answer without sending it.
func (x *exchange) process() *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	x.r.Body = io.NopCloser(bytes.NewReader(x.body))
	x.h.srv.ServeHTTP(rec, x.r)
	return rec
}

// answer sends the status and headers of rec with body instead of its own.
func (x *exchange) answer(rec *httptest.ResponseRecorder, body []byte) {
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			x.w.Header()[k] = v
		}
	}
	x.w.WriteHeader(rec.Code)
	_, _ = x.w.Write(body)
	x.done = true
}

// edit has the simulator answer, lets f change the JSON object of the
// answer, and sends it.
func (x *exchange) edit(f func(m map[string]any)) {
	rec := x.process()
	x.answer(rec, editJSON(rec.Body.Bytes(), f))
}

// editResult is edit for the "result" object of a CodeArts answer.
func (x *exchange) editResult(f func(res map[string]any)) {
	x.edit(func(m map[string]any) {
		if res, ok := m["result"].(map[string]any); ok {
			f(res)
		}
	})
}

// reply answers with status and body; kv are header names and values
// (Content-Type is application/json unless given).
func (x *exchange) reply(status int, body string, kv ...string) {
	x.w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	x.w.Header().Set("X-Request-Id", fmt.Sprintf("hostile%025d", x.n))
	for i := 0; i+1 < len(kv); i += 2 {
		x.w.Header().Set(kv[i], kv[i+1])
	}
	x.w.WriteHeader(status)
	_, _ = io.WriteString(x.w, body)
	x.done = true
}

// drop closes the connection without an answer.
func (x *exchange) drop() {
	x.done = true
	conn, _, err := x.w.(http.Hijacker).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// hang never answers; it returns when the client gives up.
func (x *exchange) hang() {
	x.done = true
	<-x.r.Context().Done()
}

// cutShort sends the head of an answer announcing body whole, then keep
// bytes of it, and closes the connection.
func (x *exchange) cutShort(status int, body []byte, keep int) {
	x.done = true
	conn, buf, err := x.w.(http.Hijacker).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", status, http.StatusText(status), len(body))
	_, _ = buf.Write(body[:keep])
	_ = buf.Flush()
}

// trickle sends an answer one byte every gap, until it is whole or the
// client gives up: a slowloris answer.
func (x *exchange) trickle(status int, body []byte, gap time.Duration) {
	x.done = true
	x.w.Header().Set("Content-Type", "application/json")
	x.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	x.w.WriteHeader(status)
	flusher := x.w.(http.Flusher)
	for i := range body {
		if _, err := x.w.Write(body[i : i+1]); err != nil {
			return
		}
		flusher.Flush()
		select {
		case <-x.r.Context().Done():
			return
		case <-time.After(gap):
		}
	}
}

// on applies f to requests of op only.
func on(op string, f func(x *exchange)) func(x *exchange) {
	return func(x *exchange) {
		if x.op == op {
			f(x)
		}
	}
}

// firstOf applies f to the first n requests of op only.
func firstOf(n int, op string, f func(x *exchange)) func(x *exchange) {
	return func(x *exchange) {
		if x.op == op && x.n <= n {
			f(x)
		}
	}
}

// polls applies f to the state reads of one record (with record_id), not
// to those of the task's latest record.
func polls(f func(x *exchange)) func(x *exchange) {
	return func(x *exchange) {
		if x.op == "state" && x.query("record_id") != "" {
			f(x)
		}
	}
}

// firstPolls applies f to the first n state reads of one record.
func firstPolls(n int, f func(x *exchange)) func(x *exchange) {
	return polls(func(x *exchange) {
		if x.h.bump("polls") <= n {
			f(x)
		}
	})
}

// mainOnly applies f to the main step's requests only.
func mainOnly(f func(x *exchange)) func(x *exchange) {
	return func(x *exchange) {
		if !x.post {
			f(x)
		}
	}
}

// processThenAnswer has the simulator handle the request, then answers
// status and body instead: the work is done, the answer says otherwise.
func processThenAnswer(status int, body string, kv ...string) func(x *exchange) {
	return func(x *exchange) {
		x.process()
		x.reply(status, body, kv...)
	}
}

// editJSON decodes a JSON object, lets f change it and encodes it again
// (numbers keep their digits, <, > and & stay as they are); a body that is
// no JSON object comes back unchanged.
func editJSON(b []byte, f func(m map[string]any)) []byte {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil || m == nil {
		return b
	}
	f(m)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if enc.Encode(m) != nil {
		return b
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

// steps returns the step_state entries of a state result.
func steps(res map[string]any) []map[string]any {
	list, _ := res["step_state"].([]any)
	var out []map[string]any
	for _, s := range list {
		if m, ok := s.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// uEscape spells s entirely in \uXXXX escapes, as a JSON string's content.
func uEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// stateFinal reports whether a state answer says its record has ended.
func stateFinal(res map[string]any) bool { return res["step"] == "finish" }

// pretendRecord turns a state result into one about record id, ended
// with status.
func pretendRecord(res map[string]any, id, status string) {
	// An hour ago, in the region's time as the service writes it.
	ago := time.Now().Add(-time.Hour).In(time.FixedZone("UTC+8", 8*3600)).Format("2006-01-02 15:04:05")
	res["record_id"] = id
	res["status"] = status
	res["step"] = "finish"
	res["start_time"], res["end_time"] = ago, ago
}

// lines returns the lines of s.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}
