package action

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"unicode/utf8"
)

// Files writes the runner's file commands. The runner reads these files even
// when the step fails or is cancelled, so an output written early survives.
// An empty path (running outside GitHub, e.g. `demo`) makes the write a no-op.
type Files struct {
	OutputPath  string // GITHUB_OUTPUT
	StatePath   string // GITHUB_STATE: reaches the post step as STATE_<name>
	SummaryPath string // GITHUB_STEP_SUMMARY

	// Scrub, when set, masks secrets in every value before it is written
	// (Log.Scrub): outputs, state and summary all leave the process, and
	// a value from a server may echo a secret. It runs before any cut, so
	// a cut can never leave the start of a secret behind.
	Scrub func(string) string

	// delimiter makes the heredoc delimiter; nil means randomDelimiter.
	// Tests replace it to reach the collision check.
	delimiter func() string
}

// MaxSummarySize is the largest step summary the runner accepts; it drops
// a larger one entirely.
const MaxSummarySize = 1 << 20

// summaryNote ends a summary that was cut to stay within MaxSummarySize.
const summaryNote = "\n\n> **Note:** the rest of this summary was cut: GitHub accepts at most 1 MiB of step summary.\n"

// summaryMu serialises summary appends within the process: the size check
// and the write must not interleave.
var summaryMu sync.Mutex

// FilesFromEnv returns the file-command paths the runner set for this step.
func FilesFromEnv(getenv func(string) string) Files {
	if getenv == nil {
		getenv = os.Getenv
	}
	return Files{
		OutputPath:  getenv("GITHUB_OUTPUT"),
		StatePath:   getenv("GITHUB_STATE"),
		SummaryPath: getenv("GITHUB_STEP_SUMMARY"),
	}
}

// SetOutput sets a step output.
func (f Files) SetOutput(name, value string) error {
	return f.appendKeyValue(f.OutputPath, name, f.scrub(value))
}

// SaveState saves a value for the post step (STATE_<name>).
func (f Files) SaveState(name, value string) error {
	return f.appendKeyValue(f.StatePath, name, f.scrub(value))
}

func (f Files) scrub(s string) string {
	if f.Scrub == nil {
		return s
	}
	return f.Scrub(s)
}

// appendKeyValue writes name<<DELIM\nvalue\nDELIM\n like actions/toolkit.
// The delimiter is random, so a value cannot end the record early and add
// outputs of its own; it is still checked against name and value, because
// the runner rejects a record whose value contains it.
func (f Files) appendKeyValue(path, name, value string) error {
	if path == "" {
		return nil
	}
	if name == "" || strings.ContainsAny(name, "\r\n=") || strings.Contains(name, "<<") {
		return fmt.Errorf("file command: invalid name %q: must be non-empty without line breaks, '=' or '<<'", name)
	}
	delim, ok := f.pickDelimiter(name, value)
	if !ok {
		return fmt.Errorf("file command %s: could not find a delimiter that does not occur in the value", name)
	}
	return appendFile(path, name+"<<"+delim+"\n"+value+"\n"+delim+"\n")
}

// pickDelimiter returns a delimiter that occurs in neither name nor
// value; it gives up after three tries (a random one never collides).
func (f Files) pickDelimiter(name, value string) (string, bool) {
	newDelim := f.delimiter
	if newDelim == nil {
		newDelim = randomDelimiter
	}
	for range 3 {
		d := newDelim()
		if !strings.Contains(name, d) && !strings.Contains(value, d) {
			return d, true
		}
	}
	return "", false
}

// randomDelimiter returns ghadelimiter_ and a random UUID (version 4), the
// form actions/toolkit uses.
func randomDelimiter() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24; it crashes instead
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("ghadelimiter_%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// AppendSummary appends Markdown to the step summary. The runner refuses a
// summary over 1 MiB whole, so an addition that would pass the limit is cut
// (at a character boundary) and ends with a note saying so; when not even
// the note fits, nothing is written and an error says the summary is full.
func (f Files) AppendSummary(markdown string) error {
	if f.SummaryPath == "" || markdown == "" {
		return nil
	}
	markdown = f.scrub(markdown)
	summaryMu.Lock()
	defer summaryMu.Unlock()
	size, err := fileSize(f.SummaryPath)
	if err != nil {
		return fmt.Errorf("step summary: %w", err)
	}
	markdown, ok := fitSummary(markdown, size)
	if !ok {
		return fmt.Errorf("step summary: full (%d bytes; GitHub accepts at most %d), %d bytes not written", size, MaxSummarySize, len(markdown))
	}
	return appendFile(f.SummaryPath, markdown)
}

// fileSize returns the size of the file at path, 0 when there is none.
func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	switch {
	case err == nil:
		return fi.Size(), nil
	case errors.Is(err, fs.ErrNotExist):
		return 0, nil
	}
	return 0, err
}

// fitSummary returns markdown as it may be added to a summary of size
// bytes: whole, or cut at a character boundary and ended with
// summaryNote. It returns markdown and false when not even the note fits.
func fitSummary(markdown string, size int64) (string, bool) {
	if size+int64(len(markdown)) <= MaxSummarySize {
		return markdown, true
	}
	room := MaxSummarySize - size - int64(len(summaryNote))
	if room < 0 {
		return markdown, false
	}
	cut := int(room)
	for cut > 0 && !utf8.RuneStart(markdown[cut]) {
		cut--
	}
	return markdown[:cut] + summaryNote, true
}

// appendFile appends s with one write, so that records of concurrent
// writers do not interleave.
func appendFile(path, s string) error {
	file, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = file.WriteString(s)
	return errors.Join(err, file.Close())
}
