package run_test

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the package when its tests leave goroutines behind: every
// flow must end its polls, timers and connections when it returns.
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		if leaked := settle(before, 15*time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left behind by the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// settle waits for the goroutine count to return to n and returns the
// stacks of the extra ones if it does not.
func settle(n int, within time.Duration) string {
	deadline := time.Now().Add(within)
	for {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		if runtime.NumGoroutine() <= n {
			return ""
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			stacks := string(buf[:runtime.Stack(buf, true)])
			var extra []string
			for _, g := range strings.Split(stacks, "\n\n") {
				if !strings.Contains(g, "testing.(*M)") && !strings.Contains(g, "runtime.goexit") || strings.Contains(g, "net/http") {
					extra = append(extra, g)
				}
			}
			return strings.Join(extra, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
