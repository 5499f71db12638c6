package codearts_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deploy-action/deploy-action/internal/huawei"
)

func TestExecutionParams(t *testing.T) {
	t.Parallel()
	// The API page's example, value 8080 a number although typed String.
	const example = `[ {"name":"service_port","type":"text","value":8080},
		{"name":"pwd","type":"encrypt","value":""},
		{"name":"env","type":"host_group","value":"4ed5be8d76f84f8bacdba9c8bd57ec92"},
		{"name":"test_enum","type":"enum","value":"value1"} ]`
	tests := []struct {
		name string
		body string
		want []string // name:type
	}{
		{"the documented bare array", example, []string{"service_port:text", "pwd:encrypt", "env:host_group", "test_enum:enum"}},
		{"wrapped in result", `{"status":"success","result":[{"name":"a","type":"text","value":"1"}]}`, []string{"a:text"}},
		{"wrapped in body", `{"body":[{"name":"a","type":"text","value":true}]}`, []string{"a:text"}},
		{"no parameters", `[]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, urls := answering(t, tt.body)
			got, err := c.ExecutionParams(t.Context(), testTask, recordID)
			require.NoError(t, err)
			var names []string
			for _, p := range got {
				names = append(names, p.Name+":"+p.Type)
			}
			assert.Equal(t, tt.want, names)
			u := urls()
			require.Len(t, u, 1)
			assert.Equal(t, "/v2/history/tasks/"+testTask+"/params", u[0].Path)
			assert.Equal(t, "record_id="+recordID, u[0].RawQuery)
		})
	}
}

func TestExecutionParamsOfAnotherShape(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"status":"success"}`, `"params"`, `[1, 2]`, `{"result":{"name":"a"}}`} {
		c, _ := answering(t, body)
		_, err := c.ExecutionParams(t.Context(), testTask, recordID)
		require.Error(t, err, body)
		assert.True(t, huawei.IsProtocolError(err), "%s: %v", body, err)
	}
}
