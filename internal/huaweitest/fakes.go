package huaweitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clock is a clock a test moves by hand instead of sleeping; it is safe
// for concurrent use, so a simulator and a client may both read it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that stands at start until it is advanced.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Lines collects formatted log lines, safely for concurrent writers. The
// zero value is ready to use.
type Lines struct {
	mu    sync.Mutex
	lines []string
}

// Logf adds one line, formatted as fmt.Sprintf does.
func (l *Lines) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// All returns the lines so far, in the order they were added.
func (l *Lines) All() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// String returns the lines so far, joined by newlines.
func (l *Lines) String() string { return strings.Join(l.All(), "\n") }

// EditBody wraps h so that the body of its answers to the requests whose
// URL path match accepts passes through edit, which gets the answer's
// status too; the headers pass on, with Content-Length set to the new
// length. It stands for a service version whose answers differ from the
// simulator's.
func EditBody(h http.Handler, match func(path string) bool, edit func(status int, body []byte) []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !match(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := edit(rec.Code, rec.Body.Bytes())
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// EditJSON is EditBody for JSON objects: a 200 answer whose body is a
// JSON object is decoded, given to edit, and encoded again (HTML
// characters unescaped, values of type json.RawMessage written as they
// are). Other answers pass unchanged.
func EditJSON(h http.Handler, match func(path string) bool, edit func(body map[string]any)) http.Handler {
	return EditBody(h, match, func(status int, body []byte) []byte {
		var m map[string]any
		if status != http.StatusOK || json.Unmarshal(body, &m) != nil {
			return body
		}
		edit(m)
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(m)
		return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	})
}
