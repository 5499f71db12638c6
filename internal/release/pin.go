package main

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// imageLine is the runs section's image key: its indentation, the key, the
// value and an optional comment.
var imageLine = regexp.MustCompile(`^([ ]+)image:([ \t]+)([^#\s]+)([ \t]*(#.*)?)$`)

// PinImage returns action.yml with its runs.image set to docker://ref,
// byte for byte the same otherwise (comments, order, line endings). It
// refuses a file whose runs.image is not Dockerfile (a release commit is
// made from a source tree), and checks the result: the same YAML with only
// runs.image changed.
func PinImage(actionYML []byte, ref string) ([]byte, error) {
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	lines := bytes.SplitAfter(actionYML, []byte("\n"))
	i, err := runsImageLine(lines)
	if err != nil {
		return nil, err
	}
	pinned, err := pinLine(lines[i], i, ref)
	if err != nil {
		return nil, err
	}
	out := replaceLine(lines, i, pinned, len(actionYML)+len(ref)+16)
	if err := sameButImage(actionYML, out, "docker://"+ref); err != nil {
		return nil, fmt.Errorf("the rewrite would change more than runs.image: %w", err)
	}
	return out, nil
}

// checkRef refuses an image reference that would not stay one plain
// YAML scalar on the image line: a space, a quote or a # would change
// what the line means.
func checkRef(ref string) error {
	if strings.ContainsAny(ref, " \t\r\n#'\"") {
		return fmt.Errorf("image reference %q contains a space, a quote or a #", ref)
	}
	return nil
}

// pinLine rewrites line, the runs.image line numbered i from 0, to run
// docker://ref, keeping its indentation, spacing, comment and line end. It
// refuses a line whose value is not Dockerfile.
func pinLine(line []byte, i int, ref string) ([]byte, error) {
	body := bytes.TrimRight(line, "\r\n")
	eol := line[len(body):]
	m := imageLine.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("line %d: %q is not `image: VALUE`", i+1, body)
	}
	if string(m[3]) != "Dockerfile" {
		return nil, fmt.Errorf("line %d: runs.image is %q, want Dockerfile: pin the action.yml of a source tree, not of a release", i+1, m[3])
	}
	return slices.Concat(m[1], []byte("image:"), m[2], []byte("docker://"+ref), m[4], eol), nil
}

// replaceLine joins lines with the one numbered i replaced by line, into a
// buffer of capacity size.
func replaceLine(lines [][]byte, i int, line []byte, size int) []byte {
	out := make([]byte, 0, size)
	for j, l := range lines {
		if j == i {
			out = append(out, line...)
		} else {
			out = append(out, l...)
		}
	}
	return out
}

// runsImageLine finds the one `image:` line directly under the top-level
// `runs:` key.
func runsImageLine(lines [][]byte) (int, error) {
	var scan runsScanner
	found := -1
	for i, raw := range lines {
		if !scan.isRunsImage(raw) {
			continue
		}
		if found >= 0 {
			return 0, fmt.Errorf("lines %d and %d: runs has two image keys", found+1, i+1)
		}
		found = i
	}
	if found < 0 {
		return 0, errors.New("no image key directly under runs")
	}
	return found, nil
}

// runsScanner follows action.yml line by line, to tell the keys directly
// under the top-level runs key.
type runsScanner struct {
	inRuns bool
	indent string // the runs mapping's own indentation, once seen
}

// isRunsImage reads the next line, raw, and reports whether it is an
// `image:` key directly under runs. Blank lines and comments change
// nothing.
func (s *runsScanner) isRunsImage(raw []byte) bool {
	lead, content, ok := splitIndent(raw)
	if !ok {
		return false
	}
	if lead == "" { // a top-level key
		s.inRuns = strings.HasPrefix(content, "runs:")
		s.indent = ""
		return false
	}
	if !s.inRuns {
		return false
	}
	if s.indent == "" {
		s.indent = lead
	}
	return lead == s.indent && strings.HasPrefix(content, "image:")
}

// splitIndent splits raw, a line, into its leading spaces and the rest
// without the line end; ok is false for a blank line or a comment, which
// carry no key.
func splitIndent(raw []byte) (lead, content string, ok bool) {
	line := strings.TrimRight(string(raw), "\r\n")
	content = strings.TrimLeft(line, " ")
	if content == "" || strings.HasPrefix(content, "#") {
		return "", "", false
	}
	return line[:len(line)-len(content)], content, true
}

// sameButImage checks that before and after are the same YAML document but
// for runs.image, which after sets to image.
func sameButImage(before, after []byte, image string) error {
	b, a, err := decodeBoth(before, after)
	if err != nil {
		return err
	}
	runs, ok := a["runs"].(map[string]any)
	if !ok || runs["image"] != image {
		return fmt.Errorf("runs.image reads %v, want %s", runs["image"], image)
	}
	bRuns, ok := b["runs"].(map[string]any)
	if !ok {
		return errors.New("before: runs is not a mapping")
	}
	bRuns["image"] = image
	if !reflect.DeepEqual(a, b) {
		return errors.New("other keys differ")
	}
	return nil
}

// decodeBoth decodes the YAML documents before and after.
func decodeBoth(before, after []byte) (b, a map[string]any, err error) {
	if err := yaml.Unmarshal(before, &b); err != nil {
		return nil, nil, fmt.Errorf("before: %w", err)
	}
	if err := yaml.Unmarshal(after, &a); err != nil {
		return nil, nil, fmt.Errorf("after: %w", err)
	}
	return b, a, nil
}
