package sim

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRouteBind(t *testing.T) {
	t.Parallel()
	rt := route{segs: []string{"v2", "tasks", "{task_id}", "records", "{record_id}", "stop"}}
	tests := []struct {
		name, path string
		want       map[string]string
		ok         bool
	}{
		{"literals and variables", "v2/tasks/t1/records/r1/stop", map[string]string{"task_id": "t1", "record_id": "r1"}, true},
		{"another literal", "v2/tasks/t1/records/r1/start", nil, false},
		{"an empty variable", "v2/tasks//records/r1/stop", nil, false},
		{"a literal in a variable's place is a value", "v2/tasks/stop/records/stop/stop", map[string]string{"task_id": "stop", "record_id": "stop"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := rt.bind(strings.Split(tc.path, "/"))
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestVarName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		seg, want string
		ok        bool
	}{
		{"{task_id}", "task_id", true},
		{"tasks", "", false},
		{"{open", "", false},
		{"close}", "", false},
		{"{}", "", true},
	}
	for _, tc := range tests {
		got, ok := varName(tc.seg)
		assert.Equal(t, tc.want, got, tc.seg)
		assert.Equal(t, tc.ok, ok, tc.seg)
	}
}
