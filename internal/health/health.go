// Package health is the health gate after a deployment: it asks the
// deployed service's own health endpoint (health_url) until enough good
// answers come in a row, or time runs out. "The deployment succeeded"
// means the platform ran its steps; this checks that the service answers.
//
// The endpoint is the user's, not Huawei's: no credentials, signatures or
// project headers are ever sent to it, and redirects are not followed (a
// 3xx is judged as an answer, which the default accepted range 200-399
// counts as good, as load balancers' health checks do).
package health

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/deploy-action/deploy-action/internal/wait"
)

// Spec says what to ask and what counts as healthy.
type Spec struct {
	URL string
	// Accept reports whether a status code is good; Accepted describes
	// the accepted codes for messages ("200-399").
	Accept   func(code int) bool
	Accepted string
	// Body, when not "", must be contained in a good answer's body, or,
	// when BodyRE is set, BodyRE must match it.
	Body   string
	BodyRE *regexp.Regexp
	// Healthy is how many good answers in a row make the service healthy.
	Healthy int
	// Timeout bounds the whole gate; Interval is the gap between checks;
	// CheckTimeout bounds one check.
	Timeout, Interval, CheckTimeout time.Duration
	// Client sends the checks (its transport honours the proxy settings
	// and the trusted CAs); it must not follow redirects. Nil uses
	// NewClient(nil).
	Client    *http.Client
	UserAgent string
}

// NewClient returns a client for health checks over transport (nil: Go's
// default) that never follows a redirect.
func NewClient(transport http.RoundTripper) *http.Client {
	return &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Answer is one check.
type Answer struct {
	At     time.Time
	Status int // 0 when there was no answer
	Took   time.Duration
	Body   string // the start of the body, on one line
	Err    string // why there was no answer
	OK     bool
	Why    string // why it is not good
}

// String describes the answer for the log and the annotation.
func (a Answer) String() string {
	s := a.At.UTC().Format("15:04:05") + " "
	if a.Status == 0 {
		return s + "no answer: " + a.Err
	}
	s += fmt.Sprintf("%d %s in %s", a.Status, http.StatusText(a.Status), short(a.Took))
	if a.Why != "" {
		s += " (" + a.Why + ")"
	}
	if a.Body != "" {
		s += ": " + a.Body
	}
	return s
}

// Report is how the gate ended.
type Report struct {
	URL       string // shown without its query, which may carry a token
	Healthy   bool
	Cancelled bool
	Checks    int
	Streak    int // good answers in a row at the end
	Best      int // the longest streak
	Took      time.Duration
	// Last are the last answers, oldest first (at most keepLast).
	Last []Answer
	Spec Spec
}

// keepLast is how many answers a report keeps for the annotation.
const keepLast = 5

// Logger is where the gate writes its lines.
type Logger interface {
	Infof(format string, a ...any)
	Group(title string)
	EndGroup()
}

// maxBody is how much of a body is read to match health_body.
const maxBody = 1 << 20

// bodyShown is how much of a body a line shows.
const bodyShown = 120

// Gate checks spec.URL until spec.Healthy good answers come in a row, or
// spec.Timeout passes (no check starts after it), or ctx ends; each check
// is a line in a group of its own.
func Gate(ctx context.Context, spec Spec, log Logger) Report {
	spec = spec.withDefaults()
	r := Report{URL: Shown(spec.URL), Spec: spec}
	start := time.Now()
	log.Group(fmt.Sprintf("Health check: GET %s until %d good answers in a row (%s), for at most %s", r.URL, spec.Healthy, spec.criteria(), short(spec.Timeout)))
	defer log.EndGroup()
	r.checkUntilDone(ctx, start.Add(spec.Timeout), log)
	r.Took = time.Since(start)
	r.logEnd(log)
	return r
}

// withDefaults fills in a client that does not follow redirects, and at
// least one good answer to wait for.
func (s Spec) withDefaults() Spec {
	if s.Client == nil {
		s.Client = NewClient(nil)
	}
	if s.Healthy < 1 {
		s.Healthy = 1
	}
	return s
}

// checkUntilDone checks until r.Spec.Healthy good answers come in a row,
// or the next check would start after deadline, or ctx ends.
func (r *Report) checkUntilDone(ctx context.Context, deadline time.Time, log Logger) {
	for {
		a := r.Spec.check(ctx)
		if ctx.Err() != nil {
			r.Cancelled = true
			return
		}
		r.record(a, log)
		if r.Streak >= r.Spec.Healthy {
			r.Healthy = true
			return
		}
		if time.Now().Add(r.Spec.Interval).After(deadline) {
			return
		}
		if !wait.Pause(ctx, r.Spec.Interval) {
			r.Cancelled = true
			return
		}
	}
}

// record counts answer a and logs it.
func (r *Report) record(a Answer, log Logger) {
	r.Checks++
	r.keep(a)
	mark := r.tally(a.OK)
	log.Infof("%s %d. %s [%d/%d]", mark, r.Checks, a, r.Streak, r.Spec.Healthy)
}

// keep adds a to the last answers, dropping the oldest past keepLast.
func (r *Report) keep(a Answer) {
	r.Last = append(r.Last, a)
	if len(r.Last) > keepLast {
		r.Last = r.Last[1:]
	}
}

// tally counts a good (ok) or bad answer into the streaks and returns its
// mark for the log.
func (r *Report) tally(ok bool) string {
	mark := "✗"
	if ok {
		r.Streak++
		mark = "✓"
	} else {
		r.Streak = 0
	}
	r.Best = max(r.Best, r.Streak)
	return mark
}

// logEnd logs the gate's verdict.
func (r *Report) logEnd(log Logger) {
	switch {
	case r.Healthy:
		log.Infof("✓ Healthy: %d good answers in a row after %d checks (%s).", r.Spec.Healthy, r.Checks, short(r.Took))
	case r.Cancelled:
		log.Infof("The health check was cancelled after %d checks.", r.Checks)
	default:
		log.Infof("✗ Not healthy within %s: %d checks, the longest run of good answers %d of the %d needed.", short(r.Spec.Timeout), r.Checks, r.Best, r.Spec.Healthy)
	}
}

// criteria describes what a good answer is.
func (s Spec) criteria() string {
	c := "status " + s.Accepted
	switch {
	case s.BodyRE != nil:
		c += fmt.Sprintf(", body matching /%s/", s.BodyRE)
	case s.Body != "":
		c += fmt.Sprintf(", body containing %q", s.Body)
	}
	return c
}

// check asks once, for at most CheckTimeout. A check is not cut short at
// the gate's deadline: an answer that is merely late would read as "no
// answer", so the last check may end up to CheckTimeout after it.
func (s Spec) check(ctx context.Context) Answer {
	limit := s.checkLimit()
	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	a := Answer{At: time.Now()}
	req, err := s.request(cctx)
	if err != nil {
		return a.noAnswer(err.Error())
	}
	resp, err := s.Client.Do(req)
	a.Took = time.Since(a.At)
	if err != nil {
		return a.noAnswer(transportProblem(cctx, err, limit))
	}
	defer resp.Body.Close()
	return s.judged(a, resp)
}

// checkLimit is CheckTimeout, or 10s when it is not set.
func (s Spec) checkLimit() time.Duration {
	if s.CheckTimeout <= 0 {
		return 10 * time.Second
	}
	return s.CheckTimeout
}

// request is the GET of a check.
func (s Spec) request(ctx context.Context) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return nil, err
	}
	// Nothing but these: never a credential (see the package comment).
	req.Header.Set("User-Agent", s.UserAgent)
	req.Header.Set("Accept", "*/*")
	return req, nil
}

