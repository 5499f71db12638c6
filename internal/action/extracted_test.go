package action

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.yaml.in/yaml/v3"
)

// Tests of the small pure steps the loaders and the log are built from.

func TestScrubOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secrets []string
		minLen  int
		want    []string
	}{
		{"none", nil, 1, nil},
		{"empty left out", []string{"", "ab"}, 0, []string{"ab"}},
		{"short left out", []string{"abc", "abcd"}, 4, []string{"abcd"}},
		{"each once", []string{"abcd", "abcd"}, 1, []string{"abcd"}},
		{"longest first", []string{"ab", "abcdef", "abcd"}, 1, []string{"abcdef", "abcd", "ab"}},
		{"same length in byte order", []string{"bb", "ab", "ba"}, 1, []string{"ab", "ba", "bb"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, scrubOrder(tt.secrets, tt.minLen), tt.name)
	}
}

func TestLogRemember(t *testing.T) {
	t.Parallel()
	l := NewLog(io.Discard, false)
	got, want := l.remember([]string{"s3cret", "", "s3cret"}), []string{"s3cret"}
	assert.Equal(t, want, got, "first time")
	got, want = l.remember([]string{"s3cret", "other"}), []string{"other"}
	assert.Equal(t, want, got, "known values are not new")
	assert.Empty(t, l.remember([]string{"s3cret", "other"}), "nothing new")
}

func TestLineEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		from int
		want int
	}{
		{"abc", 3, 3},
		{"abc\n", 3, 4},
		{"abc\r\n", 3, 5},
		{"abc\rdef", 3, 4},
		{"abc  \n\n", 3, 6},
		{"a\nb", 1, 2},
		{"ab\r", 2, 3},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, lineEnd(tt.s, tt.from), "%q from %d", tt.s, tt.from)
	}
}

func TestOnlyEmptyDocumentsLeft(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rest string
		want bool
	}{
		{"", true},
		{"---\n", true},
		{"---\n---\n", true},
		{"--- ~\n", true}, // a null document holds nothing either
		{"--- x\n", false},
		{"---\nb: 2\n", false},
		{"---\n[\n", false},
	}
	for _, tt := range tests {
		dec := yaml.NewDecoder(strings.NewReader(tt.rest))
		assert.Equal(t, tt.want, onlyEmptyDocumentsLeft(dec), "%q", tt.rest)
	}
}

func TestMappingKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc, wantKey, wantProblem string
	}{
		{"name: 1", "name", ""},
		{"1: x", "1", ""},
		{"<<: {a: 1}", "", "YAML merge keys (<<) are not supported"},
		{"~: x", "", "keys must be names, got null"},
		{"[a]: x", "", "keys must be names, got a list"},
	}
	for _, tt := range tests {
		var doc yaml.Node
		if !assert.NoError(t, yaml.Unmarshal([]byte(tt.doc), &doc), tt.doc) {
			continue
		}
		key, problem := mappingKey(doc.Content[0].Content[0])
		assert.Equal(t, [2]string{tt.wantKey, tt.wantProblem}, [2]string{key, problem}, tt.doc)
	}
}

func TestInWorkspace(t *testing.T) {
	t.Parallel()
	ws := filepath.Join(string(filepath.Separator)+"ws", "repo")
	abs := filepath.Join(string(filepath.Separator)+"certs", "ca.pem")
	tests := []struct {
		ws, path, want string
	}{
		{ws, "ca.pem", filepath.Join(ws, "ca.pem")},
		{ws, filepath.Join("certs", "ca.pem"), filepath.Join(ws, "certs", "ca.pem")},
		{ws, abs, abs},
		{"", "ca.pem", "ca.pem"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, inWorkspace(tt.ws, tt.path), "%q in %q", tt.path, tt.ws)
	}
}

func TestStatusCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		part           string
		wantLo, wantHi int
		wantOK         bool
	}{
		{"200", 200, 200, true},
		{"200-299", 200, 299, true},
		{" 200 - 299 ", 200, 299, true},
		{"299-200", 299, 200, true}, // order is checked by the caller
		{"", 0, 0, false},
		{"abc", 0, 0, false},
		{"200-", 0, 0, false},
		{"-200", 0, 0, false},
		{"200-300-400", 0, 0, false},
	}
	for _, tt := range tests {
		lo, hi, ok := statusCodes(tt.part)
		assert.Equal(t, tt.wantOK, ok, "%q", tt.part)
		if tt.wantOK {
			assert.Equal(t, [2]int{tt.wantLo, tt.wantHi}, [2]int{lo, hi}, "%q", tt.part)
		}
	}
}

func TestValidTokenRequestURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want bool
	}{
		{"https://token.actions.example.com/req?x=1", true},
		{"http://127.0.0.1:8080/token", true},
		{"http://localhost/token", true},
		{"http://[::1]/token", true},
		{"http://token.actions.example.com/req", false},
		{"ftp://example.com/", false},
		{"https:///no-host", false},
		{"/relative", false},
		{"https://exa mple.com/", false},
		{"", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, validTokenRequestURL(tt.raw), "%q", tt.raw)
	}
}

func TestCutLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s                       string
		wantLine, wantSep, rest string
	}{
		{"", "", "", ""},
		{"abc", "abc", "", ""},
		{"abc\ndef", "abc", "\n", "def"},
		{"abc\r\ndef", "abc", "\r", "\ndef"},
		{"\rx", "", "\r", "x"},
		{"abc\n", "abc", "\n", ""},
	}
	for _, tt := range tests {
		line, sep, rest := cutLine(tt.s)
		assert.Equal(t, [3]string{tt.wantLine, tt.wantSep, tt.rest}, [3]string{line, sep, rest}, "%q", tt.s)
	}
}
