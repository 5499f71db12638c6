package huawei

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Gateway error codes the client treats specially (API notes §2; the
// gateway's error code list,
// https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html).
const (
	// CodeAuthFailed is every signature failure: a wrong key, a missing or
	// expired token, and a skewed X-Sdk-Date alike. No separate code for
	// skew is documented; some pages spell it APIG.0301.
	CodeAuthFailed = "APIGW.0301"
	CodeThrottled  = "APIGW.0308" // rate limit
	CodeNoSuchAPI  = "APIGW.0101"
)

// SkewTolerance is how far the gateway's Date may be from our clock on a
// 401 before the rejection is taken for clock skew. The gateway refuses an
// X-Sdk-Date more than 15 minutes off; a third of that leaves room for a
// slow answer and the Date header's one-second resolution while still
// telling skew from a wrong key, which must not be retried (an AK is locked
// after repeated failures).
const SkewTolerance = 5 * time.Minute

// APIError is a non-2xx answer from a Huawei Cloud API, decoded from either
// error body shape the services use.
type APIError struct {
	Service    string // e.g. "CodeArts Deploy"
	Method     string
	Path       string
	HTTPStatus int
	Code       string // e.g. Deploy.00011027, APIGW.0308
	Message    string
	RequestID  string
	// RetryAfter is the wait the server asked for with Retry-After, at
	// most MaxServerWait; RetryAfterAsked is what it asked, uncapped.
	RetryAfter      time.Duration
	RetryAfterAsked time.Duration
	Date            time.Time // the server's Date header, used to correct clock skew
}

// Error describes the failure with everything a user needs to report it.
func (e *APIError) Error() string {
	var b strings.Builder
	if e.Service != "" {
		b.WriteString(e.Service + ": ")
	}
	fmt.Fprintf(&b, "%s %s answered HTTP %d", e.Method, e.Path, e.HTTPStatus)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	return b.String()
}

// Throttled reports whether the gateway refused the call for its rate limit;
// such a call did not reach the service, so retrying it is always safe.
func (e *APIError) Throttled() bool {
	return e.HTTPStatus == http.StatusTooManyRequests || e.Code == CodeThrottled
}

// ClockSkewed reports whether a 401 is best explained by our clock: the
// gateway's Date differs from now by more than SkewTolerance. The gateway
// answers skew with the same 401 APIGW.0301 as a bad signature, so its clock
// is the only way to tell them apart.
func (e *APIError) ClockSkewed(now time.Time) bool {
	if e.HTTPStatus != http.StatusUnauthorized || e.Date.IsZero() {
		return false
	}
	d := e.Date.Sub(now)
	return d > SkewTolerance || d < -SkewTolerance
}

// GatewayThrottled reports a 429 that the API Gateway answered for its
// rate limit (APIGW.0308, or any APIGW/APIG code): such a request never
// reached the service, so even a start may be sent again. A 429 with
// another code, or none, may come from the service after it acted, and
// leaves the outcome of a non-idempotent request unknown.
func (e *APIError) GatewayThrottled() bool {
	if e.Code == CodeThrottled || e.Code == "APIG.0308" {
		return true
	}
	return e.HTTPStatus == http.StatusTooManyRequests && (strings.HasPrefix(e.Code, "APIGW.") || strings.HasPrefix(e.Code, "APIG."))
}

// ServerFault reports a 5xx answer: the service may or may not have done the
// work, so only idempotent calls may simply be retried.
func (e *APIError) ServerFault() bool { return e.HTTPStatus >= 500 }

// NotFound reports a 404 answer or a service code meaning "no such thing".
func (e *APIError) NotFound() bool { return e.HTTPStatus == http.StatusNotFound }

// Bounds of the server's words kept in an APIError (they reach the log and
// the annotation).
const (
	maxMessageBytes = 500
	maxCodeBytes    = 64
)

// DecodeError builds an APIError from a response status, headers and body.
// A body that is not JSON, or JSON without a recognisable error, is kept as
// the message, shortened.
func DecodeError(status int, header http.Header, body []byte) *APIError {
	return decodeError(status, header, body, nil)
}

// decodeError is DecodeError with redact (nil: none) applied to the
// server's words before they are shortened: masking after the cut would
// miss a secret the cut falls inside, and leave its start. JSON is decoded
// first, so a secret spelled with \uXXXX escapes is masked too.
func decodeError(status int, header http.Header, body []byte, redact func(string) string) *APIError {
	if redact == nil {
		redact = func(s string) string { return s }
	}
	e := &APIError{HTTPStatus: status, RequestID: Shorten(redact(header.Get("X-Request-Id")), maxCodeBytes)}
	e.readBody(body, redact)
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	e.RetryAfterAsked = parseRetryAfter(header.Get("Retry-After"), time.Now())
	e.RetryAfter = min(e.RetryAfterAsked, MaxServerWait)
	if d, err := http.ParseTime(header.Get("Date")); err == nil {
		e.Date = d
	}
	return e
}

// readBody takes the code and message, and the request id when the header
// gave none, from a JSON error body; a body without them is the message.
// Each is redacted, then shortened.
func (e *APIError) readBody(body []byte, redact func(string) string) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err == nil {
		code, message := findError(m, 0)
		e.Code, e.Message = Shorten(redact(code), maxCodeBytes), Shorten(redact(message), maxMessageBytes)
		if e.RequestID == "" {
			id, _ := m["request_id"].(string)
			e.RequestID = Shorten(redact(id), maxCodeBytes)
		}
	}
	if e.Code == "" && e.Message == "" {
		if text := strings.TrimSpace(string(body)); text != "" {
			e.Message = Shorten(redact(text), maxMessageBytes)
		}
	}
}

