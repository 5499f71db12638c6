package action

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestLogCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		do   func(l *Log)
		want string
	}{
		{"info", func(l *Log) { l.Infof("deploying %s to %s", "v1.2", "cn-north-4") }, "deploying v1.2 to cn-north-4\n"},
		{"info keeps its own newline", func(l *Log) { l.Infof("done\n") }, "done\n"},
		{"info multi-line", func(l *Log) { l.Infof("a\nb\r\nc") }, "a\nb\r\nc\n"},
		{"info percent is not escaped", func(l *Log) { l.Infof("100%% done") }, "100% done\n"},
		{"debug", func(l *Log) { l.Debugf("GET %s", "/v2/tasks/x/state") }, "::debug::GET /v2/tasks/x/state\n"},
		{"notice", func(l *Log) { l.Noticef("record %s", "abc") }, "::notice::record abc\n"},
		{"warning escapes data", func(l *Log) { l.Warningf("50%% done\r\nnext") }, "::warning::50%25 done%0D%0Anext\n"},
		{"error with title", func(l *Log) { l.Error("Deployment failed: step 2, stop", "exit 1\nsee log") },
			"::error title=Deployment failed%3A step 2%2C stop::exit 1%0Asee log\n"},
		{"error without title", func(l *Log) { l.Error("", "boom") }, "::error::boom\n"},
		{"error title percent", func(l *Log) { l.Error("100%", "x") }, "::error title=100%25::x\n"},
		{"data keeps colons and commas", func(l *Log) { l.Noticef("a: b, c::d") }, "::notice::a: b, c::d\n"},
		{"group", func(l *Log) { l.Group("Step 1: stop service"); l.Infof("x"); l.EndGroup() },
			"::group::Step 1: stop service\nx\n::endgroup::\n"},
		{"endgroup without group", func(l *Log) { l.EndGroup() }, ""},
		{"endgroup twice", func(l *Log) { l.Group("g"); l.EndGroup(); l.EndGroup() }, "::group::g\n::endgroup::\n"},
		{"group closes the open one", func(l *Log) { l.Group("a"); l.Group("b"); l.EndGroup() },
			"::group::a\n::endgroup::\n::group::b\n::endgroup::\n"},
		{"group title escaped", func(l *Log) { l.Group("a\nb%") }, "::group::a%0Ab%25\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			tt.do(NewLog(&buf, false))
			got := buf.String()
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestLogInfoCannotInjectCommands feeds Infof lines the runner would read as
// commands: after trimming leading whitespace a line must not start with
// "::", and no line may contain "##[".
func TestLogInfoCannotInjectCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"command at start", "::error::fake", `\::error::fake` + "\n"},
		{"command after spaces", "   ::set-output name=x::y", `   \::set-output name=x::y` + "\n"},
		{"command after tab and nbsp", "\t\u00a0::add-mask::x", "\t\u00a0\\::add-mask::x\n"},
		{"command after zero-width space", "\u200b::warning::x", "\u200b\\::warning::x\n"},
		{"command on a later line", "ok\n::stop-commands::tok\nfine", "ok\n\\::stop-commands::tok\nfine\n"},
		{"command after a lone carriage return", "progress 10%\r::error::x", "progress 10%\r\\::error::x\n"},
		{"old syntax anywhere", "log ##[group]evil", `log ##\[group]evil` + "\n"},
		{"colons inside a line are fine", "time 12::30 a::b", "time 12::30 a::b\n"},
		{"IPv6 at start", "::1 answered", "\\::1 answered\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			NewLog(&buf, false).Infof("%s", tt.in)
			got := buf.String()
			assert.Equal(t, tt.want, got)
			for _, line := range splitLines(got) {
				trimmed := strings.TrimLeftFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '\u00a0' })
				assert.False(t, strings.HasPrefix(trimmed, "::"), "line %q would be a command", line)
				assert.NotContains(t, line, "##[")
			}
		})
	}
}

func TestLogAddMask(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := NewLog(&buf, false)
	l.AddMask("", "  ", testSK, "line-one-secret\nline-two-secret\r\n\nend", testSK)
	got := buf.String()
	want := "::add-mask::" + testSK + "\n" +
		"::add-mask::line-one-secret%0Aline-two-secret%0D%0A%0Aend\n" +
		"::add-mask::line-one-secret\n" +
		"::add-mask::line-two-secret\n" +
		"::add-mask::end\n"
	assert.Equal(t, want, got)
}

