package action

import (
	"errors"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file holds what params and the value documents share: parsing one
// untrusted YAML (or JSON) document and naming its nodes in messages.

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
	doc, err := decodeSingle(input, s)
	if err != nil || doc == nil {
		return nil, err
	}
	return documentRoot(doc), nil
}

// decodeSingle decodes the one document of s; nil when there is none.
func decodeSingle(input, s string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(strings.NewReader(s))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, &InputError{Input: input, Msg: "not valid YAML or JSON: " + yamlReason(err)}
	}
	if !onlyEmptyDocumentsLeft(dec) {
		return nil, &InputError{Input: input, Msg: "must be a single YAML document (remove the --- separators)"}
	}
	return &doc, nil
}

// onlyEmptyDocumentsLeft reads the rest of dec and reports whether it
// holds nothing but empty documents: a trailing "---" is harmless; more
// data, or data that does not parse, is not.
func onlyEmptyDocumentsLeft(dec *yaml.Decoder) bool {
	for {
		var extra yaml.Node
		err := dec.Decode(&extra)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil || !isEmptyDocument(&extra) {
			return false
		}
	}
}

// documentRoot returns the content of a document, or nil when it is
// empty or null.
func documentRoot(doc *yaml.Node) *yaml.Node {
	root := resolveAlias(doc)
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil
		}
		root = resolveAlias(root.Content[0])
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil
	}
	return root
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
