package action

import (
	"cmp"
	"errors"
	"fmt"
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
	if err := p.read(root); err != nil {
		return nil, err
	}
	return p.result()
}

// read reads the entries of root, a mapping or a list; anything else is
// an error of the whole input.
func (p *paramParser) read(root *yaml.Node) error {
	switch root.Kind {
	case yaml.MappingNode:
		p.fromMapping(root)
	case yaml.SequenceNode:
		p.fromSequence(root)
	default:
		return &InputError{Input: p.input,
			Msg: "must be a mapping (key: value) or a list of {key, value, type}, got " + describe(root)}
	}
	return nil
}

// result validates the entries read and returns them (nil for none), or
// every problem found.
func (p *paramParser) result() ([]Param, error) {
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

// fromSequence reads a list of {key, value, type} entries.
func (p *paramParser) fromSequence(s *yaml.Node) {
	for idx, item := range s.Content {
		item = resolveAlias(item)
		if item.Kind != yaml.MappingNode {
			p.params = append(p.params, Param{Type: ParamText})
			p.markBad(idx)
			p.fail(idx, "", "must be a mapping with key, value and type, got %s", describe(item))
			continue
		}
		param, problems := paramFields(item)
		p.params = append(p.params, param)
		for _, msg := range problems {
			p.markBad(idx)
			p.fail(idx, param.Key, "%s", msg)
		}
	}
}

// paramFields reads the fields of one list entry, a mapping, and says
// what is wrong with its structure; the service's rules come later
// (validate). The type is lower-cased; an empty one is text.
func paramFields(item *yaml.Node) (param Param, problems []string) {
	param.Type = ParamText
	seen := map[string]bool{}
	keyInvalid := false
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := resolveAlias(item.Content[i]), resolveAlias(item.Content[i+1])
		field, problem := paramField(k, seen)
		if problem != "" {
			problems = append(problems, problem)
			continue
		}
		text, ok := scalarText(v)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s must be a single value, got %s", field, describe(v)))
			keyInvalid = keyInvalid || field == "key"
			continue
		}
		param.set(field, text)
	}
	if param.Key == "" && !keyInvalid {
		problems = append(problems, "key is required")
	}
	return param, problems
}

// paramField names the field k stands for, or the problem with it: not
// one of key, value, type, or one already in seen. It adds it to seen.
func paramField(k *yaml.Node, seen map[string]bool) (field, problem string) {
	field, ok := scalarText(k)
	if !ok || (field != "key" && field != "value" && field != "type") {
		name := describe(k)
		if ok {
			name = quote(field)
		}
		return "", fmt.Sprintf("unknown field %s (use key, value, type)", name)
	}
	if seen[field] {
		return "", fmt.Sprintf("field %s given twice", field)
	}
	seen[field] = true
	return field, ""
}

// set sets one field of a list entry; an empty type leaves text.
func (p *Param) set(field, text string) {
	switch field {
	case "key":
		p.Key = text
	case "value":
		p.Value = text
	case "type":
		if text != "" {
			p.Type = strings.ToLower(strings.TrimSpace(text))
		}
	}
}

// validate applies the service's rules (huawei-api.md §1) to every entry.
func (p *paramParser) validate() {
	first := map[string]int{}
	for i, param := range p.params {
		known := slices.Contains(paramTypes, param.Type)
		if param.Type == ParamEncrypt || !known {
			p.hidden = append(p.hidden, param.Value)
		}
		if p.bad[i] && param.Key == "" {
			continue
		}
		p.validateKey(i, param.Key, first)
		if !known {
			p.fail(i, param.Key, "type %s is not one of %s", quote(param.Type), strings.Join(paramTypes, ", "))
		}
		p.validateValue(i, param)
	}
}

// validateKey checks the key of entry i, and that no earlier entry has
// it; first maps each key seen to its first entry.
func (p *paramParser) validateKey(i int, key string, first map[string]int) {
	if !paramKeyRE.MatchString(key) {
		p.fail(i, key, "key %s must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '-'", quote(key))
	}
	if j, dup := first[key]; dup {
		p.fail(i, key, "duplicate key, first given at %s[%d]", p.input, j)
	} else {
		first[key] = i
	}
}

// validateValue checks the value of entry i without ever showing it.
func (p *paramParser) validateValue(i int, param Param) {
	if n := utf8.RuneCountInString(param.Value); n > MaxParamValueLen {
		p.fail(i, param.Key, "value is %d characters long, the limit is %d", n, MaxParamValueLen)
	}
	for _, mark := range templateMarks {
		if strings.Contains(param.Value, mark) {
			p.fail(i, param.Key, "value must not contain %q", mark)
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
