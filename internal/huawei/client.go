package huawei

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Credentials say how requests are authenticated: an IAM token (sent as
// X-Auth-Token, no signing) or an AK/SK pair (SDK-HMAC-SHA256), optionally
// temporary (with a security token).
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SecurityToken   string
	AuthToken       string
	// TokenSource, when set, supplies the IAM token for every attempt; it
	// lets a token that expires during a long wait be renewed.
	TokenSource func(context.Context) (string, error)
	// None sends no credentials at all: for IAM's token exchange, which
	// authenticates by what the body carries.
	None bool
}

// ContentTypeJSON is the Content-Type of every request, exactly as the
// official SDK spells it.
const ContentTypeJSON = "application/json"

// MaxResponseBytes bounds an answer: a larger one is refused
// (ErrAnswerTooLarge). Every answer the action reads is far smaller (a
// record's state is a few kilobytes, a log page is asked for in windows
// of 16 KiB, deploy-info lists at most 1000 components), yet a service
// that ignores a log page's end_offset may send a step's whole log at
// once; 8 MiB leaves room for that, and one answer with what is decoded
// from it stays well within the 64 MB the action promises (see main.go).
const MaxResponseBytes = 8 << 20

// Client is a signed, retrying HTTP client for one Huawei Cloud service.
type Client struct {
	service   string
	base      *url.URL
	creds     Credentials
	projectID string
	http      *http.Client
	userAgent string
	now       func() time.Time
	policy    RetryPolicy
	notify    func(RetryEvent)
	debugf    func(format string, args ...any)
	redact    func(string) string

	// skew is the gateway clock minus ours, learnt from a clock-skew
	// rejection's Date header, in nanoseconds.
	skew atomic.Int64
}

// RetryPolicy bounds the retries of one call.
type RetryPolicy struct {
	InitialInterval time.Duration // first backoff
	MaxInterval     time.Duration // cap of one backoff
	MaxTries        uint          // attempts in all, the first included
	MaxElapsed      time.Duration // give up retrying after this long
	AttemptTimeout  time.Duration // the longest one attempt may take
}

// DefaultRetryPolicy is what the action uses against the real services.
var DefaultRetryPolicy = RetryPolicy{
	InitialInterval: 500 * time.Millisecond,
	MaxInterval:     15 * time.Second,
	MaxTries:        8,
	MaxElapsed:      2 * time.Minute,
	AttemptTimeout:  30 * time.Second,
}

