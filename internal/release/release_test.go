package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

const (
	hex64   = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	digest  = "sha256:" + hex64
	repoRef = "ghcr.io/deploy-action/deploy-action"
	pinned  = "docker://" + repoRef + ":v1.2.3@" + digest
)

func TestCheckDigest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		digest string
		ok     bool
	}{
		{digest, true},
		{"sha256:" + strings.Repeat("f", 64), true},
		{"sha256:" + strings.ToUpper(hex64), false},        // uppercase hex
		{"sha256:" + hex64[:63], false},                    // 63 digits
		{"sha256:" + hex64 + "0", false},                   // 65 digits
		{"sha256:" + hex64[:63] + "g", false},              // not hex
		{hex64, false},                                     // no algorithm
		{"sha512:" + hex64 + hex64, false},                 // another algorithm
		{"SHA256:" + hex64, false},                         // algorithm in capitals
		{"sha256:" + hex64 + "\n", false},                  // a trailing newline
		{" sha256:" + hex64, false},                        // a leading space
		{"sha256:" + hex64 + "\nimage: Dockerfile", false}, // an injected line
		{"", false},
	}
	for _, tt := range tests {
		err := CheckDigest(tt.digest)
		if tt.ok {
			assert.NoError(t, err, "%q", tt.digest)
		} else if assert.Error(t, err, "%q", tt.digest) {
			assert.Contains(t, err.Error(), "sha256:<64 lowercase hex digits>")
		}
	}
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag        string
		major      string
		prerelease bool
		ok         bool
	}{
		{"v1.2.3", "v1", false, true},
		{"v0.1.0", "v0", false, true},
		{"v12.0.10", "v12", false, true},
		{"v1.3.0-rc.1", "v1", true, true},
		{"v2.0.0-beta", "v2", true, true},
		{"1.2.3", "", false, false},          // no v
		{"v1.2", "", false, false},           // no patch
		{"v1", "", false, false},             // a major tag is not a release
		{"v01.2.3", "", false, false},        // leading zero
		{"v1.2.3+build.5", "", false, false}, // build metadata cannot be an image tag
		{"v1.2.3-", "", false, false},
		{"v1.2.3-rc..1", "", false, false},
		{"v1.2.3-01", "", false, false}, // numeric pre-release with a leading zero
		{"V1.2.3", "", false, false},
		{"v1.2.3\n", "", false, false},
		{"", "", false, false},
	}
	for _, tt := range tests {
		got, err := ParseVersion(tt.tag)
		if !tt.ok {
			assert.Error(t, err, "%q", tt.tag)
			continue
		}
		if assert.NoError(t, err, "%q", tt.tag) {
			assert.Equal(t, Version{Tag: tt.tag, Major: tt.major, Prerelease: tt.prerelease}, got)
		}
	}
}

func TestImageRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		repository, version, digest string
		want                        string // empty: refused
	}{
		{repoRef, "v1.2.3", digest, repoRef + ":v1.2.3@" + digest},
		{"ghcr.io/some-owner/deploy-action", "v1.3.0-rc.1", digest, "ghcr.io/some-owner/deploy-action:v1.3.0-rc.1@" + digest},
		{"localhost:5000/deploy-action", "v1.2.3", digest, "localhost:5000/deploy-action:v1.2.3@" + digest},
		{"ghcr.io/Deploy-Action/deploy-action", "v1.2.3", digest, ""}, // repositories are lowercase
		{"docker://" + repoRef, "v1.2.3", digest, ""},                 // the prefix is PinImage's
		{repoRef + ":v1", "v1.2.3", digest, ""},                       // a tag of its own
		{"deploy-action/deploy-action", "v1.2.3", digest, ""},         // no registry host
		{"ghcr.io", "v1.2.3", digest, ""},                             // no repository
		{repoRef, "v1.2", digest, ""},
		{repoRef, "v1.2.3", "sha256:" + hex64[:10], ""},
		{repoRef + " ", "v1.2.3", digest, ""},
	}
	for _, tt := range tests {
		got, err := ImageRef(tt.repository, tt.version, tt.digest)
		if tt.want == "" {
			assert.Error(t, err, "%q %q %q", tt.repository, tt.version, tt.digest)
			continue
		}
		if assert.NoError(t, err) {
			assert.Equal(t, tt.want, got)
		}
	}
}

// TestImageRefReportsEveryProblem: one run names every bad part.
func TestImageRefReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := ImageRef("GHCR.io/x", "1.2.3", "sha256:XYZ")
	require.Error(t, err)
	for _, want := range []string{`image "GHCR.io/x"`, `version "1.2.3"`, `digest "sha256:XYZ"`} {
		assert.Contains(t, err.Error(), want)
	}
}

// changedLines returns the indexes of the lines that differ; both must have
// as many lines.
func changedLines(t *testing.T, before, after []byte) []int {
	t.Helper()
	b := bytes.SplitAfter(before, []byte("\n"))
	a := bytes.SplitAfter(after, []byte("\n"))
	require.Len(t, a, len(b), "the rewrite added or removed lines")
	var changed []int
	for i := range b {
		if !bytes.Equal(a[i], b[i]) {
			changed = append(changed, i)
		}
	}
	return changed
}

