package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPinLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, line, want, wantErr string
	}{
		{"plain", "  image: Dockerfile\n", "  image: docker://r:v1\n", ""},
		{"spacing, comment and CRLF kept", "    image:\tDockerfile  # here\r\n", "    image:\tdocker://r:v1  # here\r\n", ""},
		{"no line end", "  image: Dockerfile", "  image: docker://r:v1", ""},
		{"already pinned", "  image: docker://x\n", "", `line 4: runs.image is "docker://x", want Dockerfile`},
		{"not key: value", "  image:\n", "", "line 4: \"  image:\" is not `image: VALUE`"},
	}
	for _, tt := range tests {
		got, err := pinLine([]byte(tt.line), 3, "r:v1")
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, tt.name)
			continue
		}
		assert.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, string(got), tt.name)
	}
}

func TestReplaceLine(t *testing.T) {
	t.Parallel()
	lines := [][]byte{[]byte("a\n"), []byte("b\n"), []byte("c")}
	tests := []struct {
		i    int
		want string
	}{
		{0, "X\nb\nc"}, {1, "a\nX\nc"}, {2, "a\nb\nX\n"}, {3, "a\nb\nc"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(replaceLine(lines, tt.i, []byte("X\n"), 0)), "line %d", tt.i)
	}
}

func TestRunsScanner(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		lines []string
		want  []bool
	}{
		{"under runs", []string{"runs:", "  using: docker", "  image: Dockerfile"}, []bool{false, false, true}},
		{"an input called image", []string{"inputs:", "  image:", "runs:", "  image: x"}, []bool{false, false, false, true}},
		{"deeper is not directly under runs", []string{"runs:", "  env:", "    image: x"}, []bool{false, false, false}},
		{"comments and blanks change nothing", []string{"runs:", "", "# c", "  image: x"}, []bool{false, false, false, true}},
		{"after runs", []string{"runs:", "  using: docker", "branding:", "  image: x"}, []bool{false, false, false, false}},
	}
	for _, tt := range tests {
		var s runsScanner
		var got []bool
		for _, l := range tt.lines {
			got = append(got, s.isRunsImage([]byte(l+"\n")))
		}
		assert.Equal(t, tt.want, got, tt.name)
	}
}

func TestSection(t *testing.T) {
	t.Parallel()
	lines := []string{"# Changelog", "## v1.1.0 - 2025-01-02", "new", "## [v1.0.0]", "old", ""}
	tests := []struct {
		version            string
		wantStart, wantEnd int
		wantErr            string
	}{
		{"v1.1.0", 2, 3, ""},
		{"v1.0.0", 4, 6, ""},
		{"v0.9.0", 0, 0, "no section for v0.9.0"},
	}
	for _, tt := range tests {
		start, end, err := section(lines, tt.version)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, tt.version)
			continue
		}
		assert.NoError(t, err, tt.version)
		assert.Equal(t, [2]int{tt.wantStart, tt.wantEnd}, [2]int{start, end}, tt.version)
	}
}

func TestCommandArgs(t *testing.T) {
	t.Parallel()
	file, version, err := notesArgs([]string{"-version", "v1.2.3"})
	assert.NoError(t, err)
	assert.Equal(t, [2]string{"CHANGELOG.md", "v1.2.3"}, [2]string{file, version})
	_, _, err = notesArgs([]string{"-version", "1.2.3"})
	assert.ErrorContains(t, err, `version "1.2.3" is not a release tag`)

	file, ref, err := pinArgs([]string{"-image", repoRef, "-version", "v1.2.3", "-digest", digest, "a.yml"})
	assert.NoError(t, err)
	assert.Equal(t, [2]string{"a.yml", repoRef + ":v1.2.3@" + digest}, [2]string{file, ref})
	_, _, err = pinArgs([]string{"-image", repoRef, "a.yml", "b.yml"})
	assert.ErrorContains(t, err, "want at most one file")
}

func TestSplitIndent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line, wantLead, wantContent string
		wantOK                      bool
	}{
		{"runs:\n", "", "runs:", true},
		{"  image: x\r\n", "  ", "image: x", true},
		{"    using: docker", "    ", "using: docker", true},
		{"\n", "", "", false},
		{"   \r\n", "", "", false},
		{"  # a comment\n", "", "", false},
		{"\timage: x\n", "", "\timage: x", true}, // only spaces indent YAML
	}
	for _, tt := range tests {
		lead, content, ok := splitIndent([]byte(tt.line))
		assert.Equal(t, tt.wantOK, ok, "%q", tt.line)
		assert.Equal(t, [2]string{tt.wantLead, tt.wantContent}, [2]string{lead, content}, "%q", tt.line)
	}
}

func TestHeadingVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line, want string
		wantOK     bool
	}{
		{"## v1.2.3", "v1.2.3", true},
		{"## [v1.2.3] - 2025-01-02", "v1.2.3", true},
		{"## v1.2.3 - 2025-01-02", "v1.2.3", true},
		{"## ", "", false},
		{"### v1.2.3", "", false},
		{"# v1.2.3", "", false},
	}
	for _, tt := range tests {
		got, ok := headingVersion(tt.line)
		assert.Equal(t, tt.wantOK, ok, tt.line)
		assert.Equal(t, tt.want, got, tt.line)
	}
}

func TestParseArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args          []string
		want, wantErr string
	}{
		{nil, "def.md", ""},
		{[]string{"-x", "1"}, "def.md", ""},
		{[]string{"-x", "1", "a.md"}, "a.md", ""},
		{[]string{"a.md", "b.md"}, "", "want at most one file"},
		{[]string{"-y"}, "", "flag provided but not defined: -y"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.String("x", "", "")
		got, err := parseArgs(fs, tt.args, "def.md")
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, "%q", tt.args)
			continue
		}
		assert.NoError(t, err, "%q", tt.args)
		assert.Equal(t, tt.want, got, "%q", tt.args)
	}
}

func TestCheckRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ref    string
		wantOK bool
	}{
		{repoRef + ":v1.2.3@" + digest, true},
		{"localhost:5000/a:v1", true},
		{"a b", false},
		{"a\tb", false},
		{"a\nb", false},
		{"a#b", false},
		{`a"b`, false},
		{"a'b", false},
	}
	for _, tt := range tests {
		err := checkRef(tt.ref)
		if tt.wantOK {
			assert.NoError(t, err, "%q", tt.ref)
		} else {
			assert.ErrorContains(t, err, "contains a space, a quote or a #", "%q", tt.ref)
		}
	}
}

func TestReadNotes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "CHANGELOG.md")
	require.NoError(t, os.WriteFile(file, []byte("# Changelog\n## v1.0.0\nfirst\n"), 0o600))
	tests := []struct {
		file, version, want, wantErr string
	}{
		{file, "v1.0.0", "first\n", ""},
		{file, "v2.0.0", "", file + ": no section for v2.0.0"},
		{filepath.Join(dir, "missing.md"), "v1.0.0", "", "missing.md"},
	}
	for _, tt := range tests {
		got, err := readNotes(tt.file, tt.version)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, tt.version)
			continue
		}
		assert.NoError(t, err, tt.version)
		assert.Equal(t, tt.want, got, tt.version)
	}
}
