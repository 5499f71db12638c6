package main

import (
	"os/exec"
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
		"health":       {},
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
	for name := range allowed {
		assert.True(t, seen[name], "package %s of the layout is missing", name)
	}
}
