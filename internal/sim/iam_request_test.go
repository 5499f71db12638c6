package sim

import (
	"encoding/json"
	"testing"
)

func TestIDTokenRequestProblem(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body, want string
	}{
		{`{"auth":{"id_token":{"id":"t"},"scope":{"project":{"id":"p"}}}}`, ""},
		{`{}`, idTokenRequestShape},
		{`{"auth":{"scope":{"project":{"id":"p"}}}}`, "auth.id_token.id is required."},
		{`{"auth":{"id_token":{"id":""},"scope":{"project":{"id":"p"}}}}`, "auth.id_token.id is required."},
		{`{"auth":{"id_token":{"id":"t"}}}`, "auth.scope is required."},
		{`{"auth":{"id_token":{"id":"t"},"scope":{"domain":{"id":"d"}}}}`, "only a project scope (auth.scope.project.id) is supported."},
		{`{"auth":{"id_token":{"id":"t"},"scope":{}}}`, "auth.scope.project.id is required."},
	} {
		var b idTokenRequest
		if err := json.Unmarshal([]byte(tc.body), &b); err != nil {
			t.Fatal(err)
		}
		if got := b.problem(); got != tc.want {
			t.Errorf("problem(%s) = %q, want %q", tc.body, got, tc.want)
		}
	}
}