// maxErrorDepth bounds the search through nested objects of an error body.
const maxErrorDepth = 4

// findError finds the code and message in an error body of any of the
// shapes Huawei's services answer with (API notes §1 "Errors"):
//
//	{"error_code":"Deploy.00011027","error_msg":"..."}           gateway, CodeArts, ServiceStage
//	{"error":{"code":"DEV.CH.10001","message":"..."},"status":"failed"}
//	{"error":{"error_code":"IAM.0011","error_msg":"..."}}         IAM
//	{"error":{"code":401,"message":"...","title":"Unauthorized"}} Keystone (IAM)
//	{"code":404,"error":{"message":"...","type":"NotFound"},...}  Heat (RTS)
//
// Like the SDK (huaweicloud-sdk-go-v3 v0.1.207 core/sdkerr/errors.go,
// processServiceResponseError) it tries error_code/error_msg, then
// code/message, then looks inside nested objects ("error" first, the rest
// in key order so the result does not depend on map order). Unlike the SDK
// it accepts a code without a message or the reverse, and a numeric code
// (Keystone's and Heat's repeat the HTTP status, so the error's type or
// title names it better).
func findError(m map[string]any, depth int) (code, message string) {
	code, message = text(m["error_code"]), text(m["error_msg"])
	if code != "" || message != "" {
		return code, message
	}
	if message = text(m["message"]); message != "" {
		return errorKind(m), message
	}
	if depth < maxErrorDepth {
		if c, msg := findNestedError(m, depth); c != "" || msg != "" {
			return c, msg
		}
	}
	if code = errorKind(m); code != "" {
		return code, firstText(m["explanation"])
	}
	return "", ""
}

// findNestedError looks for the error in m's nested objects, "error" first
// and the rest in key order; a Heat fault's message may stay at the top.
func findNestedError(m map[string]any, depth int) (code, message string) {
	for _, k := range errorKeyOrder(m) {
		nested, ok := m[k].(map[string]any)
		if !ok {
			continue
		}
		if c, msg := findError(nested, depth+1); c != "" || msg != "" {
			if msg == "" {
				// A Heat fault keeps its explanation at the top.
				msg = firstText(m["explanation"], m["title"])
			}
			return c, msg
		}
	}
	return "", ""
}

// errorKeyOrder is m's keys, "error" first and the rest sorted, so the
// result does not depend on map order.
func errorKeyOrder(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "error" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return append([]string{"error"}, keys...)
}

// errorKind is an error object's code; a numeric one (Keystone's and Heat's
// repeat the HTTP status) gives way to the error's type or title, which name
// it better.
func errorKind(m map[string]any) string {
	code := text(m["code"])
	if code == "" || isNumber(m["code"]) {
		if kind := firstText(m["type"], m["title"]); kind != "" {
			return kind
		}
	}
	return code
}

// text returns a string value, or a number written as text; anything else
// (objects, lists, booleans, null) gives "".
func text(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func isNumber(v any) bool { _, ok := v.(float64); return ok }

func firstText(vs ...any) string {
	for _, v := range vs {
		if s := text(v); s != "" && !isNumber(v) {
			return s
		}
	}
	return ""
}

// MaxServerWait caps any wait a server asks for. A Retry-After of a year
// (or of "Fri, 31 Dec 9999") is a broken or hostile answer, and no gateway
// throttle window is longer than a minute (APIGW.0308 says "time:1 minute").
const MaxServerWait = time.Minute

// maxRetryAfterSeconds keeps the conversion to a Duration from overflowing;
// anything this long is capped anyway.
const maxRetryAfterSeconds = 1 << 32

// parseRetryAfter reads delay-seconds or an HTTP date; nonsense gives 0. A
// huge value saturates instead of overflowing into a negative or tiny wait.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if secs < 0 {
			return 0
		}
		return time.Duration(min(secs, maxRetryAfterSeconds)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		// Sub saturates at the largest Duration for far dates.
		return t.Sub(now)
	}
	return 0
}

// ProtocolError is a 2xx answer that is not what the API documents: a body
// that does not decode or is larger than MaxResponseBytes, an answer about
// another record or plan than the one asked for, an id of the wrong shape.
// It is never a verdict. For a request that is not idempotent, a 2xx still
// proves the request arrived, so the client wraps it in an
// UnknownOutcomeError: the caller must look for what it did.
type ProtocolError struct {
	Service, Method, Path string
	RequestID             string
	Problem               string // what is wrong, without the server's words
}

func (e *ProtocolError) Error() string {
	msg := e.Problem
	if e.Method != "" {
		msg = e.Method + " " + e.Path + ": the answer is not what the API documents: " + msg
	}
	if e.Service != "" {
		msg = e.Service + ": " + msg
	}
	if e.RequestID != "" {
		msg += " (request id " + e.RequestID + ")"
	}
	return msg
}

// IsProtocolError reports whether err's chain holds a ProtocolError.
func IsProtocolError(err error) bool {
	var p *ProtocolError
	return errors.As(err, &p)
}

// UnknownOutcomeError wraps a failure after which the client cannot tell
// whether the service acted on the request: a timeout or a connection dropped
// after the request was sent, or a 5xx answer. A non-idempotent call (a
// deployment start) must look before it tries again.
type UnknownOutcomeError struct{ Err error }

func (e *UnknownOutcomeError) Error() string {
	return "outcome unknown: " + e.Err.Error()
}

func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

// IsUnknownOutcome reports whether err leaves open whether the request took effect.
func IsUnknownOutcome(err error) bool {
	var u *UnknownOutcomeError
	return errors.As(err, &u)
}

// AsAPIError returns the APIError in err's chain, if any.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}
