package cli

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/run"
)

// TestSummaryEscapesRemoteText: names and statuses come from the server,
// which must not be able to add headings, links, images, HTML or table
// cells to the step summary (say, "Deployment succeeded" on a failed run).
var codeSpan = regexp.MustCompile("`[^`\n]*`")

func TestSummaryEscapesRemoteText(t *testing.T) {
	t.Parallel()
	hostile := []string{
		"\n### ✅ Deployment succeeded",
		"[click](https://evil.example/x) ![img](https://evil.example/i.png)",
		"<img src=x onerror=alert(1)> <details>",
		"a | b | c",
		"**bold** _em_ ~~del~~",
		"https://evil.example and www.evil.example",
		"`code` \x1b[2J\u202etxt",
	}
	for _, h := range hostile {
		r := &run.Result{
			Operation: "deploy", Status: run.StatusFailed, RemoteStatus: h,
			Failure: &run.Failure{What: run.FailedStart, Err: errors.New(h)},
			Deploy: &run.DeployDetail{
				TaskID: "0123456789abcdef0123456789abcdef", TaskName: h,
				Steps: []run.StepResult{{Name: h, State: run.StepFailed}},
			},
		}
		md := deploySummary(r, "cn-north-4")
		for _, line := range strings.Split(md, "\n") {
			assert.False(t, strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "### ❌ Deployment failed"), "a heading from the server: %q", line)
		}
		// A code span shows its text literally; outside code spans
		// nothing may be markup.
		prose := codeSpan.ReplaceAllString(md, "`…`")
		for _, bad := range []string{"**bold**", "https://", "www.evil"} {
			assert.NotContains(t, prose, bad, "from %q", h)
		}
		assert.NotRegexp(t, `(^|[^\\])<`, prose, "an unescaped < starts HTML")
		assert.NotRegexp(t, `(^|[^\\])\]\(`, prose, "an unescaped ]( makes a link")
		assert.NotContains(t, md, "\x1b")
		assert.NotContains(t, md, "\u202e")
		// Every table row keeps its cell count.
		for _, line := range strings.Split(md, "\n") {
			if strings.HasPrefix(line, "| ") && strings.Contains(line, "Task") {
				assert.Equal(t, 3, strings.Count(line, "|")-strings.Count(line, `\|`), line)
			}
		}
	}
}

func TestCompactJSONRespellsTheServersText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"b": "\u0053ECRET", "a": 1e400}`, `{"a":1e400,"b":"SECRET"}`},
		{`{"html":"<a>&"}`, `{"html":"<a>&"}`},
		{`not json`, ``},
		{`{"a":1} {"b":2}`, ``},
		{``, ``},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, compactJSON([]byte(tt.in)), tt.in)
	}

	// An answer larger than maxResultJSON is left out: decoded, a list of
	// empty objects takes some fifty times its size.
	within := "[" + strings.Repeat("{},", (maxResultJSON-2)/3) + "{}]"
	assert.LessOrEqual(t, len(within), maxResultJSON)
	assert.NotEmpty(t, compactJSON([]byte(within)))
	beyond := "[" + strings.Repeat("{},", 200_000) + "{}]"
	assert.Empty(t, compactJSON([]byte(beyond)))
}
