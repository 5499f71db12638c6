package huawei

import (
	"net/http"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeError feeds arbitrary bodies and headers to the error decoder:
// it must never panic, always produce a message, and keep the message short
// enough for an annotation.
func FuzzDecodeError(f *testing.F) {
	f.Add(400, `{"error_code":"Deploy.00011027","error_msg":"The application is being deployed."}`, "", "")
	f.Add(400, `{"error":{"code":"DEV.CH.10001","message":"Param invalid"},"status":"failed"}`, "", "")
	f.Add(429, `{"error_code":"APIGW.0308","error_msg":"policy user over ratelimit, limit:20, time:1 minute","request_id":"abc"}`, "2", "")
	f.Add(401, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}`, "", "Mon, 23 Nov 2026 16:00:00 GMT")
	f.Add(404, `{"code":404,"error":{"message":"not found","type":"NotFound"},"title":"Not Found"}`, "Fri, 31 Dec 9999 23:59:59 GMT", "")
	f.Add(401, `{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}`, "99999999999999999999", "")
	f.Add(502, `<html><body>Bad Gateway</body></html>`, "Wed, 21 Oct 2015 07:28:00 GMT", "")
	f.Add(500, ``, "-1", "garbage")
	f.Fuzz(func(t *testing.T, status int, body, retryAfter, date string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		h.Set("Date", date)
		e := DecodeError(status, h, []byte(body))
		if e.RetryAfter < 0 || e.RetryAfter > MaxServerWait {
			t.Fatalf("Retry-After %v outside [0, %v]", e.RetryAfter, MaxServerWait)
		}
		if e.Message == "" && http.StatusText(status) != "" {
			t.Fatalf("no message for status %d", status)
		}
		// Whatever the body's shape, what reaches the annotation is short.
		if n := utf8.RuneCountInString(e.Message); n > maxMessageBytes+1 {
			t.Fatalf("message not shortened: %d runes", n)
		}
		if n := utf8.RuneCountInString(e.Code); n > maxCodeBytes+1 {
			t.Fatalf("code not shortened: %d runes", n)
		}
		_ = e.Error()
	})
}
