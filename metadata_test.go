package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// actionMetadata is the part of action.yml the README documents.
type actionMetadata struct {
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Required    bool   `yaml:"required"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using          string `yaml:"using"`
		Image          string `yaml:"image"`
		PostEntrypoint string `yaml:"post-entrypoint"`
	} `yaml:"runs"`
}

func loadMetadata(t *testing.T) actionMetadata {
	t.Helper()
	b, err := os.ReadFile("action.yml")
	require.NoError(t, err)
	var m actionMetadata
	require.NoError(t, yaml.Unmarshal(b, &m))
	return m
}

// readmeTable returns the rows of the README table that follows heading,
// keyed by the first column's code span.
func readmeTable(t *testing.T, heading string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	text := string(b)
	i := strings.Index(text, "\n"+heading+"\n")
	require.GreaterOrEqual(t, i, 0, "README has no %q section", heading)
	rows := map[string][]string{}
	name := regexp.MustCompile("^`([a-z_-]+)`")
	inTable := false
	for _, line := range strings.Split(text[i+len(heading)+2:], "\n") {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		if m := name.FindStringSubmatch(cells[0]); m != nil {
			rows[m[1]] = cells
		}
	}
	return rows
}

// assertInActionYAML checks that each row of a README table names an
// input or output (kind) that action.yml has.
func assertInActionYAML[V any](t *testing.T, kind string, rows map[string][]string, yml map[string]V) {
	t.Helper()
	for name := range rows {
		_, ok := yml[name]
		assert.True(t, ok, "README documents %s %s, which action.yml lacks", kind, name)
	}
}

// TestReadmeInputsMatchActionYAML keeps the README's inputs table equal to
// action.yml: names, whether required, and defaults.
func TestReadmeInputsMatchActionYAML(t *testing.T) {
	t.Parallel()
	meta := loadMetadata(t)
	rows := readmeTable(t, "## Inputs")
	for name, in := range meta.Inputs {
		row, ok := rows[name]
		if !assert.True(t, ok, "input %s is in action.yml but not in the README", name) {
			continue
		}
		require.Len(t, row, 4, "README row of %s", name)
		assert.NotEmpty(t, in.Description, "input %s has no description", name)
		assert.False(t, in.Required, "input %s: required inputs would break other operations; validate in the binary", name)
		wantDefault := ""
		if in.Default != "" {
			wantDefault = "`" + in.Default + "`"
		}
		if strings.HasPrefix(row[2], "`$") || row[2] == "from `region`" {
			assert.Empty(t, in.Default, "input %s: README names an environment default, action.yml a literal", name)
		} else {
			assert.Equal(t, wantDefault, row[2], "default of input %s", name)
		}
	}
	assertInActionYAML(t, "input", rows, meta.Inputs)
}

// TestReadmeOutputsMatchActionYAML keeps the outputs table equal to action.yml.
func TestReadmeOutputsMatchActionYAML(t *testing.T) {
	t.Parallel()
	meta := loadMetadata(t)
	rows := readmeTable(t, "## Outputs")
	for name, out := range meta.Outputs {
		_, ok := rows[name]
		assert.True(t, ok, "output %s is in action.yml but not in the README", name)
		assert.NotEmpty(t, out.Description)
	}
	assertInActionYAML(t, "output", rows, meta.Outputs)
}

// TestActionRunsTheImage checks the runs section the runner relies on.
func TestActionRunsTheImage(t *testing.T) {
	t.Parallel()
	meta := loadMetadata(t)
	assert.Equal(t, "docker", meta.Runs.Using)
	assert.Equal(t, "Dockerfile", meta.Runs.Image)
	assert.Equal(t, "/deploy-action-post", meta.Runs.PostEntrypoint)
	docker, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	assert.Contains(t, string(docker), "ln -s deploy-action /out/deploy-action-post")
	assert.Contains(t, string(docker), `ENTRYPOINT ["/deploy-action"]`)
	final := string(docker)[strings.LastIndex(string(docker), "\nFROM "):]
	assert.NotRegexp(t, `(?m)^(USER|WORKDIR)\b`, final, "the runner needs root and its own working directory")
}
