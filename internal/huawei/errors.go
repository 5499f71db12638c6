package huawei

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Gateway error codes the client treats specially (API notes §2).
const (
	CodeAuthFailed = "APIGW.0301" // wrong signature, expired or missing token
	CodeClockSkew  = "APIGW.0303" // X-Sdk-Date too far from the gateway clock
	CodeThrottled  = "APIGW.0308" // rate limit
	CodeNoSuchAPI  = "APIGW.0101"
)

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
	RetryAfter time.Duration // from Retry-After, when the server sent one
	Date       time.Time     // the server's Date header, used to correct clock skew
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

// ClockSkew reports whether the gateway rejected the request's X-Sdk-Date.
func (e *APIError) ClockSkew() bool { return e.Code == CodeClockSkew }

// ServerFault reports a 5xx answer: the service may or may not have done the
// work, so only idempotent calls may simply be retried.
func (e *APIError) ServerFault() bool { return e.HTTPStatus >= 500 }

// NotFound reports a 404 answer or a service code meaning "no such thing".
func (e *APIError) NotFound() bool { return e.HTTPStatus == http.StatusNotFound }

// errorBody covers both shapes: {"error_code","error_msg"} (gateway, CodeArts)
// and {"error":{"code","message"},"status":"failed"}.
type errorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
	Error     *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	// ServiceStage and RTS answers sometimes use these.
	Code    string `json:"code"`
	Message string `json:"message"`
}

// DecodeError builds an APIError from a response status, headers and body. A
// body that is not JSON is kept as the message, shortened.
func DecodeError(status int, header http.Header, body []byte) *APIError {
	e := &APIError{HTTPStatus: status, RequestID: header.Get("X-Request-Id")}
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err == nil {
		switch {
		case eb.ErrorCode != "" || eb.ErrorMsg != "":
			e.Code, e.Message = eb.ErrorCode, eb.ErrorMsg
		case eb.Error != nil:
			e.Code, e.Message = eb.Error.Code, eb.Error.Message
		default:
			e.Code, e.Message = eb.Code, eb.Message
		}
		if e.RequestID == "" {
			e.RequestID = eb.RequestID
		}
	} else if code, msg, ok := decodeHeatError(body); ok {
		e.Code, e.Message = code, msg
	} else if text := strings.TrimSpace(string(body)); text != "" {
		e.Message = shorten(text, 300)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
	if d, err := http.ParseTime(header.Get("Date")); err == nil {
		e.Date = d
	}
	return e
}

// heatErrorBody is OpenStack Heat's fault shape, which RTS answers with:
// {"code":404,"error":{"message":"...","type":"NotFound"},"explanation":"...","title":"Not Found"}.
// Its numeric "code" (the HTTP status again) does not fit errorBody's
// string one, so the body is read on its own when errorBody cannot be, and
// that code is left out.
type heatErrorBody struct {
	Error *struct {
		Message string `json:"message"`
		Type    string `json:"type"`
	} `json:"error"`
	Explanation string `json:"explanation"`
	Title       string `json:"title"`
}

// decodeHeatError reads a Heat fault; the error type (NotFound,
// HTTPBadRequest) serves as the code, the error message (else the
// explanation) as the message.
func decodeHeatError(body []byte) (code, message string, ok bool) {
	var hb heatErrorBody
	if err := json.Unmarshal(body, &hb); err != nil || hb.Error == nil {
		return "", "", false
	}
	code, message = hb.Error.Type, hb.Error.Message
	if message == "" {
		message = hb.Explanation
	}
	if message == "" {
		message = hb.Title
	}
	return code, message, code != "" || message != ""
}

// parseRetryAfter reads delay-seconds or an HTTP date; nonsense gives 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
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
