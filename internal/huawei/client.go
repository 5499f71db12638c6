package huawei

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
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
	body, err := encodeBody(req)
	if err != nil {
		return nil, err
	}
	resp, err := c.retry(ctx, req, body)
	if err != nil {
		return nil, err
	}
	if out != nil && len(resp.Body) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, c.protocolError(req, resp.RequestID, "its body does not decode: "+jsonProblem(err))
		}
	}
	return resp, nil
}

// encodeBody is req's body as JSON, or nil when it has none.
func encodeBody(req Request) ([]byte, error) {
	if req.Body == nil {
		return nil, nil
	}
	b, err := json.Marshal(req.Body)
	if err != nil {
		return nil, fmt.Errorf("encoding %s %s body: %w", req.Method, req.Path, err)
	}
	return b, nil
}

// retry sends req with body until an attempt succeeds or the policy
// gives up; the error is the last attempt's.
func (c *Client) retry(ctx context.Context, req Request, body []byte) (*Response, error) {
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
		backoff.WithBackOff(c.backOff()),
		backoff.WithMaxTries(c.policy.MaxTries),
		backoff.WithMaxElapsedTime(c.policy.MaxElapsed),
		backoff.WithNotify(func(err error, wait time.Duration) { c.notifyRetry(req, attempt, err, wait, &skew) }),
	)
	if err != nil {
		return nil, unwrapRetry(err)
	}
	return resp, nil
}

// backOff is the policy's exponential backoff.
func (c *Client) backOff() *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = c.policy.InitialInterval
	b.MaxInterval = c.policy.MaxInterval
	b.Multiplier = 2
	return b
}

// notifyRetry tells the notify callback, if any, of a retry after wait.
func (c *Client) notifyRetry(req Request, attempt int, err error, wait time.Duration, skew *skewFix) {
	if c.notify == nil {
		return
	}
	e := RetryEvent{Method: req.Method, Path: req.Path, Attempt: attempt, Err: unwrapRetry(err), Wait: wait, ClockCorrection: skew.take()}
	if apiErr, ok := AsAPIError(e.Err); ok && apiErr.RetryAfterAsked > apiErr.RetryAfter {
		e.ServerAsked = apiErr.RetryAfterAsked
	}
	c.notify(e)
}

// Get sends an idempotent GET of path with query (nil for none), retried
// like every read, and decodes a 2xx JSON body into out as Do does.
func (c *Client) Get(ctx context.Context, path string, query url.Values, out any) (*Response, error) {
	return c.Do(ctx, Request{Method: "GET", Path: path, Query: query, Idempotent: true}, out)
}

// NewService builds a service package's client: wrap makes it from the
// shared Client that NewClient returns for service at baseURL.
func NewService[T any](wrap func(*Client) T, service, baseURL string, creds Credentials, opts ...Option) (T, error) {
	api, err := NewClient(service, baseURL, creds, opts...)
	if err != nil {
		var zero T
		return zero, err
	}
	return wrap(api), nil
}
