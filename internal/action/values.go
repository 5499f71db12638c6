package action

import (
	"errors"
	"fmt"
	"math"

	"go.yaml.in/yaml/v3"
)

// This file reads the signal operation's value documents (output_values,
// input_values), keeping their types.

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

// convert turns n into a JSON-ready value, following aliases within the
// bounds above; path locates n in messages. After the first problem it
// only returns nil.
func (c *converter) convert(n *yaml.Node, path string, viaAlias bool) any {
	if len(c.errs) > 0 {
		return nil
	}
	if viaAlias && !c.countExpansion(path) {
		return nil
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
	return c.convertNode(n, path, viaAlias)
}

// countExpansion counts a node reached through an alias and fails once
// there are too many.
func (c *converter) countExpansion(path string) bool {
	c.expanded++
	if c.expanded > maxAliasExpansion {
		c.fail(path, "aliases expand to more than %d values", maxAliasExpansion)
		return false
	}
	return true
}

// convertNode converts a node that is not an alias, by its kind.
func (c *converter) convertNode(n *yaml.Node, path string, viaAlias bool) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return c.convert(n.Content[0], path, viaAlias)
	case yaml.SequenceNode:
		return c.convertSequence(n, path, viaAlias)
	case yaml.MappingNode:
		return c.convertMapping(n, path, viaAlias)
	case yaml.ScalarNode:
		return c.convertScalar(n, path)
	}
	c.fail(path, "unsupported YAML node")
	return nil
}

// convertScalar converts a scalar, counting its bytes against
// maxValuesBytes: aliases can repeat a long one many times.
func (c *converter) convertScalar(n *yaml.Node, path string) any {
	c.bytes += len(n.Value)
	if c.bytes > maxValuesBytes {
		c.fail(path, "values add up to more than %d bytes", maxValuesBytes)
		return nil
	}
	return scalarValue(n)
}

func (c *converter) convertSequence(n *yaml.Node, path string, viaAlias bool) []any {
	out := make([]any, 0, len(n.Content))
	for i, item := range n.Content {
		out = append(out, c.convert(item, fmt.Sprintf("%s[%d]", path, i), viaAlias))
	}
	return out
}

// convertMapping converts a mapping of names; merge keys, keys that are
// not names and duplicate keys are refused.
func (c *converter) convertMapping(n *yaml.Node, path string, viaAlias bool) any {
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, problem := mappingKey(resolveAlias(n.Content[i]))
		if problem != "" {
			c.fail(path, "%s", problem)
			return nil
		}
		if _, dup := out[key]; dup {
			c.fail(path, "duplicate key %s", quote(key))
			return nil
		}
		out[key] = c.convert(n.Content[i+1], path+"."+key, viaAlias)
	}
	return out
}

// mappingKey reads the key k of a mapping, or says why it is not a name:
// a merge key (<<), a null or a key that is not a scalar.
func mappingKey(k *yaml.Node) (key, problem string) {
	if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
		return "", "YAML merge keys (<<) are not supported"
	}
	key, ok := scalarText(k)
	if !ok || k.ShortTag() == "!!null" {
		return "", "keys must be names, got " + describe(k)
	}
	return key, ""
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
