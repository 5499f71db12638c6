package action

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sethvargo/go-githubactions"
)

// This file holds the loader, which reads inputs and collects what is
// wrong with them, and the checks every kind of input shares.

var (
	id32RE    = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	shortIDRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
)

// loader collects the problems found while reading inputs.
type loader struct {
	gha    *githubactions.Action
	getenv func(string) string
	errs   []error
	// envSecrets are credential values seen in inputs or the environment,
	// used or not, to scrub them from error texts as a last line of defence.
	envSecrets []string
}

func (l *loader) fail(input, format string, a ...any) {
	l.errs = append(l.errs, &InputError{Input: input, Msg: fmt.Sprintf(format, a...)})
}

// input returns a single-line input, trimmed of surrounding whitespace, the
// way actions/toolkit's getInput does.
func (l *loader) input(name string) string { return l.gha.GetInput(name) }

// block returns a multi-line (YAML) input with only its outer blank lines
// removed: the indentation of the first line and the final newline of a
// block scalar are part of the document.
func (l *loader) block(name string) string {
	return trimBlankLines(l.getenv("INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))))
}

// withEnv returns an input, or the first non-empty environment variable of
// envs, and whether the value came from the input itself.
func (l *loader) withEnv(name string, envs ...string) (value string, explicit bool) {
	if v := l.input(name); v != "" {
		return v, true
	}
	for _, e := range envs {
		if v := strings.TrimSpace(l.getenv(e)); v != "" {
			return v, false
		}
	}
	return "", false
}

func (l *loader) bool(name string, def bool) bool {
	v := l.input(name)
	switch {
	case v == "":
		return def
	case strings.EqualFold(v, "true"):
		return true
	case strings.EqualFold(v, "false"):
		return false
	}
	l.fail(name, "%s is not a boolean (use true or false)", quote(v))
	return def
}

func (l *loader) duration(name string, def time.Duration) (time.Duration, bool) {
	v := l.input(name)
	if v == "" {
		return def, true
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		l.fail(name, "%s is not a duration (e.g. 30m, 1h30m)", quote(v))
		return def, false
	}
	return d, true
}

func (l *loader) id32(name, v string) bool {
	if id32RE.MatchString(v) {
		return true
	}
	if n := utf8.RuneCountInString(v); n != 32 {
		l.fail(name, "must be 32 letters or digits, got %d characters", n)
	} else {
		l.fail(name, "must be 32 letters or digits, got %s", quote(v))
	}
	return false
}

func (l *loader) shortID(name, v string) bool {
	if shortIDRE.MatchString(v) {
		return true
	}
	l.fail(name, "must be 1 to 64 letters, digits or hyphens, got %s", quote(v))
	return false
}

// required reads an input the operation cannot do without and checks it.
func (l *loader) required(name string, op Operation, check func(name, v string) bool) string {
	v := l.input(name)
	if v == "" {
		l.fail(name, "required for operation %s", op)
		return ""
	}
	check(name, v)
	return v
}

func (l *loader) requireProject(c *Config) {
	if c.ProjectID == "" {
		l.fail("project_id", "required for operation %s (or set %s)", c.Operation, EnvProjectID)
	}
}

// choice reads an input that takes one of choices, compared after norm,
// and returns the choice; "" when the input is empty or not a choice.
func (l *loader) choice(name string, choices []string, norm func(string) string) string {
	v := l.input(name)
	if v == "" {
		return ""
	}
	if c, ok := oneOf(v, choices, norm); ok {
		return c
	}
	l.fail(name, "%s is not one of %s", quote(v), strings.Join(choices, ", "))
	return ""
}

// joined returns every problem as one error, with any secret value that
// slipped into a message replaced by ***. Messages are written never to
// contain values of secret inputs; this guards against a secret pasted into
// the wrong input (an AK in region) or a future careless message.
func (l *loader) joined(c *Config) error {
	secrets := append(append([]string{}, l.envSecrets...), c.Secrets()...)
	r := newScrubber(secrets, minScrubLen)
	errs := make([]error, 0, len(l.errs))
	for _, err := range l.errs {
		var ie *InputError
		if r != nil && errors.As(err, &ie) {
			err = &InputError{Input: r.Replace(ie.Input), Entry: r.Replace(ie.Entry), Msg: r.Replace(ie.Msg)}
		} else if r != nil {
			err = errors.New(r.Replace(err.Error()))
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// flatten undoes errors.Join so Load can join everything at one level.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// choices turns typed choices (Operations()) into the strings oneOf and
// the error messages take.
func choices[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// oneOf reports whether norm(v) is one of choices, and returns it.
func oneOf(v string, choices []string, norm func(string) string) (string, bool) {
	n := norm(v)
	for _, c := range choices {
		if n == c {
			return c, true
		}
	}
	return "", false
}

func isTrue(v string) bool {
	v = strings.TrimSpace(v)
	return v == "1" || strings.EqualFold(v, "true")
}

// quote renders a user value for an error message: quoted, so spaces and
// control characters show, and cut short, so a pasted document does not
// flood the log. Never call it on a secret.
func quote(s string) string {
	const maxRunes = 64
	if utf8.RuneCountInString(s) <= maxRunes {
		return strconv.Quote(s)
	}
	return strconv.Quote(string([]rune(s)[:maxRunes])) + "..."
}

// shortDuration prints 10m instead of time.Duration's 10m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// trimBlankLines removes whitespace-only lines at both ends of s, keeping
// the indentation of the first remaining line and the newline that ends the
// last one (a YAML block scalar with clip chomping keeps it).
func trimBlankLines(s string) string {
	first := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
	if first < 0 {
		return ""
	}
	if i := strings.LastIndexAny(s[:first], "\r\n"); i >= 0 {
		s = s[i+1:]
	}
	last := strings.LastIndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
	_, size := utf8.DecodeRuneInString(s[last:])
	return s[:lineEnd(s, last+size)]
}

// lineEnd returns where the line that holds s[from-1] ends: just after its
// line break (\n, \r or \r\n), or len(s) when it has none.
func lineEnd(s string, from int) int {
	rest := s[from:]
	i := strings.IndexAny(rest, "\r\n")
	switch {
	case i < 0:
		return len(s)
	case rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n':
		return from + i + 2
	}
	return from + i + 1
}