// noAnswer is a with no answer, for reason.
func (a Answer) noAnswer(reason string) Answer {
	a.Err, a.Why = reason, "no answer"
	return a
}

// judged is a completed with the answer resp, its body read and judged.
func (s Spec) judged(a Answer, resp *http.Response) Answer {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	a.Took = time.Since(a.At)
	a.Status = resp.StatusCode
	a.Body = oneLine(string(body), bodyShown)
	a.Why = s.judge(resp.StatusCode, body)
	a.OK = a.Why == ""
	return a
}

// judge says why an answer of status and body is not a good one, or ""
// when it is.
func (s Spec) judge(status int, body []byte) string {
	switch {
	case !s.Accept(status):
		return "status not in " + s.Accepted
	case s.BodyRE != nil && !s.BodyRE.Match(body):
		return fmt.Sprintf("body does not match /%s/", s.BodyRE)
	case s.BodyRE == nil && s.Body != "" && !strings.Contains(string(body), s.Body):
		return fmt.Sprintf("body does not contain %q", s.Body)
	}
	return ""
}

// transportProblem says why a check got no answer, without the URL.
func transportProblem(ctx context.Context, err error, limit time.Duration) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timed out after " + short(limit)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return "cannot connect: " + op.Err.Error()
	}
	return err.Error()
}

// Shown is u as the log shows it: without user information or query,
// which may carry a credential.
func Shown(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(the health_url)"
	}
	p.User = nil
	if p.RawQuery != "" {
		p.RawQuery = ""
		return p.String() + "?…"
	}
	return p.String()
}

// oneLine turns text into one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// short writes d the way the log shows it: 850ms, 3.2s, 5m0s.
func short(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}
