package action

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Param is one dynamic parameter of a CodeArts Deploy start request.
type Param struct {
	Key, Value string
	// Type is one of ParamText, ParamEnum, ParamEncrypt, ParamHostGroup.
	Type string
}

// The parameter types CodeArts Deploy accepts (huawei-api.md §1).
const (
	ParamText      = "text"
	ParamEnum      = "enum"
	ParamEncrypt   = "encrypt"
	ParamHostGroup = "host_group"
)

// MaxParamValueLen is the longest value, in characters, CodeArts Deploy accepts.
const MaxParamValueLen = 8192

var (
	paramKeyRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	paramTypes = []string{ParamText, ParamEnum, ParamEncrypt, ParamHostGroup}
	// templateMarks are rejected by the service: they start Jinja-like
	// templates inside the deployment.
	templateMarks = []string{"{{", "{%", "{#"}
)

// ParseParams parses the params input: YAML or JSON (JSON is YAML), either a
// mapping of key to value (type text, in the document's order) or a list of
// {key, value, type} (type defaults to text). Scalars keep the text they are
// written with (version: 1.10 is "1.10"), null is "". "" gives nil.
//
// Errors name the entry ("params[2] (db_password): ...", indexes from 0) and
// never contain a value: a value may be a secret.
func ParseParams(s string) ([]Param, error) {
	const input = "params"
	root, err := parseDocument(input, s)
	if err != nil || root == nil {
		return nil, err
	}
	p := &paramParser{input: input}
	switch root.Kind {
	case yaml.MappingNode:
		p.fromMapping(root)
	case yaml.SequenceNode:
		p.fromSequence(root)
	default:
		return nil, &InputError{Input: input,
			Msg: "must be a mapping (key: value) or a list of {key, value, type}, got " + describe(root)}
	}
	p.validate()
	if len(p.errs) > 0 {
		return nil, p.scrubbed()
	}
	if len(p.params) == 0 {
		return nil, nil
	}
	return p.params, nil
}

type paramParser struct {
	input  string
	params []Param
	errs   []entryError
	// hidden are values to scrub from error texts: encrypt values and values
	// whose type is unrecognised (it may be a misspelt encrypt).
	hidden []string
	// bad marks entries that already have a structural error, so validate
	// does not pile more messages on them.
	bad map[int]bool
}

// entryError is a problem with the params entry at index i.
type entryError struct {
	i   int
	err *InputError
}

func (p *paramParser) fail(i int, key, format string, a ...any) {
	p.errs = append(p.errs, entryError{i, &InputError{Input: p.input, Entry: entry(i, key), Msg: fmt.Sprintf(format, a...)}})
}

// entry locates a params entry; the key is shown only when it is valid, so
// that an invalid one is shown once, quoted, in its own message.
func entry(i int, key string) string {
	if paramKeyRE.MatchString(key) {
		return fmt.Sprintf("[%d] (%s)", i, key)
	}
	return fmt.Sprintf("[%d]", i)
}

func (p *paramParser) markBad(i int) {
	if p.bad == nil {
		p.bad = map[int]bool{}
	}
	p.bad[i] = true
}

func (p *paramParser) fromMapping(m *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		idx := i / 2
		k, v := resolveAlias(m.Content[i]), resolveAlias(m.Content[i+1])
		key, ok := scalarText(k)
		if !ok {
			p.params = append(p.params, Param{Type: ParamText})
			p.markBad(idx)
			p.fail(idx, "", "key must be a name, got %s", describe(k))
			continue
		}
		value, ok := scalarText(v)
		if !ok {
			p.markBad(idx)
			p.fail(idx, key, "value must be a single value, got %s (nested values are not supported)", describe(v))
		}
		p.params = append(p.params, Param{Key: key, Value: value, Type: ParamText})
	}
}

