package huawei

import (
	"net/http"
	"strings"
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
	f.Add(401, `{"error_code":"APIGW.0303","error_msg":"clock skew"}`, "", "Mon, 23 Nov 2026 16:00:00 GMT")
	f.Add(502, `<html><body>Bad Gateway</body></html>`, "Wed, 21 Oct 2015 07:28:00 GMT", "")
	f.Add(500, ``, "-1", "garbage")
	f.Fuzz(func(t *testing.T, status int, body, retryAfter, date string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		h.Set("Date", date)
		e := DecodeError(status, h, []byte(body))
		if e.RetryAfter < 0 {
			t.Fatalf("negative Retry-After %v", e.RetryAfter)
		}
		if e.Message == "" && http.StatusText(status) != "" {
			t.Fatalf("no message for status %d", status)
		}
		if !strings.HasPrefix(strings.TrimSpace(body), "{") && utf8.RuneCountInString(e.Message) > maxMessageRunes+1 {
			t.Fatalf("message not shortened: %d runes", utf8.RuneCountInString(e.Message))
		}
		_ = e.Error()
	})
}
