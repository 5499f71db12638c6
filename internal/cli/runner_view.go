package cli

import (
	"fmt"
	"io"
	"strings"
)

// runnerView renders workflow commands the way the runner shows them in a
// job log: masks applied, groups folded into headings, annotations as
// "Error:" lines.
type runnerView struct {
	w       io.Writer
	pending []byte
	masks   []string
	inGroup bool
}

func newRunnerView(w io.Writer) *runnerView { return &runnerView{w: w} }

func (v *runnerView) Write(b []byte) (int, error) {
	v.pending = append(v.pending, b...)
	for {
		i := strings.IndexByte(string(v.pending), '\n')
		if i < 0 {
			return len(b), nil
		}
		v.line(string(v.pending[:i]))
		v.pending = v.pending[i+1:]
	}
}

// Flush writes a last line that had no newline.
func (v *runnerView) Flush() {
	if len(v.pending) > 0 {
		v.line(string(v.pending))
		v.pending = nil
	}
}

func (v *runnerView) mask(s string) string {
	for _, m := range v.masks {
		s = strings.ReplaceAll(s, m, "***")
	}
	return s
}

var unescape = strings.NewReplacer("%0A", "\n    ", "%0D", "", "%3A", ":", "%2C", ",", "%25", "%")

func (v *runnerView) line(l string) {
	cmd, rest, isCmd := strings.Cut(strings.TrimPrefix(l, "::"), "::")
	if !strings.HasPrefix(l, "::") || !isCmd {
		fmt.Fprintln(v.w, v.indent()+v.mask(l))
		return
	}
	name, props, _ := strings.Cut(cmd, " ")
	v.command(l, name, props, rest)
}

// indent marks the lines of a group.
func (v *runnerView) indent() string {
	if v.inGroup {
		return "  │ "
	}
	return ""
}

// command shows workflow command l (name, its properties and its value)
// as the runner does: masks and debug lines hidden, groups folded.
func (v *runnerView) command(l, name, props, value string) {
	msg := v.mask(unescape.Replace(value))
	switch name {
	case "add-mask":
		if value != "" {
			v.masks = append(v.masks, value)
		}
	case "group":
		v.inGroup = true
		fmt.Fprintln(v.w, "▸ "+msg)
	case "endgroup":
		v.inGroup = false
	case "debug":
	case "error", "warning", "notice":
		fmt.Fprintf(v.w, "%s%s: %s%s\n", v.indent(), annotationLabel[name], v.mask(annotationTitle(props)), msg)
	default:
		fmt.Fprintln(v.w, v.indent()+v.mask(l))
	}
}

// annotationLabel is how the runner labels an annotation in the log.
var annotationLabel = map[string]string{"error": "Error", "warning": "Warning", "notice": "Notice"}

// annotationTitle is an annotation's title= property followed by ": ",
// "" without one.
func annotationTitle(props string) string {
	title := ""
	for _, p := range strings.Split(props, ",") {
		if t, ok := strings.CutPrefix(p, "title="); ok {
			title = unescape.Replace(t) + ": "
		}
	}
	return title
}