func (p *paramParser) fromSequence(s *yaml.Node) {
	for idx, item := range s.Content {
		item = resolveAlias(item)
		param := Param{Type: ParamText}
		if item.Kind != yaml.MappingNode {
			p.params = append(p.params, param)
			p.markBad(idx)
			p.fail(idx, "", "must be a mapping with key, value and type, got %s", describe(item))
			continue
		}
		var problems []string
		seen := map[string]bool{}
		keyInvalid := false
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := resolveAlias(item.Content[i]), resolveAlias(item.Content[i+1])
			field, ok := scalarText(k)
			if !ok || (field != "key" && field != "value" && field != "type") {
				name := "a " + describe(k)
				if ok {
					name = quote(field)
				}
				problems = append(problems, fmt.Sprintf("unknown field %s (use key, value, type)", name))
				continue
			}
			if seen[field] {
				problems = append(problems, fmt.Sprintf("field %s given twice", field))
				continue
			}
			seen[field] = true
			text, ok := scalarText(v)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s must be a single value, got %s", field, describe(v)))
				keyInvalid = keyInvalid || field == "key"
				continue
			}
			switch field {
			case "key":
				param.Key = text
			case "value":
				param.Value = text
			case "type":
				if text != "" {
					param.Type = strings.ToLower(strings.TrimSpace(text))
				}
			}
		}
		if param.Key == "" && !keyInvalid {
			problems = append(problems, "key is required")
		}
		p.params = append(p.params, param)
		for _, msg := range problems {
			p.markBad(idx)
			p.fail(idx, param.Key, "%s", msg)
		}
	}
}

// validate applies the service's rules (huawei-api.md §1) to every entry.
func (p *paramParser) validate() {
	first := map[string]int{}
	for i, param := range p.params {
		known := false
		for _, t := range paramTypes {
			known = known || param.Type == t
		}
		if param.Type == ParamEncrypt || !known {
			p.hidden = append(p.hidden, param.Value)
		}
		if p.bad[i] && param.Key == "" {
			continue
		}
		if !paramKeyRE.MatchString(param.Key) {
			p.fail(i, param.Key, "key %s must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '-'", quote(param.Key))
		}
		if j, dup := first[param.Key]; dup {
			p.fail(i, param.Key, "duplicate key, first given at %s[%d]", p.input, j)
		} else {
			first[param.Key] = i
		}
		if !known {
			p.fail(i, param.Key, "type %s is not one of %s", quote(param.Type), strings.Join(paramTypes, ", "))
		}
		if n := utf8.RuneCountInString(param.Value); n > MaxParamValueLen {
			p.fail(i, param.Key, "value is %d characters long, the limit is %d", n, MaxParamValueLen)
		}
		for _, mark := range templateMarks {
			if strings.Contains(param.Value, mark) {
				p.fail(i, param.Key, "value must not contain %q", mark)
			}
		}
	}
}

// minScrubLen is the shortest secret scrubbed from error texts. Shorter
// ones protect nothing and would match message words and indexes
// ("params[***]").
const minScrubLen = 4

// scrubbed joins the errors after replacing hidden values by ***. No message
// is built from a value; this catches a value that equals a key, a type or
// a word of a message (a secret pasted as a key), so that no secret can be
// read off an error.
func (p *paramParser) scrubbed() error {
	// Structure is checked before the rules; report in entry order.
	slices.SortStableFunc(p.errs, func(a, b entryError) int { return cmp.Compare(a.i, b.i) })
	r := newScrubber(p.hidden, minScrubLen)
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		ie := e.err
		if r != nil {
			ie = &InputError{Input: r.Replace(ie.Input), Entry: r.Replace(ie.Entry), Msg: r.Replace(ie.Msg)}
		}
		errs[i] = ie
	}
	return errors.Join(errs...)
}

