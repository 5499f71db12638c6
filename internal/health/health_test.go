package health

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huaweitest"
)

// logLines collects what the gate writes.
type logLines struct{ huaweitest.Lines }

func (l *logLines) Infof(format string, a ...any) { l.Logf(format, a...) }
func (l *logLines) Group(title string)            { l.Infof("::group::%s", title) }
func (l *logLines) EndGroup()                     { l.Infof("::endgroup::") }

// scripted serves the i-th answer to the i-th request (the last one
// after); when the test ends, it checks that no credential reached it.
func scripted(t *testing.T, answers ...huaweitest.Answer) *huaweitest.Server {
	t.Helper()
	srv := huaweitest.New(t, answers...)
	t.Cleanup(func() { assertNoCredentials(t, srv.Requests()) })
	return srv
}

// assertNoCredentials checks that the requests carry no credential, and
// the user agent the spec names.
func assertNoCredentials(t *testing.T, reqs []huaweitest.Request) {
	t.Helper()
	for _, r := range reqs {
		for _, h := range []string{"Authorization", "X-Auth-Token", "X-Security-Token", "X-Sdk-Date", "X-Project-Id", "Cookie"} {
			assert.Empty(t, r.Header.Get(h), "header %s sent to the health endpoint", h)
		}
		assert.Equal(t, "test-agent", r.Header.Get("User-Agent"))
	}
}

func status(code int, body string) huaweitest.Answer {
	return huaweitest.Answer{Status: code, Body: body}
}

// handle is an answer that h writes.
func handle(h func(w http.ResponseWriter)) huaweitest.Answer {
	return huaweitest.Answer{Handle: func(w http.ResponseWriter, _ *http.Request) { h(w) }}
}

func spec(url string) Spec {
	return Spec{
		URL:      url,
		Accept:   func(c int) bool { return c >= 200 && c <= 399 },
		Accepted: "200-399",
		Healthy:  3, Timeout: 2 * time.Second, Interval: 10 * time.Millisecond, CheckTimeout: time.Second,
		UserAgent: "test-agent",
	}
}

func TestGate(t *testing.T) {
	t.Parallel()
	up, down := status(200, `{"status":"UP"}`), status(503, `{"status":"DOWN"}`)
	tests := []struct {
		name    string
		answers []huaweitest.Answer
		edit    func(*Spec)
		healthy bool
		checks  int
		why     string // in the last answer
	}{
		{name: "healthy at once", answers: []huaweitest.Answer{up}, healthy: true, checks: 3},
		{name: "healthy after two bad answers", answers: []huaweitest.Answer{down, down, up}, healthy: true, checks: 5},
		{name: "a bad answer resets the streak", answers: []huaweitest.Answer{up, up, down, up}, healthy: true, checks: 6},
		{name: "flapping", answers: []huaweitest.Answer{up, down, up, down, up, down, up, down},
			edit: func(s *Spec) { s.Timeout = 150 * time.Millisecond; s.Interval = 20 * time.Millisecond }, why: "status not in 200-399"},
		{name: "never", answers: []huaweitest.Answer{down},
			edit: func(s *Spec) { s.Timeout = 100 * time.Millisecond }, why: "status not in 200-399"},
		{name: "wrong body", answers: []huaweitest.Answer{status(200, "maintenance")},
			edit: func(s *Spec) { s.Timeout = 100 * time.Millisecond; s.Body = `"UP"` }, why: `body does not contain "\"UP\""`},
		{name: "body by regular expression", answers: []huaweitest.Answer{status(200, `{"version":"1.4.2"}`)},
			edit: func(s *Spec) { s.BodyRE = regexp.MustCompile(`"version":"1\.4\.\d+"`) }, healthy: true, checks: 3},
		{name: "body not matching", answers: []huaweitest.Answer{status(200, `{"version":"1.3.9"}`)},
			edit: func(s *Spec) { s.Timeout = 100 * time.Millisecond; s.BodyRE = regexp.MustCompile(`1\.4\.\d+`) }, why: `body does not match /1\.4\.\d+/`},
		{name: "a redirect is an answer, not followed", answers: []huaweitest.Answer{handle(func(w http.ResponseWriter) {
			w.Header().Set("Location", "https://elsewhere.invalid/")
			w.WriteHeader(http.StatusFound)
		})}, healthy: true, checks: 3},
		{name: "a redirect outside the accepted codes", answers: []huaweitest.Answer{handle(func(w http.ResponseWriter) {
			w.Header().Set("Location", "/login")
			w.WriteHeader(http.StatusFound)
		})}, edit: func(s *Spec) {
			s.Timeout = 100 * time.Millisecond
			s.Accept, s.Accepted = func(c int) bool { return c == 200 }, "200"
		}, why: "status not in 200"},
		{name: "slow", answers: []huaweitest.Answer{handle(func(w http.ResponseWriter) {
			time.Sleep(300 * time.Millisecond)
			w.WriteHeader(200)
		})}, edit: func(s *Spec) { s.Timeout = 250 * time.Millisecond; s.CheckTimeout = 50 * time.Millisecond }, why: "no answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := scripted(t, tt.answers...)
			s := spec(srv.URL + "/healthz?token=s3cret")
			if tt.edit != nil {
				tt.edit(&s)
			}
			log := &logLines{}
			r := Gate(t.Context(), s, log)
			assert.Equal(t, tt.healthy, r.Healthy, log.String())
			assert.False(t, r.Cancelled)
			if tt.checks > 0 {
				assert.Equal(t, tt.checks, r.Checks, log.String())
			}
			require.NotEmpty(t, r.Last)
			assert.LessOrEqual(t, len(r.Last), 5)
			if tt.why != "" {
				var whys []string
				for _, a := range r.Last {
					whys = append(whys, a.Why)
				}
				assert.Contains(t, whys, tt.why)
				assert.Less(t, r.Best, 3)
			}
			out := log.String()
			assert.NotContains(t, out, "s3cret", "the query may carry a credential")
			assert.Contains(t, out, "::group::Health check: GET "+srv.URL+"/healthz?… until 3 good answers in a row")
			assert.Equal(t, r.Checks, strings.Count(out, "\n✓ ")+strings.Count(out, "\n✗ ")-1, "a line per check, and the verdict:\n%s", out)
		})
	}
}

