package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPackageLayering keeps imports pointing down the layout of the README:
// the simulator shares no code with the clients (so a wrong JSON tag in a
// client is caught), the GitHub side and the HTTP layer know nothing of
// the services, and the flows know nothing of GitHub. The GitHub side
// (action) may use the HTTP layer (huawei), which knows nothing of GitHub
// or the services, for what both must agree on, such as the shape of a
// region name.
func TestPackageLayering(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./internal/...").Output()
	require.NoError(t, err)
	const mod = "github.com/deploy-action/deploy-action/internal/"
	allowed := map[string][]string{
		"action":       {"huawei"},
		"huawei":       {},
		"huaweitest":   {}, // test support, imported by _test.go files only
		"wait":         {},
		"sim":          {},
		"health":       {"wait"},
		"codearts":     {"huawei"},
		"servicestage": {"huawei"},
		"rts":          {"huawei"},
		"keyless":      {"huawei"},
		"run":          {"huawei", "codearts", "servicestage", "rts", "wait", "health"},
		"cli":          {"action", "huawei", "keyless", "codearts", "servicestage", "rts", "run", "sim", "health"},
		"e2e":          {},
		"release":      {}, // the release workflow's command; not in the binary
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		name := strings.TrimPrefix(pkg, mod)
		ok, known := allowed[name]
		if !assert.True(t, known, "package %s is not in the layout; add it here and to the README", name) {
			continue
		}
		seen[name] = true
		for _, imp := range strings.Fields(imports) {
			dep, internal := strings.CutPrefix(imp, mod)
			if internal {
				assert.Contains(t, ok, dep, "%s must not import %s", name, dep)
			}
		}
	}
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for name := range allowed {
		assert.True(t, seen[name], "package %s of the layout is missing", name)
		assert.Contains(t, string(readme), "\n  "+name+"/", "the README's \"How it works\" does not list package %s", name)
	}
}

// Size limits that keep the code readable in one sitting (issue 14): a
// file a reader can hold, a function that fits on one screen. A longer
// function is allowed when its doc comment says why, in a line that starts
// "Long because".
const (
	maxFileLines     = 500
	maxFunctionLines = 60
)

// TestCodeStaysReadable holds the non-test code to those limits, so the
// middle layer does not grow back into functions nobody can change. With
// -v it logs the figures: go test -v -run TestCodeStaysReadable .
func TestCodeStaysReadable(t *testing.T) {
	t.Parallel()
	var sizes codeSizes
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return skipNonCode(path, d, err)
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		sizes.add(t, fset, path, file)
		return nil
	})
	require.NoError(t, err)
	t.Log(sizes.report())
}

// skipNonCode skips the folders that hold no code of the binary: the
// conformance module, test data and hidden folders.
func skipNonCode(path string, d fs.DirEntry, err error) error {
	if err != nil {
		return err
	}
	if path != "." && (d.Name() == "conformance" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
		return filepath.SkipDir
	}
	return nil
}

// codeSizes checks each file and function against the limits and keeps
// the figures for the log.
type codeSizes struct {
	functions, functionLines int
	longest, largest         sized
}

type sized struct {
	name  string
	lines int
}

func (c *codeSizes) add(t *testing.T, fset *token.FileSet, path string, file *ast.File) {
	lines := fset.Position(file.End()).Line
	assert.LessOrEqual(t, lines, maxFileLines, "%s has %d lines; split it by concern", path, lines)
	c.largest = biggest(c.largest, sized{path, lines})
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
		if n > maxFunctionLines && !strings.Contains(fn.Doc.Text(), "Long because") {
			t.Errorf("%s: %s has %d lines; break it into named steps, or say why in its doc comment (\"Long because ...\")", path, fn.Name.Name, n)
		}
		c.functions++
		c.functionLines += n
		c.longest = biggest(c.longest, sized{path + " " + fn.Name.Name, n})
	}
}

func biggest(a, b sized) sized {
	if b.lines > a.lines {
		return b
	}
	return a
}

func (c *codeSizes) report() string {
	return fmt.Sprintf("%d functions, mean %.1f lines, the longest %d (%s); the largest file %d lines (%s)",
		c.functions, float64(c.functionLines)/float64(max(c.functions, 1)), c.longest.lines, c.longest.name, c.largest.lines, c.largest.name)
}
