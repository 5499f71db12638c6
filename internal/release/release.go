// Command release prepares a release of the action; the release workflow
// (.github/workflows/release.yml) runs it with `go run ./internal/release`.
// It is not part of the action's binary.
//
//	release version vX.Y.Z
//	    checks the tag and prints major=vX and prerelease=true|false
//	    (lines for $GITHUB_OUTPUT)
//	release notes -version vX.Y.Z [CHANGELOG.md]
//	    prints the changelog's section for the version; fails when it has none
//	release pin -image ghcr.io/OWNER/deploy-action -version vX.Y.Z -digest sha256:HEX [action.yml]
//	    makes action.yml run the published image, pinned by digest: only the
//	    runs section's `image:` line changes
//
// On main, action.yml says `image: Dockerfile`, so `uses: ./` and pull
// requests run the code as it is; a release commit says
// `image: docker://REPOSITORY:vX.Y.Z@sha256:DIGEST`, so a job pulls the
// published image instead of building it.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command without the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: release version|notes|pin ... (see the package comment)")
		return 2
	}
	var err error
	switch args[0] {
	case "version":
		err = versionCmd(args[1:], stdout)
	case "notes":
		err = notesCmd(args[1:], stdout)
	case "pin":
		err = pinCmd(args[1:], stdout)
	default:
		err = fmt.Errorf("unknown command %q: want version, notes or pin", args[0])
	}
	if err != nil {
		fmt.Fprintf(stderr, "release %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func versionCmd(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("want one argument, the tag (vX.Y.Z)")
	}
	v, err := ParseVersion(args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "major=%s\nprerelease=%t\n", v.Major, v.Prerelease)
	return nil
}

func notesCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("notes", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	version := fs.String("version", "", "the release's tag, vX.Y.Z")
	if err := fs.Parse(args); err != nil {
		return err
	}
	file, err := oneFile(fs.Args(), "CHANGELOG.md")
	if err != nil {
		return err
	}
	if _, err := ParseVersion(*version); err != nil {
		return err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	notes, err := Notes(b, *version)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	_, err = io.WriteString(stdout, notes)
	return err
}

func pinCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pin", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	repository := fs.String("image", "", "the image's repository, e.g. ghcr.io/OWNER/deploy-action")
	version := fs.String("version", "", "the release's tag, vX.Y.Z (the image's tag)")
	digest := fs.String("digest", "", "the pushed image's digest, sha256:<64 lowercase hex>")
	if err := fs.Parse(args); err != nil {
		return err
	}
	file, err := oneFile(fs.Args(), "action.yml")
	if err != nil {
		return err
	}
	ref, err := ImageRef(*repository, *version, *digest)
	if err != nil {
		return err
	}
	info, err := os.Stat(file)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	out, err := PinImage(b, ref)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := os.WriteFile(file, out, info.Mode().Perm()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: image: docker://%s\n", file, ref)
	return nil
}

// oneFile returns the single file argument, or def when there is none.
func oneFile(args []string, def string) (string, error) {
	switch len(args) {
	case 0:
		return def, nil
	case 1:
		return args[0], nil
	}
	return "", fmt.Errorf("want at most one file, got %q", args)
}

// Version is a release tag.
type Version struct {
	Tag        string // v1.2.3 or v1.2.3-rc.1
	Major      string // v1: the tag that moves to the newest release of v1
	Prerelease bool   // a pre-release never moves the major tag
}

// versionPattern is a Semantic Versioning 2.0.0 version after a "v", without
// build metadata: a "+" cannot appear in an image tag.
var versionPattern = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?$`)

// ParseVersion checks a release tag: vMAJOR.MINOR.PATCH with an optional
// pre-release (v1.3.0-rc.1).
func ParseVersion(tag string) (Version, error) {
	m := versionPattern.FindStringSubmatch(tag)
	if m == nil || len(tag) > 128 { // 128: an image tag's limit
		return Version{}, fmt.Errorf("version %q is not a release tag: want vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE, e.g. v1.2.3 or v1.3.0-rc.1", tag)
	}
	return Version{Tag: tag, Major: "v" + m[1], Prerelease: m[4] != ""}, nil
}

var (
	digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	// A registry host (localhost or a name with a dot, so that it is not
	// taken for a path component), an optional port, and a lowercase
	// repository path as the distribution spec allows it.
	repositoryPattern = regexp.MustCompile(`^(localhost|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+)(:[0-9]{1,5})?(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)+$`)
)

// CheckDigest accepts an image digest of the form the registry returns for
// a push, sha256:<64 lowercase hex digits>, and nothing else.
func CheckDigest(digest string) error {
	if !digestPattern.MatchString(digest) {
		return fmt.Errorf("digest %q is not sha256:<64 lowercase hex digits>", digest)
	}
	return nil
}

// ImageRef joins the image's repository, tag and digest into the reference
// the release's action.yml runs, REPOSITORY:TAG@sha256:HEX. The runner
// pulls by the digest, which pins the content; the tag is there for readers.
func ImageRef(repository, version, digest string) (string, error) {
	var errs []error
	if !repositoryPattern.MatchString(repository) {
		errs = append(errs, fmt.Errorf("image %q is not a registry host and a lowercase repository path without a tag, e.g. ghcr.io/owner/deploy-action", repository))
	}
	if _, err := ParseVersion(version); err != nil {
		errs = append(errs, err)
	}
	if err := CheckDigest(digest); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return repository + ":" + version + "@" + digest, nil
}

// imageLine is the runs section's image key: its indentation, the key, the
// value and an optional comment.
var imageLine = regexp.MustCompile(`^([ ]+)image:([ \t]+)([^#\s]+)([ \t]*(#.*)?)$`)

// PinImage returns action.yml with its runs.image set to docker://ref,
// byte for byte the same otherwise (comments, order, line endings). It
// refuses a file whose runs.image is not Dockerfile (a release commit is
// made from a source tree), and checks the result: the same YAML with only
// runs.image changed.
func PinImage(actionYML []byte, ref string) ([]byte, error) {
	if strings.ContainsAny(ref, " \t\r\n#'\"") {
		return nil, fmt.Errorf("image reference %q contains a space, a quote or a #", ref)
	}
	lines := bytes.SplitAfter(actionYML, []byte("\n"))
	i, err := runsImageLine(lines)
	if err != nil {
		return nil, err
	}
	line := lines[i]
	body := bytes.TrimRight(line, "\r\n")
	eol := line[len(body):]
	m := imageLine.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("line %d: %q is not `image: VALUE`", i+1, body)
	}
	if string(m[3]) != "Dockerfile" {
		return nil, fmt.Errorf("line %d: runs.image is %q, want Dockerfile: pin the action.yml of a source tree, not of a release", i+1, m[3])
	}
	var pinned bytes.Buffer
	pinned.Write(m[1])
	pinned.WriteString("image:")
	pinned.Write(m[2])
	pinned.WriteString("docker://" + ref)
	pinned.Write(m[4])
	pinned.Write(eol)
	out := make([]byte, 0, len(actionYML)+len(ref)+16)
	for j, l := range lines {
		if j == i {
			out = append(out, pinned.Bytes()...)
		} else {
			out = append(out, l...)
		}
	}
	if err := sameButImage(actionYML, out, "docker://"+ref); err != nil {
		return nil, fmt.Errorf("the rewrite would change more than runs.image: %w", err)
	}
	return out, nil
}

// runsImageLine finds the one `image:` line directly under the top-level
// `runs:` key.
func runsImageLine(lines [][]byte) (int, error) {
	inRuns, indent, found := false, "", -1
	for i, raw := range lines {
		line := strings.TrimRight(string(raw), "\r\n")
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		lead := line[:len(line)-len(trimmed)]
		if lead == "" { // a top-level key
			inRuns = strings.HasPrefix(line, "runs:")
			indent = ""
			continue
		}
		if !inRuns {
			continue
		}
		if indent == "" {
			indent = lead // the runs mapping's own indentation
		}
		if lead == indent && strings.HasPrefix(trimmed, "image:") {
			if found >= 0 {
				return 0, fmt.Errorf("lines %d and %d: runs has two image keys", found+1, i+1)
			}
			found = i
		}
	}
	if found < 0 {
		return 0, errors.New("no image key directly under runs")
	}
	return found, nil
}

// sameButImage checks that before and after are the same YAML document but
// for runs.image, which after sets to image.
func sameButImage(before, after []byte, image string) error {
	var b, a map[string]any
	if err := yaml.Unmarshal(before, &b); err != nil {
		return fmt.Errorf("before: %w", err)
	}
	if err := yaml.Unmarshal(after, &a); err != nil {
		return fmt.Errorf("after: %w", err)
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

// headingPattern matches a changelog section's heading, "## v1.2.3",
// "## [v1.2.3]" or either followed by " - DATE", and captures the version.
var headingPattern = regexp.MustCompile(`^## \[?([^\]\s]+)\]?(\s.*)?$`)

// Notes returns the changelog's section for version: the lines between its
// "## vX.Y.Z" heading and the next "## " heading, trimmed. A release needs
// exactly one such section, and it must not be empty.
func Notes(changelog []byte, version string) (string, error) {
	lines := strings.Split(strings.ReplaceAll(string(changelog), "\r\n", "\n"), "\n")
	start, end := -1, len(lines)
	for i, line := range lines {
		if !strings.HasPrefix(line, "## ") {
			continue
		}
		if start >= 0 && end == len(lines) {
			end = i
		}
		if m := headingPattern.FindStringSubmatch(line); m != nil && m[1] == version {
			if start >= 0 {
				return "", fmt.Errorf("two sections for %s (lines %d and %d)", version, start, i+1)
			}
			start = i + 1
		}
	}
	if start < 0 {
		return "", fmt.Errorf("no section for %s: add a heading `## %s - YYYY-MM-DD` with the release's changes", version, version)
	}
	notes := strings.TrimSpace(strings.Join(lines[start:end], "\n"))
	if notes == "" {
		return "", fmt.Errorf("the section for %s is empty", version)
	}
	return notes + "\n", nil
}