// RetryEvent tells an observer that an attempt failed and another follows.
type RetryEvent struct {
	Method, Path string
	Attempt      int
	Err          error
	Wait         time.Duration
	// ClockCorrection is set when the failure was a signature refused
	// for clock skew: how far the gateway's clock is from ours.
	ClockCorrection time.Duration
	// ServerAsked is set when the server's Retry-After asked for more than
	// MaxServerWait: what it asked for.
	ServerAsked time.Duration
	// NoRetry is set when the server asked to wait past the caller's
	// time: the call ends with Err instead of waiting.
	NoRetry bool
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient replaces the default HTTP client.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithProjectID sends X-Project-Id on every request.
func WithProjectID(id string) Option { return func(c *Client) { c.projectID = id } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithClock injects the clock used for X-Sdk-Date.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option { return func(c *Client) { c.policy = p } }

// WithRetryNotify is called before each retry, so the log can say why it waits.
func WithRetryNotify(f func(RetryEvent)) Option { return func(c *Client) { c.notify = f } }

// WithDebug receives one line per attempt (method, path, status, request id);
// it never sees credentials.
func WithDebug(f func(format string, args ...any)) Option { return func(c *Client) { c.debugf = f } }

// WithRedact masks secrets in the server's words (error codes and
// messages) before they are shortened and kept in an APIError.
func WithRedact(f func(string) string) Option { return func(c *Client) { c.redact = f } }

// NewClient returns a client of service (a name for messages, such as
// "CodeArts Deploy") at baseURL.
func NewClient(service, baseURL string, creds Credentials, opts ...Option) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not an absolute URL", baseURL)
	}
	if !creds.None && creds.AuthToken == "" && creds.TokenSource == nil && (creds.AccessKeyID == "" || creds.SecretAccessKey == "") {
		return nil, errors.New("no credentials: need an AK/SK pair or an IAM token")
	}
	c := &Client{
		service: service,
		base:    base,
		creds:   creds,
		now:     time.Now,
		policy:  DefaultRetryPolicy,
		http: &http.Client{
			Transport: defaultTransport, // honours HTTPS_PROXY; see unreachable.go
			// Never follow a redirect: it could carry the signature or
			// token to another host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		userAgent: "deploy-action",
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Request is one API call.
type Request struct {
	Method string
	Path   string // absolute path below the base URL, e.g. /v2/tasks/ID/start
	Query  url.Values
	Body   any         // marshalled to JSON; nil sends no body
	Header http.Header // extra headers, e.g. IAM's X-Idp-Id
	// Idempotent calls are retried after 5xx answers and dropped
	// connections; others only when the request provably did not arrive.
	Idempotent bool
}

// Response is a successful answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	RequestID  string
}

// Do sends req, retrying as the policy allows, and decodes a 2xx JSON body
// into out when out is not nil.
func (c *Client) Do(ctx context.Context, req Request, out any) (*Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return nil, fmt.Errorf("encoding %s %s body: %w", req.Method, req.Path, err)
		}
		body = b
	}

	b := backoff.NewExponentialBackOff()
	b.InitialInterval = c.policy.InitialInterval
	b.MaxInterval = c.policy.MaxInterval
	b.Multiplier = 2
	attempt := 0
	var skew skewFix
	resp, err := backoff.Retry(ctx, func() (*Response, error) {
		attempt++
		resp, err := c.attempt(ctx, req, body)
		if err == nil {
			return resp, nil
		}
		return nil, c.classify(ctx, req, err, &skew)
	},
		backoff.WithBackOff(b),
		backoff.WithMaxTries(c.policy.MaxTries),
		backoff.WithMaxElapsedTime(c.policy.MaxElapsed),
		backoff.WithNotify(func(err error, wait time.Duration) {
			if c.notify != nil {
				e := RetryEvent{Method: req.Method, Path: req.Path, Attempt: attempt, Err: unwrapRetry(err), Wait: wait, ClockCorrection: skew.take()}
				if apiErr, ok := AsAPIError(e.Err); ok && apiErr.RetryAfterAsked > apiErr.RetryAfter {
					e.ServerAsked = apiErr.RetryAfterAsked
				}
				c.notify(e)
			}
		}),
	)
	if err != nil {
		return nil, unwrapRetry(err)
	}
	if out != nil && len(resp.Body) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, c.protocolError(req, resp.RequestID, "its body does not decode: "+jsonProblem(err))
		}
	}
	return resp, nil
}

// retryAfter carries both the wait the server asked for and the error, so
// the notify callback and the final error still see the real cause.
type retryAfter struct {
	backoff.RetryAfterError
	err error
}

func (r *retryAfter) Error() string { return r.err.Error() }
func (r *retryAfter) Unwrap() []error {
	return []error{&r.RetryAfterError, r.err}
}

func unwrapRetry(err error) error {
	var r *retryAfter
	if errors.As(err, &r) {
		return r.err
	}
	return err
}

// classify decides whether a failed attempt may be retried.
// skewFix remembers the one clock correction a call may make, and tells
// the retry notification about it once.
type skewFix struct {
	done   bool
	by     time.Duration
	report bool
}

func (f *skewFix) take() time.Duration {
	if !f.report {
		return 0
	}
	f.report = false
	return f.by
}