func TestGateNoAnswer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	s := spec(url + "/healthz")
	s.Timeout = 50 * time.Millisecond
	r := Gate(t.Context(), s, &logLines{})
	assert.False(t, r.Healthy)
	require.NotEmpty(t, r.Last)
	assert.Contains(t, r.Last[0].Err, "cannot connect")
	assert.Contains(t, r.Last[0].String(), "no answer: cannot connect")
}

func TestGateCancelled(t *testing.T) {
	t.Parallel()
	srv := scripted(t, status(503, "down"))
	ctx, cancel := context.WithCancel(t.Context())
	s := spec(srv.URL)
	s.Timeout, s.Interval = time.Minute, 20*time.Millisecond
	time.AfterFunc(100*time.Millisecond, cancel)
	r := Gate(ctx, s, &logLines{})
	assert.True(t, r.Cancelled)
	assert.False(t, r.Healthy)
}

func TestAnswerString(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 7, 9, 3, 36, 28, 0, time.UTC)
	assert.Equal(t, `03:36:28 503 Service Unavailable in 12ms (status not in 200-399): {"status":"DOWN"}`,
		Answer{At: at, Status: 503, Took: 12 * time.Millisecond, Body: `{"status":"DOWN"}`, Why: "status not in 200-399"}.String())
	assert.Equal(t, "03:36:28 no answer: timed out after 1.0s", Answer{At: at, Err: "timed out after 1.0s"}.String())
	assert.Equal(t, "a b", oneLine("a\n\tb\x1b", 10), "one line, without control characters")
	assert.Equal(t, "abc…", oneLine("abcdef", 3))
}

func TestShown(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "https://app.example.com/healthz?…", Shown("https://user:pw@app.example.com/healthz?key=secret"))
	assert.Equal(t, "http://10.0.0.8:8080/", Shown("http://10.0.0.8:8080/"))
}

func TestSpecJudge(t *testing.T) {
	t.Parallel()
	ok := func(code int) bool { return code == 200 }
	tests := []struct {
		name   string
		spec   Spec
		status int
		body   string
		want   string
	}{
		{"good status", Spec{Accept: ok, Accepted: "200"}, 200, "", ""},
		{"bad status", Spec{Accept: ok, Accepted: "200"}, 503, "ok", "status not in 200"},
		{"body matches", Spec{Accept: ok, BodyRE: regexp.MustCompile(`"status":\s*"UP"`)}, 200, `{"status": "UP"}`, ""},
		{"body does not match", Spec{Accept: ok, BodyRE: regexp.MustCompile(`UP`)}, 200, `DOWN`, "body does not match /UP/"},
		{"body contains", Spec{Accept: ok, Body: "ready"}, 200, "all ready", ""},
		{"body does not contain", Spec{Accept: ok, Body: "ready"}, 200, "starting", `body does not contain "ready"`},
		{"the pattern wins over the text", Spec{Accept: ok, Body: "absent", BodyRE: regexp.MustCompile(`x`)}, 200, "x", ""},
		{"status first", Spec{Accept: ok, Accepted: "200", Body: "ready"}, 500, "starting", "status not in 200"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.spec.judge(tt.status, []byte(tt.body)), tt.name)
	}
}

func TestSpecDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		spec        Spec
		wantHealthy int
		wantLimit   time.Duration
	}{
		{"nothing set", Spec{}, 1, 10 * time.Second},
		{"negative", Spec{Healthy: -2, CheckTimeout: -time.Second}, 1, 10 * time.Second},
		{"as given", Spec{Healthy: 3, CheckTimeout: 2 * time.Second}, 3, 2 * time.Second},
	}
	for _, tt := range tests {
		got := tt.spec.withDefaults()
		assert.Equal(t, tt.wantHealthy, got.Healthy, tt.name)
		assert.NotNil(t, got.Client, tt.name)
		assert.Equal(t, tt.wantLimit, got.checkLimit(), tt.name)
	}
}

func TestReportTally(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		answers    []bool
		wantMarks  string
		wantStreak int
		wantBest   int
	}{
		{"none", nil, "", 0, 0},
		{"good run", []bool{true, true}, "✓✓", 2, 2},
		{"a bad answer resets", []bool{true, true, false, true}, "✓✓✗✓", 1, 2},
	}
	for _, tt := range tests {
		var r Report
		marks := ""
		for _, ok := range tt.answers {
			marks += r.tally(ok)
		}
		assert.Equal(t, tt.wantMarks, marks, tt.name)
		assert.Equal(t, tt.wantStreak, r.Streak, tt.name)
		assert.Equal(t, tt.wantBest, r.Best, tt.name)
	}
}

func TestReportKeepsTheLastAnswers(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, keepLast, keepLast + 3} {
		var r Report
		for i := range n {
			r.keep(Answer{Status: i})
		}
		assert.Len(t, r.Last, min(n, keepLast))
		if n > 0 {
			assert.Equal(t, n-1, r.Last[len(r.Last)-1].Status, "the newest last")
		}
	}
}
