package action

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file holds what the tests of Load share: credential-like values,
// the runner's environment, and the runners of the table-driven tests.

// Values that look like credentials. Every error text is checked not to
// contain them.
const (
	testAK     = "HPUAK7TESTACCESSKEYID01"
	testSK     = "tEsTsEcReTaCcEsSkEy0123456789abcdefGHIJ"
	testToken  = "MIIEtestIAMtoken+/=0123456789"
	testSTS    = "gQpTestSecurityToken==987654"
	testTaskID = "d2dc947ec2424d8789bb3984bb3adf45"
	testRecord = "0ee9c8e6a7dc44109541e53c6dccf47c"
	testProjID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
)

var testSecrets = []string{testAK, testSK, testToken, testSTS}

// envFrom returns a getenv over m, the way the runner presents inputs.
func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// deployEnv is a minimal valid deploy; overrides replace entries and ""
// removes one.
func deployEnv(overrides map[string]string) map[string]string {
	m := map[string]string{
		"INPUT_TASK_ID":           testTaskID,
		"INPUT_REGION":            "cn-north-4",
		"INPUT_ACCESS_KEY_ID":     testAK,
		"INPUT_SECRET_ACCESS_KEY": testSK,
	}
	for k, v := range overrides {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func assertNoSecret(t *testing.T, err error, extra ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append(append([]string{}, testSecrets...), extra...) {
		assert.NotContains(t, err.Error(), s, "error text leaks a secret")
	}
}

// loadCase is a valid environment and the checks of what Load makes of it.
type loadCase struct {
	name  string
	env   map[string]string
	check func(t *testing.T, got *Config)
}

// runLoadCases runs each case as a parallel subtest.
func runLoadCases(t *testing.T, tests []loadCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Load(envFrom(tt.env))
			require.NoError(t, err)
			tt.check(t, got)
		})
	}
}

// loadErrorCase is a change to the minimal deploy (deployEnv) that Load
// refuses: the input the first problem names, and text of the message.
type loadErrorCase struct {
	name      string
	env       map[string]string
	wantInput string
	want      string
}

// leakedInTests is a password that error cases put into URLs; no message
// may show it.
const leakedInTests = "hunter2pass"

// runLoadErrorCases runs each case as a parallel subtest: Load fails with
// an *InputError naming the input, and shows no secret.
func runLoadErrorCases(t *testing.T, tests []loadErrorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Load(envFrom(deployEnv(tt.env)))
			require.Error(t, err)
			assert.Nil(t, got)
			assert.Contains(t, err.Error(), tt.want)
			var ie *InputError
			require.True(t, errors.As(err, &ie), "want an *InputError in %v", err)
			assert.Equal(t, tt.wantInput, ie.Input)
			assertNoSecret(t, err, leakedInTests)
		})
	}
}
