package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRunnerView: the demo shows the workflow log as the runner does:
// masks applied (from the mask on), debug lines hidden, groups folded
// under a heading, annotations labelled with their title.
func TestRunnerView(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "hello\n", "hello\n"},
		{"masked from then on", "s3cret\n::add-mask::s3cret\nkey s3cret\n", "s3cret\nkey ***\n"},
		{"debug hidden", "::debug::GET /v2/tasks\nok\n", "ok\n"},
		{"group", "::group::✓ 1/5 Download package\nline\n::endgroup::\nafter\n", "▸ ✓ 1/5 Download package\n  │ line\nafter\n"},
		{"annotation with title", "::error title=Deployment failed::record%0Aended%3A failed\n", "Error: Deployment failed: record\n    ended: failed\n"},
		{"annotation in a group", "::group::g\n::warning::retrying\n::endgroup::\n", "▸ g\n  │ Warning: retrying\n"},
		{"notice", "::notice::Stopped\n", "Notice: Stopped\n"},
		{"unknown command kept", "::set-env name=A::b\n", "::set-env name=A::b\n"},
		{"last line without newline", "a\nb", "a\nb\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		v := newRunnerView(&b)
		_, _ = v.Write([]byte(tt.in))
		v.Flush()
		assert.Equal(t, tt.want, b.String(), tt.name)
	}
}
