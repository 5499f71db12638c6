package main

import (
	"fmt"
	"regexp"
	"strings"
)

// headingPattern matches a changelog section's heading, "## v1.2.3",
// "## [v1.2.3]" or either followed by " - DATE", and captures the version.
var headingPattern = regexp.MustCompile(`^## \[?([^\]\s]+)\]?(\s.*)?$`)

// Notes returns the changelog's section for version: the lines between its
// "## vX.Y.Z" heading and the next "## " heading, trimmed. A release needs
// exactly one such section, and it must not be empty.
func Notes(changelog []byte, version string) (string, error) {
	lines := strings.Split(strings.ReplaceAll(string(changelog), "\r\n", "\n"), "\n")
	start, end, err := section(lines, version)
	if err != nil {
		return "", err
	}
	notes := strings.TrimSpace(strings.Join(lines[start:end], "\n"))
	if notes == "" {
		return "", fmt.Errorf("the section for %s is empty", version)
	}
	return notes + "\n", nil
}

// section finds the lines of version's one section: from the line after
// its heading up to the next "## " heading or the end.
func section(lines []string, version string) (start, end int, err error) {
	start, end = -1, len(lines)
	for i, line := range lines {
		if !strings.HasPrefix(line, "## ") {
			continue
		}
		if start >= 0 && end == len(lines) {
			end = i
		}
		if v, ok := headingVersion(line); ok && v == version {
			if start >= 0 {
				return 0, 0, fmt.Errorf("two sections for %s (lines %d and %d)", version, start, i+1)
			}
			start = i + 1
		}
	}
	if start < 0 {
		return 0, 0, fmt.Errorf("no section for %s: add a heading `## %s - YYYY-MM-DD` with the release's changes", version, version)
	}
	return start, end, nil
}

// headingVersion returns the version a "## " heading names; ok is false
// when the line is not a version's heading.
func headingVersion(line string) (version string, ok bool) {
	if m := headingPattern.FindStringSubmatch(line); m != nil {
		return m[1], true
	}
	return "", false
}
