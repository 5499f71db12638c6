package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/sim"
)

// The checks the end-to-end tests share.

const encryptValue = "enc-VALUE-must-stay-hidden-42"

var paramsWithSecret = "- {key: version, value: 1.4.2}\n- {key: db_password, value: " + encryptValue + ", type: encrypt}\n"

// assertNoSecrets checks that no credential or encrypt value escaped
// anywhere but in the ::add-mask:: commands that hide it, and that each
// mask came before the value's first other use.
func assertNoSecrets(t *testing.T, s *step, extra ...string) {
	t.Helper()
	var shown []string
	masked := map[string]bool{}
	for _, l := range strings.Split(s.everything(), "\n") {
		if v, ok := strings.CutPrefix(l, "::add-mask::"); ok {
			masked[v] = true
			continue
		}
		shown = append(shown, l)
	}
	all := strings.Join(shown, "\n")
	for _, secret := range append([]string{testSK, encryptValue}, extra...) {
		if strings.Contains(all, secret) {
			t.Errorf("secret %.6s… leaked into stdout, stderr, outputs, state or summary", secret)
		}
	}
	stdout := s.stdout.String()
	for secret := range masked {
		i := strings.Index(stdout, "::add-mask::"+secret)
		if strings.Contains(stdout[:i], secret) {
			t.Errorf("secret %.6s… printed before its mask", secret)
		}
	}
}

// oneError returns the step's one error annotation, failing the test
// when there is none or more than one.
func oneError(t *testing.T, s *step) string {
	t.Helper()
	errs := annotations(s.stdout.String(), "error")
	require.Len(t, errs, 1, clip(s.stdout.String()))
	return errs[0]
}

// refusedBeforeSending runs the step and checks that it failed on its
// inputs before sending anything: exit code 1, no request, and one error
// annotation holding each of want. It returns the annotation.
func refusedBeforeSending(t *testing.T, srv *sim.Server, s *step, want ...string) string {
	t.Helper()
	require.Equal(t, 1, s.run(), s.stdout.String())
	assert.Empty(t, srv.Calls(), "nothing may be sent when the inputs are bad")
	err := oneError(t, s)
	for _, w := range want {
		assert.Contains(t, err, w)
	}
	return err
}

// badInputSendsNothing runs the step that mk makes of inputs against a
// simulator: it must fail naming each of want before it sends anything,
// and show no secret. It returns the step for further checks.
func badInputSendsNothing(t *testing.T, mk func(*testing.T, string, map[string]string) *step, inputs map[string]string, want ...string) *step {
	t.Helper()
	srv, url := simulator(t, "")
	s := mk(t, url, inputs)
	refusedBeforeSending(t, srv, s, want...)
	assertNoSecrets(t, s)
	return s
}

// assertFailed checks that a step that ended with code failed: exit code
// 1, the status output status, and one error annotation holding title.
// It returns the annotation.
func assertFailed(t *testing.T, s *step, code int, status, title string) string {
	t.Helper()
	require.Equal(t, 1, code, clip(s.stdout.String()))
	assert.Equal(t, status, s.outputs()["status"])
	err := oneError(t, s)
	assert.Contains(t, err, title)
	return err
}
