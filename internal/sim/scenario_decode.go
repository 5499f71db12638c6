package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A scenario is decoded in two passes over its YAML node tree. The first
// (scenarioReader) walks the tree along the scenario's Go types: it
// reports unknown fields, which yaml's KnownFields cannot do for a node
// tree, and reads durations and percentages itself, so that a bad one is
// reported with its field path (`tasks[0].duration: "soon" is not a
// duration`) rather than as a YAML type error, and so that every such
// problem is reported together with the validation's. The second pass is
// yaml's own decoder, which reads the rewritten tree into the Scenario.

// decodeScenario decodes data into sc. err is a YAML problem (syntax,
// unknown field, wrong type) that leaves sc unusable; badValues joins the
// durations and percentages that could not be read, left 0 in sc.
func decodeScenario(data []byte, sc *Scenario) (badValues, err error) {
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file is the empty scenario
		}
		return nil, friendlyYAMLError(err)
	}
	r := scenarioReader{walked: map[walked]bool{}}
	for i := range root.Content {
		r.read(&root.Content[i], reflect.TypeFor[Scenario](), "")
	}
	unknown := r.unknown
	var typeErr *yaml.TypeError
	if err := root.Decode(sc); errors.As(err, &typeErr) {
		unknown = append(unknown, typeErr.Errors...)
	} else if err != nil {
		return nil, friendlyYAMLError(err)
	}
	if len(unknown) > 0 {
		return nil, friendlyYAMLError(&yaml.TypeError{Errors: unknown})
	}
	return errors.Join(r.bad...), nil
}

// scenarioReader is the first pass of decodeScenario.
type scenarioReader struct {
	unknown []string        // "line 3: unknown field fail_at in a task (valid: ...)"
	bad     []error         // durations and percentages that could not be read
	walked  map[walked]bool // the mappings and sequences read so far
}

// walked is a mapping or sequence read as type t. An alias makes the
// decoder read its anchor's node again, which must not be read (and
// rewritten) twice.
type walked struct {
	n *yaml.Node
	t reflect.Type
}

var durationType = reflect.TypeFor[time.Duration]()

// read reads *slot, the YAML of a value of type t at path, rewriting the
// durations in it into text the decoder reads.
func (r *scenarioReader) read(slot **yaml.Node, t reflect.Type, path string) {
	switch {
	case t == durationType:
		r.scalar(slot, path, "!!str", readDuration)
	case t.Kind() == reflect.Pointer:
		r.read(slot, t.Elem(), path)
	case t.Kind() == reflect.Slice:
		if n := r.structure(*slot, t, yaml.SequenceNode); n != nil {
			for i := range n.Content {
				r.read(&n.Content[i], t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	case t.Kind() == reflect.Struct:
		r.mapping(*slot, t, path)
	}
}

// structure returns the node of kind that n is or is an alias of, or nil
// when it is of another kind (the decoder reports that) or has been read
// as t before.
func (r *scenarioReader) structure(n *yaml.Node, t reflect.Type, kind yaml.Kind) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != kind || r.walked[walked{n, t}] {
		return nil
	}
	r.walked[walked{n, t}] = true
	return n
}

// mapping reads a mapping that is a struct t: every key must name one of
// its fields (by yaml tag); a merge key (<<) brings in more of them.
func (r *scenarioReader) mapping(n *yaml.Node, t reflect.Type, path string) {
	if n = r.structure(n, t, yaml.MappingNode); n == nil {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, slot := n.Content[i], &n.Content[i+1]
		if key.Kind == yaml.AliasNode && key.Alias != nil {
			key = key.Alias
		}
		switch {
		case key.Kind != yaml.ScalarNode || key.ShortTag() == "!!null":
			// The decoder reports a key that is not a name, and skips
			// a null one.
		case key.ShortTag() == "!!merge":
			r.merge(*slot, t, path)
		default:
			r.field(key, slot, t, path)
		}
	}
}

// merge reads the value of a merge key: a mapping, or a list of them.
func (r *scenarioReader) merge(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.SequenceNode {
		r.mapping(n, t, path)
		return
	}
	for _, m := range n.Content {
		r.mapping(m, t, path)
	}
}

// field reads the value *slot of key in a mapping that is a struct t.
func (r *scenarioReader) field(key *yaml.Node, slot **yaml.Node, t reflect.Type, path string) {
	f, ok := fieldByYAMLName(t, key.Value)
	if !ok {
		r.unknown = append(r.unknown, fmt.Sprintf("line %d: unknown field %s %s (valid: %s)",
			key.Line, key.Value, scenarioSections[t], strings.Join(yamlNames(t), ", ")))
		return
	}
	p := joinPath(path, key.Value)
	if f.Tag.Get("scenario") == "percent" {
		r.scalar(slot, p, "!!float", readPercent)
		return
	}
	r.read(slot, f.Type, p)
}

// scalar replaces the scalar *slot (or the one it is an alias of) by a
// new node of tag whose text is what parse makes of it, so the anchor of
// an alias keeps its own text. A value parse rejects is reported and
// becomes null, that is 0. A null stays null, and the decoder reports a
// value that is not a scalar.
func (r *scenarioReader) scalar(slot **yaml.Node, path, tag string, parse func(string) (string, error)) {
	n := *slot
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return
	}
	text, err := parse(n.Value)
	if err != nil {
		r.bad = append(r.bad, fmt.Errorf("%s: %w", path, err))
		tag, text = "!!null", ""
	}
	*slot = &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: text, Line: n.Line, Column: n.Column}
}

