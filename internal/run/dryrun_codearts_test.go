package run

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/deploy-action/deploy-action/internal/codearts"
)

func TestParamNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []codearts.Param
		want string
	}{
		{"none", nil, ""},
		{"text is not named", []codearts.Param{{Key: "a", Value: "1", Type: "text"}}, "a"},
		{"no type is not named", []codearts.Param{{Key: "a", Value: "1"}}, "a"},
		{"other types are, values never", []codearts.Param{
			{Key: "pw", Value: "s3cret", Type: "encrypt"},
			{Key: "env", Value: "prod", Type: "enum"},
			{Key: "hosts", Value: "g1", Type: "host_group"},
		}, "pw (encrypt), env (enum), hosts (host_group)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, ParamNames(tt.in))
		})
	}
}

func TestParamDiffs(t *testing.T) {
	t.Parallel()
	p := func(key, typ string) codearts.Param { return codearts.Param{Key: key, Value: "v", Type: typ} }
	e := func(name, typ string) codearts.ExecutionParam { return codearts.ExecutionParam{Name: name, Type: typ} }
	tests := []struct {
		name   string
		given  []codearts.Param
		before []codearts.ExecutionParam
		want   []string
	}{
		{"the same", []codearts.Param{p("a", "text"), p("b", "enum")}, []codearts.ExecutionParam{e("b", "enum"), e("a", "text")}, nil},
		{"an earlier type unknown matches any", []codearts.Param{p("a", "encrypt")}, []codearts.ExecutionParam{e("a", "")}, nil},
		{"added, in the order given", []codearts.Param{p("z", "text"), p("a", "text")}, nil,
			[]string{"not in it (a typo? the task must declare them): z, a"}},
		{"missing, sorted", nil, []codearts.ExecutionParam{e("z", "text"), e("a", "text")},
			[]string{"in it but not given now (the task's values apply): a, z"}},
		{"another type", []codearts.Param{p("a", "encrypt")}, []codearts.ExecutionParam{e("a", "text")},
			[]string{"of another type: a (encrypt now, text before)"}},
		{"all three, in that order",
			[]codearts.Param{p("new", "text"), p("a", "enum")},
			[]codearts.ExecutionParam{e("a", "text"), e("old", "text")},
			[]string{
				"not in it (a typo? the task must declare them): new",
				"in it but not given now (the task's values apply): old",
				"of another type: a (enum now, text before)",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, paramDiffs(tt.given, tt.before))
		})
	}
}

func TestBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		d            time.Duration
		wantDeadline bool
	}{
		{"no timeout", 0, false},
		{"negative is none", -time.Second, false},
		{"timeout", time.Hour, true},
	}
	for _, tt := range tests {
		ctx, cancel := bounded(context.Background(), tt.d)
		_, got := ctx.Deadline()
		cancel()
		if got != tt.wantDeadline {
			t.Errorf("%s: deadline set = %v, want %v", tt.name, got, tt.wantDeadline)
		}
		if ctx.Err() == nil {
			t.Errorf("%s: cancel did not end the context", tt.name)
		}
	}
}
