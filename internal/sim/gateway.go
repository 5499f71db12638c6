package sim

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// This file is what the API Gateway answers on its own: its error shape,
// and the faults a scenario injects between the client and the backend
// (throttling, backend errors, lost answers, slow or hanging requests).

// gatewayErrorBody is the API Gateway's own error shape (huawei-api.md §2).
type gatewayErrorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

func gatewayError(status int, code, msg, reqID string) response {
	return response{status: status, code: code, body: gatewayErrorBody{ErrorCode: code, ErrorMsg: msg, RequestID: reqID}}
}

// backendError is what the gateway answers when the backend behind it
// fails, for the "error" fault.
func backendError(status int, reqID string) response {
	switch status {
	case http.StatusGatewayTimeout:
		return gatewayError(status, "APIGW.0201", "Backend timeout.", reqID)
	case http.StatusBadGateway:
		return gatewayError(status, "APIGW.0202", "Backend unavailable.", reqID)
	case 0:
		status = http.StatusServiceUnavailable
	}
	return gatewayError(status, "APIGW.0203", "Backend unavailable.", reqID)
}

// throttled is the gateway's 429 for the "throttle" fault, with a
// Retry-After of retry (1s when not positive) in whole seconds, rounded up.
func throttled(retry time.Duration, reqID string) response {
	resp := gatewayError(http.StatusTooManyRequests, "APIGW.0308",
		"The throttling threshold has been reached: policy user over ratelimit, limit:20, time:1 minute", reqID)
	if retry <= 0 {
		retry = time.Second
	}
	resp.header = http.Header{"Retry-After": {strconv.Itoa(int(math.Ceil(retry.Seconds())))}}
	return resp
}

// serveFault answers call idx as fault f says; handle runs the backend's
// handler, for the faults that let the request reach it.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, idx int, reqID string, f Fault, handle func() response) {
	switch f.Kind {
	case FaultThrottle:
		s.finish(w, r, idx, f.Kind, throttled(f.RetryAfter, reqID))
	case FaultError:
		s.finish(w, r, idx, f.Kind, backendError(f.Status, reqID))
	case FaultDrop:
		// The backend did the work; only the answer is lost. This is the
		// case a client must not blindly retry a start for.
		resp := handle()
		s.complete(r, idx, resp.status, resp.code, f.Kind)
		abortConnection(w)
	case FaultSlow:
		if !wait(r, f.Delay) {
			s.complete(r, idx, 0, "", f.Kind)
			return
		}
		s.finish(w, r, idx, f.Kind, handle())
	case FaultHang:
		gone := !wait(r, f.Delay)
		s.complete(r, idx, 0, "", f.Kind)
		if !gone {
			abortConnection(w)
		}
	default:
		s.finish(w, r, idx, "", handle())
	}
}

// wait blocks for d (forever when d is 0) or until the client gives up; it
// reports whether the time passed with the client still there. Honouring
// the request context is what keeps a hanging fault from leaking a
// goroutine.
func wait(r *http.Request, d time.Duration) bool {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-r.Context().Done():
		return false
	case <-timeout:
		return true
	}
}

// abortConnection closes the connection without an answer, the way a
// gateway or load balancer losing a connection looks to a client.
func abortConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// HTTP/2 and recorders cannot be hijacked; net/http turns this panic
	// into a reset stream or a closed connection without logging it.
	panic(http.ErrAbortHandler)
}

// faultTask is the CodeArts task a request concerns, for faults restricted
// to one task: the path's task, for a log request the record's task, for
// an application detail the application's task. Requests of the other
// services have none.
func (s *Server) faultTask(vars map[string]string) string {
	if id, ok := vars["task_id"]; ok {
		return id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := vars["record_id"]; ok {
		if rec := s.byID[id]; rec != nil {
			return rec.taskID
		}
		return ""
	}
	if id, ok := vars["app_id"]; ok {
		t, _ := s.taskOfApp(id)
		return t
	}
	return ""
}

// pickFault decides whether a scenario fault takes this request. Faults
// are considered in order and the first one whose window (after, times)
// covers the request wins; a request taken by an earlier fault is not
// counted by later ones, so "throttle once, then fail once" is two faults
// with times: 1 each.
func (s *Server) pickFault(op, taskID string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.scenario.Faults {
		if !f.matches(op, taskID) {
			continue
		}
		n := s.faultSeen[i]
		s.faultSeen[i]++
		if f.affects(n) {
			return f, true
		}
	}
	return Fault{}, false
}

// matches reports whether the fault is about requests of operation op
// and (for a CodeArts task's requests) task taskID.
func (f Fault) matches(op, taskID string) bool {
	return (f.Op == "" || f.Op == FaultOpAny || f.Op == op) && (f.TaskID == "" || f.TaskID == taskID)
}

// affects reports whether the fault hits the matching request that n
// earlier ones preceded: after skips the first ones, times (0: all)
// limits how many follow.
func (f Fault) affects(n int) bool {
	return n >= f.After && (f.Times <= 0 || n < f.After+f.Times)
}
