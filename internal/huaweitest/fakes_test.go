package huaweitest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestClockMovesOnlyWhenAdvanced(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 7, 9, 3, 36, 28, 0, time.UTC)
	c := NewClock(start)
	tests := []struct {
		advance time.Duration
		want    time.Time
	}{
		{0, start},
		{time.Second, start.Add(time.Second)},
		{time.Hour, start.Add(time.Hour + time.Second)},
	}
	for _, tt := range tests {
		c.Advance(tt.advance)
		if got := c.Now(); !got.Equal(tt.want) {
			t.Errorf("after Advance(%v): got %v, want %v", tt.advance, got, tt.want)
		}
	}
}

func TestLinesKeepsEveryLineOfConcurrentWriters(t *testing.T) {
	t.Parallel()
	var l Lines
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Logf("line %d", i)
		}()
	}
	wg.Wait()
	if got := len(l.All()); got != 20 {
		t.Errorf("got %d lines, want 20", got)
	}
	var one Lines
	one.Logf("a %s", "b")
	one.Logf("c")
	if got, want := one.String(), "a b\nc"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEditJSONEditsOnlyMatchingJSONAnswers(t *testing.T) {
	t.Parallel()
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-1")
		switch r.URL.Path {
		case "/refused":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"a":1}`))
		case "/text":
			_, _ = w.Write([]byte(`not JSON`))
		default:
			_, _ = w.Write([]byte(`{"a":1,"b":"<x>"}`))
		}
	})
	h := EditJSON(inner, func(p string) bool { return p != "/other" }, func(m map[string]any) {
		m["a"] = json.RawMessage("1e400")
		delete(m, "c")
		m["c"] = "&"
	})
	tests := []struct {
		path       string
		wantStatus int
		wantBody   string
	}{
		{"/state", http.StatusOK, `{"a":1e400,"b":"<x>","c":"&"}`},
		{"/other", http.StatusOK, `{"a":1,"b":"<x>"}`},
		{"/refused", http.StatusBadRequest, `{"a":1}`},
		{"/text", http.StatusOK, `not JSON`},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		got := rec.Body.String()
		if rec.Code != tt.wantStatus || got != tt.wantBody {
			t.Errorf("%s: got %d %s, want %d %s", tt.path, rec.Code, got, tt.wantStatus, tt.wantBody)
		}
		if rec.Header().Get("X-Request-Id") != "req-1" {
			t.Errorf("%s: the answer's headers were not passed on: %v", tt.path, rec.Header())
		}
		if cl := rec.Header().Get("Content-Length"); tt.path == "/state" && cl != strconv.Itoa(len(got)) {
			t.Errorf("%s: Content-Length %s, body of %d bytes", tt.path, cl, len(got))
		}
	}
}

func TestEditBodyEditsEveryStatusOfMatchingPaths(t *testing.T) {
	t.Parallel()
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/refused" {
			w.WriteHeader(http.StatusBadRequest)
		}
		_, _ = w.Write([]byte(`{"id":"a"}`))
	})
	h := EditBody(inner, func(p string) bool { return p != "/other" }, func(status int, body []byte) []byte {
		return append(body, []byte(" "+strconv.Itoa(status))...)
	})
	tests := []struct {
		path       string
		wantStatus int
		wantBody   string
	}{
		{"/ok", http.StatusOK, `{"id":"a"} 200`},
		{"/refused", http.StatusBadRequest, `{"id":"a"} 400`},
		{"/other", http.StatusOK, `{"id":"a"}`},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if got := rec.Body.String(); rec.Code != tt.wantStatus || got != tt.wantBody {
			t.Errorf("%s: got %d %s, want %d %s", tt.path, rec.Code, got, tt.wantStatus, tt.wantBody)
		}
		if got := rec.Header().Get("Content-Type"); got != "application/json" {
			t.Errorf("%s: Content-Type %q, want the answer's", tt.path, got)
		}
	}
}
