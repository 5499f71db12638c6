package action

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []Param
	}{
		{"empty", "", nil},
		{"blank", " \n\t\n", nil},
		{"comments only", "# nothing yet\n", nil},
		{"null", "~", nil},
		{"empty mapping", "{}", nil},
		{"empty list", "[]", nil},
		{"trailing document marker", "a: 1\n---\n", []Param{{"a", "1", "text"}}},
		{
			"mapping keeps order and literal text",
			"version: 1.10\nreplicas: 3\ndebug: true\nhex: 0x1F\nratio: 1e3\nempty:\nnothing: null\nquoted: 'null'\nzone: cn-north-4a\n",
			[]Param{
				{"version", "1.10", "text"}, {"replicas", "3", "text"}, {"debug", "true", "text"},
				{"hex", "0x1F", "text"}, {"ratio", "1e3", "text"}, {"empty", "", "text"},
				{"nothing", "", "text"}, {"quoted", "null", "text"}, {"zone", "cn-north-4a", "text"},
			},
		},
		{
			"mapping order is the document's, not sorted",
			"zeta: 1\nalpha: 2\nmid: 3",
			[]Param{{"zeta", "1", "text"}, {"alpha", "2", "text"}, {"mid", "3", "text"}},
		},
		{
			"JSON object",
			`{"version": "1.4.2", "replicas": 3, "canary": false, "weight": 0.50}`,
			[]Param{{"version", "1.4.2", "text"}, {"replicas", "3", "text"}, {"canary", "false", "text"}, {"weight", "0.50", "text"}},
		},
		{
			"JSON indented with tabs",
			"{\n\t\"a\": \"x\",\n\t\"b\": 2\n}",
			[]Param{{"a", "x", "text"}, {"b", "2", "text"}},
		},
		{
			"list with types",
			"- key: version\n  value: 1.4.2\n- key: db_password\n  value: s3cret\n  type: encrypt\n- {key: env, value: prod, type: enum}\n- {key: hosts, value: grp-1, type: HOST_GROUP}\n",
			[]Param{
				{"version", "1.4.2", "text"}, {"db_password", "s3cret", "encrypt"},
				{"env", "prod", "enum"}, {"hosts", "grp-1", "host_group"},
			},
		},
		{
			"JSON list",
			`[{"key": "version", "value": 1.10}, {"key": "token", "value": "abc", "type": "encrypt"}, {"key": "flag", "value": true}]`,
			[]Param{{"version", "1.10", "text"}, {"token", "abc", "encrypt"}, {"flag", "true", "text"}},
		},
		{
			"list entry without value",
			"- key: optional",
			[]Param{{"optional", "", "text"}},
		},
		{
			"block scalar value",
			"notes: |\n  line one\n  line two\n",
			[]Param{{"notes", "line one\nline two\n", "text"}},
		},
		{
			"alias to a scalar",
			"base: &v 2.0.1\ncopy: *v",
			[]Param{{"base", "2.0.1", "text"}, {"copy", "2.0.1", "text"}},
		},
		{
			"key characters and limits",
			"A.b_c-9: x\n" + strings.Repeat("k", 128) + ": y\nlong: " + strings.Repeat("v", MaxParamValueLen),
			[]Param{{"A.b_c-9", "x", "text"}, {strings.Repeat("k", 128), "y", "text"}, {"long", strings.Repeat("v", MaxParamValueLen), "text"}},
		},
		{
			"single braces are fine",
			"json: '{\"a\": {\"b\": 1}}'\npct: '100%'",
			[]Param{{"json", `{"a": {"b": 1}}`, "text"}, {"pct", "100%", "text"}},
		},
		{
			"limit counts characters, not bytes",
			"u: " + strings.Repeat("é", MaxParamValueLen),
			[]Param{{"u", strings.Repeat("é", MaxParamValueLen), "text"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseParams(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseParamsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string // every line of the error, in order
	}{
		{"scalar document", "version=1.2", []string{
			`params: must be a mapping (key: value) or a list of {key, value, type}, got a string`}},
		{"number document", "42", []string{
			`params: must be a mapping (key: value) or a list of {key, value, type}, got a number`}},
		{"syntax", "version: [1.2", []string{
			`params: not valid YAML or JSON: line 1: did not find expected ',' or ']'`}},
		{"two documents", "a: 1\n---\nb: 2", []string{
			`params: must be a single YAML document (remove the --- separators)`}},
		{"nested mapping value", "db:\n  host: x\n  port: 5432", []string{
			`params[0] (db): value must be a single value, got a mapping (nested values are not supported)`}},
		{"nested list value", "hosts: [a, b]", []string{
			`params[0] (hosts): value must be a single value, got a list (nested values are not supported)`}},
		{"mapping as key", "? {a: 1}\n: x", []string{
			`params[0]: key must be a name, got a mapping`}},
		{"bad key", "'has space': 1\nok: 2\n'': 3", []string{
			`params[0]: key "has space" must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '-'`,
			`params[2]: key "" must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '-'`}},
		{"key too long", strings.Repeat("k", 129) + ": 1", []string{
			`params[0]: key "` + strings.Repeat("k", 64) + `"... must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '-'`}},
		{"duplicate key in mapping", "a: 1\nb: 2\na: 3", []string{
			`params[2] (a): duplicate key, first given at params[0]`}},
		{"duplicate key in list", "- {key: a, value: 1}\n- {key: a, value: 2, type: encrypt}", []string{
			`params[1] (a): duplicate key, first given at params[0]`}},
		{"value too long", "big: " + strings.Repeat("x", MaxParamValueLen+1), []string{
			`params[0] (big): value is 8193 characters long, the limit is 8192`}},
		{"template marks", "a: '{{ x }}'\nb: '{% if %}'\nc: '{# c #}'\nd: '{{ {% {#'", []string{
			`params[0] (a): value must not contain "{{"`,
			`params[1] (b): value must not contain "{%"`,
			`params[2] (c): value must not contain "{#"`,
			`params[3] (d): value must not contain "{{"`,
			`params[3] (d): value must not contain "{%"`,
			`params[3] (d): value must not contain "{#"`}},
		{"list item not a mapping", "- version\n- [1]", []string{
			`params[0]: must be a mapping with key, value and type, got a string`,
			`params[1]: must be a mapping with key, value and type, got a list`}},
		{"unknown field", "- {key: a, value: 1, name: b}", []string{
			`params[0] (a): unknown field "name" (use key, value, type)`}},
		{"field twice", "- {key: a, value: 1, value: 2}", []string{
			`params[0] (a): field value given twice`}},
		{"key missing", "- {value: 1}\n- {key: null, value: 2}\n- {key: '', value: 3}", []string{
			`params[0]: key is required`,
			`params[1]: key is required`,
			`params[2]: key is required`}},
		{"key not a scalar", "- {key: [a], value: 1}", []string{
			`params[0]: key must be a single value, got a list`}},
		{"value not a scalar", "- {key: a, value: {x: 1}}", []string{
			`params[0] (a): value must be a single value, got a mapping`}},
		{"type unknown", "- {key: a, value: 1, type: secret}\n- {key: b, type: [text]}", []string{
			`params[0] (a): type "secret" is not one of text, enum, encrypt, host_group`,
			`params[1] (b): type must be a single value, got a list`}},
		{"errors never show values", "- {key: pw, value: 'hunter2-{{', type: encrypt}", []string{
			`params[0] (pw): value must not contain "{{"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseParams(tt.in)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.Equal(t, tt.want, strings.Split(err.Error(), "\n"))
			var ie *InputError
			require.True(t, errors.As(err, &ie))
			assert.Equal(t, "params", ie.Input)
		})
	}
}

// TestParseParamsHidesSecrets covers values that reach a message through a
// key or a type: a secret pasted in the wrong field.
func TestParseParamsHidesSecrets(t *testing.T) {
	t.Parallel()
	const secret = "Zx9-s3cr3t.value"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"encrypt value also used as key", "- {key: " + secret + ", value: " + secret + ", type: encrypt}\n- {key: " + secret + "}",
			`params[1] (***): duplicate key, first given at params[0]`},
		{"value of a misspelt type", "- {key: 'x " + secret + "', value: " + secret + ", type: Encrypted}",
			`params[0]: key "x ***" must be 1 to 128 characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseParams(tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), secret)
		})
	}
}

func TestParseValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want map[string]any
	}{
		{"empty", "", nil},
		{"null", "null", nil},
		{
			"Heat outputs keep their types",
			"deploy_stdout: |\n  Starting...\n  done: 3 of 3\n\n  bye\ndeploy_stderr: ''\ndeploy_status_code: 0\nresult: ok\n",
			map[string]any{
				"deploy_stdout":      "Starting...\ndone: 3 of 3\n\nbye\n",
				"deploy_stderr":      "",
				"deploy_status_code": int64(0),
				"result":             "ok",
			},
		},
		{
			"scalars of every kind",
			"i: -42\nf: 1.5\nb: true\nn: ~\ns: '007'\nyes_is_text: yes\nts: 2001-12-14\ninf: .inf\nnan: .NaN\nbig: 18446744073709551615\nhex: 0x10\n",
			map[string]any{
				"i": int64(-42), "f": 1.5, "b": true, "n": nil, "s": "007", "yes_is_text": "yes",
				"ts": "2001-12-14", "inf": ".inf", "nan": ".NaN", "big": float64(18446744073709551615), "hex": int64(16),
			},
		},
		{
			"nested",
			"a:\n  b: [1, {c: x}]\n  2: two\n",
			map[string]any{"a": map[string]any{"b": []any{int64(1), map[string]any{"c": "x"}}, "2": "two"}},
		},
		{
			"JSON",
			`{"deploy_status_code": 1, "deploy_stderr": "line1\nline2", "list": [true, null, 2.5]}`,
			map[string]any{"deploy_status_code": int64(1), "deploy_stderr": "line1\nline2", "list": []any{true, nil, 2.5}},
		},
		{
			"aliases expand",
			"base: &b {x: 1}\ncopy: *b",
			map[string]any{"base": map[string]any{"x": int64(1)}, "copy": map[string]any{"x": int64(1)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseValues("output_values", tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			_, err = json.Marshal(got)
			assert.NoError(t, err, "values must be JSON-encodable")
		})
	}
}

func TestParseValuesErrors(t *testing.T) {
	t.Parallel()
	bomb := "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
	for _, c := range "bcdefghij" {
		prev := string(c - 1)
		bomb += string(c) + ": &" + string(c) + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev +
			",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n"
	}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"list", "[1, 2]", `input_values: must be a mapping of names to values, got a list`},
		{"scalar", "just text", `input_values: must be a mapping of names to values, got a string`},
		{"syntax", "a: [", `input_values: not valid YAML or JSON: line 1: did not find expected node content`},
		{"duplicate", "a: 1\na: 2", `input_values: duplicate key "a"`},
		{"nested duplicate", "x: {a: 1, a: 2}", `input_values.x: duplicate key "a"`},
		{"complex key", "? [a]\n: 1", `input_values: keys must be names, got a list`},
		{"null key", "~: 1", `input_values: keys must be names, got null`},
		{"merge key", "base: &b {x: 1}\nm:\n  <<: *b", `input_values.m: YAML merge keys (<<) are not supported`},
		{"self alias", "a: &x [1, *x]", `input_values.a[1]: alias refers to itself`},
		{"alias bomb", bomb, `aliases expand to more than 100000 values`},
		{"two documents", "a: 1\n---\nb: 2", `input_values: must be a single YAML document`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseValues("input_values", tt.in)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestParseValuesBoundsAliasedText keeps a few aliases to a long string
// from growing into gigabytes.
func TestParseValuesBoundsAliasedText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 64<<10)
	doc := "a: &a " + long + "\nb: [" + strings.TrimSuffix(strings.Repeat("*a,", 40), ",") + "]\n"
	_, err := ParseValues("output_values", doc)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "values add up to more than 1048576 bytes")
	got, err := ParseValues("output_values", "a: &a "+long+"\nb: *a\n")
	require.NoError(t, err)
	assert.Equal(t, long, got["b"])
}

func TestParamFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		entry        string
		want         Param
		wantProblems []string
	}{
		{"every field", "{key: a, value: 1.10, type: ' Encrypt '}", Param{"a", "1.10", "encrypt"}, nil},
		{"type defaults to text", "{key: a, value: x}", Param{"a", "x", ParamText}, nil},
		{"empty type is text", "{key: a, type: ''}", Param{"a", "", ParamText}, nil},
		{"null value", "{key: a, value: ~}", Param{"a", "", ParamText}, nil},
		{"no key", "{value: x}", Param{"", "x", ParamText}, []string{"key is required"}},
		{"unknown field", "{key: a, name: b}", Param{"a", "", ParamText},
			[]string{`unknown field "name" (use key, value, type)`}},
		{"field twice", "{key: a, key: b}", Param{"a", "", ParamText}, []string{"field key given twice"}},
		{"nested key is no missing key", "{key: {x: 1}}", Param{"", "", ParamText},
			[]string{"key must be a single value, got a mapping"}},
		{"nested value", "{key: a, value: [1]}", Param{"a", "", ParamText},
			[]string{"value must be a single value, got a list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root, err := parseDocument("params", tt.entry)
			require.NoError(t, err)
			got, problems := paramFields(root)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantProblems, problems)
		})
	}
}