// ParseValues parses a YAML or JSON mapping input (output_values,
// input_values) keeping its types, converted to what encoding/json produces
// and accepts: map[string]any, []any, int64, float64, bool, string, nil.
// Integers beyond int64 become float64; .inf and .nan, which JSON cannot
// carry, and timestamps stay strings as written. "" gives nil. Errors name
// input.
func ParseValues(input, s string) (map[string]any, error) {
	root, err := parseDocument(input, s)
	if err != nil || root == nil {
		return nil, err
	}
	if root.Kind != yaml.MappingNode {
		return nil, &InputError{Input: input, Msg: "must be a mapping of names to values, got " + describe(root)}
	}
	c := &converter{input: input, active: map[*yaml.Node]bool{}}
	v := c.convert(root, "", false)
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// maxAliasExpansion bounds the nodes reached through aliases, so a small
// document of nested aliases ("billion laughs") cannot exhaust memory.
const maxAliasExpansion = 100_000

// maxValuesBytes bounds the text of all scalars together, counted after
// alias expansion: a few aliases to a long string must not grow into
// gigabytes, and RTS refuses bodies over 1 MiB anyway.
const maxValuesBytes = 1 << 20

type converter struct {
	input    string
	errs     []error
	expanded int
	bytes    int
	// active holds the anchored nodes being converted, to catch an anchor
	// that contains an alias to itself (the parser allows it).
	active map[*yaml.Node]bool
}

func (c *converter) fail(path, format string, a ...any) {
	c.errs = append(c.errs, &InputError{Input: c.input, Entry: path, Msg: fmt.Sprintf(format, a...)})
}

func (c *converter) convert(n *yaml.Node, path string, viaAlias bool) any {
	if len(c.errs) > 0 {
		return nil
	}
	if viaAlias {
		c.expanded++
		if c.expanded > maxAliasExpansion {
			c.fail(path, "aliases expand to more than %d values", maxAliasExpansion)
			return nil
		}
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil || c.active[n.Alias] {
			c.fail(path, "alias refers to itself")
			return nil
		}
		return c.convert(n.Alias, path, true)
	}
	if n.Anchor != "" {
		if c.active[n] {
			c.fail(path, "alias refers to itself")
			return nil
		}
		c.active[n] = true
		defer delete(c.active, n)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return c.convert(n.Content[0], path, viaAlias)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			out = append(out, c.convert(item, fmt.Sprintf("%s[%d]", path, i), viaAlias))
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := resolveAlias(n.Content[i])
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				c.fail(path, "YAML merge keys (<<) are not supported")
				return nil
			}
			key, ok := scalarText(k)
			if !ok || k.ShortTag() == "!!null" {
				c.fail(path, "keys must be names, got %s", describe(k))
				return nil
			}
			if _, dup := out[key]; dup {
				c.fail(path, "duplicate key %s", quote(key))
				return nil
			}
			out[key] = c.convert(n.Content[i+1], path+"."+key, viaAlias)
		}
		return out
	case yaml.ScalarNode:
		c.bytes += len(n.Value)
		if c.bytes > maxValuesBytes {
			c.fail(path, "values add up to more than %d bytes", maxValuesBytes)
			return nil
		}
		return scalarValue(n)
	}
	c.fail(path, "unsupported YAML node")
	return nil
}

// scalarValue converts a scalar by its resolved tag. A failed conversion (an
// explicit !!int on text, an int beyond int64) keeps the written text: the
// value is still passed on, just not as a number.
func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			return i
		}
		// Beyond int64: a float, as YAML itself resolves larger integers.
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value
}

// parseDocument parses one YAML document and returns its root node, or nil
// when the document is empty, only comments, or null.
func parseDocument(input, s string) (root *yaml.Node, err error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	// The YAML library is fed untrusted text; a panic in it must become an
	// error, not a crashed job without outputs.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, &InputError{Input: input, Msg: "could not be parsed as YAML or JSON"}
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(s))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, &InputError{Input: input, Msg: "not valid YAML or JSON: " + yamlReason(err)}
	}
	// A trailing "---" (an empty document) is harmless; more data is not.
	for {
		var extra yaml.Node
		err := dec.Decode(&extra)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || !isEmptyDocument(&extra) {
			return nil, &InputError{Input: input, Msg: "must be a single YAML document (remove the --- separators)"}
		}
	}
	root = resolveAlias(&doc)
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, nil
		}
		root = resolveAlias(root.Content[0])
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, nil
	}
	return root, nil
}

func isEmptyDocument(doc *yaml.Node) bool {
	for _, n := range doc.Content {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!null" {
			return false
		}
	}
	return true
}

// yamlReason keeps the YAML library's description of a syntax error (a line
// number and a fixed phrase) without its "yaml: " prefix.
func yamlReason(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// resolveAlias follows an alias to its anchor; params and keys are flat, so
// no expansion limit is needed there.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// scalarText returns a scalar's text exactly as written (1.10 stays 1.10),
// with null as "". It fails for mappings and sequences.
func scalarText(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	if n.ShortTag() == "!!null" {
		return "", true
	}
	return n.Value, true
}

// describe names the kind of a node for messages, without its content.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a string"
	}
	return "an empty document"
}