func (c *Client) classify(ctx context.Context, req Request, err error, skew *skewFix) error {
	if apiErr, ok := AsAPIError(err); ok {
		wait := func(err error) error {
			if apiErr.RetryAfter <= 0 {
				return err
			}
			// The server's Retry-After wins over our backoff, capped
			// (MaxServerWait), and never past what is left of the
			// caller's time: a wait that would outlast it cannot end in
			// a retry, so the error is final now.
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= apiErr.RetryAfter {
				if c.notify != nil {
					c.notify(RetryEvent{Method: req.Method, Path: req.Path, Err: err, ServerAsked: apiErr.RetryAfterAsked, NoRetry: true})
				}
				return backoff.Permanent(err)
			}
			return &retryAfter{RetryAfterError: backoff.RetryAfterError{Duration: apiErr.RetryAfter}, err: err}
		}
		switch {
		case c.signs() && !skew.done && apiErr.ClockSkewed(c.clock()):
			// Correct our clock from the gateway's and re-sign at once.
			by := apiErr.Date.Sub(c.now())
			*skew = skewFix{done: true, by: by, report: true}
			c.skew.Store(int64(by))
			return &retryAfter{err: err}
		case apiErr.Throttled() && (req.Idempotent || apiErr.GatewayThrottled()):
			return wait(err)
		case apiErr.Throttled():
			// Not the gateway's: the service may have acted.
			return backoff.Permanent(&UnknownOutcomeError{Err: err})
		case apiErr.ServerFault():
			if req.Idempotent {
				return wait(err)
			}
			return backoff.Permanent(&UnknownOutcomeError{Err: err})
		default:
			// 401 APIGW.0301 among them: retrying a bad signature only
			// brings the AK closer to the gateway's lockout.
			return backoff.Permanent(err)
		}
	}
	if errors.Is(err, ErrAnswerTooLarge) {
		// Asking again brings the same answer. The request did reach
		// the service, so a call that is not idempotent may have acted.
		if req.Idempotent {
			return backoff.Permanent(err)
		}
		return backoff.Permanent(&UnknownOutcomeError{Err: err})
	}
	if perm := c.permanentTransportError(err); perm != nil {
		// Nothing was sent (unreachable.go): no outcome to look into.
		return backoff.Permanent(perm)
	}
	if notSent(err) {
		return err
	}
	if req.Idempotent {
		return err
	}
	return backoff.Permanent(&UnknownOutcomeError{Err: err})
}

// notSent reports transport errors that prove the request never reached the
// server: the connection could not be made.
func notSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// attempt sends one signed request.
func (c *Client) attempt(ctx context.Context, req Request, body []byte) (*Response, error) {
	if c.policy.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.policy.AttemptTimeout)
		defer cancel()
	}
	u, err := c.requestURL(req)
	if err != nil {
		return nil, backoff.Permanent(err)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, u.String(), rd)
	if err != nil {
		return nil, backoff.Permanent(err)
	}
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", c.userAgent)
	// On every request, GET and body-less POST included: ServiceStage
	// documents the header as mandatory on every call (its API pages, e.g.
	// https://support.huaweicloud.com/intl/en-us/api-servicestage/servicestage_06_0234.html),
	// and the SDK sends it whatever the method (huaweicloud-sdk-go-v3 v0.1.207
	// core/hc_http_client.go, "reqDef.ContentType"; every *_meta.go says
	// WithContentType("application/json")). It is not signed.
	hr.Header.Set("Content-Type", ContentTypeJSON)
	if err := c.authenticate(ctx, hr, body); err != nil {
		return nil, backoff.Permanent(err)
	}

	started := time.Now()
	resp, err := c.http.Do(hr)
	if err != nil {
		c.debug("%s %s: %v", req.Method, req.Path, err)
		return nil, fmt.Errorf("%s: %s %s: %w", c.service, req.Method, req.Path, StripURL(err))
	}
	defer resp.Body.Close()
	data, readErr := readBody(resp)
	requestID := resp.Header.Get("X-Request-Id")
	c.debug("%s %s -> %d in %s (request id %s)", req.Method, req.Path, resp.StatusCode, time.Since(started).Round(time.Millisecond), requestID)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := decodeError(resp.StatusCode, resp.Header, data, c.redact)
		apiErr.Service, apiErr.Method, apiErr.Path = c.service, req.Method, req.Path
		return nil, apiErr
	}
	if readErr != nil {
		return nil, fmt.Errorf("%s: reading the answer to %s %s (request id %s): %w", c.service, req.Method, req.Path, requestID, readErr)
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data, RequestID: requestID}, nil
}

// ErrAnswerTooLarge is an answer of more than MaxResponseBytes: it is not
// read, rather than read cut and then taken for malformed.
var ErrAnswerTooLarge = fmt.Errorf("the answer is larger than %d MiB, more than the action reads", MaxResponseBytes>>20)

// readBody reads at most MaxResponseBytes of a body, into a buffer sized
// from Content-Length when it is given, so that a large answer does not
// also leave the garbage of a growing buffer behind.
func readBody(resp *http.Response) ([]byte, error) {
	size := int64(512)
	if resp.ContentLength > 0 {
		size = min(resp.ContentLength, MaxResponseBytes) + 1
	}
	r := io.LimitReader(resp.Body, MaxResponseBytes+1)
	data := make([]byte, 0, size)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // grow, as io.ReadAll does
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err != nil {
			if len(data) > MaxResponseBytes {
				return data[:MaxResponseBytes], ErrAnswerTooLarge
			}
			if err == io.EOF {
				err = nil
			}
			return data, err
		}
	}
}

