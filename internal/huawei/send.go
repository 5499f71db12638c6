package huawei

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// attempt sends one signed request.
func (c *Client) attempt(ctx context.Context, req Request, body []byte) (*Response, error) {
	if c.policy.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.policy.AttemptTimeout)
		defer cancel()
	}
	hr, err := c.newHTTPRequest(ctx, req, body)
	if err != nil {
		return nil, backoff.Permanent(err)
	}
	started := time.Now()
	resp, err := c.http.Do(hr)
	if err != nil {
		c.debug("%s %s: %v", req.Method, req.Path, err)
		return nil, fmt.Errorf("%s: %s %s: %w", c.service, req.Method, req.Path, StripURL(err))
	}
	defer resp.Body.Close()
	return c.answer(req, resp, started)
}

// newHTTPRequest builds the HTTP request of one attempt, signed.
func (c *Client) newHTTPRequest(ctx context.Context, req Request, body []byte) (*http.Request, error) {
	u, err := c.requestURL(req)
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	c.setHeaders(hr, req)
	if err := c.authenticate(ctx, hr, body); err != nil {
		return nil, err
	}
	return hr, nil
}

// setHeaders sets the headers of every request, over req's own; the
// credentials' headers come later, from authenticate.
func (c *Client) setHeaders(hr *http.Request, req Request) {
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
}

// answer reads the answer to an attempt: its body, or the error it is.
func (c *Client) answer(req Request, resp *http.Response, started time.Time) (*Response, error) {
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
	c.sign(hr, body)
	return nil
}

// sign signs hr with the AK/SK, X-Sdk-Date being now by our clock.
func (c *Client) sign(hr *http.Request, body []byte) {
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