// readDuration reads a Go duration ("750ms", "1m30s"; "" is 0) and
// returns it in the form the YAML decoder reads.
func readDuration(s string) (string, error) {
	if s == "" {
		return "0s", nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a duration (write it like 750ms, 2s or 1m30s)", s)
	}
	return d.String(), nil
}

// readPercent reads a percentage such as "30%" and returns it as the
// fraction (0.3) the decoder reads; "" is 0.
func readPercent(s string) (string, error) {
	if s == "" {
		return "0", nil
	}
	num, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("%q is not a percentage (write it like 30%%)", s)
	}
	return strconv.FormatFloat(f/100, 'g', -1, 64), nil
}

// fieldByYAMLName returns the field of struct t whose yaml tag is name.
func fieldByYAMLName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); f.Tag.Get("yaml") == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// yamlNames lists the field names of struct t, in order.
func yamlNames(t reflect.Type) []string {
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		names = append(names, t.Field(i).Tag.Get("yaml"))
	}
	return names
}

// scenarioSections says where in a scenario a struct's fields are, for
// the unknown-field error.
var scenarioSections = map[reflect.Type]string{
	reflect.TypeFor[Scenario]():                   "at the top level",
	reflect.TypeFor[ScenarioTask]():               "in a task",
	reflect.TypeFor[RefuseStart]():                "in refuse_start, refuse_history or execute_refuse",
	reflect.TypeFor[ExecuteRefuse]():              "in refuse_start, refuse_history or execute_refuse",
	reflect.TypeFor[Overrun]():                    "in overrun",
	reflect.TypeFor[ScenarioReleasePlan]():        "in a release plan",
	reflect.TypeFor[ScenarioPlanComponent]():      "in a release plan component",
	reflect.TypeFor[ScenarioSoftwareDeployment](): "in a software deployment",
	reflect.TypeFor[Fault]():                      "in a fault",
	reflect.TypeFor[ScenarioHealth]():             "in a health endpoint",
}

// yamlTypeWords replaces the Go type names in yaml's type errors with
// words a scenario author understands (longer names first: the first
// that matches wins).
var yamlTypeWords = strings.NewReplacer(
	"[]sim.ScenarioTask", "a list of tasks",
	"[]sim.ScenarioReleasePlan", "a list of release plans",
	"[]sim.ScenarioPlanComponent", "a list of components",
	"[]sim.ScenarioSoftwareDeployment", "a list of software deployments",
	"[]sim.ScenarioHealth", "a list of health endpoints",
	"[]sim.Fault", "a list of faults",
	"[]time.Duration", "a list of durations",
	"[]string", "a list of names",
	"time.Duration", "a duration",
	"sim.ScenarioTask", "Task",
	"sim.ScenarioReleasePlan", "ReleasePlan",
	"sim.ScenarioPlanComponent", "Component",
	"sim.ScenarioSoftwareDeployment", "SoftwareDeployment",
	"sim.ScenarioHealth", "Health",
	"sim.", "",
)

// friendlyYAMLError rewrites the Go type names in a YAML error.
func friendlyYAMLError(err error) error {
	return errors.New(yamlTypeWords.Replace(err.Error()))
}