// TestPinImageChangesOnlyTheImageLine rewrites the project's own action.yml:
// one line changes, to the pinned image, and everything else is the same
// bytes and the same YAML.
func TestPinImageChangesOnlyTheImageLine(t *testing.T) {
	t.Parallel()
	before, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	require.NoError(t, err)
	after, err := PinImage(before, repoRef+":v1.2.3@"+digest)
	require.NoError(t, err)

	changed := changedLines(t, before, after)
	require.Len(t, changed, 1)
	i := changed[0]
	assert.Equal(t, "  image: Dockerfile\n", string(bytes.SplitAfter(before, []byte("\n"))[i]))
	assert.Equal(t, "  image: "+pinned+"\n", string(bytes.SplitAfter(after, []byte("\n"))[i]))

	var meta struct {
		Runs struct {
			Using          string `yaml:"using"`
			Image          string `yaml:"image"`
			PostEntrypoint string `yaml:"post-entrypoint"`
		} `yaml:"runs"`
	}
	require.NoError(t, yaml.Unmarshal(after, &meta))
	assert.Equal(t, "docker", meta.Runs.Using)
	assert.Equal(t, pinned, meta.Runs.Image)
	assert.Equal(t, "/deploy-action-post", meta.Runs.PostEntrypoint)
	assert.Regexp(t, regexp.MustCompile(`^docker://[a-z0-9./-]+:v[0-9]+\.[0-9]+\.[0-9]+@sha256:[0-9a-f]{64}$`), meta.Runs.Image)
}

func TestPinImageKeepsTheRest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, before, after string
	}{
		{
			name:   "an input called image is not the runs image",
			before: "name: x\ninputs:\n  image:\n    description: d\nruns:\n  using: docker\n  image: Dockerfile\n",
			after:  "name: x\ninputs:\n  image:\n    description: d\nruns:\n  using: docker\n  image: " + pinned + "\n",
		},
		{
			name:   "CRLF line endings and a comment stay",
			before: "name: x\r\nruns:\r\n  using: docker\r\n  image: Dockerfile   # built on main\r\n  args: [a]\r\n",
			after:  "name: x\r\nruns:\r\n  using: docker\r\n  image: " + pinned + "   # built on main\r\n  args: [a]\r\n",
		},
		{
			name:   "four-space indentation, no final newline, runs not last",
			before: "runs:\n    image: Dockerfile\n    using: docker\nbranding:\n    icon: upload-cloud",
			after:  "runs:\n    image: " + pinned + "\n    using: docker\nbranding:\n    icon: upload-cloud",
		},
		{
			name:   "comments and blank lines inside runs",
			before: "runs:\n\n  # the image\n  using: docker\n  image: Dockerfile\n\nauthor: a\n",
			after:  "runs:\n\n  # the image\n  using: docker\n  image: " + pinned + "\n\nauthor: a\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := PinImage([]byte(tt.before), repoRef+":v1.2.3@"+digest)
			require.NoError(t, err)
			assert.Equal(t, tt.after, string(got))
			assert.Len(t, changedLines(t, []byte(tt.before), got), 1)
		})
	}
}

func TestPinImageRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yml, ref, want string
	}{
		{"already pinned", "runs:\n  using: docker\n  image: " + pinned + "\n", repoRef + ":v1.2.4@" + digest, "want Dockerfile"},
		{"another image", "runs:\n  using: docker\n  image: docker://alpine:3\n", repoRef + ":v1.2.3@" + digest, "want Dockerfile"},
		{"quoted value", "runs:\n  using: docker\n  image: \"Dockerfile\"\n", repoRef + ":v1.2.3@" + digest, "want Dockerfile"},
		{"no runs", "name: x\nimage: Dockerfile\n", repoRef + ":v1.2.3@" + digest, "no image key directly under runs"},
		{"image nested deeper", "runs:\n  using: docker\n  env:\n    image: Dockerfile\n", repoRef + ":v1.2.3@" + digest, "no image key"},
		{"two image keys", "runs:\n  image: Dockerfile\n  image: Dockerfile\n", repoRef + ":v1.2.3@" + digest, "two image keys"},
		{"flow mapping", "runs: {using: docker, image: Dockerfile}\n", repoRef + ":v1.2.3@" + digest, "no image key"},
		{"a reference with a newline", "runs:\n  image: Dockerfile\n", repoRef + ":v1.2.3@" + digest + "\n  using: node20", "contains a space"},
		{"a reference with a comment", "runs:\n  image: Dockerfile\n", repoRef + ":v1.2.3#x", "contains a space"},
		{"not YAML", "runs:\n  image: Dockerfile\n  using: [docker\n", repoRef + ":v1.2.3@" + digest, "more than runs.image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := PinImage([]byte(tt.yml), tt.ref)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestNotes(t *testing.T) {
	t.Parallel()
	const changelog = "# Changelog\n\nIntro.\n\n## Unreleased\n\n- next\n\n" +
		"## v1.2.10 - 2026-12-03\n\n- ten\n\n" +
		"## [v1.2.1] - 2026-12-02\r\n\r\n- one\r\n- more\r\n\r\n" +
		"## v1.2.0 - 2026-12-01\n\n### Added\n\n- zero\n"
	tests := []struct {
		version, want, err string
	}{
		{version: "v1.2.10", want: "- ten\n"},
		{version: "v1.2.1", want: "- one\n- more\n"},
		{version: "v1.2.0", want: "### Added\n\n- zero\n"}, // the last section, with a subheading
		{version: "v1.2.2", err: "no section for v1.2.2"},
		{version: "v1.2", err: "no section for v1.2"},
	}
	for _, tt := range tests {
		got, err := Notes([]byte(changelog), tt.version)
		if tt.err != "" {
			if assert.Error(t, err, tt.version) {
				assert.Contains(t, err.Error(), tt.err)
			}
			continue
		}
		if assert.NoError(t, err, tt.version) {
			assert.Equal(t, tt.want, got, tt.version)
		}
	}
}

func TestNotesRefusesEmptyOrTwice(t *testing.T) {
	t.Parallel()
	_, err := Notes([]byte("## v1.0.1\n\n\n## v1.0.0\n\n- x\n"), "v1.0.1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "empty")
	_, err = Notes([]byte("## v1.0.0\n- a\n## v1.0.0\n- b\n"), "v1.0.0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "two sections")
}

// TestChangelogFormat keeps the project's CHANGELOG.md readable by Notes:
// an Unreleased section first, then one section per release, newest first,
// each with a date and not empty.
func TestChangelogFormat(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "CHANGELOG.md"))
	require.NoError(t, err)
	heading := regexp.MustCompile(`^## (v[0-9][^ ]*) - ([0-9]{4}-[0-9]{2}-[0-9]{2})$`)
	var versions, dates []string
	sawUnreleased := false
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "## ") {
			continue
		}
		if line == "## Unreleased" {
			assert.Empty(t, versions, "## Unreleased comes before every release")
			sawUnreleased = true
			continue
		}
		m := heading.FindStringSubmatch(line)
		if !assert.NotNil(t, m, "heading %q: want `## vX.Y.Z - YYYY-MM-DD` or `## Unreleased`", line) {
			continue
		}
		_, err := ParseVersion(m[1])
		assert.NoError(t, err, line)
		_, err = Notes(b, m[1])
		assert.NoError(t, err, line)
		versions, dates = append(versions, m[1]), append(dates, m[2])
	}
	assert.True(t, sawUnreleased, "CHANGELOG.md needs an `## Unreleased` section for the changes not yet released")
	for i := 1; i < len(dates); i++ {
		assert.GreaterOrEqual(t, dates[i-1], dates[i], "%s is listed before %s but dated earlier", versions[i-1], versions[i])
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	action := filepath.Join(dir, "action.yml")
	require.NoError(t, os.WriteFile(action, []byte("name: x\nruns:\n  using: docker\n  image: Dockerfile\n"), 0o644))
	changelog := filepath.Join(dir, "CHANGELOG.md")
	require.NoError(t, os.WriteFile(changelog, []byte("## v1.2.3 - 2026-12-01\n\n- first\n"), 0o644))

	tests := []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"version", "v1.2.3"}, 0, "major=v1\nprerelease=false\n", ""},
		{[]string{"version", "v2.0.0-rc.1"}, 0, "major=v2\nprerelease=true\n", ""},
		{[]string{"version", "2.0.0"}, 1, "", "not a release tag"},
		{[]string{"notes", "-version", "v1.2.3", changelog}, 0, "- first\n", ""},
		{[]string{"notes", "-version", "v1.2.4", changelog}, 1, "", "no section for v1.2.4"},
		{[]string{"pin", "-image", repoRef, "-version", "v1.2.3", "-digest", "sha256:abc", action}, 1, "", "64 lowercase hex"},
		{[]string{"pin", "-image", repoRef, "-version", "v1.2.3", "-digest", digest, action}, 0, action + ": image: " + pinned + "\n", ""},
		{[]string{"pin", "-image", repoRef, "-version", "v1.2.3", "-digest", digest, action}, 1, "", "want Dockerfile"}, // already pinned
		{[]string{"tag"}, 1, "", "unknown command"},
		{nil, 2, "", "usage"},
	}
	for _, tt := range tests { // in order: the second pin sees the first's result
		var stdout, stderr bytes.Buffer
		code := run(tt.args, &stdout, &stderr)
		assert.Equal(t, tt.code, code, "%q: %s", tt.args, stderr.String())
		assert.Equal(t, tt.stdout, stdout.String(), "%q", tt.args)
		if tt.stderr == "" {
			assert.Empty(t, stderr.String(), "%q", tt.args)
		} else {
			assert.Contains(t, stderr.String(), tt.stderr, "%q", tt.args)
		}
	}
	got, err := os.ReadFile(action)
	require.NoError(t, err)
	assert.Equal(t, "name: x\nruns:\n  using: docker\n  image: "+pinned+"\n", string(got))
}
