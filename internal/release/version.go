package main

import (
	"errors"
	"fmt"
	"regexp"
)

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