func TestLogScrubsSecrets(t *testing.T) {
	t.Parallel()
	const pem = "-----BEGIN KEY-----\nMIIBpemBody01\n-----END KEY-----"
	tests := []struct {
		name string
		do   func(l *Log)
		want string
	}{
		{"info", func(l *Log) { l.Infof("signing with %s and %s", testAK, testSK) }, "signing with *** and ***\n"},
		{"error title and message", func(l *Log) { l.Error("bad "+testToken, "token "+testToken+" rejected") },
			"::error title=bad ***::token *** rejected\n"},
		{"debug", func(l *Log) { l.Debugf("X-Security-Token: %s", testSTS) }, "::debug::X-Security-Token: ***\n"},
		{"warning", func(l *Log) { l.Warningf("%s", testSK) }, "::warning::***\n"},
		{"notice", func(l *Log) { l.Noticef("%s", testAK) }, "::notice::***\n"},
		{"group", func(l *Log) { l.Group(testAK) }, "::group::***\n"},
		{"multi-line secret whole", func(l *Log) { l.Infof("key:\n%s\n", pem) }, "key:\n***\n"},
		{"multi-line secret per line", func(l *Log) { l.Infof("got MIIBpemBody01 only") }, "got *** only\n"},
		{"secret split by escaping is caught before", func(l *Log) { l.Error("", "x"+pem) }, "::error::x***\n"},
		{"secret with percent", func(l *Log) { l.Warningf("%s", "p%ss") }, "::warning::***\n"},
		{"longest secret wins", func(l *Log) { l.Infof("%s", testSK+"-suffix") }, "***\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			l := NewLog(&buf, false)
			l.AddMask(testAK, testSK, testToken, testSTS, pem, "p%ss", testSK+"-suffix")
			buf.Reset()
			tt.do(l)
			got := buf.String()
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLogScrub(t *testing.T) {
	t.Parallel()
	l := NewLog(&bytes.Buffer{}, true)
	assert.Equal(t, "no secrets yet "+testAK, l.Scrub("no secrets yet "+testAK))
	l.AddMask(testAK)
	assert.Equal(t, "| *** |", l.Scrub("| "+testAK+" |"))
	assert.True(t, l.DebugEnabled())
	assert.False(t, NewLog(&bytes.Buffer{}, false).DebugEnabled())
}

// TestLogConcurrent checks that lines written from several goroutines never
// interleave (run with -race).
func TestLogConcurrent(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := NewLog(&buf, false)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				switch i % 4 {
				case 0:
					l.Infof("g%d line %d", g, i)
				case 1:
					l.Debugf("g%d debug %d", g, i)
				case 2:
					l.AddMask(fmt.Sprintf("secret-%d-%d", g, i))
				default:
					l.Group(fmt.Sprintf("g%d", g))
					l.EndGroup()
				}
			}
		}()
	}
	wg.Wait()
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		ok := strings.HasPrefix(line, "g") || strings.HasPrefix(line, "::debug::g") ||
			strings.HasPrefix(line, "::add-mask::secret-") || strings.HasPrefix(line, "::group::g") ||
			line == "::endgroup::"
		assert.True(t, ok, "garbled line %q", line)
	}
}

// TestLogCutsHugeMessages: a message of megabytes (a status or a name a
// server sent) is cut to MaxMessage and says so; a secret across the cut
// is replaced before it, never left in part.
func TestLogCutsHugeMessages(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("é", MaxMessage) // twice MaxMessage bytes
	straddling := strings.Repeat("x", MaxMessage-5) + testSK + strings.Repeat("y", 100)
	tests := []struct {
		name string
		do   func(l *Log)
	}{
		{"info", func(l *Log) { l.Infof("status %q", huge) }},
		{"warning", func(l *Log) { l.Warningf("status %q", huge) }},
		{"error", func(l *Log) { l.Error("Deployment failed", huge) }},
		{"group", func(l *Log) { l.Group(huge) }},
		{"secret across the cut", func(l *Log) { l.Infof("%s", straddling) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			l := NewLog(&buf, false)
			l.AddMask(testSK)
			buf.Reset()
			tt.do(l)
			got := buf.String()
			assert.Less(t, len(got), MaxMessage+200, "cut")
			assert.Contains(t, got, "(message cut: ")
			assert.True(t, utf8.ValidString(got), "cut on a character boundary")
			assert.NotContains(t, got, testSK[:4], "no part of a secret")
			assert.Equal(t, 1, strings.Count(got, "\n"), "one line")
		})
	}
	var buf bytes.Buffer
	NewLog(&buf, false).Infof("%s", strings.Repeat("z", MaxMessage))
	assert.Equal(t, strings.Repeat("z", MaxMessage)+"\n", buf.String(), "up to MaxMessage is whole")
}
