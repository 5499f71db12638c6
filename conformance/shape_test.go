package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// kind is a set of JSON value kinds.
type kind uint8

const (
	kString kind = 1 << iota
	kNumber
	kBool
	kObject
	kArray
)

func (k kind) String() string {
	var names []string
	for _, n := range []struct {
		k    kind
		name string
	}{{kString, "string"}, {kNumber, "number"}, {kBool, "boolean"}, {kObject, "object"}, {kArray, "array"}} {
		if k&n.k != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, " or ")
}

// shape is the documented type of a JSON value, for the operations the SDK
// does not define: the kinds the value may have and, for an object or an
// array, the shapes of what it holds. null is always accepted (a field may
// be absent or empty), and so are fields the docs do not name: an answer
// may carry more than the page lists.
type shape struct {
	kinds  kind
	fields map[string]shape
	elem   *shape
}

func str() shape     { return shape{kinds: kString} }
func boolean() shape { return shape{kinds: kBool} }
func anyObj() shape  { return shape{kinds: kObject} }

// strOrNum and strOrBool are for fields the docs type differently from one
// version of a page to the next (huawei-api.md: "decode both").
func strOrNum() shape  { return shape{kinds: kString | kNumber} }
func strOrBool() shape { return shape{kinds: kString | kBool} }

func obj(fields map[string]shape) shape { return shape{kinds: kObject, fields: fields} }
func arr(elem shape) shape              { return shape{kinds: kArray, elem: &elem} }

// problems lists each value of v of a kind the shape does not allow, by
// its path below name.
func (s shape) problems(name string, v any) []string {
	var k kind
	switch v.(type) {
	case nil:
		return nil
	case string:
		k = kString
	case json.Number:
		k = kNumber
	case bool:
		k = kBool
	case map[string]any:
		k = kObject
	case []any:
		k = kArray
	}
	if s.kinds&k == 0 {
		return []string{fmt.Sprintf("%s is a %s, documented as %s", name, k, s.kinds)}
	}
	var out []string
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for key := range v {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			if fs, ok := s.fields[key]; ok {
				out = append(out, fs.problems(name+"."+key, v[key])...)
			}
		}
	case []any:
		if s.elem != nil {
			for i, e := range v {
				out = append(out, s.elem.problems(fmt.Sprintf("%s[%d]", name, i), e)...)
			}
		}
	}
	return out
}

// checkShape decodes an answer and checks it against s. An object answer
// must carry at least one documented field: one that carries none (a
// wrapper the docs do not show, say) does not decode into the documented
// object at all.
func checkShape(body []byte, s shape) []string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []string{"the answer is not JSON: " + err.Error()}
	}
	out := s.problems("answer", v)
	if m, ok := v.(map[string]any); ok && len(s.fields) > 0 && len(out) == 0 {
		known := false
		for key := range m {
			if _, ok := s.fields[key]; ok {
				known = true
			}
		}
		if !known {
			keys := make([]string, 0, len(m))
			for key := range m {
				keys = append(keys, key)
			}
			slices.Sort(keys)
			out = append(out, fmt.Sprintf("the answer has none of the documented fields (it has %s)", strings.Join(keys, ", ")))
		}
	}
	return out
}

// TestShapeCheckCanFail keeps the checker honest: it must report each kind
// of mismatch it exists for.
func TestShapeCheckCanFail(t *testing.T) {
	t.Parallel()
	s := obj(map[string]shape{
		"status": str(),
		"result": obj(map[string]shape{
			"offset": str(),
			"steps":  arr(obj(map[string]shape{"id": strOrNum(), "enable": strOrBool()})),
		}),
	})
	tests := []struct {
		name, body string
		want       []string
	}{
		{"good", `{"status":"success","result":{"offset":"0","steps":[{"id":1,"enable":"true"},{"id":"2","enable":false}],"extra":[1]}}`, nil},
		{"nulls are fine", `{"status":null,"result":{"offset":null}}`, nil},
		{"number for a string", `{"status":"success","result":{"offset":12}}`, []string{"answer.result.offset is a number, documented as string"}},
		{"wrong element", `{"result":{"steps":[{"id":true}]}}`, []string{"answer.result.steps[0].id is a boolean, documented as string or number"}},
		{"wrapped", `{"data":{"status":"success"}}`, []string{"the answer has none of the documented fields (it has data)"}},
		{"not an object", `[1]`, []string{"answer is a array, documented as object"}},
		{"not JSON", `{`, []string{"the answer is not JSON: unexpected EOF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := checkShape([]byte(tt.body), s)
			if !slices.Equal(got, tt.want) {
				t.Errorf("checkShape(%s)\n got %q\nwant %q", tt.body, got, tt.want)
			}
		})
	}
}