// requestURL joins the endpoint with req's path and query in the wire form
// of the official SDK (huaweicloud-sdk-go-v3 v0.1.207
// core/request/default_http_request.go, fillPath and fillQueryParams).
// req.Path arrives escaped (the clients escape each id with
// url.PathEscape), so it goes on the wire as it is: setting it as the
// decoded Path would make url.URL escape every "%" a second time.
func (c *Client) requestURL(req Request) (*url.URL, error) {
	u := *c.base
	raw := c.base.EscapedPath() + req.Path
	path, err := url.PathUnescape(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: the path is not validly escaped: %w", c.service, req.Method, req.Path, err)
	}
	u.Path, u.RawPath = path, raw
	u.RawQuery = encodeQuery(req.Query)
	return &u, nil
}

// encodeQuery writes q as the SDK does: url.Values.Encode, a key with an
// empty value without its "=", and "+" (a space to Encode) as "%20". The
// gateway reads a "+" as a literal plus, so a value with a space sent as
// "+" would be canonicalized, and its signature checked, as a different
// value (huawei-api.md §3; the SDK file above).
func encodeQuery(q url.Values) string {
	s := strings.ReplaceAll(strings.Trim(q.Encode(), "="), "=&", "&")
	return strings.ReplaceAll(s, "+", "%20")
}

// protocolError is a 2xx answer the client cannot use. For a request that
// is not idempotent the 2xx proves that it arrived, so the outcome is
// unknown rather than failed: the caller must look for what it did.
func (c *Client) protocolError(req Request, requestID, problem string) error {
	err := &ProtocolError{Service: c.service, Method: req.Method, Path: req.Path, RequestID: requestID, Problem: problem}
	if req.Idempotent {
		return err
	}
	return &UnknownOutcomeError{Err: err}
}

// jsonProblem names what is wrong with a body without quoting it: the
// server's words could echo a secret.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q is a JSON %s", typ.Field, typ.Value)
	}
	// A decoder's own refusal (a list over its bound, say) names no value.
	return Shorten(err.Error(), 200)
}

// authenticate adds the token or the signature for this attempt; a retried
// request gets a fresh X-Sdk-Date and signature.
func (c *Client) authenticate(ctx context.Context, hr *http.Request, body []byte) error {
	if c.projectID != "" {
		hr.Header.Set("X-Project-Id", c.projectID)
	}
	if c.creds.None {
		return nil
	}
	token := c.creds.AuthToken
	if c.creds.TokenSource != nil {
		t, err := c.creds.TokenSource(ctx)
		if err != nil {
			return err
		}
		token = t
	}
	if token != "" {
		hr.Header.Set("X-Auth-Token", token)
		return nil
	}
	if c.creds.SecurityToken != "" {
		hr.Header.Set("X-Security-Token", c.creds.SecurityToken)
	}
	date := FormatDate(c.clock())
	hr.Header.Set("X-Sdk-Date", date)
	signed := []string{"host", "x-sdk-date"}
	if c.projectID != "" {
		signed = append(signed, "x-project-id")
	}
	if c.creds.SecurityToken != "" {
		signed = append(signed, "x-security-token")
	}
	sig := Sign(SigningInput{
		Method:   hr.Method,
		Path:     hr.URL.Path,
		Query:    hr.URL.Query(),
		Header:   hr.Header,
		Host:     hr.URL.Host,
		Signed:   signed,
		BodyHash: HexSHA256(body),
	}, date, c.creds.AccessKeyID, c.creds.SecretAccessKey)
	hr.Header.Set("Authorization", sig.Authorization)
	return nil
}

// clock is our time corrected by what a skew rejection taught us.
func (c *Client) clock() time.Time { return c.now().Add(time.Duration(c.skew.Load())) }

// signs reports whether requests are signed with AK/SK, the only
// authentication that depends on our clock.
func (c *Client) signs() bool {
	return !c.creds.None && c.creds.AuthToken == "" && c.creds.TokenSource == nil
}

func (c *Client) debug(format string, args ...any) {
	if c.debugf != nil {
		c.debugf(format, args...)
	}
}

// StripURL drops the URL from a *url.Error: the message already names the
// method and path, and the full URL need not be repeated.
func StripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
