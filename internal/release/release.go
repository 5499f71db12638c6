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
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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
	err := fmt.Errorf("unknown command %q: want version, notes or pin", args[0])
	if cmd, ok := commands[args[0]]; ok {
		err = cmd(args[1:], stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "release %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// commands are the subcommands by name.
var commands = map[string]func(args []string, stdout io.Writer) error{
	"version": versionCmd,
	"notes":   notesCmd,
	"pin":     pinCmd,
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
	file, version, err := notesArgs(args)
	if err != nil {
		return err
	}
	notes, err := readNotes(file, version)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, notes)
	return err
}

// readNotes returns the notes of version in the changelog file; an error
// about the changelog's content names the file.
func readNotes(file, version string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	notes, err := Notes(b, version)
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	return notes, nil
}

// notesArgs reads the notes command's flag and file.
func notesArgs(args []string) (file, version string, err error) {
	fs := flag.NewFlagSet("notes", flag.ContinueOnError)
	v := fs.String("version", "", "the release's tag, vX.Y.Z")
	if file, err = parseArgs(fs, args, "CHANGELOG.md"); err != nil {
		return "", "", err
	}
	if _, err := ParseVersion(*v); err != nil {
		return "", "", err
	}
	return file, *v, nil
}

func pinCmd(args []string, stdout io.Writer) error {
	file, ref, err := pinArgs(args)
	if err != nil {
		return err
	}
	if err := rewriteFile(file, func(b []byte) ([]byte, error) { return PinImage(b, ref) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: image: docker://%s\n", file, ref)
	return nil
}

// pinArgs reads the pin command's flags and file, and joins the flags
// into the image reference.
func pinArgs(args []string) (file, ref string, err error) {
	fs := flag.NewFlagSet("pin", flag.ContinueOnError)
	repository := fs.String("image", "", "the image's repository, e.g. ghcr.io/OWNER/deploy-action")
	version := fs.String("version", "", "the release's tag, vX.Y.Z (the image's tag)")
	digest := fs.String("digest", "", "the pushed image's digest, sha256:<64 lowercase hex>")
	if file, err = parseArgs(fs, args, "action.yml"); err != nil {
		return "", "", err
	}
	ref, err = ImageRef(*repository, *version, *digest)
	return file, ref, err
}

// rewriteFile replaces file's content with what edit makes of it, keeping
// its permissions; edit's error is prefixed with the file's name.
func rewriteFile(file string, edit func([]byte) ([]byte, error)) error {
	info, err := os.Stat(file)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	out, err := edit(b)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return os.WriteFile(file, out, info.Mode().Perm())
}

// parseArgs parses a command's flags, silently (the error says it all), and
// returns its one file argument, or def when there is none.
func parseArgs(fs *flag.FlagSet, args []string, def string) (string, error) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	return oneFile(fs.Args(), def)
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
